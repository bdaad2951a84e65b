/*
 * The oneline, json and summary reporters loaded alone, from the built .so files,
 * under a fake host: what the real core cannot make happen on demand
 * (texts that are not UTF-8, a file that fails on write, a test with two
 * results, exact terminal widths) is fed to them directly, and what they
 * print, draw and log is checked.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cctrial/plugin.h"

/* ---- the fake host ------------------------------------------------------ */

typedef struct fake {
    cct_host host; /* first: callbacks get &fake->host */
    int tty;
    int width;
    const char *options[4][2]; /* key, value */
    char printed[65536];
    size_t printed_len;
    char status[1024];
    int status_calls;
    int logs;
    int output_failures; /* host->output_failed calls */
    char last_log[1024]; /* of either */
    void *lib;
    const cct_plugin *plugin;
    void *ctx;
    size_t counts[CCT_OUTCOME_COUNT]; /* the run's results so far */
} fake;

static fake *fake_of(const cct_host *host)
{
    return (fake *)host;
}

static void fake_log(const cct_host *host, cct_log_level level,
                     const char *fmt, ...)
{
    (void)level;
    fake *f = fake_of(host);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->last_log, sizeof(f->last_log), fmt, ap);
    va_end(ap);
    f->logs++;
}

static void fake_output_failed(const cct_host *host, const char *fmt, ...)
{
    fake *f = fake_of(host);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->last_log, sizeof(f->last_log), fmt, ap);
    va_end(ap);
    f->output_failures++;
}

static const char *fake_option(const cct_host *host, const char *key)
{
    fake *f = fake_of(host);
    for (int i = 0; i < 4 && f->options[i][0]; i++)
        if (strcmp(f->options[i][0], key) == 0)
            return f->options[i][1];
    const cct_option *table = f->plugin->options;
    for (size_t i = 0; table; i++) {
        const cct_option *o =
            CCT_ELEMENT(cct_option, table, f->plugin->option_size, i);
        if (!o->key)
            break;
        if (strcmp(o->key, key) == 0)
            return o->default_value;
    }
    return NULL;
}

static int fake_option_bool(const cct_host *host, const char *key)
{
    const char *value = fake_option(host, key);
    return value && strcmp(value, "true") == 0;
}

static void fake_print(const cct_host *host, const char *text, size_t len)
{
    fake *f = fake_of(host);
    cr_assert_lt(f->printed_len + len, sizeof(f->printed));
    memcpy(f->printed + f->printed_len, text, len);
    f->printed_len += len;
    f->printed[f->printed_len] = '\0';
}

static void fake_status(const cct_host *host, const char *line)
{
    fake *f = fake_of(host);
    snprintf(f->status, sizeof(f->status), "%s", line ? line : "");
    f->status_calls++;
}

static int fake_is_tty(const cct_host *host)
{
    return fake_of(host)->tty;
}

static int fake_width(const cct_host *host)
{
    return fake_of(host)->width;
}

static fake *load(const char *name, int tty, int width)
{
    fake *f = calloc(1, sizeof(*f));
    char path[4096];
    snprintf(path, sizeof(path), "%s/reporter_%s.so", CCT_TEST_PLUGIN_DIR,
             name);
    f->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(f->lib, "cannot load %s: %s", path, dlerror());
    cct_plugin_entry_fn entry =
        (cct_plugin_entry_fn)dlsym(f->lib, CCT_PLUGIN_ENTRY_SYMBOL);
    cr_assert_not_null(entry);
    f->plugin = entry();
    cr_assert_eq(f->plugin->kind, CCT_PLUGIN_REPORTER);
    f->tty = tty;
    f->width = width;
    f->host = (cct_host){
        .struct_size = sizeof(cct_host),
        .abi_version = CCT_PLUGIN_ABI_VERSION,
        .version = "test",
        .section = "reporter.test",
        .log = fake_log,
        .option_string = fake_option,
        .option_bool = fake_option_bool,
        .print = fake_print,
        .status = fake_status,
        .stdout_is_tty = fake_is_tty,
        .terminal_width = fake_width,
        .output_failed = fake_output_failed,
        .project_dir = "/nonexistent-project",
    };
    return f;
}

