/*
 * The recursive file watcher, over one of two backends (watch_backend.h):
 * inotify (Linux, the default there) or libuv's uv_fs_event (portable, the
 * default elsewhere).  libuv's uv_fs_event does not recurse on Linux and
 * drops the kernel's queue-overflow event, so inotify stays the default
 * where it exists.
 *
 * Either way the watcher keeps a watch per directory: a directory created
 * later is watched and scanned at once (files may appear in it before its
 * watch exists); deleted or moved-away directories are dropped; a root
 * that disappears is reported.
 *
 * Only files whose names end with one of `extensions` count, and nothing
 * matching an `ignore` glob (matched against every path component) or
 * named in `ignored_paths` (what .gitignore ignores: see gitignore.h);
 * an ignored directory is not watched.
 * The save of one file (write, write-then-rename, rename-the-original-
 * then-write) is reported at once, when the backend says it is over
 * (inotify: closed after writing, or renamed into place; libuv cannot
 * say).  Other changes are collected until `debounce_ms` pass without
 * any, then reported as one set: a `git checkout` of hundreds of files
 * becomes one change set.  When a set reported at once turns out to be
 * the first file of a burst (another change within `debounce_ms`), the
 * `burst` callback says so at once, and the rest comes as the next set,
 * after the quiet period (watch_quiet.h); when it turns out to be alone
 * (`debounce_ms` passed without a change), the `alone` callback says so.  A kernel queue overflow
 * reports every watched file (inotify only: libuv does not say when
 * events were lost).
 *
 * Once started, a directory that cannot be watched (the watch limit is
 * full) does not stop the watcher: it is named once through the `notice`
 * callback and scanned every 2 s instead, its changes reported as the
 * others.  A directory that cannot be read is watched once a change of its
 * attributes (a chmod) makes it readable.
 */
#ifndef CCT_WATCHER_H
#define CCT_WATCHER_H

#include <uv.h>

#include "util.h"

typedef struct cct_watcher cct_watcher;

/* `files` are absolute paths, sorted, each once; `overflow` is set when
 * the kernel lost events (then every watched file is in `files`). */
typedef void (*cct_watch_cb)(const cct_strv *files, int overflow,
                             void *arg);
/* A root directory disappeared (or came back: `gone` is 0). */
typedef void (*cct_root_cb)(const char *root, int gone, void *arg);
/* Something the user should know, said once: directories that cannot be
 * watched (and are scanned instead), or all watched again. */
typedef void (*cct_watch_notice_cb)(const char *message, void *arg);
/* The set just reported at once was the first file of a burst: the rest
 * is being gathered, and comes as the next set. */
typedef void (*cct_watch_burst_cb)(void *arg);
/* The set reported at once was alone: no burst can follow it any more. */
typedef void (*cct_watch_alone_cb)(void *arg);

typedef struct cct_watch_callbacks {
    cct_watch_cb changed;
    cct_root_cb root;
    cct_watch_notice_cb notice;
    cct_watch_burst_cb burst;
    cct_watch_alone_cb alone;
} cct_watch_callbacks;

/* The backends this build has, as the `watcher` key names them: inotify
 * is Linux's own. */
#ifdef __linux__
#define CCT_WATCHER_DEFAULT "inotify"
#define CCT_WATCHER_CHOICES "inotify|libuv"
#else
#define CCT_WATCHER_DEFAULT "libuv"
#define CCT_WATCHER_CHOICES "libuv"
#endif

typedef struct cct_watcher_config {
    const cct_strv *roots;      /* absolute directories */
    const cct_strv *extensions; /* e.g. ".py" */
    const cct_strv *ignore;     /* globs */
    const cct_strv *ignored_paths; /* exact absolute paths, or NULL */
    unsigned debounce_ms;
    const char *backend; /* one of CCT_WATCHER_CHOICES; NULL: the default */
} cct_watcher_config;

/* Starts watching.  Returns 0, or CCT_EWATCHLIMIT when the kernel's watch
 * limit is reached before every directory is watched, or another negative
 * error; *error explains. */
int cct_watcher_start(uv_loop_t *loop, const cct_watcher_config *config,
                      const cct_watch_callbacks *callbacks, void *arg,
                      cct_watcher **out, char **error);
void cct_watcher_close(cct_watcher *w);
/* From now on `paths` (absolute: directories or files) are ignored, as
 * `ignored_paths` are: directories among them are no longer watched. */
void cct_watcher_ignore_paths(cct_watcher *w, const cct_strv *paths);
/* May the `burst` callback still come for the last set (it was reported
 * at once, and neither `burst` nor `alone` has come for it)? */
int cct_watcher_burst_may_follow(const cct_watcher *w);

/* The directories to watch, into `out`: for `watch` = auto, the project
 * and the development installs (`dev_roots`, discovery's; NULL: not
 * known yet) outside it; cwd: the directory cctrial was started in
 * (`cwd`, maybe below the project root) alone; else the directories
 * listed, relative to the project. */
void cct_watch_roots(const cct_strv *watch, const char *project_dir,
                     const char *cwd, const cct_strv *dev_roots,
                     cct_strv *out);

/* Is `name` (one path component) ignored by these globs? */
int cct_watch_ignored(const cct_strv *ignore, const char *name);
/* Is `rel` (a path from a watched root, whose directories are not
 * ignored: the watcher does not go into those) ignored: its name by a
 * glob without a slash, or the whole path by a glob with one (a leading
 * slash anchors it to the root, as in .gitignore)? */
int cct_watch_path_ignored(const cct_strv *ignore, const char *rel);
/* Does a file name count, given the extensions and ignore globs? */
int cct_watch_counts(const cct_strv *extensions, const cct_strv *ignore,
                     const char *name);

/* The notice naming `dirs` (sorted), which could not be watched for `err`
 * (a negative errno) and are scanned every `scan_ms` instead; the caller
 * frees it. */
char *cct_watch_unwatched_message(const cct_strv *dirs, int err,
                                  unsigned scan_ms);

#endif
