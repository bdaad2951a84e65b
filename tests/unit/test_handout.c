/*
 * Unit tests of the order a run hands its tests out in (core/handout.h):
 * trial's order, handed-back tests first and in trial's order whatever
 * order they came back in, and no test sent ahead near a run's end.
 */
#include <criterion/criterion.h>

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
    cct_handout_reset(&h, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(cct_handout_left(&h), 4 - i);
        cr_assert_eq(cct_handout_take(&h), i);
    }
    cr_assert_eq(cct_handout_left(&h), 0);
}

Test(handout, handed_back_tests_go_out_first_in_trial_s_order)
{
    cct_handout_reset(&h, 8);
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
    cct_handout_reset(&h, 2);
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
    /* Two workers: a test is sent ahead only while more than four are
     * left, so that none waits behind a slow one at the end. */
    cct_handout_reset(&h, 7);
    cr_assert(cct_handout_may_send_ahead(&h, 2));
    cct_handout_take(&h);
    cct_handout_take(&h);
    cr_assert_eq(cct_handout_left(&h), 5);
    cr_assert(cct_handout_may_send_ahead(&h, 2));
    cct_handout_take(&h);
    cr_assert_eq(cct_handout_left(&h), 4);
    cr_assert_not(cct_handout_may_send_ahead(&h, 2));
    /* A test handed back counts as left. */
    cct_handout_give_back(&h, 2);
    cr_assert(cct_handout_may_send_ahead(&h, 2));
    cr_assert_not(cct_handout_may_send_ahead(&h, 3));
}

Test(handout, a_new_run_starts_afresh)
{
    cct_handout_reset(&h, 3);
    cct_handout_take(&h);
    cct_handout_take(&h);
    cct_handout_give_back(&h, 1);
    cct_handout_reset(&h, 2);
    cr_assert_eq(cct_handout_left(&h), 2);
    cr_assert_eq(cct_handout_take(&h), 0);
    cr_assert_eq(cct_handout_take(&h), 1);
    cr_assert_eq(cct_handout_left(&h), 0);
}