static void start(fake *f)
{
    cr_assert_eq(f->plugin->init(&f->host, &f->ctx), 0);
}

static void unload(fake *f)
{
    f->plugin->fini(f->ctx);
    dlclose(f->lib);
    free(f);
}

/* ---- events ------------------------------------------------------------- */

static void run_start_estimated(fake *f, size_t total, double estimate)
{
    memset(f->counts, 0, sizeof(f->counts));
    cct_run_start ev = {sizeof(ev), CCT_SUITE_FULL, total, 1, estimate};
    f->plugin->reporter->run_start(f->ctx, &ev);
}

static void run_start(fake *f, size_t total)
{
    run_start_estimated(f, total, 0.0);
}

static void test_start(fake *f, const char *id, size_t index, size_t total)
{
    cct_test_start ev = {sizeof(ev), id, 0, index, total};
    f->plugin->reporter->test_start(f->ctx, &ev);
}

static void result(fake *f, const char *id, cct_outcome outcome,
                   const char *text, size_t total)
{
    f->counts[outcome]++;
    cct_test_result ev = {
        .struct_size = sizeof(ev), .test_id = id, .outcome = outcome,
        .duration = 0.25, .text = text, .total = total, .counts = f->counts,
        .n_counts = CCT_OUTCOME_COUNT,
    };
    f->plugin->reporter->test_result(f->ctx, &ev);
}

static void run_end(fake *f, size_t tests_run)
{
    cct_run_end ev = {.struct_size = sizeof(ev), .tests_run = tests_run,
                      .group_size = sizeof(cct_result_group),
                      .n_counts = CCT_OUTCOME_COUNT, .all_counts = f->counts};
    memcpy(ev.counts, f->counts, sizeof(ev.counts));
    f->plugin->reporter->run_end(f->ctx, &ev);
}

/* ---- oneline ------------------------------------------------------------ */

static const char long_id[] =
    "pkg.test_module.SomeTestCaseClass.test_a_method_name";

Test(oneline, wide_terminal_keeps_the_screenshot_layout)
{
    setenv("TERM", "xterm", 1);
    unsetenv("NO_COLOR");
    fake *f = load("oneline", 1, 200);
    start(f);
    run_start(f, 38);
    test_start(f, "pkg.test_mod.T.test_x", 38, 38);
    char expected[256];
    snprintf(expected, sizeof(expected), "%-70s%s", "pkg.test_mod.T.test_x",
             "    38/   38     0F          0E          0S          0T     "
             "     0!  0:00");
    cr_assert_str_eq(f->status, expected);
    result(f, "pkg.test_mod.T.test_x", CCT_OUTCOME_ERROR, "boom\n", 38);
    cr_assert(strstr(f->status, "\033[31m    1E\033[0m"), "%s", f->status);
    unload(f);
}

/* The id loses whole dotted parts from the right until it fits. */
Test(oneline, id_is_shortened_by_dotted_parts)
{
    static const struct {
        int width;
        const char *shown;
    } cases[] = {
        /* The counts' 67 columns and the time's 6 after the id. */
        {144, "pkg.test_module.SomeTestCaseClass.test_a_method_name"},
        {126, "pkg.test_module.SomeTestCaseClass.test_a_method_name"},
        {114, "pkg.test_module.SomeTestCaseClass"},
        {104, "pkg.test_module"},
    };
    unsetenv("NO_COLOR");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake *f = load("oneline", 1, cases[i].width);
        start(f);
        run_start(f, 3);
        test_start(f, long_id, 1, 3);
        size_t n = strlen(cases[i].shown);
        cr_assert(strncmp(f->status, cases[i].shown, n) == 0 &&
                      f->status[n] == ' ',
                  "width %d: %s", cases[i].width, f->status);
        cr_assert_eq(strlen(f->status), (size_t)cases[i].width - 1,
                     "width %d: %zu columns", cases[i].width,
                     strlen(f->status));
        unload(f);
    }
}

