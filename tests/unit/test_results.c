/*
 * Unit tests of a run's results (core/results.h): trial's counts and its
 * verdict, results grouped by outcome and problem key in the documented
 * order, the biggest problem the workflow re-runs, and the ids of the
 * failed tests.  (What makes a key is test_problem.c's; these texts are
 * not tracebacks, so each is its own key.)
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

static cct_results results;

static void setup(void)
{
    cct_results_init(&results);
}

static void teardown(void)
{
    cct_results_free(&results);
}

TestSuite(results, .init = setup, .fini = teardown);

static void add(const char *id, cct_outcome outcome, const char *text)
{
    cct_result r = {
        .test_id = id,
        .outcome = outcome,
        .text = text,
        .error_class = outcome == CCT_OUTCOME_FAILURE ||
                               outcome == CCT_OUTCOME_ERROR
                           ? "builtins.Exception"
                           : NULL,
    };
    cct_results_add(&results, &r);
}

/* The groups as text, one line each: "<label> <text> <ids...>". */
static char *groups_text(void)
{
    cct_buf b;
    cct_buf_init(&b);
    for (size_t i = 0; i < results.n_groups; i++) {
        const cct_result_group *g = &results.groups[i];
        cct_buf_printf(&b, "%s %s", cct_outcome_label(g->outcome), g->text);
        for (size_t k = 0; k < g->n_tests; k++)
            cct_buf_printf(&b, " %s", g->test_ids[k]);
        cct_buf_addc(&b, '\n');
    }
    return cct_buf_steal(&b);
}

#define S CCT_OUTCOME_SUCCESS
#define F CCT_OUTCOME_FAILURE
#define E CCT_OUTCOME_ERROR
#define K CCT_OUTCOME_SKIP
#define T CCT_OUTCOME_EXPECTED_FAILURE
#define U CCT_OUTCOME_UNEXPECTED_SUCCESS

Test(results, counts_every_outcome_and_keeps_no_success)
{
    add("t.a", S, "");
    add("t.b", S, "");
    add("t.c", F, "f\n");
    add("t.d", E, "e\n");
    add("t.e", K, "s\n");
    add("t.f", T, "x\n");
    add("t.g", U, "u\n");
    add("t.h", E, "e\n");
    cr_assert_eq(results.counts[S], 2);
    cr_assert_eq(results.counts[F], 1);
    cr_assert_eq(results.counts[E], 2);
    cr_assert_eq(results.counts[K], 1);
    cr_assert_eq(results.counts[T], 1);
    cr_assert_eq(results.counts[U], 1);
    cr_assert_eq(results.n, 6, "successes are counted, not stored");
}

typedef struct verdict_case {
    char outcomes[8]; /* one letter per result: S F E K T U */
    int passed;
} verdict_case;

