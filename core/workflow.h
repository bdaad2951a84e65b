/*
 * The cctrial workflow, as a pure state machine: no I/O, no clock, no
 * processes.  It alone decides when a run starts and what it runs.  The
 * session feeds it events (start, a run ended, files changed, the tests
 * they affect, discovery began or ended, a key's request) and carries out
 * the actions it returns (run a suite, stop the run, select the changed
 * files' tests, notify, show logs, print a message, wait, exit).
 *
 * State: the full suite (every selected test), an optional smart suite
 * (the tests affected by the latest changes), an optional retry suite (the
 * tests that failed in the last big run) and an optional retry test (the
 * first test of the biggest problem).  Which suite runs next, first match
 * wins: retry test, retry suite, smart suite, full suite.
 *
 * After a run that passed: the retry test is forgotten (and the retry
 * suite with it when that test was all it held) and the next suite runs at
 * once; likewise the retry suite; after the full or smart suite, cctrial
 * waits for a change, or exits when not running forever.  After a run that
 * failed: the failed tests become the retry suite and the biggest problem
 * the retry test, which runs at once; if it was the retry test that still
 * fails, its logs are shown and cctrial waits for a change.
 *
 * Notifications: one per cycle.  A cycle begins with a run that starts
 * after a change, a key or the session's start, goes through the runs
 * that follow it without a wait (the fix loop: the retry test, the retry
 * suite, the full suite again), and ends where cctrial waits for a change
 * or exits: the result the user waits for.  Each run's result replaces the
 * cycle's notification, which goes out (CCT_ACT_NOTIFY, just before
 * CCT_ACT_WAIT or CCT_ACT_EXIT) only at the cycle's end, so that a desktop
 * shows one notification per cycle, not one per run.  When the retry test
 * still fails after a bigger run failed in the same cycle, the bigger
 * run's verdict ("3 tests broken!") titles the notification, the test to
 * fix is its text.
 *
 * Besides the run, what may be going on: a discovery, in the background
 * (a refresh of the import graph) or blocking (the full and smart suites,
 * and smart mode's selection, need its catalog; the retry test and the
 * retry suite are known by id and run while it goes on); a request for a
 * key, waiting for the run it stopped to end or for the blocking discovery
 * to end; a change that came during the run, acted on when the run would
 * otherwise wait; the rest of a burst, after the run its first file began
 * was stopped; in smart mode, changed files waiting for the blocking
 * discovery before they can be selected.  A run that would start while a
 * request waits does not: the request runs instead.
 */
#ifndef CCT_WORKFLOW_H
#define CCT_WORKFLOW_H

#include <stddef.h>

#include "cctrial/plugin.h"
#include "util.h"

typedef enum cct_action_kind {
    CCT_ACT_RUN = 0,   /* run `suite` */
    CCT_ACT_NOTIFY,    /* notify `title` / `text` with `status` */
    CCT_ACT_SHOW_LOGS, /* show the logs of `test` */
    CCT_ACT_MESSAGE,   /* `message` about `test` (re-run, please fix) */
    CCT_ACT_WAIT,      /* wait for a change */
    CCT_ACT_EXIT,      /* exit with `exit_code` */
    CCT_ACT_STOP,      /* stop the run going on; its end follows */
    CCT_ACT_SELECT     /* select the tests the changed files affect, and
                          hand them to cct_workflow_selected; always the
                          last action of an event */
} cct_action_kind;

typedef struct cct_action {
    cct_action_kind kind;
    cct_suite suite;
    cct_notify_status status;
    cct_message_kind message;
    char title[64];
    char text[64];
    const char *test; /* owned by the workflow; valid until its next event */
    int exit_code;
} cct_action;

#define CCT_MAX_ACTIONS 6

typedef struct cct_actions {
    cct_action items[CCT_MAX_ACTIONS];
    size_t n;
} cct_actions;

/* What the user asks for with a key while cctrial watches. */
typedef enum cct_request {
    CCT_REQ_RERUN = 0, /* the suite that would run next, now */
    CCT_REQ_ALL,       /* the full suite, forgetting what was failing */
    CCT_REQ_FAILED,    /* only the tests that failed last */
    CCT_REQ_STOP       /* stop the run going on and drop any request
                          waiting; nothing else (a filter is being typed) */
} cct_request;

typedef enum cct_discovery_state {
    CCT_DISCOVERY_NONE = 0,
    CCT_DISCOVERY_BACKGROUND, /* runs need not wait for it */
    CCT_DISCOVERY_BLOCKING    /* the full and smart suites wait for it */
} cct_discovery_state;

