/*
 * trial's distributed manager: a pool of worker processes and the runs
 * they execute.
 *
 * The pool keeps `jobs` workers spawned ahead of need, so that a run does
 * not wait for Python to start and import Twisted.  A run hands its tests,
 * in trial's order or longest module first (handout.h), to whichever
 * worker is free; when it ends,
 * the workers it used are stopped (their Python has imported the project's
 * code, which may change before the next run) and fresh ones are spawned
 * at once.
 *
 * With a template command, workers are forked from a warm template process
 * (template.h) that lives as long as the runner, or until a file it
 * imported changes (checked as each run starts: it is then replaced);
 * should it be lost, they are spawned afresh from then on.  Discovery may
 * fork its helper from it too (cct_runner_template): a runner may be made
 * before discovery for that, and told the workers' command once
 * discovery has found it (cct_runner_set_command).
 *
 * Nothing is lost when a worker misbehaves: a worker that dies or hangs
 * gives its test an error that says how it ended, a replacement takes its
 * place, and the run goes on with the other tests.  A Run answered without
 * any result is an error, never a pass.  A worker that dies before it
 * could begin its test (it never answered Start) hands the test on to the
 * next one; a few such deaths in a row mean that workers cannot start at
 * all, which is fatal.
 */
#ifndef CCT_RUNNER_H
#define CCT_RUNNER_H

#include <stddef.h>
#include <uv.h>

#include "result.h"
#include "template.h"
#include "traceback.h"
#include "util.h"

typedef struct cct_runner cct_runner;

typedef struct cct_runner_events {
    void (*test_start)(const char *test_id, unsigned worker, size_t index,
                       void *arg);
    /* A result, under the name the test was handed out by: the workers'
     * (sent to this callback directly) and the runner's own errors. */
    cct_result_cb result;
    /* A test has ended (after all of its results).  `tests_run` is what
     * it adds to trial's "Ran N tests": 1, or more when the name was a
     * module or class that ran several. */
    void (*test_end)(const char *test_id, size_t tests_run, void *arg);
    /* Every test has ended (or the run was interrupted). */
    void (*run_end)(int interrupted, void *arg);
    /* Workers cannot be kept alive (they die before running anything):
     * the run cannot go on.  `why` explains the last death. */
    void (*fatal)(const char *why, void *arg);
    /* The warm template could not start or is lost (why): workers are
     * spawned afresh from now on.  May be NULL. */
    void (*template_lost)(const char *why, void *arg);
    /* The template was replaced by a new one before a run, since a file
     * it imported has changed (why names it).  May be NULL. */
    void (*template_replaced)(const char *why, void *arg);
} cct_runner_events;

typedef struct cct_runner_config {
    unsigned jobs;
    const char *const *argv;  /* the worker command */
    const char *const *env;   /* its environment */
    /* NULL, or the warm template's command and environment (the
     * workers' but for PYTHONPATH; the same directory): workers are then
     * forked from it. */
    const char *const *template_argv;
    const char *const *template_env;
    const char *cwd;          /* the project's directory */
    const char *temp_dir;     /* absolute path of _trial_temp */
    unsigned timeout_s;       /* per test, 0 for none */
    const char *test_log;     /* trial's --logfile; NULL: test.log */
    cct_tbformat tbformat;    /* trial's --tbformat */
    int coverage;             /* the workers write coverage as they exit */
    int single_run;           /* no run will follow: do not spawn workers
                                 for the next one */
    unsigned send_ahead;      /* how many tests a worker may hold behind
                                 the one it runs (at most CCT_AHEAD_MAX):
                                 only for workers that take commands
                                 strictly one after the other (see
                                 cct_runner_new) */
} cct_runner_config;

/* The config's strings are copied.  Sending a test ahead is safe with
 * trial's worker before Twisted 22.10 (it reads commands one at a time and
 * answers Run before reading the next) and with cctrial's fast worker; from
 * 22.10, trial's worker answers Run asynchronously and would start the
 * next test while the previous one's results wait for their answers. */
cct_runner *cct_runner_new(uv_loop_t *loop, const cct_runner_config *config,
                           const cct_runner_events *events, void *arg);
/* At most `tests` workers are worth having (a -j above the number of
 * tests would keep idle ones): idle workers past that number are stopped,
 * and none is started there.  Ignored during a run. */
void cct_runner_limit(cct_runner *r, size_t tests);
/* The job is stopped / continued: the running tests' clocks follow (see
 * cct_worker_pause_clock). */
void cct_runner_pause_clocks(cct_runner *r);
void cct_runner_resume_clocks(cct_runner *r);
/* Changes send_ahead (once discovery has said which Twisted runs). */
void cct_runner_set_send_ahead(cct_runner *r, unsigned send_ahead);
/* Spawns the workers that are missing. */
void cct_runner_prewarm(cct_runner *r);
/* The worker command and environment from now on (copied), between runs:
 * workers started with the previous one are stopped; the template stays.
 * Spawns none: see cct_runner_prewarm. */
void cct_runner_set_command(cct_runner *r, const char *const *argv,
                            const char *const *env);
/* The template, while it may be asked for children (NULL: none). */
cct_template *cct_runner_template(cct_runner *r);
/* Starts a run of `tests` (copied), in trial's order, handed out in
 * `order` (see cct_handout_reset; NULL: trial's order).  `temp_dir` must
 * exist and be empty.  Returns 0 or a negative error (nothing started). */
int cct_runner_run(cct_runner *r, const cct_strv *tests,
                   const size_t *order);
/* No test is handed out (or sent ahead) for the rest of the current run:
 * the tests begun go on, and the run ends by cct_runner_interrupt (trial
 * -x's stop: nothing begins after a failure). */
void cct_runner_hold(cct_runner *r);
/* Stops the current run now: busy workers are killed, the tests not yet
 * finished get no result, run_end reports interrupted. */
void cct_runner_interrupt(cct_runner *r);
/* The directory of worker `n` (valid while the runner lives). */
const char *cct_runner_worker_dir(cct_runner *r, unsigned n);
/* uv_hrtime() when the run's first test began in a worker ready to run it
 * (not when the worker started), or 0 when none has yet. */
uint64_t cct_runner_tests_began(const cct_runner *r);
/* Stops every worker; `done` runs once they are all gone, then the runner
 * is freed. */
void cct_runner_close(cct_runner *r, void (*done)(void *arg), void *arg);

#endif