Test(oneline, narrow_terminal_drops_the_padding_then_cuts_the_first_part)
{
    setenv("NO_COLOR", "1", 1);
    fake *f = load("oneline", 1, 46);
    start(f);
    run_start(f, 3);
    test_start(f, long_id, 2, 3);
    /* 45 columns: 19 for the counts, 6 for the time, 20 for the id. */
    cr_assert_str_eq(f->status,
                     "pkg.test_module      2/3 0F 0E 0S 0T 0!  0:00");
    test_start(f, "averyveryverylongpackagenamewithoutanydot", 3, 3);
    cr_assert_str_eq(f->status, "averyveryverylongpa\xe2\x80\xa6 3/3 0F 0E "
                                "0S 0T 0!  0:00");
    unload(f);
}

/* With an estimate (the last run of the same tests), the time left
 * follows the time so far; without one, only the time so far.  The
 * tail goes first on a terminal too narrow for it and the counts. */
Test(oneline, status_line_shows_the_time_and_the_time_left)
{
    setenv("NO_COLOR", "1", 1);
    fake *f = load("oneline", 1, 100);
    start(f);
    run_start_estimated(f, 3, 125.0);
    test_start(f, "pkg.test_mod.T.test_x", 1, 3);
    const char *tail = "  0:00 ETA 2:05";
    size_t n = strlen(f->status), t = strlen(tail);
    cr_assert(n > t && strcmp(f->status + n - t, tail) == 0, "%s",
              f->status);
    cr_assert_eq(n, 99, "%zu columns: %s", n, f->status);
    run_start(f, 3);
    test_start(f, "pkg.test_mod.T.test_x", 1, 3);
    cr_assert_null(strstr(f->status, "ETA"), "%s", f->status);
    unload(f);

    f = load("oneline", 1, 24);
    start(f);
    run_start_estimated(f, 3, 125.0);
    test_start(f, "pkg.test_mod.T.test_x", 1, 3);
    cr_assert_null(strstr(f->status, "0:0"), "%s", f->status);
    unload(f);
}

/* rterrors (trial's -e): each failure's and error's text as it comes,
 * named, before the result's own line; nothing for the other outcomes. */
Test(oneline, rterrors_prints_each_traceback_as_it_comes)
{
    setenv("NO_COLOR", "1", 1);
    fake *f = load("oneline", 0, 80);
    f->options[0][0] = "rterrors";
    f->options[0][1] = "true";
    start(f);
    run_start(f, 3);
    test_start(f, "p.a", 1, 3);
    result(f, "p.a", CCT_OUTCOME_SUCCESS, "", 3);
    test_start(f, "p.b", 2, 3);
    result(f, "p.b", CCT_OUTCOME_FAILURE, "Traceback\nFailTest: f\n", 3);
    test_start(f, "p.c", 3, 3);
    result(f, "p.c", CCT_OUTCOME_SKIP, "not now\n", 3);
    char expected[2048];
    snprintf(expected, sizeof(expected),
             ".\n[FAIL]\nTraceback\nFailTest: f\np.b\n%-70s%s\n%-70s%s\n",
             "p.b", "     2/    3     1F          0E          0S          0T"
                    "          0!",
             "p.c", "     3/    3     1F          0E          1S          0T"
                    "          0!");
    cr_assert_str_eq(f->printed, expected);
    unload(f);

    /* On a terminal: printed (the host clears the status line first), and
     * the status line drawn again after it. */
    f = load("oneline", 1, 120);
    f->options[0][0] = "rterrors";
    f->options[0][1] = "true";
    start(f);
    run_start(f, 1);
    test_start(f, "p.e", 1, 1);
    result(f, "p.e", CCT_OUTCOME_ERROR, "Traceback\nKeyError\n", 1);
    cr_assert_str_eq(f->printed, "[ERROR]\nTraceback\nKeyError\np.e\n");
    cr_assert(strstr(f->status, "1E"), "%s", f->status);
    unload(f);
}

