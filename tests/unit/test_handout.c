/*
 * Unit tests of the order a run hands its tests out in (core/handout.h):
 * trial's order or a given one, handed-back tests first and in the
 * hand-out order whatever order they came back in, no test sent ahead
 * near a run's end, and the order longest module first.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "handout.h"

static cct_handout h;

static void setup(void)
{
    cct_handout_init(&h);
}

static void teardown(void)
{
    cct_handout_free(&h);
}

TestSuite(handout, .init = setup, .fini = teardown);

Test(handout, tests_go_out_in_trial_s_order_each_once)
{
    cct_handout_reset(&h, 4, NULL);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(cct_handout_left(&h), 4 - i);
        cr_assert_eq(cct_handout_take(&h), i);
    }
    cr_assert_eq(cct_handout_left(&h), 0);
}

Test(handout, handed_back_tests_go_out_first_in_trial_s_order)
{
    cct_handout_reset(&h, 8, NULL);
    for (size_t i = 0; i < 5; i++)
        cct_handout_take(&h);
    /* A worker died starting with test 3 while test 4 waited behind it;
     * another had been sent test 1 ahead and died too. */
    cct_handout_give_back(&h, 4);
    cct_handout_give_back(&h, 1);
    cct_handout_give_back(&h, 3);
    cr_assert_eq(cct_handout_left(&h), 6);
    size_t expected[] = {1, 3, 4, 5, 6, 7};
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(cct_handout_take(&h), expected[i], "take %zu", i);
    cr_assert_eq(cct_handout_left(&h), 0);
}

Test(handout, a_test_handed_back_again_goes_out_again)
{
    cct_handout_reset(&h, 2, NULL);
    cr_assert_eq(cct_handout_take(&h), 0);
    cct_handout_give_back(&h, 0);
    cr_assert_eq(cct_handout_take(&h), 0);
    cct_handout_give_back(&h, 0);
    cr_assert_eq(cct_handout_take(&h), 0);
    cr_assert_eq(cct_handout_take(&h), 1);
    cr_assert_eq(cct_handout_left(&h), 0);
}

Test(handout, no_test_is_sent_ahead_among_a_run_s_last)
{
    /* Two workers: a first test is sent ahead only while more than four
     * are left, so that none waits behind a slow one at the end. */
    cct_handout_reset(&h, 7, NULL);
    cr_assert(cct_handout_may_send_ahead(&h, 2, 0));
    cct_handout_take(&h);
    cct_handout_take(&h);
    cr_assert_eq(cct_handout_left(&h), 5);
    cr_assert(cct_handout_may_send_ahead(&h, 2, 0));
    cct_handout_take(&h);
    cr_assert_eq(cct_handout_left(&h), 4);
    cr_assert_not(cct_handout_may_send_ahead(&h, 2, 0));
    /* A test handed back counts as left. */
    cct_handout_give_back(&h, 2);
    cr_assert(cct_handout_may_send_ahead(&h, 2, 0));
    cr_assert_not(cct_handout_may_send_ahead(&h, 3, 0));
}

Test(handout, a_worker_holds_fewer_ahead_as_the_run_nears_its_end)
{
    /* Two workers, 20 tests left: a worker holding 7 ahead may get an
     * eighth (20 > 2 x 9), one holding 8 may not (20 = 2 x 10); so every
     * worker can hold as many and the last tests are not stuck behind
     * one worker's queue. */
    cct_handout_reset(&h, 20, NULL);
    cr_assert(cct_handout_may_send_ahead(&h, 2, 7));
    cr_assert_not(cct_handout_may_send_ahead(&h, 2, 8));
    for (int i = 0; i < 15; i++)
        cct_handout_take(&h);
    cr_assert_eq(cct_handout_left(&h), 5);
    cr_assert(cct_handout_may_send_ahead(&h, 2, 0));
    cr_assert_not(cct_handout_may_send_ahead(&h, 2, 1));
}

Test(handout, a_new_run_starts_afresh)
{
    cct_handout_reset(&h, 3, NULL);
    cct_handout_take(&h);
    cct_handout_take(&h);
    cct_handout_give_back(&h, 1);
    cct_handout_reset(&h, 2, NULL);
    cr_assert_eq(cct_handout_left(&h), 2);
    cr_assert_eq(cct_handout_take(&h), 0);
    cr_assert_eq(cct_handout_take(&h), 1);
    cr_assert_eq(cct_handout_left(&h), 0);
}

