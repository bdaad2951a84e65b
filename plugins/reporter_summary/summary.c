/*
 * The `summary` reporter: what trial prints at the end of a run, with the
 * problems grouped.
 *
 *     Running 38 tests.
 *
 *
 *     ============================================ 4 cases: [ERROR]
 *     Traceback (most recent call last):
 *       ...
 *     builtins.TypeError: __init__() takes 2 positional arguments
 *
 *     pkg.test_mod.TestCase.test_one
 *     ...
 *     --------------------------------------------------------------
 *     Ran 38 tests in 0.272s
 *
 *     FAILED (errors=4, successes=34)
 *
 * Skips and expected failures (todos) are not problems: they are counted,
 * one line per reason (the first line of their text), so that a suite
 * with a hundred skipped tests does not scroll its failures off the
 * screen.  With -v each reason lists its tests.
 *
 *          3 [SKIPPED] no SSL support
 *        128 [SKIPPED] not on this platform
 *          1 [TODO] Reason: 'known bug'
 *
 * Then the problems: unexpected successes, then failures and errors, last
 * and nearest the prompt.  Each group (the results that show one problem,
 * grouped by cctrial's core) is printed once, with the text of its first
 * result, smallest first, so the biggest problem ends next to the prompt.
 * With -v, each member whose own text differs from the one shown follows,
 * so that no traceback is hidden by the grouping.  The closing lines are
 * trial's, word for word.  Before them, a test that failed the last time
 * and passed in this run with no change in between is named flaky:
 *
 *     [FLAKY] pkg.test_mod.TestCase.test_two: failed, then passed with no
 *     change in between
 *
 * While the workflow fixes one test, that test's
 * log, stdout and stderr follow; the workflow's messages (re-run, please
 * fix, waiting) are printed as lines.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"
#include "strbuf.h"
#include "visible.h"

typedef struct summary {
    const cct_host *host;
    char **flaky;       /* this run's flaky tests (ABI 1.4), copies */
    size_t n_flaky, cap_flaky;
} summary;

static void out(summary *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void out(summary *s, const char *fmt, ...)
{
    strbuf line = {0};
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&line, fmt, ap);
    va_end(ap);
    if (!line.failed && line.len)
        s->host->print(s->host, line.data, line.len);
    strbuf_free(&line);
}

static void text(summary *s, const char *t)
{
    s->host->print(s->host, t, strlen(t));
}

/* Text from the tests: trial's layout kept, escape sequences shown. */
static void shown(summary *s, const char *t, visible_mode mode)
{
    char *v = visible_text(t, mode);
    if (v)
        text(s, v);
    free(v);
}

static int init(const cct_host *host, void **ctx)
{
    summary *s = calloc(1, sizeof(*s));
    if (!s) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    s->host = host;
    *ctx = s;
    return 0;
}

static void forget_flaky(summary *s)
{
    for (size_t i = 0; i < s->n_flaky; i++)
        free(s->flaky[i]);
    s->n_flaky = 0;
}

static void fini(void *ctx)
{
    summary *s = ctx;
    forget_flaky(s);
    free(s->flaky);
    free(s);
}

static void run_start(void *ctx, const cct_run_start *ev)
{
    forget_flaky(ctx);
    out(ctx, "Running %zu tests.\n", ev->total);
}

static void test_result(void *ctx, const cct_test_result *ev)
{
    summary *s = ctx;
    if (!CCT_HAS_FIELD(ev, cct_test_result, flaky) || !ev->flaky)
        return;
    char *id = strdup(ev->test_id);
    if (s->n_flaky == s->cap_flaky) {
        size_t cap = s->cap_flaky ? 2 * s->cap_flaky : 8;
        char **grown = realloc(s->flaky, cap * sizeof(*grown));
        if (!grown) {
            free(id);
            return;
        }
        s->flaky = grown;
        s->cap_flaky = cap;
    }
    if (id)
        s->flaky[s->n_flaky++] = id;
}

static void print_flaky(summary *s)
{
    for (size_t i = 0; i < s->n_flaky; i++) {
        text(s, "[FLAKY] ");
        shown(s, s->flaky[i], VISIBLE_LINE);
        text(s, ": failed, then passed with no change in between\n");
    }
}

static const char *label(cct_outcome outcome)
{
    switch (outcome) {
    case CCT_OUTCOME_FAILURE: return "[FAIL]";
    case CCT_OUTCOME_ERROR: return "[ERROR]";
    case CCT_OUTCOME_SKIP: return "[SKIPPED]";
    case CCT_OUTCOME_EXPECTED_FAILURE: return "[TODO]";
    case CCT_OUTCOME_UNEXPECTED_SUCCESS: return "[UNEXPECTED SUCCESS]";
    default: return "[OK]";
    }
}

/* With -v: the members' own texts, where they differ from the group's. */
static void print_member_texts(summary *s, const cct_result_group *g,
                               const cct_group_detail *detail)
{
    for (size_t i = 0; i < g->n_tests; i++) {
        if (strcmp(detail->texts[i], g->text) == 0)
            continue;
        text(s, "\n--- ");
        shown(s, g->test_ids[i], VISIBLE_LINE);
        text(s, "\n");
        shown(s, detail->texts[i], VISIBLE_TEXT);
    }
}

