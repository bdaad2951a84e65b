/*
 * The workflow state machine (see workflow.h).  Every transition is a few
 * lines here and a row in tests/unit/test_workflow.c; every run starts in
 * run_next.
 */
#include "workflow.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cct_workflow_init(cct_workflow *wf, int forever, int smart)
{
    memset(wf, 0, sizeof(*wf));
    wf->forever = forever || smart;
    wf->smart = smart;
    cct_strv_init(&wf->retry_suite);
    cct_strv_init(&wf->smart_suite);
    cct_strv_init(&wf->once_tests);
}

void cct_workflow_free(cct_workflow *wf)
{
    cct_strv_free(&wf->retry_suite);
    cct_strv_free(&wf->smart_suite);
    cct_strv_free(&wf->once_tests);
    free(wf->retry_test);
    wf->retry_test = NULL;
    free(wf->passed_alone);
    wf->passed_alone = NULL;
}

const char *cct_suite_name(cct_suite suite)
{
    switch (suite) {
    case CCT_SUITE_FULL: return "full";
    case CCT_SUITE_SMART: return "smart";
    case CCT_SUITE_RETRY_SUITE: return "retry_suite";
    case CCT_SUITE_RETRY_TEST: return "retry_test";
    }
    return "unknown";
}

static cct_action *add(cct_actions *out, cct_action_kind kind)
{
    assert(out->n < CCT_MAX_ACTIONS);
    assert(out->n == 0 || out->items[out->n - 1].kind != CCT_ACT_SELECT);
    cct_action *a = &out->items[out->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

/* A run's verdict: it becomes the cycle's notification (see workflow.h),
 * which end_cycle() sends. */
static void notice(cct_workflow *wf, cct_notify_status status,
                   const char *title, const char *text)
{
    wf->have_notice = 1;
    wf->notice_status = status;
    snprintf(wf->notice_title, sizeof(wf->notice_title), "%s", title);
    snprintf(wf->notice_text, sizeof(wf->notice_text), "%s", text);
}

/* "1 test run", "2 tests run": `n`, `noun` (plural unless n is 1),
 * then `rest`. */
static void count_of(char *buf, size_t size, size_t n, const char *noun,
                     const char *rest)
{
    snprintf(buf, size, "%zu %s%s%s", n, noun, n == 1 ? "" : "s", rest);
}

/* The cycle ends: cctrial waits or exits.  Its notification goes out. */
static void end_cycle(cct_workflow *wf, cct_actions *out,
                      cct_action_kind kind)
{
    assert(kind == CCT_ACT_WAIT || kind == CCT_ACT_EXIT);
    wf->change_began = 0;
    if (wf->have_notice) {
        cct_action *a = add(out, CCT_ACT_NOTIFY);
        a->status = wf->notice_status;
        memcpy(a->title, wf->notice_title, sizeof(a->title));
        memcpy(a->text, wf->notice_text, sizeof(a->text));
        wf->have_notice = 0;
    }
    add(out, kind);
}

static void message(cct_actions *out, cct_message_kind kind, const char *test)
{
    cct_action *a = add(out, CCT_ACT_MESSAGE);
    a->message = kind;
    a->test = test;
}

static void forget_retry_test(cct_workflow *wf)
{
    free(wf->retry_test);
    wf->retry_test = NULL;
}

static void set_passed_alone(cct_workflow *wf, const char *test)
{
    free(wf->passed_alone);
    wf->passed_alone = test ? cct_xstrdup(test) : NULL;
}

cct_suite cct_workflow_next_suite(const cct_workflow *wf)
{
    if (wf->retry_test)
        return CCT_SUITE_RETRY_TEST;
    if (wf->retry_suite.len)
        return CCT_SUITE_RETRY_SUITE;
    if (wf->smart && wf->have_smart_suite)
        return CCT_SUITE_SMART;
    return CCT_SUITE_FULL;
}

const cct_strv *cct_workflow_tests(const cct_workflow *wf, cct_suite suite)
{
    if (wf->once)
        return &wf->once_tests;
    switch (suite) {
    case CCT_SUITE_RETRY_SUITE: return &wf->retry_suite;
    case CCT_SUITE_SMART: return &wf->smart_suite;
    default: return NULL;
    }
}

static void take_request(cct_workflow *wf, cct_actions *out);

/* Does the discovery going on hold up a run of `suite`?  The full and
 * smart suites need its catalog (new tests, a new import graph); the
 * retry test and suite are known by id, and running them while it goes
 * on is the fix loop's whole point when the test module itself changed. */
static int waits_for_discovery(const cct_workflow *wf, cct_suite suite)
{
    return wf->discovery == CCT_DISCOVERY_BLOCKING &&
           (suite == CCT_SUITE_FULL || suite == CCT_SUITE_SMART);
}

/* The next suite is due: it runs now, unless a request waits (which runs
 * instead, when it can) or it needs the discovery going on (it runs at
 * the discovery's end).  The only place a run starts. */
static void run_next(cct_workflow *wf, cct_actions *out)
{
    assert(!wf->running);
    wf->change_pending = 0;
    wf->burst_waits = 0;
    if (wf->request_waits)
        return;
    cct_suite next = cct_workflow_next_suite(wf);
    wf->run_waits = waits_for_discovery(wf, next);
    if (wf->run_waits)
        return;
    wf->suite = next;
    wf->running = 1;
    /* until_failure counts the passes of a suite run again because it
     * passed; any other run starts the count afresh. */
    if (wf->until_failure)
        wf->pass = next == CCT_SUITE_FULL || next == CCT_SUITE_SMART
                       ? (wf->repeat ? wf->pass + 1 : 1)
                       : 0;
    wf->repeat = 0;
    if (wf->suite == CCT_SUITE_RETRY_TEST)
        message(out, CCT_MSG_RERUN, wf->retry_test);
    add(out, CCT_ACT_RUN)->suite = wf->suite;
}

/* Nothing to run until a change, unless one came during the run. */
static void wait_or_go(cct_workflow *wf, cct_actions *out)
{
    if (wf->change_pending && (!wf->smart || wf->retry_test ||
                               wf->have_smart_suite)) {
        run_next(wf, out);
        wf->change_began = wf->running;
        return;
    }
    wf->change_pending = 0;
    end_cycle(wf, out, CCT_ACT_WAIT);
}

void cct_workflow_start(cct_workflow *wf, cct_actions *out)
{
    out->n = 0;
    if (wf->smart)
        end_cycle(wf, out, CCT_ACT_WAIT);
    else
        run_next(wf, out);
}

void cct_workflow_start_once(cct_workflow *wf, cct_suite suite,
                             const cct_strv *tests, cct_actions *out)
{
    out->n = 0;
    assert(!wf->running);
    wf->once = 1;
    cct_strv_clear(&wf->once_tests);
    for (size_t i = 0; i < tests->len; i++)
        cct_strv_add(&wf->once_tests, tests->items[i]);
    wf->suite = suite;
    wf->running = 1;
    wf->pass = wf->until_failure ? 1 : 0;
    add(out, CCT_ACT_RUN)->suite = suite;
}

void cct_workflow_set_until_failure(cct_workflow *wf, int until_failure)
{
    assert(!wf->running);
    wf->until_failure = until_failure;
}

/* until_failure: does a run that passed go again? */
static int goes_again(const cct_workflow *wf, const cct_run_outcome *run)
{
    return wf->until_failure && run->passed && !run->interrupted &&
           run->tests_run > 0 &&
           (wf->suite == CCT_SUITE_FULL || wf->suite == CCT_SUITE_SMART);
}

static void passed(cct_workflow *wf, const cct_run_outcome *run,
                   cct_actions *out)
{
    char title[64];
    count_of(title, sizeof(title), run->tests_run, "test", " run");
    notice(wf, CCT_NOTIFY_PASS, title, "everything good!");
    switch (wf->suite) {
    case CCT_SUITE_RETRY_TEST:
        if (wf->retry_suite.len == 1 &&
            strcmp(wf->retry_suite.items[0], wf->retry_test) == 0)
            cct_strv_clear(&wf->retry_suite);
        set_passed_alone(wf, wf->retry_test);
        forget_retry_test(wf);
        run_next(wf, out);
        return;
    case CCT_SUITE_RETRY_SUITE:
        cct_strv_clear(&wf->retry_suite);
        set_passed_alone(wf, NULL);
        run_next(wf, out);
        return;
    case CCT_SUITE_FULL:
    case CCT_SUITE_SMART:
        set_passed_alone(wf, NULL);
        if (goes_again(wf, run)) {
            /* After a change, the next run tests new code: pass 1. */
            wf->repeat = !wf->change_pending;
            run_next(wf, out);
            return;
        }
        if (!wf->forever) {
            end_cycle(wf, out, CCT_ACT_EXIT);
            out->items[out->n - 1].exit_code = 0;
            return;
        }
        wait_or_go(wf, out);
        return;
    }
}

static void failed(cct_workflow *wf, const cct_run_outcome *run,
                   cct_actions *out)
{
    char title[64], text[64];
    if (wf->suite == CCT_SUITE_RETRY_TEST) {
        /* A bigger run of this cycle failed: its verdict says more than
         * "still broken" of a test the user has not tried to fix yet. */
        int bigger_failed = wf->have_notice &&
                            wf->notice_status == CCT_NOTIFY_FAIL;
        snprintf(title, sizeof(title), "%s",
                 bigger_failed ? wf->notice_text : "Still broken!");
        notice(wf, CCT_NOTIFY_FAIL, title, wf->retry_test);
        add(out, CCT_ACT_SHOW_LOGS)->test = wf->retry_test;
        message(out, CCT_MSG_PLEASE_FIX, wf->retry_test);
        wait_or_go(wf, out);
        return;
    }
    if (wf->suite == CCT_SUITE_RETRY_SUITE) {
        size_t before = wf->retry_suite.len, still = run->failed->len;
        snprintf(title, sizeof(title), "%zu fixed",
                 before > still ? before - still : 0);
        count_of(text, sizeof(text), still, "test failure", " to fix");
    } else {
        count_of(title, sizeof(title), run->tests_run, "test", " run");
        count_of(text, sizeof(text), run->failed->len, "test", " broken!");
    }
    notice(wf, CCT_NOTIFY_FAIL, title, text);

    /* The test that just passed alone fails again in a bigger suite, with
     * no change in between: it depends on the other tests.  Re-running it
     * alone at once would pass and loop for ever. */
    int stuck = wf->passed_alone &&
                cct_strv_contains(run->failed, wf->passed_alone);
    cct_strv_clear(&wf->retry_suite);
    for (size_t i = 0; i < run->failed->len; i++)
        cct_strv_add(&wf->retry_suite, run->failed->items[i]);
    forget_retry_test(wf);
    if (stuck) {
        /* Ask for a fix of that very test, and wait. */
        wf->retry_test = wf->passed_alone;
        wf->passed_alone = NULL;
        message(out, CCT_MSG_PLEASE_FIX, wf->retry_test);
        wait_or_go(wf, out);
        return;
    }
    set_passed_alone(wf, NULL);
    if (run->biggest)
        wf->retry_test = cct_xstrdup(run->biggest);
    run_next(wf, out);
}

void cct_workflow_run_done(cct_workflow *wf, const cct_run_outcome *run,
                           cct_actions *out)
{
    out->n = 0;
    assert(wf->running);
    wf->running = 0;
    if (wf->once) {
        if (goes_again(wf, run) && !wf->request_waits) {
            wf->running = 1;
            wf->pass++;
            add(out, CCT_ACT_RUN)->suite = wf->suite;
            return;
        }
        add(out, CCT_ACT_EXIT)->exit_code = run->passed ? 0 : 1;
        return;
    }
    if (wf->request_waits) {
        /* Stopped for a key: do what it asked, and nothing else. */
        take_request(wf, out);
        return;
    }
    if (run->interrupted && wf->burst_waits)
        return; /* the burst's change set runs */
    if (run->interrupted) {
        /* An interrupted run says nothing about the code. */
        wait_or_go(wf, out);
        return;
    }
    if (wf->suite == CCT_SUITE_RETRY_TEST && !wf->retry_test) {
        /* The test was deleted while it ran: its result means nothing,
         * and what failed besides goes on. */
        run_next(wf, out);
        return;
    }
    if (run->passed)
        passed(wf, run, out);
    else
        failed(wf, run, out);
}

/* Files changed, and in smart mode the tests they affect are known. */
static void changed(cct_workflow *wf, cct_actions *out)
{
    if (wf->running) {
        wf->change_pending = 1;
        return;
    }
    /* In smart mode a change that affects no test runs nothing, unless
     * a test is being fixed; the run stopped for a burst (which said
     * nothing) ends its cycle then. */
    if (wf->smart && !wf->have_smart_suite && !wf->retry_test &&
        !wf->retry_suite.len) {
        if (wf->burst_waits) {
            wf->burst_waits = 0;
            end_cycle(wf, out, CCT_ACT_WAIT);
        }
        return;
    }
    run_next(wf, out);
    wf->change_began = wf->running;
}

void cct_workflow_burst(cct_workflow *wf, cct_actions *out)
{
    out->n = 0;
    if (!wf->running || !wf->change_began || wf->request_waits)
        return;
    wf->burst_waits = 1;
    add(out, CCT_ACT_STOP); /* its end waits for the burst's change set */
}

void cct_workflow_change(cct_workflow *wf, cct_actions *out)
{
    out->n = 0;
    set_passed_alone(wf, NULL);
    if (!wf->smart) {
        changed(wf, out);
        return;
    }
    /* Selecting needs the catalog the blocking discovery will give. */
    wf->selection_waits = wf->discovery == CCT_DISCOVERY_BLOCKING;
    if (!wf->selection_waits)
        add(out, CCT_ACT_SELECT);
}

void cct_workflow_selected(cct_workflow *wf, const cct_strv *smart_suite,
                           cct_actions *out)
{
    out->n = 0;
    /* A burst's first file selected tests, then its run was stopped. */
    if (!wf->burst_waits)
        cct_strv_clear(&wf->smart_suite);
    for (size_t i = 0; i < smart_suite->len; i++)
        if (!cct_strv_contains(&wf->smart_suite, smart_suite->items[i]))
            cct_strv_add(&wf->smart_suite, smart_suite->items[i]);
    wf->have_smart_suite = smart_suite->len > 0;
    changed(wf, out);
}

void cct_workflow_discovery_begins(cct_workflow *wf,
                                   cct_discovery_state discovery)
{
    if (wf->discovery != CCT_DISCOVERY_BLOCKING)
        wf->discovery = discovery;
}

/* Forgets the tests that no longer exist; returns whether "please fix"
 * was waiting on one of them (no run going on). */
static int forget_missing(cct_workflow *wf,
                          int (*exists)(const char *id, void *arg),
                          void *arg)
{
    cct_strv *lists[] = {&wf->retry_suite, &wf->smart_suite};
    for (size_t l = 0; l < 2; l++) {
        cct_strv *v = lists[l];
        size_t kept = 0;
        for (size_t i = 0; i < v->len; i++) {
            if (exists(v->items[i], arg))
                v->items[kept++] = v->items[i];
            else
                free(v->items[i]);
        }
        v->len = kept;
        if (v->items)
            v->items[kept] = NULL;
    }
    wf->have_smart_suite = wf->smart_suite.len > 0;
    if (wf->passed_alone && !exists(wf->passed_alone, arg))
        set_passed_alone(wf, NULL);
    if (!wf->retry_test || exists(wf->retry_test, arg))
        return 0;
    forget_retry_test(wf);
    return !wf->running && wf->suite == CCT_SUITE_RETRY_TEST;
}

void cct_workflow_forget_missing(cct_workflow *wf,
                                 int (*exists)(const char *id, void *arg),
                                 void *arg, cct_actions *out)
{
    out->n = 0;
    /* "please fix" was waiting on it: what failed besides goes on now,
     * as if it had been fixed.  During a run, the run's end decides. */
    if (forget_missing(wf, exists, arg))
        run_next(wf, out);
}

void cct_workflow_discovery_done(cct_workflow *wf,
                                 int (*exists)(const char *id, void *arg),
                                 void *arg, cct_actions *out)
{
    out->n = 0;
    wf->discovery = CCT_DISCOVERY_NONE;
    int fix_gone = forget_missing(wf, exists, arg);
    if (wf->request_waits && !wf->running)
        take_request(wf, out);
    else if (!wf->running && (wf->run_waits || fix_gone))
        run_next(wf, out);
    if (wf->selection_waits) {
        wf->selection_waits = 0;
        add(out, CCT_ACT_SELECT);
    }
}

/* Carries out the request that waits, unless the discovery going on
 * holds it up; no run is going. */
static void take_request(cct_workflow *wf, cct_actions *out)
{
    assert(wf->request_waits && !wf->running);
    if (wf->discovery == CCT_DISCOVERY_BLOCKING)
        return; /* its end takes it */
    wf->request_waits = 0;
    wf->run_waits = 0;
    wf->change_began = 0;
    switch (wf->request) {
    case CCT_REQ_RERUN:
        break;
    case CCT_REQ_ALL:
        forget_retry_test(wf);
        cct_strv_clear(&wf->retry_suite);
        wf->have_smart_suite = 0;
        break;
    case CCT_REQ_FAILED:
        if (!wf->retry_suite.len && !wf->retry_test) {
            /* They were deleted while the request waited. */
            end_cycle(wf, out, CCT_ACT_WAIT);
            return;
        }
        if (!wf->retry_suite.len)
            cct_strv_add(&wf->retry_suite, wf->retry_test);
        forget_retry_test(wf);
        break;
    case CCT_REQ_STOP:
        assert(!"a stop never waits");
        break;
    }
    set_passed_alone(wf, NULL);
    run_next(wf, out);
}

int cct_workflow_request(cct_workflow *wf, cct_request request,
                         cct_actions *out)
{
    out->n = 0;
    if (request == CCT_REQ_FAILED && !wf->retry_suite.len && !wf->retry_test)
        return -1;
    if (request == CCT_REQ_STOP) {
        wf->request_waits = 0;
        if (wf->running)
            add(out, CCT_ACT_STOP);
        return 0;
    }
    wf->request = request;
    wf->request_waits = 1;
    if (wf->running)
        add(out, CCT_ACT_STOP); /* its end takes the request */
    else
        take_request(wf, out);
    return 0;
}

void cct_workflow_set_smart(cct_workflow *wf, int smart)
{
    wf->smart = smart;
    if (smart) {
        wf->forever = 1;
        return;
    }
    wf->have_smart_suite = 0;
    if (wf->selection_waits) {
        /* The files waiting to be selected are now a plain change. */
        wf->selection_waits = 0;
        if (wf->running)
            wf->change_pending = 1;
        else
            wf->run_waits = 1;
    }
}
