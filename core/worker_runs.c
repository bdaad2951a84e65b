/*
 * A worker's Runs not yet answered (see worker_runs.h).
 */
#include "worker_runs.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const cct_sent_run none = {NULL, CCT_NO_TEST, 0};

/* Both places empty, or one running with at most one ahead, of a later
 * ask (Runs are sent, so answered, in order). */
static void check(const cct_worker_runs *runs)
{
    (void)runs; /* without assert() */
    assert((runs->running.test_id == NULL) ==
           (runs->running.index == CCT_NO_TEST));
    assert((runs->ahead.test_id == NULL) ==
           (runs->ahead.index == CCT_NO_TEST));
    assert(runs->running.test_id || !runs->ahead.test_id);
    assert(!runs->ahead.test_id || runs->ahead.ask == 0 ||
           runs->ahead.ask > runs->running.ask);
}

void cct_worker_runs_init(cct_worker_runs *runs)
{
    runs->running = none;
    runs->ahead = none;
}

void cct_worker_runs_free(cct_worker_runs *runs)
{
    free(runs->running.test_id);
    free(runs->ahead.test_id);
    cct_worker_runs_init(runs);
}

int cct_worker_runs_sent(cct_worker_runs *runs, const char *test_id,
                         size_t index, long long ask)
{
    check(runs);
    assert(index != CCT_NO_TEST);
    assert(!runs->running.test_id || cct_worker_runs_may_send_ahead(runs));
    cct_sent_run run = {cct_xstrdup(test_id), index, ask};
    int runs_now = runs->running.test_id == NULL;
    if (runs_now)
        runs->running = run;
    else
        runs->ahead = run;
    check(runs);
    return runs_now;
}

int cct_worker_runs_may_send_ahead(const cct_worker_runs *runs)
{
    return runs->running.test_id && !runs->ahead.test_id;
}

cct_run_answer cct_worker_runs_match(const cct_worker_runs *runs,
                                     const char *ask_text, size_t len)
{
    check(runs);
    if (runs->running.test_id &&
        cct_ask_matches(ask_text, len, runs->running.ask))
        return CCT_ANSWER_RUNNING;
    if (runs->ahead.test_id && cct_ask_matches(ask_text, len, runs->ahead.ask))
        return CCT_ANSWER_AHEAD;
    return CCT_ANSWER_UNKNOWN;
}

size_t cct_worker_runs_end(cct_worker_runs *runs)
{
    check(runs);
    assert(runs->running.test_id);
    size_t ended = runs->running.index;
    free(runs->running.test_id);
    runs->running = runs->ahead;
    runs->ahead = none;
    check(runs);
    return ended;
}

int cct_ask_matches(const char *ask_text, size_t len, long long ask)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%llx", ask);
    return ask != 0 && ask_text && (size_t)n == len &&
           memcmp(text, ask_text, len) == 0;
}
