/*
 * One trial worker process, and the manager's side of its AMP
 * conversation.
 *
 * A worker is `<python> -m twisted.trial._dist.workertrial`: commands from
 * us arrive on its fd 3, its commands to us leave on fd 4, and the test's
 * own stdout and stderr are fds 1 and 2.  We send Start (the directory to
 * work in) and then one Run per test; the worker answers each Run after
 * sending the test's results (AddSuccess, AddFailure, ...), which we answer
 * in turn.  Both generations of trial's protocol are understood: Twisted
 * 22.4/22.8 send failure texts inline, 22.10 and later through streams
 * (StreamOpen, StreamWrite).  A peer that breaks the protocol is killed.
 *
 * A worker is spawned ahead of need ("prewarmed") and only learns its
 * directory at cct_worker_start(); what it writes before that is held in
 * memory (bounded) and written to its logs then.  It frees itself after
 * its `closed` event.
 */
#ifndef CCT_WORKER_H
#define CCT_WORKER_H

#include <stddef.h>
#include <uv.h>

#include "result.h"
#include "traceback.h"
#include "worker_runs.h"

typedef struct cct_worker cct_worker;

typedef struct cct_worker_events {
    /* The worker answered Start: a test handed to it begins now (until
     * then it was starting Python and Twisted).  May be NULL. */
    void (*ready)(cct_worker *w, void *arg);
    /* The worker answered Run: test `test` (its index, cct_worker_run) is
     * over, and the next one sent ahead, if any, is running.  `n_results`
     * counts the results it sent for it (0 means it reported nothing),
     * `tests_run` the tests it ran (cct_worker_tests_run, which now
     * counts the next one's). */
    void (*test_done)(cct_worker *w, size_t test, size_t n_results,
                      size_t tests_run, void *arg);
    /* The worker is gone without being asked to stop: it exited, was
     * killed, timed out or broke the protocol.  `why` says how, and what
     * it last wrote on stderr.  Not called after cct_worker_stop(). */
    void (*died)(cct_worker *w, const char *why, void *arg);
    /* Every handle is closed; the worker is freed when this returns. */
    void (*closed)(cct_worker *w, void *arg);
} cct_worker_events;

typedef struct cct_worker_setup {
    const char *const *argv; /* the full command */
    const char *const *env;  /* the full environment */
    const char *cwd;         /* where it starts (the project) */
    /* NULL, or the warm template to fork it from (argv, env and cwd are
     * the template's then, used only should it be lost first). */
    struct cct_template *template;
    cct_source_cache *sources; /* for formatting tracebacks */
    unsigned timeout_s;      /* per test; 0 for none */
    const char *test_log;    /* trial's --logfile: in its directory, or
                                absolute; NULL: test.log */
    cct_tbformat tbformat;   /* trial's --tbformat */
    unsigned stop_grace_ms;  /* how long it may take to exit once asked
                                (0: STOP_GRACE_MS) */
    /* Each result of the running test, under the name it was handed out
     * by (cct_worker_run). */
    cct_result_cb result;
    void *result_arg;
} cct_worker_setup;

/* Spawns a worker numbered `number`.  Returns 0, or a negative libuv error
 * (and then no event ever fires). */
int cct_worker_spawn(uv_loop_t *loop, const cct_worker_setup *setup,
                     unsigned number, const cct_worker_events *events,
                     void *arg, cct_worker **out);
/* Opens out.log, err.log and its test log (test.log) in `dir` (an
 * absolute path, created by the caller) and sends Start(dir).  Returns 0 or a negative error. */
int cct_worker_start(cct_worker *w, const char *dir);
/* Sends Run(test_id), the test the caller numbers `index` (any number but
 * CCT_NO_TEST: the worker gives it back, see cct_worker_running).  A
 * started worker runs one test at a time; while it has one, more may be
 * sent ahead (only when cct_worker_can_send_ahead), which it finds waiting
 * when the one before ends: the latency of a round trip through cctrial
 * is then hidden, and cctrial may read its results in batches.  Returns 0,
 * or a negative error: then the worker is killed, and the test is its all
 * the same (its death reports it). */
int cct_worker_run(cct_worker *w, const char *test_id, size_t index);
/* Whether it may be handed a test: it has not exited, been killed, been
 * asked to stop, nor said it quits (a Run answered with AMP's QuitBox). */
int cct_worker_is_alive(const cct_worker *w);
/* Whether a test may be sent ahead now (see cct_worker_run): it runs one,
 * and fewer than CCT_AHEAD_MAX wait behind it. */
int cct_worker_can_send_ahead(const cct_worker *w);
/* The index of the test it runs, or CCT_NO_TEST; of the k-th sent ahead
 * (0: the next), or CCT_NO_TEST; how many wait ahead.  The worker is their
 * one owner (worker_runs.h).  A test handed to a worker not yet ready
 * (cct_worker_is_ready) has not begun, nor has one sent ahead. */
size_t cct_worker_running(const cct_worker *w);
size_t cct_worker_ahead(const cct_worker *w, size_t k);
size_t cct_worker_n_ahead(const cct_worker *w);
/* Reads what waits in the test's stdout and stderr pipes into the logs, so
 * that they are whole when shown (at the end of a run; a dying worker's
 * are read by itself). */
void cct_worker_drain(cct_worker *w);
/* Asks the worker to exit (closes its command pipe); kills it if it has
 * not exited within a grace period.  No `died` event follows. */
void cct_worker_stop(cct_worker *w);
/* The job is stopped (Ctrl-Z) / continued: the running test's clock, which
 * its timeout reads, stops and goes on, so that time stopped does not
 * count. */
void cct_worker_pause_clock(cct_worker *w);
void cct_worker_resume_clock(cct_worker *w);
/* Kills the worker at once; `why` is reported through `died` unless the
 * worker was already stopping. */
void cct_worker_kill(cct_worker *w, const char *why);

unsigned cct_worker_number(const cct_worker *w);
int cct_worker_is_started(const cct_worker *w);
/* It answered Start, and has not said it quits: trial's worker reads
 * commands in order, so a test handed to a worker that is not ready has
 * not begun, nor have those sent ahead to a worker that quit after the
 * test before them (AMP's answer to an exception it did not expect). */
int cct_worker_is_ready(const cct_worker *w);
/* How many tests the current Run has run so far, as trial counts them
 * ("Ran N tests"): one name handed out may be a module or a class of
 * several, each reporting under its own name. */
size_t cct_worker_tests_run(const cct_worker *w);

#endif
