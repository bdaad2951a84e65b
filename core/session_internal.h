/*
 * The session's state, one part per file that makes it up; each part is
 * written by its file only, and read by the others:
 *
 *   session.c         setting up and tearing down: plugins, signals, the
 *                     _trial_temp lock, leaving no process behind
 *   session_run.c     runs: the workers' command, starting a run, its
 *                     events, its end, the workflow's actions (`run`)
 *   session_change.c  discovery and changes: what the project holds, what
 *                     changed, which tests that selects (`changes`)
 *   session_keys.c    keys typed while watching (`keys`)
 *   session_history.c the history of runs: a run's results kept for it,
 *                     estimates, flaky marks, shards (`history`)
 *
 * The workflow (workflow.h) decides what runs next; every part hands it
 * its events and cct__session_act carries out what it decides.  Only
 * these files include this header.
 */
#ifndef CCT_SESSION_INTERNAL_H
#define CCT_SESSION_INTERNAL_H

#include <uv.h>

#include "cli.h"
#include "config.h"
#include "console.h"
#include "discovery.h"
#include "gitignore.h"
#include "history.h"
#include "host.h"
#include "keys.h"
#include "options.h"
#include "paths.h"
#include "project.h"
#include "report.h"
#include "results.h"
#include "runner.h"
#include "strmap.h"
#include "trialtemp.h"
#include "watcher.h"
#include "workerenv.h"
#include "workflow.h"

#define EXIT_USAGE 2
/* A --once run whose reporter could not write its output. */
#define EXIT_OUTPUT_FAILED 2
/* A --once run that selected no test: as pytest's "no tests collected",
 * so that a CI job whose filter matches nothing does not pass unseen. */
#define EXIT_NO_TESTS 5
/* Standard output's reader went away while watching: as a program that
 * SIGPIPE ended (cctrial ignores SIGPIPE for its workers' pipes). */
#define EXIT_OUTPUT_GONE 141

/* continuous: the workflow, on every change; once: the selected tests,
 * once; hook: what the last commit affects, once; list: print the ids. */
typedef enum mode { MODE_CONTINUOUS, MODE_ONCE, MODE_HOOK, MODE_LIST } mode;

typedef struct cct__selecting cct__selecting;

/* A test handed out to a worker, while its run is not shown. */
typedef struct cct_held_start {
    char *test_id;
    unsigned worker;
    size_t index;
} cct_held_start;

/* The runs (written by session_run.c only): the workers and the run
 * going on.  Whether a run is going is the workflow's to say. */
typedef struct session_runs {
    cct_worker_command worker_command;
    cct_runner *runner;
    /* Started before discovery, until discovery says what this session's
     * workers run (0: not a guess): */
    enum {
        GUESS_NONE,
        GUESS_MEMO,     /* the last session's command (.cctrial/workers) */
        GUESS_TEMPLATE  /* the template alone: the workers' PYTHONPATH is
                           discovery's to say */
    } runner_is_guess;
    /* Why a guess's template was lost, said with -v once discovery has
     * found the interpreter usable (NULL: it was not). */
    char *guess_lost_template;
    cct_results results;
    cct_strv tests;         /* the tests of the run going on or the last */
    cct_strv broken;        /* tests that failed or errored the last time
                               they ran, whatever suite or filter ran
                               them: what `f` says a filter hides */
    size_t finished;        /* tests that ended, for the running counts */
    size_t tests_run;       /* trial's "Ran N tests" (see cct_runner_events) */
    unsigned workers;       /* the workers of the run (its estimate's key) */
    unsigned retry_worker;  /* the worker that ran the retry test */
    cct__selecting *selecting; /* the first selection, while the selector
                                  works on it (git-diff: git) */
    /* exitfirst: a failure or an error came; the run is stopped once the
     * test that had it has ended, from the loop (stop_first), not from
     * inside the worker's callback. */
    int failed_first;
    int stopped_first;      /* the run was stopped there */
    uv_timer_t stop_first;
    /* The run going on is shown (its start told to the reporters) once
     * it can no longer be stopped for a burst, or when it has something
     * to show (a result, its end): a run that a burst's first file began
     * and the rest of the burst stopped before any result is not shown at
     * all.  Until then its start and the tests handed out (which warm
     * workers get at once) are held. */
    int shown;
    cct_run_start start;
    cct_held_start *held;
    size_t n_held, cap_held;
} session_runs;