static void print_group(summary *s, const cct_result_group *g,
                        const cct_group_detail *detail)
{
    static const char double_separator[] =
        "===================================================================="
        "===========";
    out(s, "%s %zu %s: %s\n", double_separator, g->n_tests,
        g->n_tests == 1 ? "case" : "cases", label(g->outcome));
    shown(s, g->text, VISIBLE_TEXT);
    text(s, "\n");
    for (size_t i = 0; i < g->n_tests; i++) {
        shown(s, g->test_ids[i], VISIBLE_LINE);
        text(s, "\n");
    }
    if (detail)
        print_member_texts(s, g, detail);
}

/* Did the user ask to see more (-v)?  A host before ABI 1.1 cannot say. */
static int verbose(const summary *s)
{
    return CCT_HAS_FIELD(s->host, cct_host, verbose) && s->host->verbose > 0;
}

/* The details of groups[i] when the user asked for them (-v) and this
 * cctrial sends them. */
static const cct_group_detail *details_of(const summary *s,
                                          const cct_run_end *ev, size_t i)
{
    if (!verbose(s) || !CCT_HAS_FIELD(ev, cct_run_end, group_details) ||
        !ev->group_details)
        return NULL;
    const cct_group_detail *d = ev->group_details[i];
    return CCT_HAS_FIELD(d, cct_group_detail, texts) ? d : NULL;
}

/* ---- skips and todos: counted by reason --------------------------------- */

/* Skips and expected failures: what the run chose not to test, or knows
 * to be broken.  Counted, not listed. */
static int is_counted(cct_outcome outcome)
{
    return outcome == CCT_OUTCOME_SKIP ||
           outcome == CCT_OUTCOME_EXPECTED_FAILURE;
}

/* The reason of a group: the first line of its text (a skip's reason; a
 * todo's "Reason: '...'", the failure's message being on the next
 * lines). */
static size_t reason_length(const char *t)
{
    return strcspn(t, "\n");
}

/* One reason: the groups of one outcome whose text starts with one line. */
typedef struct reason {
    cct_outcome outcome;
    const char *line; /* the first group's text; reason_length(line) */
    size_t count;     /* results, over all its groups */
    size_t first;     /* the index of its first group */
} reason;

static int same_reason(const reason *r, const cct_result_group *g)
{
    size_t n = reason_length(r->line);
    return g->outcome == r->outcome && reason_length(g->text) == n &&
           memcmp(g->text, r->line, n) == 0;
}

/* Skips before todos; fewer results first, so that the most common
 * reason ends the list; then as the groups came. */
static int comes_before(const reason *a, const reason *b)
{
    if (a->outcome != b->outcome)
        return a->outcome == CCT_OUTCOME_SKIP;
    if (a->count != b->count)
        return a->count < b->count;
    return a->first < b->first;
}

/* The reasons of the run's counted groups, in the order they are shown;
 * NULL when there are none, or out of memory (*n is then 0). */