static void run_start_suite(fake *f, cct_suite suite, size_t total)
{
    memset(f->counts, 0, sizeof(f->counts));
    cct_run_start ev = {.struct_size = sizeof(ev), .suite = suite,
                        .total = total, .workers = 1};
    f->plugin->reporter->run_start(f->ctx, &ev);
}

/* What one erroring test of `suite` prints as it ends, on a terminal or a
 * pipe, with rterrors set to `value` (NULL: unset). */
static char *printed_by_error(int tty, const char *value, cct_suite suite)
{
    fake *f = load("oneline", tty, 120);
    if (value) {
        f->options[0][0] = "rterrors";
        f->options[0][1] = value;
    }
    start(f);
    run_start_suite(f, suite, 1);
    test_start(f, "p.e", 1, 1);
    result(f, "p.e", CCT_OUTCOME_ERROR, "Traceback\nKeyError\n", 1);
    char *printed = strdup(f->printed);
    unload(f);
    return printed;
}

/* Unset, rterrors is on for a terminal in every run but the fix loop's
 * retry of one test (whose output shows anyway), off on a pipe; false
 * turns it off on a terminal too. */
Test(oneline, rterrors_by_default_on_a_terminal_but_for_the_retry_test)
{
    setenv("NO_COLOR", "1", 1);
    const char *traceback = "[ERROR]\nTraceback\nKeyError\np.e\n";
    char *full = printed_by_error(1, NULL, CCT_SUITE_FULL);
    char *retry_suite = printed_by_error(1, NULL, CCT_SUITE_RETRY_SUITE);
    char *retry_test = printed_by_error(1, NULL, CCT_SUITE_RETRY_TEST);
    char *off = printed_by_error(1, "false", CCT_SUITE_FULL);
    char *pipe = printed_by_error(0, NULL, CCT_SUITE_FULL);
    cr_assert_str_eq(full, traceback);
    cr_assert_str_eq(retry_suite, traceback);
    cr_assert_str_eq(retry_test, "");
    cr_assert_str_eq(off, "");
    cr_assert(!strstr(pipe, "[ERROR]"), "%s", pipe);
    free(full);
    free(retry_suite);
    free(retry_test);
    free(off);
    free(pipe);
}

/* A test with two results (a failure, then an error for a dirty reactor)
 * finishes once; the dots end when the last test has finished. */
Test(oneline, pipe_dots_and_lines)
{
    setenv("TERM", "xterm", 1);
    unsetenv("NO_COLOR");
    fake *f = load("oneline", 0, 80);
    start(f);
    run_start(f, 3);
    test_start(f, "p.a", 1, 3);
    result(f, "p.a", CCT_OUTCOME_SUCCESS, "", 3);
    test_start(f, "p.b", 2, 3);
    result(f, "p.b", CCT_OUTCOME_FAILURE, "f\n", 3);
    result(f, "p.b", CCT_OUTCOME_ERROR, "dirty\n", 3);
    test_start(f, "p.c", 3, 3);
    result(f, "p.c", CCT_OUTCOME_SUCCESS, "", 3);
    size_t before_end = f->printed_len;
    run_end(f, 3);
    /* Each line: the id in 70 columns, then the counts; the last one says
     * what the run was instead. */
    char expected[2048];
    snprintf(expected, sizeof(expected), ".\n%-70s%s\n%-70s%s\n.\n%-70s%s\n",
             "p.b", "     2/    3     1F          0E          0S          0T"
                    "          0!",
             "p.b", "     2/    3     1F          1E          0S          0T"
                    "          0!",
             "failed in 0.000s",
             "     3/    3     1F          1E          0S          0T"
             "          0!");
    cr_assert_str_eq(f->printed, expected);
    cr_assert_eq(f->printed[before_end - 1], '\n', "dots not ended before "
                 "the run's end");
    cr_assert_eq(f->status_calls, 0, "status used on a pipe");
    unload(f);
}

