/*
 * Unit tests of the shard split (core/shard.h): parts 1..N cover the
 * selection exactly once, keep a module's tests together, come out the
 * same every time, and balance a suite of skewed durations within 15% of
 * the ideal; and K/N is parsed strictly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"
#include "util.h"

/* A suite of `n_modules` modules of `per_module` tests each, whose
 * durations are skewed: module m's tests take 30/(m+1) seconds each, and
 * every fifth test has no recorded duration. */
typedef struct suite {
    cct_shard_test *tests;
    size_t n;
    cct_strv names;
} suite;

static void make_suite(suite *s, size_t n_modules, size_t per_module)
{
    cct_strv_init(&s->names);
    s->n = n_modules * per_module;
    s->tests = cct_xcalloc(s->n, sizeof(*s->tests));
    for (size_t m = 0; m < n_modules; m++)
        for (size_t t = 0; t < per_module; t++) {
            cct_strv_take(&s->names, cct_xasprintf("pkg.test_m%02zu", m));
            cct_strv_take(&s->names,
                          cct_xasprintf("pkg.test_m%02zu.T.test_%zu", m, t));
        }
    for (size_t i = 0; i < s->n; i++) {
        size_t m = i / per_module;
        s->tests[i] = (cct_shard_test){
            .module = s->names.items[2 * i],
            .id = s->names.items[2 * i + 1],
            .seconds = i % 5 == 4 ? -1.0 : 30.0 / (double)(m + 1),
        };
    }
}

static void free_suite(suite *s)
{
    free(s->tests);
    cct_strv_free(&s->names);
}

Test(shard, parts_cover_the_selection_exactly_once_and_keep_modules_whole)
{
    suite s;
    make_suite(&s, 37, 4);
    for (unsigned parts = 1; parts <= 9; parts++) {
        unsigned *part_of = cct_xcalloc(s.n, sizeof(*part_of));
        cct_shard_split(s.tests, s.n, parts, part_of, NULL);
        /* One part per test (the exact cover), within range. */
        size_t *count = cct_xcalloc(parts, sizeof(*count));
        for (size_t i = 0; i < s.n; i++) {
            cr_assert_lt(part_of[i], parts);
            count[part_of[i]]++;
        }
        size_t total = 0;
        for (unsigned p = 0; p < parts; p++) {
            cr_assert_gt(count[p], 0, "part %u of %u is empty", p + 1,
                         parts);
            total += count[p];
        }
        cr_assert_eq(total, s.n);
        for (size_t i = 1; i < s.n; i++)
            if (strcmp(s.tests[i].module, s.tests[i - 1].module) == 0)
                cr_assert_eq(part_of[i], part_of[i - 1],
                             "module %s is split", s.tests[i].module);
        free(count);
        free(part_of);
    }
    free_suite(&s);
}

Test(shard, the_split_is_the_same_every_time_whatever_memory_holds)
{
    suite a, b;
    make_suite(&a, 23, 3);
    make_suite(&b, 23, 3); /* the same suite in other strings */
    unsigned pa[69], pb[69];
    cct_shard_split(a.tests, a.n, 4, pa, NULL);
    cct_shard_split(b.tests, b.n, 4, pb, NULL);
    cr_assert_arr_eq(pa, pb, sizeof(pa));
    free_suite(&a);
    free_suite(&b);
}

Test(shard, skewed_durations_balance_within_15_percent_of_the_ideal)
{
    suite s;
    make_suite(&s, 40, 5);
    for (unsigned parts = 2; parts <= 4; parts++) {
        unsigned *part_of = cct_xcalloc(s.n, sizeof(*part_of));
        double *seconds = cct_xcalloc(parts, sizeof(*seconds));
        cct_shard_split(s.tests, s.n, parts, part_of, seconds);
        /* The ideal: the suite's total time (unknown tests at the mean,
         * as the split counts them) shared equally. */
        double known = 0, total = 0;
        size_t n_known = 0;
        for (size_t i = 0; i < s.n; i++)
            if (s.tests[i].seconds >= 0) {
                known += s.tests[i].seconds;
                n_known++;
            }
        double mean = known / (double)n_known;
        double *mine = cct_xcalloc(parts, sizeof(*mine));
        for (size_t i = 0; i < s.n; i++) {
            double t = s.tests[i].seconds >= 0 ? s.tests[i].seconds : mean;
            mine[part_of[i]] += t;
            total += t;
        }
        double ideal = total / parts;
        for (unsigned p = 0; p < parts; p++) {
            cr_assert_float_eq(mine[p], seconds[p], 1e-6);
            cr_assert_leq(mine[p], 1.15 * ideal,
                          "part %u of %u takes %.1fs, the ideal is %.1fs",
                          p + 1, parts, mine[p], ideal);
        }
        free(mine);
        free(seconds);
        free(part_of);
    }
    free_suite(&s);
}

Test(shard, without_any_history_every_test_counts_as_one)
{
    static const char *const modules[] = {"a", "a", "a", "b", "c", "d"};
    cct_shard_test tests[6];
    for (size_t i = 0; i < 6; i++)
        tests[i] = (cct_shard_test){.id = modules[i], .module = modules[i],
                                    .seconds = -1};
    unsigned part_of[6];
    double seconds[2];
    cct_shard_split(tests, 6, 2, part_of, seconds);
    /* a (3) alone; b, c and d (1 each) together. */
    cr_assert_float_eq(seconds[0], 3.0, 1e-9);
    cr_assert_float_eq(seconds[1], 3.0, 1e-9);
    cr_assert_eq(part_of[0], 0);
    cr_assert_eq(part_of[3], 1);
    cr_assert_eq(part_of[5], 1);
}

Test(shard, more_parts_than_modules_leaves_parts_empty)
{
    cct_shard_test tests[2] = {{"m.T.a", "m", 1.0}, {"m.T.b", "m", 2.0}};
    unsigned part_of[2];
    cct_shard_split(tests, 2, 3, part_of, NULL);
    cr_assert_eq(part_of[0], part_of[1]);
}

Test(shard, k_of_n_is_parsed_strictly)
{
    unsigned k, n;
    char *error = NULL;
    cr_assert_eq(cct_shard_parse("2/4", &k, &n, &error), 0);
    cr_assert_eq(k, 2);
    cr_assert_eq(n, 4);
    cr_assert_null(error);
    static const char *const bad[] = {"", "2", "2/", "/4", "a/4", "2/4x",
                                      "-1/4", " 1/4", "1/+4", "1 /4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        cr_assert_lt(cct_shard_parse(bad[i], &k, &n, &error), 0, "%s",
                     bad[i]);
        cr_assert(strstr(error, "is not K/N"), "%s: %s", bad[i], error);
        free(error);
    }
    cr_assert_lt(cct_shard_parse("5/4", &k, &n, &error), 0);
    cr_assert_str_eq(error, "shard '5/4': the part must be 1 to 4");
    free(error);
    cr_assert_lt(cct_shard_parse("0/4", &k, &n, &error), 0);
    free(error);
    cr_assert_lt(cct_shard_parse("1/0", &k, &n, &error), 0);
    cr_assert(strstr(error, "the number of parts must be 1 to"));
    free(error);
    cr_assert_lt(cct_shard_parse("1/99999999999999999999", &k, &n, &error),
                 0);
    free(error);
}
