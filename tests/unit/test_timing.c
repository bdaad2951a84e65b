/*
 * Unit tests of the history of run times (core/timing.h): the estimate a
 * run is given is the time the last whole run of the same tests with as
 * many workers took, and nothing otherwise.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"
#include "timing.h"

static char dir[] = "/tmp/cct_timing_XXXXXX";
static char *file;

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    /* .cctrial/ does not exist yet: remembering makes it. */
    file = cct_xasprintf("%s/.cctrial/timing.json", dir);
}

static void teardown(void)
{
    scratch_remove(dir);
    free(file);
}

static void tests_of(cct_strv *v, const char *const *ids, size_t n)
{
    cct_strv_init(v);
    for (size_t i = 0; i < n; i++)
        cct_strv_add(v, ids[i]);
}

static const char *const ab[] = {"p.test_a.T.test_1", "p.test_b.T.test_2"};
static const char *const ba[] = {"p.test_b.T.test_2", "p.test_a.T.test_1"};
static const char *const a[] = {"p.test_a.T.test_1"};

TestSuite(timing, .init = setup, .fini = teardown);

Test(timing, no_history_no_estimate)
{
    cct_strv tests;
    tests_of(&tests, ab, 2);
    cr_assert_eq(cct_timing_estimate(file, &tests, 2), 0.0);
    cct_strv_free(&tests);
}

Test(timing, the_same_selection_is_estimated_in_any_order)
{
    cct_strv tests, reordered;
    tests_of(&tests, ab, 2);
    tests_of(&reordered, ba, 2);
    cct_timing_remember(file, &tests, 2, 12.5);
    cr_assert_float_eq(cct_timing_estimate(file, &reordered, 2), 12.5,
                       1e-9);
    cct_strv_free(&tests);
    cct_strv_free(&reordered);
}

Test(timing, another_selection_or_worker_count_is_not_estimated)
{
    cct_strv tests, fewer;
    tests_of(&tests, ab, 2);
    tests_of(&fewer, a, 1);
    cct_timing_remember(file, &tests, 2, 12.5);
    cr_assert_eq(cct_timing_estimate(file, &fewer, 2), 0.0);
    cr_assert_eq(cct_timing_estimate(file, &tests, 1), 0.0);
    cct_strv_free(&tests);
    cct_strv_free(&fewer);
}

Test(timing, the_last_run_replaces_the_one_before_and_others_stay)
{
    cct_strv tests, fewer;
    tests_of(&tests, ab, 2);
    tests_of(&fewer, a, 1);
    cct_timing_remember(file, &tests, 2, 12.5);
    cct_timing_remember(file, &fewer, 1, 3.0);
    cct_timing_remember(file, &tests, 2, 8.0);
    cr_assert_float_eq(cct_timing_estimate(file, &tests, 2), 8.0, 1e-9);
    cr_assert_float_eq(cct_timing_estimate(file, &fewer, 1), 3.0, 1e-9);
    cct_strv_free(&tests);
    cct_strv_free(&fewer);
}

Test(timing, only_the_last_selections_are_kept)
{
    cct_strv first;
    tests_of(&first, a, 1);
    cct_timing_remember(file, &first, 1, 1.0);
    for (unsigned w = 2; w < 2 + CCT_TIMING_KEEP; w++)
        cct_timing_remember(file, &first, w, 2.0);
    cr_assert_eq(cct_timing_estimate(file, &first, 1), 0.0,
                 "the oldest of %d + 1 selections is still kept",
                 CCT_TIMING_KEEP);
    cr_assert_float_eq(cct_timing_estimate(file, &first, 2), 2.0, 1e-9);
    cct_strv_free(&first);
}

Test(timing, a_damaged_history_gives_no_estimate_and_is_replaced)
{
    cct_strv tests;
    tests_of(&tests, ab, 2);
    cct_timing_remember(file, &tests, 2, 5.0); /* makes .cctrial/ */
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("{\"version\": 1, \"runs\": [", f);
    fclose(f);
    cr_assert_eq(cct_timing_estimate(file, &tests, 2), 0.0);
    cct_timing_remember(file, &tests, 2, 6.0);
    cr_assert_float_eq(cct_timing_estimate(file, &tests, 2), 6.0, 1e-9);
    cct_strv_free(&tests);
}