Test(oneline, color_choices)
{
    static const struct {
        int tty;
        const char *no_color, *choice;
        int colored;
    } cases[] = {
        {1, NULL, "auto", 1},   {1, "1", "auto", 0},   {1, "", "auto", 1},
        {0, NULL, "auto", 0},   {1, NULL, "never", 0}, {0, "1", "always", 1},
    };
    setenv("TERM", "xterm", 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].no_color)
            setenv("NO_COLOR", cases[i].no_color, 1);
        else
            unsetenv("NO_COLOR");
        fake *f = load("oneline", cases[i].tty, 200);
        f->options[0][0] = "color";
        f->options[0][1] = cases[i].choice;
        start(f);
        run_start(f, 1);
        test_start(f, "p.a", 1, 1);
        result(f, "p.a", CCT_OUTCOME_FAILURE, "f\n", 1);
        run_end(f, 1);
        int colored = strstr(f->printed, "\033[31m") != NULL;
        cr_assert_eq(colored, cases[i].colored, "case %zu: %s", i,
                     f->printed);
        unload(f);
    }
}

/* A run ends with what it was (passed, failed, interrupted) and its time
 * in the id's columns, never the name of the test that ran last: that
 * test passed, and read as the one that failed.  The words keep their dot
 * on a narrow terminal (they are not an id to shorten by parts). */
Test(oneline, final_line_says_what_the_run_was)
{
    static const struct {
        int passed, interrupted, width;
        const char *expected;
    } cases[] = {
        {0, 0, 0, "failed in 12.500s"},
        {1, 0, 0, "passed in 12.500s"},
        {0, 1, 0, "interrupted after 12.500s"},
        /* 39 columns: 19 for the counts, 20 for the words. */
        {0, 0, 40, "failed in 12.500s    2/2 1F 0E 0S 0T 0!\n"},
        {0, 0, 30, "failed in\xe2\x80\xa6 2/2 1F 0E 0S 0T 0!\n"},
    };
    setenv("NO_COLOR", "1", 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake *f = load("oneline", cases[i].width > 0, cases[i].width);
        start(f);
        run_start(f, 2);
        test_start(f, "p.fails", 1, 2);
        result(f, "p.fails", CCT_OUTCOME_FAILURE, "f\n", 2);
        test_start(f, "p.passes_last", 2, 2);
        result(f, "p.passes_last", CCT_OUTCOME_SUCCESS, "", 2);
        size_t before = f->printed_len;
        cct_run_end ev = {.struct_size = sizeof(ev), .tests_run = 2,
                          .wall_time = 12.5, .passed = cases[i].passed,
                          .interrupted = cases[i].interrupted,
                          .group_size = sizeof(cct_result_group),
                          .n_counts = CCT_OUTCOME_COUNT,
                          .all_counts = f->counts};
        f->plugin->reporter->run_end(f->ctx, &ev);
        const char *line = f->printed + before;
        if (cases[i].width) {
            cr_assert_str_eq(line, cases[i].expected, "case %zu", i);
        } else {
            char expected[256];
            snprintf(expected, sizeof(expected), "%-70s%s\n",
                     cases[i].expected,
                     "     2/    2     1F          0E          0S          "
                     "0T          0!");
            cr_assert_str_eq(line, expected, "case %zu", i);
        }
        cr_assert_null(strstr(line, "p.passes_last"), "case %zu", i);
        unload(f);
    }
}

/* ---- json --------------------------------------------------------------- */

static json_t *parse_line(const char *line, size_t len)
{
    json_error_t error;
    json_t *v = json_loadb(line, len, 0, &error);
    cr_assert_not_null(v, "not JSON (%s): %.*s", error.text, (int)len, line);
    return v;
}