ParameterizedTestParameters(results, verdict)
{
    static verdict_case cases[] = {
        {"", 1},       {"S", 1},     {"SSS", 1},
        {"SK", 1},     {"ST", 1},    {"SU", 1},
        {"KTU", 1},    {"SF", 0},    {"SE", 0},
        {"KTUF", 0},   {"UE", 0},    {"F", 0},
    };
    return cr_make_param_array(verdict_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(verdict_case *c, results, verdict)
{
    static const char letters[] = "SFEKTU";
    for (const char *p = c->outcomes; *p; p++) {
        char id[16];
        snprintf(id, sizeof(id), "t.%d", (int)(p - c->outcomes));
        add(id, (cct_outcome)(strchr(letters, *p) - letters), "text\n");
    }
    /* trial's wasSuccessful: failures and errors only, so skips, todos
     * and unexpected successes still pass. */
    cr_assert_eq(cct_results_passed(&results), c->passed, "'%s'",
                 c->outcomes);
}

Test(results, groups_are_by_outcome_and_problem_smallest_first)
{
    add("m.T.z", F, "A\n");
    add("m.T.c", E, "C\n");
    add("m.T.ok", S, "");
    add("m.T.a", F, "A\n");
    add("m.T.s", K, "skip\n");
    add("m.T.b", E, "B\n");
    add("m.T.y", E, "C\n");
    add("m.T.x", E, "C\n");
    add("m.T.d", F, "D\n");
    add("m.T.u", U, "todo\n");
    add("m.T.t", T, "todo\n");
    cct_results_group(&results);
    char *text = groups_text();
    /* Size 1 first: skip, todo, unexpected success, then the problems,
     * the one met first last (B came before D); then the failure of 2;
     * then the errors of 3, which end next to the prompt. */
    cr_assert_str_eq(text, "[SKIPPED] skip\n m.T.s\n"
                           "[TODO] todo\n m.T.t\n"
                           "[UNEXPECTED SUCCESS] todo\n m.T.u\n"
                           "[FAIL] D\n m.T.d\n"
                           "[ERROR] B\n m.T.b\n"
                           "[FAIL] A\n m.T.a m.T.z\n"
                           "[ERROR] C\n m.T.c m.T.x m.T.y\n");
    free(text);
}

Test(results, same_text_in_another_outcome_is_another_group)
{
    add("m.T.a", F, "same\n");
    add("m.T.b", E, "same\n");
    add("m.T.c", F, "same\n");
    cct_results_group(&results);
    cr_assert_eq(results.n_groups, 2);
    char *text = groups_text();
    cr_assert_str_eq(text, "[ERROR] same\n m.T.b\n"
                           "[FAIL] same\n m.T.a m.T.c\n");
    free(text);
}

Test(results, of_equal_groups_the_one_met_first_is_the_biggest)
{
    /* By name the second group would win: names say nothing. */
    add("m.T.a", F, "met first\n");
    add("m.T.y", F, "met second\n");
    add("m.T.z", F, "met second\n");
    add("m.T.b", F, "met first\n");
    cct_results_group(&results);
    char *text = groups_text();
    cr_assert_str_eq(text, "[FAIL] met second\n m.T.y m.T.z\n"
                           "[FAIL] met first\n m.T.a m.T.b\n");
    free(text);
    const cct_result_group *g = cct_results_biggest_problem(&results);
    cr_assert_not_null(g);
    cr_assert_str_eq(g->test_ids[0], "m.T.a");
}

Test(results, ids_sorted_within_a_group_the_text_of_its_first_result)
{
    static const char tb[] = "Traceback (most recent call last):\n"
                             "  File \"/p/helper.py\", line 2, in f\n"
                             "    boom()\n"
                             "builtins.KeyError: <object at 0x7f%010d>\n";
    char first[256], second[256];
    snprintf(first, sizeof(first), tb, 1);
    snprintf(second, sizeof(second), tb, 2);
    add("m.T.z", E, first);
    add("m.T.a", E, second);
    cct_results_group(&results);
    cr_assert_eq(results.n_groups, 1, "one problem, two addresses");
    const cct_result_group *g = &results.groups[0];
    cr_assert_str_eq(g->text, first, "the text of the first result");
    cr_assert_str_eq(g->test_ids[0], "m.T.a");
    cr_assert_str_eq(g->test_ids[1], "m.T.z");
    const cct_group_detail *d = results.detail_ptrs[0];
    cr_assert_eq(d->struct_size, sizeof(cct_group_detail));
    cr_assert_str_eq(d->texts[0], second, "each id with its own text");
    cr_assert_str_eq(d->texts[1], first);
    cr_assert_str_eq(d->key, "builtins.KeyError: <object at <addr>>\n"
                             "  at /p/helper.py:2, in f\n");
}

Test(results, the_biggest_problem_is_the_last_failure_or_error_group)
{
    for (int i = 0; i < 5; i++) {
        char id[24];
        snprintf(id, sizeof(id), "m.T.skip%d", i);
        add(id, K, "skipped\n");
    }
    add("m.T.f2", F, "F\n");
    add("m.T.f1", F, "F\n");
    add("m.T.e", E, "E\n");
    add("m.T.u1", U, "u\n");
    add("m.T.u2", U, "u\n");
    add("m.T.u3", U, "u\n");
    cct_results_group(&results);
    const cct_result_group *g = cct_results_biggest_problem(&results);
    cr_assert_not_null(g);
    cr_assert_eq(g->outcome, F, "skips and unexpected successes are no "
                                "problem to fix");
    cr_assert_eq(g->n_tests, 2);
    cr_assert_str_eq(g->test_ids[0], "m.T.f1", "its first test, by id");
}

ParameterizedTestParameters(results, failures_and_errors_tie_on_who_came_first)
{
    static cct_outcome first[] = {CCT_OUTCOME_FAILURE, CCT_OUTCOME_ERROR};
    return cr_make_param_array(cct_outcome, first, CCT_ARRAY_SIZE(first));
}

ParameterizedTest(cct_outcome *first, results,
                  failures_and_errors_tie_on_who_came_first)
{
    cct_outcome other = *first == F ? E : F;
    add("m.T.b", *first, "first\n");
    add("m.T.a", other, "second\n");
    cct_results_group(&results);
    const cct_result_group *g = cct_results_biggest_problem(&results);
    cr_assert_not_null(g);
    cr_assert_eq(g->outcome, *first);
    cr_assert_str_eq(g->test_ids[0], "m.T.b");
}

Test(results, no_failure_means_no_biggest_problem)
{
    cct_results_group(&results);
    cr_assert_null(cct_results_biggest_problem(&results), "nothing at all");
    add("m.T.s", K, "skip\n");
    add("m.T.t", T, "todo\n");
    add("m.T.u", U, "todo\n");
    add("m.T.ok", S, "");
    cct_results_group(&results);
    cr_assert_eq(results.n_groups, 3);
    cr_assert_null(cct_results_biggest_problem(&results));
}

Test(results, failed_ids_are_sorted_and_unique)
{
    add("m.T.c", F, "x\n");
    add("m.T.a", E, "y\n");
    add("m.T.s", K, "skip\n");
    add("m.T.c", E, "dirty reactor\n"); /* a second result of one test */
    add("m.T.b", F, "x\n");
    add("m.T.u", U, "todo\n");
    add("m.T.ok", S, "");
    cct_strv ids;
    cct_strv_init(&ids);
    cct_results_failed_ids(&results, &ids);
    char *joined = cct_strv_join(&ids, " ");
    cr_assert_str_eq(joined, "m.T.a m.T.b m.T.c");
    free(joined);
    cct_strv_free(&ids);
}

Test(results, a_test_with_two_results_is_in_two_groups)
{
    add("m.T.a", F, "assert\n");
    add("m.T.a", E, "dirty reactor\n");
    cct_results_group(&results);
    cr_assert_eq(results.n_groups, 2);
    cr_assert_eq(results.counts[F] + results.counts[E], 2);
}

Test(results, grouping_again_after_more_results)
{
    add("m.T.a", F, "A\n");
    cct_results_group(&results);
    cr_assert_eq(results.n_groups, 1);
    add("m.T.b", F, "A\n");
    add("m.T.c", E, "C\n");
    cct_results_group(&results);
    char *text = groups_text();
    cr_assert_str_eq(text, "[ERROR] C\n m.T.c\n"
                           "[FAIL] A\n m.T.a m.T.b\n");
    free(text);
}

Test(results, reset_forgets_the_run)
{
    add("m.T.a", F, "A\n");
    add("m.T.b", S, "");
    cct_results_group(&results);
    cct_results_reset(&results);
    cr_assert_eq(results.n, 0);
    cr_assert_eq(results.n_groups, 0);
    for (int o = 0; o < CCT_OUTCOME_COUNT; o++)
        cr_assert_eq(results.counts[o], 0);
    cr_assert(cct_results_passed(&results));
    add("m.T.c", E, "C\n");
    cct_results_group(&results);
    cr_assert_eq(results.n_groups, 1);
}

Test(results, results_keep_copies_of_their_strings)
{
    char id[] = "m.T.a", text[] = "A\n";
    add(id, F, text);
    id[4] = 'z';
    text[0] = 'Z';
    cct_results_group(&results);
    cr_assert_str_eq(results.groups[0].test_ids[0], "m.T.a");
    cr_assert_str_eq(results.groups[0].text, "A\n");
}