Test(handout, tests_go_out_in_the_order_given)
{
    static const size_t order[] = {2, 3, 0, 1};
    cct_handout_reset(&h, 4, order);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(cct_handout_take(&h), order[i], "take %zu", i);
    cr_assert_eq(cct_handout_left(&h), 0);
    /* The next run, without one, is in trial's order again. */
    cct_handout_reset(&h, 2, NULL);
    cr_assert_eq(cct_handout_take(&h), 0);
    cr_assert_eq(cct_handout_take(&h), 1);
}

Test(handout, handed_back_tests_go_out_first_in_the_order_given)
{
    static const size_t order[] = {4, 5, 0, 1, 2, 3};
    cct_handout_reset(&h, 6, order);
    for (size_t i = 0; i < 4; i++)
        cct_handout_take(&h); /* 4 5 0 1 */
    /* Back in trial's order, 0 then 5: 5 went out first, and goes again
     * first. */
    cct_handout_give_back(&h, 0);
    cct_handout_give_back(&h, 5);
    size_t expected[] = {5, 0, 2, 3};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(cct_handout_take(&h), expected[i], "take %zu", i);
    cr_assert_eq(cct_handout_left(&h), 0);
}

/* ---- longest first ---- */

#define NONE (-1.0)

static void assert_order(const cct_handout_test *tests, size_t n,
                         const size_t *expected, size_t expected_timed)
{
    size_t *order = calloc(n, sizeof(*order));
    size_t timed = cct_handout_longest_first(tests, n, order);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(order[i], expected[i], "order[%zu] is %zu, not %zu", i,
                     order[i], expected[i]);
    cr_assert_eq(timed, expected_timed);
    free(order);
}

Test(handout, the_longest_module_goes_first_its_tests_together)
{
    /* Three modules in trial's order: a (0.3 s), b (2 s: one slow test),
     * c (1 s). */
    static const cct_handout_test tests[] = {
        {"a", 0.1}, {"a", 0.2},
        {"b", 0.5}, {"b", 1.5}, {"b", NONE},
        {"c", 1.0},
    };
    static const size_t expected[] = {2, 3, 4, 5, 0, 1};
    assert_order(tests, 6, expected, 3);
}

Test(handout, without_durations_the_order_is_trial_s)
{
    static const cct_handout_test tests[] = {
        {"b", NONE}, {"b", NONE}, {"a", NONE}, {"c", NONE},
    };
    static const size_t expected[] = {0, 1, 2, 3};
    assert_order(tests, 4, expected, 0);
}

Test(handout, modules_without_durations_keep_their_place)
{
    /* x and y are new (no history): they stay second and fourth among the
     * modules; a, b, c take the other places longest first. */
    static const cct_handout_test tests[] = {
        {"a", 0.1},  /* 0 */
        {"x", NONE}, /* 1 */
        {"b", 0.2},  /* 2 */
        {"y", NONE}, /* 3 */
        {"y", NONE}, /* 4 */
        {"c", 3.0},  /* 5 */
    };
    static const size_t expected[] = {5, 1, 2, 3, 4, 0};
    assert_order(tests, 6, expected, 3);
}

Test(handout, equal_modules_keep_trial_s_order)
{
    static const cct_handout_test tests[] = {
        {"a", 1.0}, {"b", 0.5}, {"b", 0.5}, {"c", 1.0}, {"d", 2.0},
    };
    static const size_t expected[] = {4, 0, 1, 2, 3};
    assert_order(tests, 5, expected, 4);
}

Test(handout, a_module_s_tests_go_together_where_its_first_test_is)
{
    /* Names given in an order that splits a module: its tests gather,
     * in trial's order, at its place. */
    static const cct_handout_test tests[] = {
        {"a", 0.1}, {"b", 0.2}, {"a", 0.1}, {"c", NONE},
    };
    static const size_t expected[] = {0, 2, 1, 3};
    assert_order(tests, 4, expected, 2);
}

Test(handout, an_empty_run_has_no_order)
{
    size_t order[1] = {99};
    cr_assert_eq(cct_handout_longest_first(NULL, 0, order), 0);
    cr_assert_eq(order[0], 99);
}
