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
 */
#ifndef CCT_WORKERENV_H
#define CCT_WORKERENV_H

#include "options.h"
#include "util.h"

typedef struct cct_worker_command {
    cct_strv argv;
    cct_strv env;
} cct_worker_command;

void cct_worker_command_build(cct_worker_command *c, const char *python,
                              const cct_strv *sys_path, int fast,
                              const char *data_dir,
                              const cct_worker_flags *flags);
void cct_worker_command_free(cct_worker_command *c);
int cct_worker_command_equal(const cct_worker_command *a,
                             const cct_worker_command *b);

/* Reads the memo: 0 with *python (malloc'ed) and sys_path filled, or -1
 * when there is none. */
int cct_worker_memo_read(const char *file, char **python, cct_strv *sys_path);
/* Writes it; a memo that cannot be written only costs time. */
void cct_worker_memo_write(const char *file, const char *python,
                           const cct_strv *sys_path);

#endif