Test(json, invalid_utf8_becomes_replacement_characters)
{
    fake *f = load("json", 0, 80);
    start(f);
    /* A stray byte, an overlong '/', a surrogate, a cut sequence. */
    const char *id = "p.t\xff" "x";
    const char *text = "a\xc0\xaf" "b\xed\xa0\x80" "c\"\n\x01\xe6\xbc";
    test_start(f, id, 1, 1);
    result(f, id, CCT_OUTCOME_FAILURE, text, 1);
    char *nl = strchr(f->printed, '\n');
    cr_assert_not_null(nl);
    json_t *start_ev = parse_line(f->printed, (size_t)(nl - f->printed));
    cr_assert_str_eq(json_string_value(json_object_get(start_ev, "id")),
                     "p.t\xef\xbf\xbdx");
    char *line2 = nl + 1;
    json_t *res = parse_line(line2, strlen(line2));
    cr_assert_str_eq(json_string_value(json_object_get(res, "text")),
                     "a\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
                     "\xef\xbf\xbd" "c\"\n\x01\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(start_ev);
    json_decref(res);
    unload(f);
}

Test(json, every_event_is_one_line_with_the_common_fields)
{
    fake *f = load("json", 0, 80);
    start(f);
    run_start(f, 1);
    test_start(f, "p.a", 1, 1);
    result(f, "p.a", CCT_OUTCOME_SUCCESS, "", 1);
    cct_test_log log = {sizeof(log), "p.a", "l\n", "", "e"};
    f->plugin->reporter->test_log(f->ctx, &log);
    run_end(f, 1);
    cct_message msg = {sizeof(msg), CCT_MSG_WAITING,
                       "waiting for filesystem change...", NULL};
    f->plugin->reporter->message(f->ctx, &msg);
    msg.kind = CCT_MSG_PLEASE_FIX;
    msg.text = "please fix: a (p)";
    msg.subject = "p.a";
    f->plugin->reporter->message(f->ctx, &msg);
    static const char *const names[] = {"run_start", "test_start",
                                        "test_result", "log", "run_end",
                                        "waiting", "message"};
    const char *line = f->printed;
    for (size_t i = 0; i < 7; i++) {
        const char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "event %zu missing", i);
        json_t *e = parse_line(line, (size_t)(nl - line));
        cr_assert_str_eq(json_string_value(json_object_get(e, "event")),
                         names[i]);
        cr_assert_eq(json_integer_value(json_object_get(e, "schema")), 1);
        cr_assert_eq(strlen(json_string_value(json_object_get(e, "time"))),
                     strlen("2024-05-01T09:30:00.123Z"));
        json_decref(e);
        line = nl + 1;
    }
    cr_assert_str_eq(line, "");
    unload(f);
}

/* ---- a newer cctrial's run end (ABI 1.2's strides) ---------------------- */

/* What a later minor version might send: bigger groups, and an outcome
 * this header does not know, counted after the others. */
typedef struct wide_group {
    cct_result_group base;
    const char *later;
} wide_group;

static void wide_run_end(fake *f)
{
    static const char *const skipped[] = {"p.s"};
    static const char *const failed[] = {"p.f1", "p.f2"};
    static const wide_group groups[] = {
        {{CCT_OUTCOME_SKIP, "later\n", 1, skipped}, "x"},
        {{CCT_OUTCOME_FAILURE, "Traceback\nAssertionError\n", 2, failed},
         "x"},
    };
    static const size_t counts[CCT_OUTCOME_COUNT + 1] = {
        [CCT_OUTCOME_SUCCESS] = 3, [CCT_OUTCOME_FAILURE] = 2,
        [CCT_OUTCOME_SKIP] = 1, [CCT_OUTCOME_COUNT] = 9};
    cct_run_end ev = {.struct_size = sizeof(ev), .tests_run = 6,
                      .n_groups = 2, .groups = &groups[0].base,
                      .group_size = sizeof(wide_group),
                      .n_counts = CCT_OUTCOME_COUNT + 1,
                      .all_counts = counts};
    memcpy(ev.counts, counts, sizeof(ev.counts));
    f->plugin->reporter->run_end(f->ctx, &ev);
}

