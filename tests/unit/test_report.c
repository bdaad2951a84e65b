/*
 * Unit tests of the events handed to reporters (core/report.h): a core
 * result and the run's progress become the plugins' cct_test_result, each
 * field in its place.
 */
#include <criterion/criterion.h>

#include "report.h"

Test(report, a_result_event_carries_the_result_and_the_run_s_progress)
{
    cct_result result = {
        .test_id = "pkg.test_mod.T.test_x",
        .outcome = CCT_OUTCOME_ERROR,
        .text = "Traceback (most recent call last):\nboom\n",
        .error_class = "builtins.ValueError",
        .reason = NULL,
        .worker = 2,
        .duration = 0.25,
    };
    size_t counts[CCT_OUTCOME_COUNT] = {5, 1, 1, 0, 0, 0};
    cct_run_progress progress = {.done = 7, .total = 9, .counts = counts};
    cct_test_result ev = cct_report_result_event(&result, &progress, 0);
    cr_assert_eq(ev.struct_size, sizeof(cct_test_result));
    cr_assert_eq(ev.test_id, result.test_id);
    cr_assert_eq(ev.outcome, CCT_OUTCOME_ERROR);
    cr_assert_eq(ev.text, result.text);
    cr_assert_eq(ev.error_class, result.error_class);
    cr_assert_null(ev.reason);
    cr_assert_eq(ev.worker, 2);
    cr_assert_float_eq(ev.duration, 0.25, 1e-12);
    cr_assert_eq(ev.done, 7);
    cr_assert_eq(ev.total, 9);
    cr_assert_eq(ev.counts, counts);
    cr_assert_eq(ev.n_counts, CCT_OUTCOME_COUNT);
    cr_assert_eq(cct_test_result_count(&ev, CCT_OUTCOME_FAILURE), 1);
    cr_assert_eq(ev.flaky, 0);
}

Test(report, a_flaky_success_says_so_in_abi_1_4_s_field)
{
    cct_result result = {.test_id = "t", .outcome = CCT_OUTCOME_SUCCESS,
                         .text = ""};
    size_t counts[CCT_OUTCOME_COUNT] = {1, 0, 0, 0, 0, 0};
    cct_run_progress progress = {.done = 1, .total = 1, .counts = counts};
    cct_test_result ev = cct_report_result_event(&result, &progress, 1);
    cr_assert(CCT_HAS_FIELD(&ev, cct_test_result, flaky));
    cr_assert_eq(ev.flaky, 1);
}

Test(report, a_skip_event_carries_its_reason)
{
    cct_result result = {
        .test_id = "t",
        .outcome = CCT_OUTCOME_SKIP,
        .text = "offline\n",
        .reason = "offline",
        .worker = 0,
    };
    size_t counts[CCT_OUTCOME_COUNT] = {0, 0, 0, 1, 0, 0};
    cct_run_progress progress = {.done = 1, .total = 1, .counts = counts};
    cct_test_result ev = cct_report_result_event(&result, &progress, 0);
    cr_assert_eq(ev.outcome, CCT_OUTCOME_SKIP);
    cr_assert_str_eq(ev.reason, "offline");
    cr_assert_null(ev.error_class);
    cr_assert_eq(ev.worker, 0);
}