static reason *collect_reasons(const cct_run_end *ev, size_t *n)
{
    *n = 0;
    reason *reasons = NULL;
    for (size_t i = 0; i < ev->n_groups; i++) {
        const cct_result_group *g = cct_run_end_group(ev, i);
        if (!is_counted(g->outcome))
            continue;
        size_t r = 0;
        while (r < *n && !same_reason(&reasons[r], g))
            r++;
        if (r == *n) {
            if (!reasons)
                reasons = calloc(ev->n_groups, sizeof(*reasons));
            if (!reasons)
                return NULL;
            reasons[r] = (reason){g->outcome, g->text, 0, i};
            (*n)++;
        }
        reasons[r].count += g->n_tests;
    }
    /* Insertion sort: a few reasons, and a stable order. */
    for (size_t i = 1; i < *n; i++) {
        reason r = reasons[i];
        size_t j = i;
        for (; j > 0 && comes_before(&r, &reasons[j - 1]); j--)
            reasons[j] = reasons[j - 1];
        reasons[j] = r;
    }
    return reasons;
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The tests of one reason, sorted (its groups came in the core's order,
 * which depends on when each first result came).  Out of memory, in the
 * groups' order. */
static void print_reason_tests(summary *s, const cct_run_end *ev,
                               const reason *r)
{
    const char **ids = malloc(r->count * sizeof(*ids));
    size_t n = 0;
    for (size_t i = r->first; i < ev->n_groups; i++) {
        const cct_result_group *g = cct_run_end_group(ev, i);
        if (!same_reason(r, g))
            continue;
        for (size_t j = 0; j < g->n_tests; j++) {
            if (ids) {
                assert(n < r->count);
                ids[n++] = g->test_ids[j];
                continue;
            }
            text(s, "          ");
            shown(s, g->test_ids[j], VISIBLE_LINE);
            text(s, "\n");
        }
    }
    if (!ids)
        return;
    qsort(ids, n, sizeof(*ids), compare_ids);
    for (size_t i = 0; i < n; i++) {
        text(s, "          ");
        shown(s, ids[i], VISIBLE_LINE);
        text(s, "\n");
    }
    free(ids);
}

/* "    128 [SKIPPED] not on this platform", and with -v its tests. */
static void print_reason(summary *s, const cct_run_end *ev, const reason *r)
{
    size_t n = reason_length(r->line);
    char *line = strndup(r->line, n);
    out(s, "%7zu %s%s", r->count, label(r->outcome), n ? " " : "");
    shown(s, line ? line : "", VISIBLE_LINE);
    text(s, "\n");
    free(line);
    if (verbose(s))
        print_reason_tests(s, ev, r);
}

/* The counted groups, one line per reason.  Out of memory, each group is
 * printed whole instead: longer, but nothing is lost. */
static void print_counted(summary *s, const cct_run_end *ev)
{
    size_t n;
    reason *reasons = collect_reasons(ev, &n);
    if (reasons) {
        for (size_t r = 0; r < n; r++)
            print_reason(s, ev, &reasons[r]);
        free(reasons);
        return;
    }
    for (size_t i = 0; i < ev->n_groups; i++) {
        const cct_result_group *g = cct_run_end_group(ev, i);
        if (is_counted(g->outcome))
            print_group(s, g, details_of(s, ev, i));
    }
}

/* ---- the problems ------------------------------------------------------- */

/* The groups of the outcomes `wanted` accepts, in the core's order. */
static void print_groups(summary *s, const cct_run_end *ev,
                         int (*wanted)(cct_outcome))
{
    for (size_t i = 0; i < ev->n_groups; i++) {
        const cct_result_group *g = cct_run_end_group(ev, i);
        if (wanted(g->outcome))
            print_group(s, g, details_of(s, ev, i));
    }
}

static int is_unexpected_success(cct_outcome outcome)
{
    return outcome == CCT_OUTCOME_UNEXPECTED_SUCCESS;
}

/* Failures, errors, and any outcome a later cctrial may add: shown in
 * full, last. */
static int is_failure(cct_outcome outcome)
{
    return !is_counted(outcome) && !is_unexpected_success(outcome) &&
           outcome != CCT_OUTCOME_SUCCESS;
}

/* "FAILED (skips=1, failures=2, successes=3)", in trial's order. */
static void print_verdict(summary *s, const cct_run_end *ev)
{
    static const struct {
        cct_outcome outcome;
        const char *name;
    } order[] = {
        {CCT_OUTCOME_SKIP, "skips"},
        {CCT_OUTCOME_EXPECTED_FAILURE, "expectedFailures"},
        {CCT_OUTCOME_FAILURE, "failures"},
        {CCT_OUTCOME_ERROR, "errors"},
        {CCT_OUTCOME_UNEXPECTED_SUCCESS, "unexpectedSuccesses"},
        {CCT_OUTCOME_SUCCESS, "successes"},
    };
    text(s, ev->passed ? "PASSED" : "FAILED");
    const char *sep = " (";
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        size_t n = cct_run_end_count(ev, order[i].outcome);
        if (n) {
            out(s, "%s%s=%zu", sep, order[i].name, n);
            sep = ", ";
        }
    }
    text(s, *sep == ',' ? ")\n" : "\n");
}

static void run_end(void *ctx, const cct_run_end *ev)
{
    summary *s = ctx;
    if (ev->interrupted) {
        out(s, "\nInterrupted after %zu of the tests.\n", ev->tests_run);
        return;
    }
    text(s, "\n\n");
    print_counted(s, ev);
    print_groups(s, ev, is_unexpected_success);
    print_groups(s, ev, is_failure);
    print_flaky(s);
    text(s, "-----------------------------------------------------------------"
            "--------------\n");
    out(s, "Ran %zu tests in %.3fs\n\n", ev->tests_run, ev->wall_time);
    print_verdict(s, ev);
}

static void print_log(summary *s, const char *title, const char *log)
{
    if (!*log)
        return;
    size_t n = strlen(log);
    text(s, title);
    shown(s, log, VISIBLE_TEXT);
    text(s, log[n - 1] == '\n' ? "" : "\n");
}

static void test_log(void *ctx, const cct_test_log *ev)
{
    summary *s = ctx;
    text(s, "\n");
    print_log(s, "Logs: ", ev->log);
    print_log(s, "Stdout:\n", ev->out);
    print_log(s, "Stderr:\n", ev->err);
    text(s, "\n");
}

static void message(void *ctx, const cct_message *ev)
{
    shown(ctx, ev->text, VISIBLE_TEXT);
    text(ctx, "\n");
}

static const cct_reporter_ops ops = {
    .run_start = run_start,
    .test_result = test_result,
    .run_end = run_end,
    .test_log = test_log,
    .message = message,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "summary",
    .description = "trial's closing summary, failures grouped by problem, "
                   "biggest last",
    .options = NULL,
    .init = init,
    .fini = fini,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
