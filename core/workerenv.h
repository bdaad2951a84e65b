/*
 * The command and environment trial's workers run with, and a memo of them
 * for the next start.
 *
 * A worker is `<python> -m twisted.trial._dist.workertrial` (or cctrial's
 * fast bootstrap), with PYTHONPATH set to the sys.path discovery saw, as
 * trial's manager sets it to its own, and with the options `trial -j`
 * passes to its workers (cct_worker_flags).  The interpreter and the path
 * depend on discovery, which takes a while; the memo (.cctrial/workers)
 * remembers them so that the next start can spawn its workers while
 * discovery runs, and replace them if discovery then says otherwise.
 *
 * The project's `env` key adds to (or replaces in) the environment
 * cctrial was started with, for discovery and the workers alike.
 */
#ifndef CCT_WORKERENV_H
#define CCT_WORKERENV_H

#include "options.h"
#include "util.h"

typedef struct cct_worker_command {
    cct_strv argv;
    cct_strv env;
    /* The warm template's command (template.h): the fast worker's with
     * `--template`; empty when workers are spawned afresh.  Its
     * environment is discovery's: the workers' without the PYTHONPATH
     * discovery found (each forked worker is told it). */
    cct_strv template_argv;
    cct_strv template_env;
} cct_worker_command;

/* Parses the `env` key's value, one NAME=value a line (blank lines
 * skipped), into `out`.  Returns 0, or -1 with *error (malloc'ed) naming
 * the line that is not NAME=value. */
int cct_env_parse(const char *text, cct_strv *out, char **error);
/* cctrial's environment, with `extra` (NAME=value; may be NULL) added or
 * replacing, and without the variable `without` (NULL: none), into
 * `out`. */
void cct_env_build(const cct_strv *extra, const char *without,
                   cct_strv *out);

void cct_worker_command_build(cct_worker_command *c, const char *python,
                              const cct_strv *sys_path,
                              const cct_strv *extra_env, int fast,
                              int template, const char *data_dir,
                              const cct_worker_flags *flags);
void cct_worker_command_free(cct_worker_command *c);
int cct_worker_command_equal(const cct_worker_command *a,
                             const cct_worker_command *b);
/* Whether both have a template, the same (the same command and
 * environment): the workers of one may be forked from the other's. */
int cct_worker_command_same_template(const cct_worker_command *a,
                                     const cct_worker_command *b);

/* Reads the memo: 0 with *python (malloc'ed) and sys_path filled, or -1
 * when there is none. */
int cct_worker_memo_read(const char *file, char **python, cct_strv *sys_path);
/* Writes it; a memo that cannot be written only costs time. */
void cct_worker_memo_write(const char *file, const char *python,
                           const cct_strv *sys_path);

#endif
