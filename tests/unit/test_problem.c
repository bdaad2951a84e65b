/*
 * Unit tests of the problem key (core/problem.h) and of the groups it
 * makes (core/results.h), on real results: tests/unit/tracebacks/ holds
 * the failures of a real project (tbsrc/) as cctrial received them from
 * trial's workers, on Twisted 22.4 and on 24.11 (make-fixtures writes
 * them).  The project breaks in every way grouping must see through:
 * one helper reached directly, through Deferred chains, inlineCallbacks,
 * a clock and setUp; assertion failures with equal and differing values;
 * a SyntaxError and an ImportError each reached through two imports.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "problem.h"
#include "results.h"
#include "util.h"

#define FIXTURES CCT_TRACEBACK_FIXTURES

static cct_results results;

static void setup(void)
{
    cct_results_init(&results);
}

static void teardown(void)
{
    cct_results_free(&results);
}

TestSuite(problem, .init = setup, .fini = teardown);

static cct_outcome outcome_of(const char *name)
{
    for (int o = 0; o < CCT_OUTCOME_COUNT; o++)
        if (strcmp(cct_outcome_name((cct_outcome)o), name) == 0)
            return (cct_outcome)o;
    cr_assert_fail("unknown outcome %s", name);
    return CCT_OUTCOME_COUNT;
}

/* Adds every result of a fixture file, in the order cctrial got them. */
static void load(const char *name)
{
    char *path = cct_xasprintf("%s/%s", FIXTURES, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    char line[1 << 16];
    size_t n = 0;
    while (fgets(line, sizeof(line), f)) {
        json_error_t error;
        json_t *j = json_loads(line, 0, &error);
        cr_assert_not_null(j, "%s: %s", path, error.text);
        cct_result r = {
            .test_id = json_string_value(json_object_get(j, "id")),
            .outcome = outcome_of(
                json_string_value(json_object_get(j, "outcome"))),
            .text = json_string_value(json_object_get(j, "text")),
            .error_class =
                json_string_value(json_object_get(j, "error_class")),
        };
        cct_results_add(&results, &r);
        json_decref(j);
        n++;
    }
    fclose(f);
    free(path);
    cr_assert_eq(n, 26, "%s: %zu results, 26 expected", name, n);
    cct_results_group(&results);
}

/* The group holding `id` (whose ids end with ".<id>"). */
static const cct_result_group *group_of(const char *id)
{
    for (size_t i = 0; i < results.n_groups; i++)
        for (size_t k = 0; k < results.groups[i].n_tests; k++)
            if (cct_str_ends_with(results.groups[i].test_ids[k], id))
                return &results.groups[i];
    cr_assert_fail("no group holds %s", id);
    return NULL;
}

static const char *key_of(const char *id)
{
    const cct_result_group *g = group_of(id);
    return results.detail_ptrs[g - results.groups]->key;
}

static void same_group(const char *a, const char *b)
{
    cr_expect_eq(group_of(a), group_of(b), "%s and %s: one problem\n%s\n%s",
                 a, b, key_of(a), key_of(b));
}

static void other_groups(const char *a, const char *b)
{
    cr_expect_neq(group_of(a), group_of(b), "%s and %s: two problems\n%s", a,
                  b, key_of(a));
}

static const char *const fixture_files[] = {"twisted-22.4.jsonl",
                                            "twisted-24.11.jsonl"};

/* Rows are passed by index: pointers are only valid in this process image,
 * which a parameter (a number) does not need. */
static size_t *indexes(size_t n)
{
    static size_t rows[16];
    cr_assert(n <= CCT_ARRAY_SIZE(rows));
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    return rows;
}

ParameterizedTestParameters(problem, real_tracebacks)
{
    size_t n = CCT_ARRAY_SIZE(fixture_files);
    return cr_make_param_array(size_t, indexes(n), n);
}

ParameterizedTest(size_t *file, problem, real_tracebacks)
{
    load(fixture_files[*file]);
    /* One broken helper, however the test reached it. */
    static const char *const helper[] = {
        "Direct.test_direct_one",
        "Direct.test_direct_two",
        "Deferreds.test_callback_chain",
        "Deferreds.test_callback_later",
        "Deferreds.test_clock",
        "Deferreds.test_inline_callbacks",
        "Deferreds.test_inline_callbacks_later",
        "Deferreds.test_yield_failed_deferred",
        "SetUpCallsHelper.test_a",
        "SetUpCallsHelper.test_b",
    };
    for (size_t i = 1; i < CCT_ARRAY_SIZE(helper); i++)
        same_group(helper[0], helper[i]);
    cr_expect_eq(group_of(helper[0])->n_tests, CCT_ARRAY_SIZE(helper));
    cr_expect_str_eq(key_of(helper[0]),
                     "builtins.KeyError: 'missing 1 for "
                     "<tbpkg.helpers.Thing object at <addr>>'\n"
                     "  at /project/tbpkg/helpers.py:10, in broken_helper\n");
    /* Reached through another function of the project: another place. */
    other_groups(helper[0], "Direct.test_through_outer");

    /* setUp raising, a helper of the test module: one problem each. */
    same_group("SetUpRaises.test_a", "SetUpRaises.test_b");
    cr_expect_str_eq(key_of("SetUpRaises.test_a"),
                     "builtins.RuntimeError: no database\n"
                     "  at /project/tbpkg/test_helper.py, in setUp: "
                     "raise RuntimeError(\"no database\")\n");
    same_group("OwnHelper.test_first", "OwnHelper.test_second");

    /* Assertions: differing values are two problems; so are equal values
     * asserted by two tests of their own, and two tests raising alike. */
    other_groups("Assertions.test_equal_one", "Assertions.test_equal_two");
    other_groups("Assertions.test_equal_one",
                 "Assertions.test_equal_one_again");
    other_groups("Assertions.test_own_raise", "Assertions.test_own_raise_too");
    cr_expect_str_eq(key_of("Assertions.test_equal_two"),
                     "twisted.trial.unittest.FailTest: 4 != 5\n"
                     "  at /project/tbpkg/test_helper.py, in test_equal_two: "
                     "self.assertEqual(2 + 2, 5)\n");

    /* One file that cannot be imported, through two import chains. */
    same_group("tbpkg.test_direct", "tbpkg.test_indirect");
    cr_expect_str_eq(key_of("tbpkg.test_direct"),
                     "builtins.SyntaxError: expected ':' (convert.py, "
                     "line 3)\n");
    same_group("tbpkg.test_lacking_a", "tbpkg.test_lacking_b");

    /* Volatile parts. */
    cr_expect_str_eq(key_of("Deferreds.test_deferred_repr"),
                     "builtins.ValueError: bad state of <Deferred at "
                     "<addr>>\n"
                     "  at /project/tbpkg/test_helper.py, in "
                     "test_deferred_repr: raise ValueError(\"bad state of "
                     "%r\" % (d,))\n");
    cr_expect_str_eq(key_of("Direct.test_mktemp_path"),
                     "builtins.FileNotFoundError: [Errno 2] No such file or "
                     "directory: '<mktemp>/temp/nothere'\n"
                     "  at /project/tbpkg/test_helper.py, in "
                     "test_mktemp_path: open(path + \"/nothere\").read()\n");

    /* 26 results: the helper's 10, four pairs, eight alone; the
     * helper's group is the biggest problem. */
    cr_expect_eq(results.n_groups, 1 + 4 + 8);
    cr_expect_eq(cct_results_biggest_problem(&results),
                 group_of(helper[0]));
}

Test(problem, both_twisted_generations_give_the_same_keys)
{
    load("twisted-22.4.jsonl");
    cct_results older;
    older = results;
    cct_results_init(&results);
    load("twisted-24.11.jsonl");
    cr_assert_eq(older.n, results.n);
    for (size_t i = 0; i < older.n; i++) {
        const cct_kept_result *a = &older.items[i], *b = NULL;
        for (size_t k = 0; k < results.n; k++)
            if (strcmp(results.items[k].result.test_id,
                       a->result.test_id) == 0)
                b = &results.items[k];
        cr_assert_not_null(b, "%s only on 22.4", a->result.test_id);
        cr_expect_str_eq(a->key, b->key, "%s", a->result.test_id);
    }
    cct_results_free(&older);
}

/* Cases no real run above shows, each a text and the key it must give. */
typedef struct key_case {
    const char *test_id;
    const char *text;
    const char *key;
} key_case;

#define TB "Traceback (most recent call last):\n"

static const key_case key_cases[] = {
    /* Not a traceback: the text is its own key. */
    {"m.T.t", "not on this machine\n", "not on this machine\n"},
    /* A failure without frames. */
    {"m.T.t", TB "Failure: builtins.ValueError: x\n",
     "builtins.ValueError: x\n"},
    /* Short hexadecimal numbers are values, not addresses. */
    {"m.T.t", "0x10 != 0x20 at 0x7fab12cd\n",
     "0x10 != 0x20 at <addr>\n"},
    /* Temporary directories; the test's own names. */
    {"p.test_m.T.test_x",
     "cannot open '/tmp/tmpab12_x9z/data.txt' for p.test_m.T.test_x "
     "(test_x)\n",
     "cannot open '/tmp/<tmp>/data.txt' for <test> (<test>)\n"},
    /* ...but not within other names. */
    {"p.test_m.T.test_x", "test_x_more p.test_m.T.test_x2\n",
     "test_x_more p.test_m.T.test_x2\n"},
    /* The innermost frame of the machinery, when it raised. */
    {"p.test_m.T.test_x",
     TB "  File \"/usr/lib/python3/twisted/internet/defer.py\", line 9, "
        "in callback\n    self._startRunCallbacks(result)\n"
        "twisted.internet.defer.AlreadyCalledError: \n",
     "twisted.internet.defer.AlreadyCalledError: \n"
     "  at /usr/lib/python3/twisted/internet/defer.py:9, in callback\n"},
    /* A file name holding what separates the line number. */
    {"p.test_m.T.test_x",
     TB "  File \"/w/odd\", line 1, in.py\", line 7, in f\n    g()\n"
        "builtins.KeyError: 1\n",
     "builtins.KeyError: 1\n  at /w/odd\", line 1, in.py:7, in f\n"},
    /* A test module's package __init__.py is not the test's own. */
    {"p.test_m.T.test_x",
     TB "  File \"/w/p/test_m.py\", line 3, in test_x\n    f()\n"
        "  File \"/w/p/__init__.py\", line 5, in f\n    g()\n"
        "builtins.KeyError: 1\n",
     "builtins.KeyError: 1\n  at /w/p/__init__.py:5, in f\n"},
    /* ModuleNotFoundError: the missing name, whoever imported it. */
    {"p.test_m",
     TB "  File \"/w/p/test_m.py\", line 1, in <module>\n"
        "    import p.test_m_helpers\n"
        "builtins.ModuleNotFoundError: No module named "
        "'p.test_m_helpers'\n",
     "builtins.ModuleNotFoundError: No module named "
     "'p.test_m_helpers'\n"},
};

ParameterizedTestParameters(problem, keys)
{
    size_t n = CCT_ARRAY_SIZE(key_cases);
    return cr_make_param_array(size_t, indexes(n), n);
}

ParameterizedTest(size_t *row, problem, keys)
{
    const key_case *c = &key_cases[*row];
    char *key = cct_problem_key(c->test_id, c->text);
    cr_expect_str_eq(key, c->key, "the key of:\n%s", c->text);
    free(key);
}