/* What is known of the project's git repository (for .gitignore). */
typedef enum git_state {
    GIT_UNASKED, GIT_ASKING, GIT_NONE, GIT_REPOSITORY
} git_state;

/* Discovery and changes (written by session_change.c only): what the
 * project holds, the watcher, and the changed files waiting to be
 * selected.  Whether runs wait for a discovery is the workflow's to say. */
typedef struct session_changes {
    cct_project project;
    int have_project;
    char *python;           /* the interpreter discovery found */
    char *project_venv;     /* the project's virtual environment's python,
                               when the search may try it (trusted) */
    cct_discovery *discovery; /* the one going on, or NULL */
    cct_watcher *watcher;
    cct_strv watch_roots;
    cct_strv changed_files; /* smart mode: changed files the workflow has
                               not had selected yet */
    git_state git;
    cct_gitignore_job *git_job; /* the question to git going on, if any */
    cct_strv git_ignored;   /* what .gitignore ignored at the start */
    int watch_waits;        /* discovery is done; git's list is not */
    cct_strv pending;       /* changed files git is to be asked about */
    cct_strv checking;      /* those it is being asked about */
    cct_strv not_ignored;   /* changed files git said it does not ignore,
                               not asked about again (see on_change) */
} session_changes;

/* Keys (written by session_keys.c only). */
typedef struct session_keys {
    cct_keys *terminal;     /* NULL unless stdin is a terminal */
    int grep_typed;         /* `grep` replaces the configured filter */
    char *grep;             /* typed with p, NULL once cleared with c */
} session_keys;

/* The history (written by session_history.c only): the store, opened at
 * its first use, and what the run going on will add to it. */
typedef struct session_history {
    cct_history *store;     /* NULL: none (history = off, or unusable) */
    int opened;             /* opening was tried */
    cct_history_result *results; /* the run's results, strings owned */
    size_t n_results, cap_results;
    double run_started;     /* the run's start, seconds since the epoch */
    cct_strset failed_unchanged; /* tests whose result in an earlier run
                                    was a failure or an error, with no
                                    change since */
    cct_strset failed_this_run;  /* failed or erred in the run going on:
                                    they join failed_unchanged at its end */
    cct_test_duration *durations; /* the tests' durations, as the store
                                     had them when last read */
    size_t n_durations;
    int durations_read;     /* and no run was kept since */
} session_history;

/* The session itself (written by session.c only, once set up): what it
 * was given, its plugins, the _trial_temp lock, signals and its end.  The
 * workflow is written only through its events, by whichever part has
 * one to tell. */
typedef struct session {
    uv_loop_t loop;
    cct_console console;
    const cct_cli *cli;
    const cct_config *config;
    cct_settings settings;
    const cct_paths *paths;
    const cct_strv *plugin_dirs;
    mode mode;
    cct_strv names;

    cct_host_context host_context;
    cct_reporters reporters;
    cct_instance *notifier;
    cct_instance *selector; /* NULL: continuous without smart mode */

    cct_trial_temp temp;
    cct_workflow workflow;
    session_runs run;
    session_changes changes;
    session_keys keys;
    session_history history;

    uv_signal_t sigint, sigterm, sighup;
    uv_signal_t sigtstp, sigcont; /* the job stopped and continued */
    uv_timer_t output_gone; /* ends a watching session whose reader left */
    int signals_open;
    int waited;  /* the first wait has come (first_wait_hint shown) */
    int exit_code;
    int exiting;
} session;

