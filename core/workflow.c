/*
 * The workflow state machine (see workflow.h).  Every transition is a few
 * lines here and a row in tests/unit/test_workflow.c.
 */
#include "workflow.h"

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
}

void cct_workflow_free(cct_workflow *wf)
{
    cct_strv_free(&wf->retry_suite);
    cct_strv_free(&wf->smart_suite);
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
    cct_action *a = &out->items[out->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

static void notify(cct_actions *out, cct_notify_status status,
                   const char *title, const char *text)
{
    cct_action *a = add(out, CCT_ACT_NOTIFY);
    a->status = status;
    snprintf(a->title, sizeof(a->title), "%s", title);
    snprintf(a->text, sizeof(a->text), "%s", text);
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
    switch (suite) {
    case CCT_SUITE_RETRY_SUITE: return &wf->retry_suite;
    case CCT_SUITE_SMART: return &wf->smart_suite;
    default: return NULL;
    }
}

/* Runs the next suite now. */
static void run_next(cct_workflow *wf, cct_actions *out)
{
    wf->suite = cct_workflow_next_suite(wf);
    wf->running = 1;
    wf->change_pending = 0;
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
        return;
    }
    wf->change_pending = 0;
    add(out, CCT_ACT_WAIT);
}

void cct_workflow_start(cct_workflow *wf, cct_actions *out)
{
    out->n = 0;
    if (wf->smart)
        add(out, CCT_ACT_WAIT);
    else
        run_next(wf, out);
}

static void passed(cct_workflow *wf, const cct_run_outcome *run,
                   cct_actions *out)
{
    char title[64];
    snprintf(title, sizeof(title), "%zu tests run", run->tests_run);
    notify(out, CCT_NOTIFY_PASS, title, "everything good!");
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
        if (!wf->forever) {
            add(out, CCT_ACT_EXIT)->exit_code = 0;
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
        notify(out, CCT_NOTIFY_FAIL, "Still broken!", wf->retry_test);
        add(out, CCT_ACT_SHOW_LOGS)->test = wf->retry_test;
        message(out, CCT_MSG_PLEASE_FIX, wf->retry_test);
        wait_or_go(wf, out);
        return;
    }
    if (wf->suite == CCT_SUITE_RETRY_SUITE) {
        size_t before = wf->retry_suite.len, still = run->failed->len;
        snprintf(title, sizeof(title), "%zu fixed",
                 before > still ? before - still : 0);
        snprintf(text, sizeof(text), "%zu tests failures to fix", still);
    } else {
        snprintf(title, sizeof(title), "%zu tests run", run->tests_run);
        snprintf(text, sizeof(text), "%zu tests broken!", run->failed->len);
    }
    notify(out, CCT_NOTIFY_FAIL, title, text);

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
    wf->running = 0;
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

void cct_workflow_change(cct_workflow *wf, const cct_strv *smart_suite,
                         cct_actions *out)
{
    out->n = 0;
    set_passed_alone(wf, NULL);
    if (smart_suite) {
        cct_strv_clear(&wf->smart_suite);
        for (size_t i = 0; i < smart_suite->len; i++)
            cct_strv_add(&wf->smart_suite, smart_suite->items[i]);
        wf->have_smart_suite = smart_suite->len > 0;
    }
    if (wf->running) {
        wf->change_pending = 1;
        return;
    }
    /* In smart mode a change that affects no test runs nothing, unless
     * a test is being fixed. */
    if (wf->smart && !wf->have_smart_suite && !wf->retry_test &&
        !wf->retry_suite.len)
        return;
    run_next(wf, out);
}

void cct_workflow_forget_missing(cct_workflow *wf,
                                 int (*exists)(const char *id, void *arg),
                                 void *arg, cct_actions *out)
{
    out->n = 0;
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
        return;
    forget_retry_test(wf);
    /* "please fix" was waiting on it: what failed besides goes on now,
     * as if it had been fixed.  During a run, the run's end decides. */
    if (!wf->running && wf->suite == CCT_SUITE_RETRY_TEST)
        run_next(wf, out);
}

int cct_workflow_request(cct_workflow *wf, cct_request request,
                         cct_actions *out)
{
    out->n = 0;
    switch (request) {
    case CCT_REQ_RERUN:
        break;
    case CCT_REQ_ALL:
        forget_retry_test(wf);
        cct_strv_clear(&wf->retry_suite);
        wf->have_smart_suite = 0;
        break;
    case CCT_REQ_FAILED:
        if (!wf->retry_suite.len && !wf->retry_test)
            return -1;
        if (!wf->retry_suite.len)
            cct_strv_add(&wf->retry_suite, wf->retry_test);
        forget_retry_test(wf);
        break;
    }
    set_passed_alone(wf, NULL);
    wf->running = 0;
    run_next(wf, out);
    return 0;
}

void cct_workflow_set_smart(cct_workflow *wf, int smart)
{
    wf->smart = smart;
    if (smart)
        wf->forever = 1;
    else
        wf->have_smart_suite = 0;
}
