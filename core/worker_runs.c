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

/* A place is empty or holds a test; tests wait ahead only behind a
 * running one, each of a later ask than the one before it (Runs are sent,
 * so answered, in order; a Run not sent has ask 0). */
static void check(const cct_worker_runs *runs)
{
    (void)runs; /* without assert() */
    assert((runs->running.test_id == NULL) ==
           (runs->running.index == CCT_NO_TEST));
    assert(runs->n_ahead <= CCT_AHEAD_MAX);
    assert(runs->running.test_id || runs->n_ahead == 0);
    long long before = runs->running.ask;
    for (size_t k = 0; k < runs->n_ahead; k++) {
        const cct_sent_run *run = &runs->ahead[k];
        assert(run->test_id && run->index != CCT_NO_TEST);
        assert(run->ask == 0 || run->ask > before);
        if (run->ask)
            before = run->ask;
    }
}

void cct_worker_runs_init(cct_worker_runs *runs)
{
    runs->running = none;
    runs->n_ahead = 0;
}

void cct_worker_runs_free(cct_worker_runs *runs)
{
    free(runs->running.test_id);
    for (size_t k = 0; k < runs->n_ahead; k++)
        free(runs->ahead[k].test_id);
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
        runs->ahead[runs->n_ahead++] = run;
    check(runs);
    return runs_now;
}

int cct_worker_runs_may_send_ahead(const cct_worker_runs *runs)
{
    return runs->running.test_id && runs->n_ahead < CCT_AHEAD_MAX;
}

size_t cct_worker_runs_ahead(const cct_worker_runs *runs, size_t k)
{
    return k < runs->n_ahead ? runs->ahead[k].index : CCT_NO_TEST;
}

cct_run_answer cct_worker_runs_match(const cct_worker_runs *runs,
                                     const char *ask_text, size_t len)
{
    check(runs);
    if (runs->running.test_id &&
        cct_ask_matches(ask_text, len, runs->running.ask))
        return CCT_ANSWER_RUNNING;
    for (size_t k = 0; k < runs->n_ahead; k++)
        if (cct_ask_matches(ask_text, len, runs->ahead[k].ask))
            return CCT_ANSWER_AHEAD;
    return CCT_ANSWER_UNKNOWN;
}

size_t cct_worker_runs_end(cct_worker_runs *runs)
{
    check(runs);
    assert(runs->running.test_id);
    size_t ended = runs->running.index;
    free(runs->running.test_id);
    if (runs->n_ahead) {
        runs->running = runs->ahead[0];
        memmove(runs->ahead, runs->ahead + 1,
                --runs->n_ahead * sizeof(runs->ahead[0]));
    } else {
        runs->running = none;
    }
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