/* session.c */
void cct__session_exit(session *s, int code);
void cct__session_fail(session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cct__session_load_plugin(session *s, cct_plugin_kind kind,
                             const char *name, cct_instance **out);
/* Loads the selector smart mode needs, when none is loaded yet.  Returns
 * 0, or -1 (it said why). */
int cct__session_load_smart_selector(session *s);
/* A test's id or a file's name as cctrial's own lines show it: one line,
 * control characters escaped (see plugins/common/visible.h).  Malloc'ed. */
char *cct__session_visible(const char *text);

/* session_run.c */
void cct__session_runs_init(session *s);
void cct__session_runs_free(session *s);
/* Closes the runs' handles (the session ends). */
void cct__session_runs_close(session *s);
/* Before the first discovery: the runner it will call for, as far as it
 * can be known (its template, whose discovery's helper is forked from);
 * its workers start at cct__session_prewarm_guess, once discovery has
 * asked for its helper, which then comes first. */
void cct__session_guess_workers(session *s);
void cct__session_prewarm_guess(session *s);
/* Stops the run going on and the workers; `done` runs once they are gone
 * (at once when there are none). */
void cct__session_close_runner(session *s, void (*done)(void *arg),
                               void *arg);
/* The workers discovery calls for, no more of them than `tests`, the
 * most a run will have (the pool grows again for a run with more). */
void cct__session_create_runner(session *s, size_t tests);
/* The runner's template when its interpreter is `python` (discovery's
 * helper may be forked from it), else NULL. */
cct_template *cct__session_template_for(session *s, const char *python);
/* How many tests were broken the last time they ran and are not kept by
 * `grep` (none without one). */
size_t cct__session_broken_outside(const session *s, const char *grep);
void cct__session_act(session *s, const cct_actions *actions);
/* Shows the run going on, when it is not shown yet (see session_runs). */
void cct__session_announce_run(session *s);
/* Asks the selector which tests a change set runs; `out` gets their ids
 * in trial's order, after --grep.  Returns 0, or -1 when the selector
 * failed (it said why). */
int cct__session_select(session *s, const cct_strv *changes, cct_strv *out);
/* The first selection (once, hook and list modes), with no change set:
 * `done` is called with 0 and the ids, or -1 (the selector said why),
 * now or later (git-diff runs git meanwhile), unless the session ends
 * first (cct__session_cancel_select). */
typedef void (*cct__selected_fn)(session *s, int status, const cct_strv *ids);
void cct__session_select_first(session *s, cct__selected_fn done);
void cct__session_cancel_select(session *s);

/* session_change.c */
void cct__session_changes_init(session *s);
void cct__session_changes_free(session *s);
/* Runs discovery; with `blocking`, the runs that need its catalog wait
 * for it (the workflow decides which).  With `after_run`, its helper waits
 * for the run going on to end (at most REDISCOVERY_HOLD_MS): the result
 * of a fix comes first. */
void cct__session_discover(session *s, int blocking, int after_run);
/* A run ended: a discovery held for it starts. */
void cct__session_run_ended(session *s);
void cct__session_select_changes(session *s);
/* May the run going on still be stopped for a burst (the change set that
 * began it went out at once, and the watcher has not said yet whether the
 * rest of a burst follows)? */
int cct__session_burst_may_stop(const session *s);
/* Stops discovery and watching (the session ends). */
void cct__session_stop_watching(session *s);
/* Ends the session saying so, and returns 1, when the project directory
 * has gone; 0 otherwise. */
int cct__session_project_gone(session *s);

/* session_history.c */
void cct__session_history_init(session *s);
void cct__session_history_free(session *s);
/* The estimate of a run of `tests` with `workers` workers (0: none). */
double cct__session_history_estimate(session *s, const cct_strv *tests,
                                     unsigned workers);
/* A run begins: its results start afresh. */
void cct__session_history_run_start(session *s);
/* Keeps one result of the run for the history (`group_key`: its problem
 * key, NULL for a success).  Returns 1 when the result is flaky: a
 * success of a test that failed with no change since. */
int cct__session_history_result(session *s, const cct_result *result,
                                 const char *group_key);
/* The run ended: it and its results go to the history, in one
 * transaction. */
void cct__session_history_run_end(session *s, const cct_run_end *ev,
                                  int whole);
/* A watched file changed: a test that passes from now on is not flaky. */
void cct__session_history_changed(session *s);
/* `out` gets the tests of `ids` in this machine's shard (--shard=K/N),
 * in their order; all of them without a shard. */
void cct__session_history_shard(session *s, const cct_strv *ids,
                                cct_strv *out);
/* The order a run of `tests` (in trial's order) with `workers` workers
 * hands them out in: longest module first by the history's durations
 * (handout.h), malloc'ed; NULL for trial's order: one worker, an order
 * the user asked for (-z, -o), no history, or no module of the run with
 * a recorded duration. */
size_t *cct__session_history_order(session *s, const cct_strv *tests,
                                   unsigned workers);

/* session_keys.c */
extern const char cct__session_keys_hint[];
/* Reads keys when standard input is a terminal. */
void cct__session_start_keys(session *s);
void cct__session_stop_keys(session *s);
void cct__session_keys_free(session *s);
/* The --grep filter in effect: typed with p, or configured; NULL for
 * none. */
const char *cct__session_grep(const session *s);

#endif
