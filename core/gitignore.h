/*
 * What the project's git repository ignores (.gitignore, .git/info/
 * exclude, core.excludesFile), asked of git itself so that its rules are
 * git's own: at the start, the ignored files and directories, which the
 * watcher then leaves out (an ignored directory is not even watched); on
 * a change set, which of its files are ignored (a directory made later,
 * such as a fresh build/, was not on the first list; the session asks
 * only about files git has not yet said it does not ignore).
 *
 * Both run git asynchronously, bounded in time and output; a project
 * that is not in a git repository, a missing git or one that fails is
 * an error the caller may show, and then nothing more is ignored.  A
 * tracked file is never ignored, as for git.
 */
#ifndef CCT_GITIGNORE_H
#define CCT_GITIGNORE_H

#include <uv.h>

#include "util.h"

typedef struct cct_gitignore_job cct_gitignore_job;

/* status 0: `ignored` holds absolute paths (a directory without its
 * trailing slash); -1: `why` says why git could not tell. */
typedef void (*cct_gitignore_list_cb)(int status, const cct_strv *ignored,
                                      const char *why, void *arg);
/* status 0: `ignored` holds the paths asked about that are ignored;
 * -1: git could not tell. */
typedef void (*cct_gitignore_check_cb)(int status, const cct_strv *ignored,
                                       void *arg);

/* Lists what is ignored in `dir` and below.  Returns 0 (the callback runs
 * once, from the loop, unless cancelled) or a negative libuv error (git
 * cannot be started; no callback). */
int cct_gitignore_list(uv_loop_t *loop, const char *dir,
                       cct_gitignore_list_cb done, void *arg,
                       cct_gitignore_job **out);
/* Which of `paths` (absolute, inside the repository) are ignored.  As
 * cct_gitignore_list. */
int cct_gitignore_check(uv_loop_t *loop, const char *dir,
                        const cct_strv *paths, cct_gitignore_check_cb done,
                        void *arg, cct_gitignore_job **out);
/* Stops a job; its callback does not run. */
void cct_gitignore_cancel(cct_gitignore_job *job);

/* `git status --porcelain -z --ignored=matching` output (paths relative
 * to `toplevel`): the ignored ones, absolute, into `ignored`. */
void cct_gitignore_parse_status(const char *toplevel, const char *out,
                                size_t len, cct_strv *ignored);
/* `git check-ignore -z` output: the paths, into `ignored`. */
void cct_gitignore_parse_check(const char *out, size_t len,
                               cct_strv *ignored);

#endif
