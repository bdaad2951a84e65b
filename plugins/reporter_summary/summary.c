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
 * Each group (the results that show one problem, grouped by cctrial's
 * core) is printed once, with the text of its first result, smallest
 * first, so the biggest problem ends next to the prompt.  With -v, each
 * member whose own text differs from the one shown follows, so that no
 * traceback is hidden by the grouping.  The closing lines are trial's, word for word.  While the
 * workflow fixes one test, that test's log, stdout and stderr follow; the
 * workflow's messages (re-run, please fix, waiting) are printed as lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"
#include "strbuf.h"
#include "visible.h"

typedef struct summary {
    const cct_host *host;
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

static void fini(void *ctx)
{
    free(ctx);
}

static void run_start(void *ctx, const cct_run_start *ev)
{
    out(ctx, "Running %zu tests.\n", ev->total);
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

/* The details of groups[i] when the user asked for them (-v) and this
 * cctrial sends them. */
static const cct_group_detail *details_of(const summary *s,
                                          const cct_run_end *ev, size_t i)
{
    if (!CCT_HAS_FIELD(s->host, cct_host, verbose) || s->host->verbose < 1 ||
        !CCT_HAS_FIELD(ev, cct_run_end, group_details) || !ev->group_details)
        return NULL;
    const cct_group_detail *d = ev->group_details[i];
    return CCT_HAS_FIELD(d, cct_group_detail, texts) ? d : NULL;
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
    for (size_t i = 0; i < ev->n_groups; i++)
        print_group(s, cct_run_end_group(ev, i), details_of(s, ev, i));
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