Test(json, groups_and_counts_are_read_by_the_senders_layout)
{
    fake *f = load("json", 0, 80);
    start(f);
    wide_run_end(f);
    json_t *e = parse_line(f->printed, strlen(f->printed));
    json_t *groups = json_object_get(e, "groups");
    cr_assert_eq(json_array_size(groups), 2);
    json_t *second = json_array_get(groups, 1);
    cr_assert_str_eq(json_string_value(json_object_get(second, "outcome")),
                     "failure");
    json_t *tests = json_object_get(second, "tests");
    cr_assert_eq(json_array_size(tests), 2);
    cr_assert_str_eq(json_string_value(json_array_get(tests, 1)), "p.f2");
    json_t *counts = json_object_get(e, "counts");
    cr_assert_eq(json_integer_value(json_object_get(counts, "failure")), 2);
    cr_assert_eq(json_integer_value(json_object_get(counts, "success")), 3);
    cr_assert_eq(json_object_size(counts), CCT_OUTCOME_COUNT,
                 "an outcome it cannot name is not written");
    json_decref(e);
    unload(f);
}

Test(summary, groups_and_counts_are_read_by_the_senders_layout)
{
    fake *f = load("summary", 0, 80);
    start(f);
    wide_run_end(f);
    const char *at_failures = strstr(f->printed, " 2 cases: [FAIL]\n"
                                                 "Traceback\n"
                                                 "AssertionError\n\n"
                                                 "p.f1\np.f2\n");
    cr_assert_not_null(at_failures, "%s", f->printed);
    cr_assert_not_null(strstr(f->printed, "\n      1 [SKIPPED] later\n"),
                       "%s", f->printed);
    cr_assert_not_null(strstr(f->printed, "FAILED (skips=1, failures=2, "
                                          "successes=3)\n"),
                       "%s", f->printed);
    unload(f);
}

/* ---- summary: skips and todos counted by reason ------------------------ */

/* A run of many skips for two reasons, todos whose messages differ under
 * one reason, an unexpected success and a failure, in the core's order
 * (smallest group first). */
static void skips_run_end(fake *f)
{
    static const char *const ssl[] = {"p.Ssl.test_a", "p.Ssl.test_b"};
    static const char *const platform[] = {"p.Win.test_1", "p.Win.test_2",
                                           "p.Win.test_3", "p.Win.test_4",
                                           "p.Win.test_5"};
    /* The first group's test sorts last: a reason lists its tests
     * sorted, whatever the order of its groups. */
    static const char *const todo_a[] = {"p.T.test_b"};
    static const char *const todo_b[] = {"p.T.test_a"};
    static const char *const unexpected[] = {"p.T.test_u"};
    static const char *const failed[] = {"p.F.test_f"};
    static const cct_result_group groups[] = {
        {CCT_OUTCOME_EXPECTED_FAILURE, "Reason: 'flaky'\nmessage a\n", 1,
         todo_a},
        {CCT_OUTCOME_UNEXPECTED_SUCCESS, "Reason: 'fixed?'\n", 1,
         unexpected},
        {CCT_OUTCOME_FAILURE, "Traceback\nFailTest: no\n", 1, failed},
        {CCT_OUTCOME_EXPECTED_FAILURE, "Reason: 'flaky'\nmessage b\n", 1,
         todo_b},
        {CCT_OUTCOME_SKIP, "no SSL\n", 2, ssl},
        {CCT_OUTCOME_SKIP, "not on this platform\n", 5, platform},
    };
    size_t counts[CCT_OUTCOME_COUNT] = {
        [CCT_OUTCOME_SUCCESS] = 1, [CCT_OUTCOME_SKIP] = 7,
        [CCT_OUTCOME_EXPECTED_FAILURE] = 2,
        [CCT_OUTCOME_UNEXPECTED_SUCCESS] = 1, [CCT_OUTCOME_FAILURE] = 1};
    cct_run_end ev = {.struct_size = sizeof(ev), .tests_run = 12,
                      .wall_time = 0.5,
                      .n_groups = sizeof(groups) / sizeof(groups[0]),
                      .groups = groups,
                      .group_size = sizeof(cct_result_group),
                      .n_counts = CCT_OUTCOME_COUNT, .all_counts = counts};
    memcpy(ev.counts, counts, sizeof(ev.counts));
    f->plugin->reporter->run_end(f->ctx, &ev);
}

