/*
 * Unit tests of a worker's Runs not yet answered (core/worker_runs.h): the
 * test it runs and those sent ahead, which run in the order sent once the
 * one before is answered; an answer matches the running Run, or is one
 * ahead's out of turn, or no Run's at all.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "worker_runs.h"

static cct_worker_runs runs;

static void setup(void)
{
    cct_worker_runs_init(&runs);
}

static void teardown(void)
{
    cct_worker_runs_free(&runs);
}

TestSuite(worker_runs, .init = setup, .fini = teardown);

/* The AMP text of an ask, as a worker's answer carries it. */
static cct_run_answer answer(long long ask)
{
    char text[24];
    snprintf(text, sizeof(text), "%llx", ask);
    return cct_worker_runs_match(&runs, text, strlen(text));
}

Test(worker_runs, none_runs_at_first_and_none_may_be_sent_ahead)
{
    cr_assert_eq(runs.running.index, CCT_NO_TEST);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 0), CCT_NO_TEST);
    cr_assert_not(cct_worker_runs_may_send_ahead(&runs));
    cr_assert_eq(answer(1), CCT_ANSWER_UNKNOWN);
}

Test(worker_runs, the_first_sent_runs_the_next_wait_ahead_in_order)
{
    cr_assert_eq(cct_worker_runs_sent(&runs, "a.T.test_1", 0, 2), 1);
    cr_assert_str_eq(runs.running.test_id, "a.T.test_1");
    cr_assert_eq(runs.running.index, 0);
    cr_assert(cct_worker_runs_may_send_ahead(&runs));
    cr_assert_eq(cct_worker_runs_sent(&runs, "a.T.test_2", 7, 3), 0);
    cr_assert_eq(cct_worker_runs_sent(&runs, "a.T.test_3", 4, 4), 0);
    cr_assert_str_eq(runs.running.test_id, "a.T.test_1");
    cr_assert_eq(runs.n_ahead, 2);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 0), 7);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 1), 4);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 2), CCT_NO_TEST);
    cr_assert(cct_worker_runs_may_send_ahead(&runs));
}

Test(worker_runs, at_most_ahead_max_wait_ahead)
{
    cct_worker_runs_sent(&runs, "a.T.test_0", 0, 1);
    for (int k = 0; k < CCT_AHEAD_MAX; k++) {
        cr_assert(cct_worker_runs_may_send_ahead(&runs));
        char id[32];
        snprintf(id, sizeof(id), "a.T.test_%d", k + 1);
        cr_assert_eq(cct_worker_runs_sent(&runs, id, k + 1, k + 2), 0);
    }
    cr_assert_eq(runs.n_ahead, CCT_AHEAD_MAX);
    cr_assert_not(cct_worker_runs_may_send_ahead(&runs));
    cct_worker_runs_end(&runs);
    cr_assert(cct_worker_runs_may_send_ahead(&runs));
}

Test(worker_runs, an_answer_is_the_running_run_s_or_out_of_turn_or_unknown)
{
    cct_worker_runs_sent(&runs, "a.T.test_1", 0, 2);
    cct_worker_runs_sent(&runs, "a.T.test_2", 1, 3);
    cct_worker_runs_sent(&runs, "a.T.test_3", 2, 5);
    cr_assert_eq(answer(2), CCT_ANSWER_RUNNING);
    cr_assert_eq(answer(3), CCT_ANSWER_AHEAD);
    cr_assert_eq(answer(5), CCT_ANSWER_AHEAD);
    cr_assert_eq(answer(1), CCT_ANSWER_UNKNOWN); /* Start's, say */
    cr_assert_eq(answer(4), CCT_ANSWER_UNKNOWN);
    /* The text must be the ask's exactly, as AMP writes it. */
    cr_assert_eq(cct_worker_runs_match(&runs, "02", 2), CCT_ANSWER_UNKNOWN);
    cr_assert_eq(cct_worker_runs_match(&runs, "2 ", 2), CCT_ANSWER_UNKNOWN);
    cr_assert_eq(cct_worker_runs_match(&runs, "", 0), CCT_ANSWER_UNKNOWN);
}

Test(worker_runs, asks_are_compared_as_amp_writes_them_in_hex)
{
    cct_worker_runs_sent(&runs, "a.T.test_1", 0, 26);
    cr_assert_eq(cct_worker_runs_match(&runs, "1a", 2), CCT_ANSWER_RUNNING);
    cr_assert_eq(cct_worker_runs_match(&runs, "26", 2), CCT_ANSWER_UNKNOWN);
}

Test(worker_runs, the_next_ahead_runs_when_the_running_one_is_answered)
{
    cct_worker_runs_sent(&runs, "a.T.test_1", 4, 2);
    cct_worker_runs_sent(&runs, "a.T.test_2", 5, 3);
    cct_worker_runs_sent(&runs, "a.T.test_3", 6, 4);
    cr_assert_eq(cct_worker_runs_end(&runs), 4);
    cr_assert_str_eq(runs.running.test_id, "a.T.test_2");
    cr_assert_eq(runs.running.index, 5);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 0), 6);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 1), CCT_NO_TEST);
    cr_assert_eq(answer(3), CCT_ANSWER_RUNNING);
    cr_assert_eq(answer(2), CCT_ANSWER_UNKNOWN); /* answered already */
    cr_assert_eq(cct_worker_runs_end(&runs), 5);
    cr_assert_str_eq(runs.running.test_id, "a.T.test_3");
    cr_assert_eq(cct_worker_runs_ahead(&runs, 0), CCT_NO_TEST);
    cr_assert(cct_worker_runs_may_send_ahead(&runs));
    cr_assert_eq(cct_worker_runs_end(&runs), 6);
    cr_assert_eq(runs.running.index, CCT_NO_TEST);
    cr_assert_not(cct_worker_runs_may_send_ahead(&runs));
}

/* A Run that could not be sent (ask 0) is the worker's all the same, and
 * no answer is ever its. */
Test(worker_runs, a_run_not_sent_is_held_and_matches_no_answer)
{
    cct_worker_runs_sent(&runs, "a.T.test_1", 0, 2);
    cct_worker_runs_sent(&runs, "a.T.test_2", 1, 0);
    cr_assert_eq(cct_worker_runs_ahead(&runs, 0), 1);
    cr_assert_eq(cct_worker_runs_match(&runs, "0", 1), CCT_ANSWER_UNKNOWN);
}
