/*
 * The session's state, shared by the files that make it up:
 *
 *   session.c         setting up and tearing down: plugins, signals, the
 *                     _trial_temp lock, leaving no process behind
 *   session_run.c     runs: the workers' command, starting a run, its
 *                     events, its end, the workflow's actions
 *   session_change.c  discovery and changes: what the project holds, what
 *                     changed, which tests that selects
 *   session_keys.c    keys typed while watching
 *
 * Only these files include it.
 */
#ifndef CCT_SESSION_INTERNAL_H
#define CCT_SESSION_INTERNAL_H

#include <uv.h>

#include "cli.h"
#include "config.h"
#include "console.h"
#include "discovery.h"
#include "host.h"
#include "keys.h"
#include "options.h"
#include "paths.h"
#include "project.h"
#include "report.h"
#include "results.h"
#include "runner.h"
#include "trialtemp.h"
#include "watcher.h"
#include "workerenv.h"
#include "workflow.h"

#define EXIT_USAGE 2
/* Standard output's reader went away while watching: as a program that
 * SIGPIPE ended (cctrial ignores SIGPIPE for its workers' pipes). */
#define EXIT_OUTPUT_GONE 141

/* continuous: the workflow, on every change; once: the selected tests,
 * once; hook: what the last commit affects, once; list: print the ids. */
typedef enum mode { MODE_CONTINUOUS, MODE_ONCE, MODE_HOOK, MODE_LIST } mode;

typedef struct cct__selecting cct__selecting;

typedef struct session {
    uv_loop_t loop;
    cct_console console;
    const cct_cli *cli;
    const cct_config *config;
    cct_settings settings;
    const cct_paths *paths;
    const cct_strv *plugin_dirs;
    mode mode;

    cct_host_context host_context;
    cct_reporters reporters;
    cct_instance *notifier;
    cct_instance *selector; /* NULL: continuous without smart mode */
    cct__selecting *selecting; /* the first selection, while the
                                  selector works on it (git-diff: git) */

    cct_trial_temp temp;
    cct_project project;
    int have_project;
    char *python;
    cct_strv names;
    cct_worker_command worker_command;
    cct_runner *runner;
    int runner_is_guess;    /* its workers run the last session's command,
                               until discovery says what this one's is */

    cct_workflow workflow;
    cct_results results;
    cct_strv run_tests;
    cct_suite run_suite;
    int run_active;
    size_t run_finished; /* tests that ended, for the running counts */
    size_t run_tests_run; /* trial's "Ran N tests" (see cct_runner_events) */
    unsigned retry_worker;

    cct_watcher *watcher;
    cct_strv watch_roots;
    cct_discovery *discovery;
    int discovery_blocks_runs; /* the next run needs its result */
    int run_waits_for_discovery;
    cct_strv changes_waiting; /* changes seen while rediscovering */

    cct_keys *keys;          /* NULL unless stdin is a terminal */
    int pending_request;     /* a key's request waiting for the run to stop
                                or for discovery to end: a cct_request, or
                                -1 */

    uv_signal_t sigint, sigterm, sighup;
    uv_signal_t sigtstp, sigcont; /* the job stopped and continued */
    uv_timer_t output_gone; /* ends a watching session whose reader left */
    int signals_open;
    int exit_code;
    int exiting;
} session;

/* session.c */
void cct__session_exit(session *s, int code);
void cct__session_fail(session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cct__session_load_plugin(session *s, cct_plugin_kind kind,
                             const char *name, cct_instance **out);
/* A test's id or a file's name as cctrial's own lines show it: one line,
 * control characters escaped (see plugins/common/visible.h).  Malloc'ed. */
char *cct__session_visible(const char *text);

/* session_run.c */
void cct__session_guess_workers(session *s);
void cct__session_create_runner(session *s);
void cct__session_start_run(session *s, cct_suite suite, const cct_strv *ids);
void cct__session_act(session *s, const cct_actions *actions);
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
void cct__session_discover(session *s, int blocking);
/* Ends the session saying so, and returns 1, when the project directory
 * has gone; 0 otherwise. */
int cct__session_project_gone(session *s);

/* session_keys.c */
extern const char cct__session_keys_hint[];
void cct__session_on_key(int key, void *arg);
void cct__session_request_now(session *s, cct_request request);

#endif