static const char skips_closing[] =
    "======================================================================"
    "========= 1 case: [UNEXPECTED SUCCESS]\n"
    "Reason: 'fixed?'\n\np.T.test_u\n"
    "======================================================================"
    "========= 1 case: [FAIL]\n"
    "Traceback\nFailTest: no\n\np.F.test_f\n"
    "----------------------------------------------------------------------"
    "---------\n"
    "Ran 12 tests in 0.500s\n\n"
    "FAILED (skips=7, expectedFailures=2, failures=1, "
    "unexpectedSuccesses=1, successes=1)\n";

/* One line per reason, most common last, skips before todos; then the
 * problems, failures last, then trial's closing lines unchanged. */
Test(summary, skips_and_todos_are_counted_by_reason)
{
    fake *f = load("summary", 0, 80);
    start(f);
    skips_run_end(f);
    char expected[4096];
    snprintf(expected, sizeof(expected), "\n\n"
             "      2 [SKIPPED] no SSL\n"
             "      5 [SKIPPED] not on this platform\n"
             "      2 [TODO] Reason: 'flaky'\n"
             "%s", skips_closing);
    cr_assert_str_eq(f->printed, expected);
    unload(f);
}

/* With -v (the host's verbose), each reason lists its tests. */
Test(summary, verbose_lists_the_tests_of_each_reason)
{
    fake *f = load("summary", 0, 80);
    f->host.verbose = 1;
    start(f);
    skips_run_end(f);
    char expected[4096];
    snprintf(expected, sizeof(expected), "\n\n"
             "      2 [SKIPPED] no SSL\n"
             "          p.Ssl.test_a\n"
             "          p.Ssl.test_b\n"
             "      5 [SKIPPED] not on this platform\n"
             "          p.Win.test_1\n"
             "          p.Win.test_2\n"
             "          p.Win.test_3\n"
             "          p.Win.test_4\n"
             "          p.Win.test_5\n"
             "      2 [TODO] Reason: 'flaky'\n"
             "          p.T.test_a\n"
             "          p.T.test_b\n"
             "%s", skips_closing);
    cr_assert_str_eq(f->printed, expected);
    unload(f);
}

/* Cannot open (a file where a directory of the path should be: no one can
 * make it, not even root), or cannot write: the host is told once that the
 * output is lost, then silence; never a stop. */
Test(json, failing_file_fails_once)
{
    static const char *const paths[] = {"/dev/null/events.jsonl",
                                        "/dev/full"};
    for (size_t i = 0; i < 2; i++) {
        fake *f = load("json", 0, 80);
        f->options[0][0] = "path";
        f->options[0][1] = paths[i];
        start(f);
        for (int run = 0; run < 3; run++) {
            run_start(f, 1);
            test_start(f, "p.a", 1, 1);
            result(f, "p.a", CCT_OUTCOME_SUCCESS, "", 1);
            run_end(f, 1);
        }
        cr_assert_eq(f->output_failures, 1, "%s: %d failures, last: %s",
                     paths[i], f->output_failures, f->last_log);
        cr_assert_eq(f->logs, 0, "%s: %s", paths[i], f->last_log);
        cr_assert(strstr(f->last_log, paths[i]), "%s", f->last_log);
        cr_assert_eq(f->printed_len, 0);
        unload(f);
    }
}

Test(json, relative_path_is_under_the_project)
{
    char dir[] = "/tmp/cct-json-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    fake *f = load("json", 0, 80);
    f->host.project_dir = dir;
    f->options[0][0] = "path";
    f->options[0][1] = "out.jsonl";
    start(f);
    run_start(f, 0);
    run_end(f, 0);
    unload(f);
    char path[256];
    snprintf(path, sizeof(path), "%s/out.jsonl", dir);
    FILE *file = fopen(path, "r");
    cr_assert_not_null(file);
    char line[4096];
    int lines = 0;
    while (fgets(line, sizeof(line), file)) {
        json_decref(parse_line(line, strlen(line)));
        lines++;
    }
    fclose(file);
    cr_assert_eq(lines, 2);
    unlink(path);
    rmdir(dir);
}