typedef struct cct_workflow {
    int forever;
    int smart;
    int once;              /* one run of `once_tests`, then exit */
    int running;           /* a run is going: the one place that says so */
    cct_suite suite;       /* the suite of the current or last run */
    int change_pending;    /* a change arrived during the run */
    int change_began;      /* a change began the cycle going on */
    int burst_waits;       /* a run was stopped for a burst: the burst's
                              change set runs (cct_workflow_burst) */
    cct_discovery_state discovery;
    int run_waits;         /* the next suite runs when discovery ends */
    int selection_waits;   /* smart mode: changed files wait for the
                              discovery's catalog to be selected */
    int request_waits;     /* `request` waits for the run to end or for
                              the blocking discovery to end */
    cct_request request;
    cct_strv once_tests;
    cct_strv retry_suite;
    char *retry_test;      /* NULL: none */
    char *passed_alone;    /* the retry test that passed alone, with no
                              file changed since; NULL otherwise */
    cct_strv smart_suite;
    int have_smart_suite;
    int until_failure;     /* a passing full or smart suite runs again */
    unsigned pass;         /* until_failure: the run going on is the
                              pass-th of its suite in a row; else 0 */
    int repeat;            /* until_failure: the next run is the suite
                              that passed, again */
    int have_notice;       /* the cycle's notification, sent when it ends */
    cct_notify_status notice_status;
    char notice_title[64];
    char notice_text[64];
} cct_workflow;

/* What a run ended with. */
typedef struct cct_run_outcome {
    int passed;
    size_t tests_run;
    const cct_strv *failed;  /* ids of tests that failed or errored,
                                sorted, each once */
    const char *biggest;     /* first test of the biggest problem, or
                                NULL */
    int interrupted;         /* stopped before its end: nothing to judge */
} cct_run_outcome;

void cct_workflow_init(cct_workflow *wf, int forever, int smart);
void cct_workflow_free(cct_workflow *wf);

/* Every event clears `out` and fills it with the actions to carry out,
 * in order. */

/* The session starts: run the full suite, or wait in smart mode. */
void cct_workflow_start(cct_workflow *wf, cct_actions *out);
/* A session of one run (once and hook modes): run `tests` (copied) as
 * `suite`, then exit 0 when they passed, 1 otherwise. */
void cct_workflow_start_once(cct_workflow *wf, cct_suite suite,
                             const cct_strv *tests, cct_actions *out);
/* The run of wf->suite ended (after CCT_ACT_RUN, and only then). */
void cct_workflow_run_done(cct_workflow *wf, const cct_run_outcome *run,
                           cct_actions *out);
/* Files changed.  In smart mode the workflow asks which tests they affect
 * (CCT_ACT_SELECT), at once or when the blocking discovery ends. */
void cct_workflow_change(cct_workflow *wf, cct_actions *out);
/* The change that began the cycle going on was the first file of a burst
 * (the watcher sends a save at once, before it can know): the run going on
 * is stopped (CCT_ACT_STOP), without a verdict or a wait, and the next
 * change, the burst's rest (maybe empty), runs as if it were the only
 * one.  Nothing to do when no run of a change's cycle is going on. */
void cct_workflow_burst(cct_workflow *wf, cct_actions *out);
/* The tests the changed files affect (possibly none): the answer to
 * CCT_ACT_SELECT.  After a burst's stop they join those selected before
 * it. */
void cct_workflow_selected(cct_workflow *wf, const cct_strv *smart_suite,
                           cct_actions *out);
/* A discovery begins, or the one going on turns out to block runs: the
 * state becomes `discovery` unless it already blocks.  No action. */
void cct_workflow_discovery_begins(cct_workflow *wf,
                                   cct_discovery_state discovery);
/* The discovery ended with a new catalog, where `exists` says whether an
 * id still is: the tests that are gone are forgotten (see
 * cct_workflow_forget_missing), then what waited for it goes on. */
void cct_workflow_discovery_done(cct_workflow *wf,
                                 int (*exists)(const char *id, void *arg),
                                 void *arg, cct_actions *out);
/* A key's request.  A run going on is stopped first (CCT_ACT_STOP) and
 * the request waits for its end; during a blocking discovery it waits for
 * the discovery's end; a later request replaces a waiting one.  Returns 0,
 * or -1 when there is nothing to do (no failed test for CCT_REQ_FAILED:
 * nothing changes). */
int cct_workflow_request(cct_workflow *wf, cct_request request,
                         cct_actions *out);
/* trial's --until-failure: a full or smart suite (or the once mode's
 * tests) that passes runs again at once, until a run fails; its runs are
 * counted in `pass` (1, 2, ...).  A run that ran no test ends it too, as
 * in trial.  Set before the first run. */
void cct_workflow_set_until_failure(cct_workflow *wf, int until_failure);
/* Turns smart mode on or off (on implies forever). */
void cct_workflow_set_smart(cct_workflow *wf, int smart);

/* The tests of a suite other than the full one and the retry test (owned
 * by the workflow), or NULL: every selected test, or the retry test. */
const cct_strv *cct_workflow_tests(const cct_workflow *wf, cct_suite suite);
/* Which suite would run next. */
cct_suite cct_workflow_next_suite(const cct_workflow *wf);
/* Forgets tests that no longer exist (a deleted module, re-discovery);
 * `exists` says whether an id still does.  When "please fix" waited on a
 * test that is gone, the next suite runs now (out); a run going on decides
 * at its end, where a retry test forgotten meanwhile moves on too. */
void cct_workflow_forget_missing(cct_workflow *wf,
                                 int (*exists)(const char *id, void *arg),
                                 void *arg, cct_actions *out);

const char *cct_suite_name(cct_suite suite);

#endif
