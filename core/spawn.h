/*
 * A child process and the pipes cctrial talks to it through: the one place
 * that calls uv_spawn (for trial's workers, the discovery helper, git, and
 * the plugins' programs).
 *
 * A spawn owns the process handle, one pipe per descriptor its owner asks
 * for, and an optional deadline timer; it counts them, and once the last
 * is closed it calls `closed` and frees itself.  The owner reads and writes
 * the pipes itself (cct_spawn_pipe: each pipe's `data` is the owner's
 * `arg`).  The process handle is closed as soon as its exit is reported;
 * the rest closes once the owner has closed every pipe (at its end of file,
 * one by one with cct_spawn_close_pipe, or all at once with
 * cct_spawn_close).
 *
 * The child is spawned from an argument vector, never through a shell;
 * libuv resets its signal dispositions and mask, and descriptors 0-2 that
 * are not pipes are /dev/null.  A worker or the discovery helper may
 * instead be forked from a warm template (template.h) while one is usable:
 * the same pipes (Unix socket pairs, as libuv makes them), the same
 * callbacks; should the template be lost before it saw the request, or
 * refuse it, the process is spawned as above after all.
 */
#ifndef CCT_SPAWN_H
#define CCT_SPAWN_H

#include <stdint.h>
#include <uv.h>

#include "template.h"

typedef struct cct_spawn cct_spawn;

/* What one of the child's descriptors is. */
typedef enum cct_spawn_fd {
    CCT_SPAWN_NULL = 0,   /* /dev/null for 0-2; closed for the others */
    CCT_SPAWN_FROM_CHILD, /* a pipe the child writes and cctrial reads */
    CCT_SPAWN_TO_CHILD,   /* a pipe cctrial writes and the child reads */
    CCT_SPAWN_DUPLEX      /* a Unix stream socket both write and read */
} cct_spawn_fd;

#define CCT_SPAWN_MAX_FDS 5

typedef struct cct_spawn_status {
    int exited;          /* its exit was reported */
    int64_t exit_status;
    int term_signal;     /* non-zero: the signal that ended it */
    int timed_out;       /* the deadline killed it */
} cct_spawn_status;

typedef struct cct_spawn_options {
    const char *const *argv; /* argv[0] is looked up on PATH */
    const char *const *env;  /* NULL: cctrial's environment */
    const char *cwd;         /* NULL: cctrial's */
    cct_spawn_fd fds[CCT_SPAWN_MAX_FDS];
    unsigned n_fds;          /* the child gets descriptors 0 .. n_fds-1 */
    /* A process group (and session) of its own: cct_spawn_kill() and the
     * deadline then reach whatever it started too, and a Ctrl-C typed at
     * cctrial's terminal does not. */
    int own_group;
    /* 0: none.  Past it the process (its group, with own_group) is killed
     * with SIGKILL and the pipes still open are closed: the owner hears no
     * more from it, and a descendant that keeps a pipe open cannot hold
     * the end back. */
    unsigned timeout_ms;
    /* NULL, or a template to fork the process from (argv, env and cwd are
     * then the template's, and only used should it refuse the request or
     * be lost before it saw it).  The child is a worker, which gets env's
     * PYTHONPATH, or with template_runs_script the script argv[1] with
     * argv[2...], run in the template's environment (which env must be).
     * Descriptor 0 must be CCT_SPAWN_NULL, 1 and 2 pipes. */
    cct_template *template;
    int template_runs_script;
    /* The process exited (may be NULL).  The pipes may still hold output. */
    void (*exited)(const cct_spawn_status *status, void *arg);
    /* Everything is closed; the last callback.  Not called when
     * cct_spawn_start() fails. */
    void (*closed)(const cct_spawn_status *status, void *arg);
    void *arg;
} cct_spawn_options;

/* Starts the process.  Returns 0, or a negative libuv error (no callback
 * runs; the spawn frees itself once libuv has closed what it had opened,
 * so the loop must still run). */
int cct_spawn_start(uv_loop_t *loop, const cct_spawn_options *options,
                    cct_spawn **out);

/* The pipe on the child's descriptor `fd`, which must be one.  Valid until
 * `closed`, even once closing. */
uv_stream_t *cct_spawn_pipe(cct_spawn *spawn, unsigned fd);

/* Closes the pipe on `fd`, if it is not closing already. */
void cct_spawn_close_pipe(cct_spawn *spawn, unsigned fd);

/* Sends `signum` to the process, or to its group with own_group.  Returns
 * 0, or UV_ESRCH once its exit has been reported (its pid may be another
 * process's by then). */
int cct_spawn_kill(cct_spawn *spawn, int signum);

/* 1 when the process has ended, even if libuv has not reported its exit
 * yet (it is left for libuv to reap), else 0. */
int cct_spawn_has_ended(cct_spawn *spawn);

/* Closes everything not closing yet.  Before the exit, the process is no
 * longer watched (kill it first). */
void cct_spawn_close(cct_spawn *spawn);

#endif
