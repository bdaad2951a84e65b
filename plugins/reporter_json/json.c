/*
 * The `json` reporter: every event of every run as JSON Lines, one compact
 * object per line, flushed as soon as it is written, so that another
 * program (an editor, a dashboard, `jq`) can follow cctrial as it works.
 *
 *     {"event":"test_result","schema":1,"time":"2024-05-01T09:30:00.123Z",
 *      "id":"pkg.test_mod.T.test_x","outcome":"failure",...}
 *
 * The schema, with an example of each event, is docs/json-events.md; bump
 * SCHEMA_VERSION when a field changes meaning or disappears (adding one
 * does not).  All JSON is built and written by jansson; texts that are not
 * valid UTF-8 (the core sends valid UTF-8, but a line must never be lost
 * to a stray byte) have each invalid byte replaced by U+FFFD first.
 *
 * Output goes to `path` in [reporter.json]: a file, truncated when cctrial
 * starts, or `-` for standard output (through host->print, so that it never
 * interleaves with a status line).  When the file cannot be opened or
 * written (its directories are made when missing), the reporter says so
 * once, as an error that makes a --once run exit 2, and stays quiet: the
 * run goes on.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cctrial/plugin.h"
#include "parents.h"
#include "utf8.h"

#define SCHEMA_VERSION 1
/* Durations are rounded to the microsecond (seconds() below) and printed
 * with enough digits for that, not the 17 of a double's round trip. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

typedef struct json_reporter {
    const cct_host *host;
    FILE *file;     /* NULL: standard output through host->print */
    char *path;     /* for messages */
    int broken;     /* cannot write: said so once, now quiet */
} json_reporter;

static const char *const outcome_names[CCT_OUTCOME_COUNT] = {
    [CCT_OUTCOME_SUCCESS] = "success",
    [CCT_OUTCOME_FAILURE] = "failure",
    [CCT_OUTCOME_ERROR] = "error",
    [CCT_OUTCOME_SKIP] = "skip",
    [CCT_OUTCOME_EXPECTED_FAILURE] = "expected_failure",
    [CCT_OUTCOME_UNEXPECTED_SUCCESS] = "unexpected_success",
};

static const char *const suite_names[] = {
    [CCT_SUITE_FULL] = "full",
    [CCT_SUITE_SMART] = "smart",
    [CCT_SUITE_RETRY_SUITE] = "retry_suite",
    [CCT_SUITE_RETRY_TEST] = "retry_test",
};

static const char *const message_names[] = {
    [CCT_MSG_RERUN] = "rerun",
    [CCT_MSG_PLEASE_FIX] = "please_fix",
    [CCT_MSG_WAITING] = "waiting",
    [CCT_MSG_NO_TEST_FOR] = "no_test_for",
    [CCT_MSG_NO_TEST_TO_RUN] = "no_test_to_run",
    [CCT_MSG_INFO] = "info",
};

#define NAME_OF(table, i)                                                  \
    ((size_t)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] \
                                                                 : "unknown")

/* A JSON string for s; null for NULL. */
static json_t *text_value(const char *s)
{
    if (!s)
        return json_null();
    json_t *v = json_string(s);
    if (v)
        return v;
    char *fixed = utf8_repair(s);
    if (!fixed)
        return NULL;
    v = json_string(fixed);
    free(fixed);
    return v;
}

static void set_text(json_t *obj, const char *key, const char *s)
{
    json_object_set_new(obj, key, text_value(s));
}

/* Seconds to the microsecond: finer digits are noise. */
static json_t *seconds(double s)
{
    return json_real(round(s * 1e6) / 1e6);
}

/* ---- writing ------------------------------------------------------------ */

/* "2024-05-01T09:30:00.123Z": UTC, to the millisecond. */
static void timestamp(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* The fields every event starts with. */
static json_t *new_event(const char *name)
{
    char when[40];
    timestamp(when, sizeof(when));
    return json_pack("{s:s, s:i, s:s}", "event", name, "schema",
                     SCHEMA_VERSION, "time", when);
}

/* The events are lost from here on: an error that makes a --once run exit
 * 2 (host->output_failed), said once. */
static void fail_once(json_reporter *j, const char *what, const char *why)
{
    j->host->output_failed(j->host, "%s %s: %s; no JSON events will be "
                           "written this session", what, j->path, why);
    j->broken = 1;
    if (j->file) {
        fclose(j->file);
        j->file = NULL;
    }
}

static void write_line(json_reporter *j, const char *line, size_t len)
{
    if (!j->file) {
        j->host->print(j->host, line, len);
        return;
    }
    if (fwrite(line, 1, len, j->file) != len || fflush(j->file) != 0)
        fail_once(j, "cannot write to", strerror(errno));
}

/* Writes the event as one line and frees it. */
static void emit(json_reporter *j, json_t *event)
{
    if (!event)
        return;
    if (!j->broken) {
        char *line = json_dumps(event, DUMP_FLAGS);
        if (line) {
            size_t len = strlen(line);
            line[len] = '\n'; /* json_dumps's NUL; the length is known */
            write_line(j, line, len + 1);
            free(line);
        }
    }
    json_decref(event);
}

/* ---- events ------------------------------------------------------------- */

/* The counts of the outcomes this reporter names, read through the
 * header's accessors (a newer cctrial may count more outcomes). */
static json_t *counts_object(const size_t counts[CCT_OUTCOME_COUNT])
{
    json_t *obj = json_object();
    for (int i = 0; i < CCT_OUTCOME_COUNT; i++)
        json_object_set_new(obj, outcome_names[i],
                            json_integer((json_int_t)counts[i]));
    return obj;
}

static json_t *result_counts(const cct_test_result *ev)
{
    size_t counts[CCT_OUTCOME_COUNT];
    for (int i = 0; i < CCT_OUTCOME_COUNT; i++)
        counts[i] = cct_test_result_count(ev, (cct_outcome)i);
    return counts_object(counts);
}

static json_t *run_counts(const cct_run_end *ev)
{
    size_t counts[CCT_OUTCOME_COUNT];
    for (int i = 0; i < CCT_OUTCOME_COUNT; i++)
        counts[i] = cct_run_end_count(ev, (cct_outcome)i);
    return counts_object(counts);
}

static void run_start(void *ctx, const cct_run_start *ev)
{
    json_t *e = new_event("run_start");
    json_object_set_new(e, "suite", json_string(NAME_OF(suite_names,
                                                        ev->suite)));
    json_object_set_new(e, "total", json_integer((json_int_t)ev->total));
    json_object_set_new(e, "workers", json_integer(ev->workers));
    /* Before ABI 1.3 a host says nothing of it: unknown, as without a
     * history. */
    int known = CCT_HAS_FIELD(ev, cct_run_start, estimate) &&
                ev->estimate > 0;
    json_object_set_new(e, "estimate",
                        known ? seconds(ev->estimate) : json_null());
    emit(ctx, e);
}

static void test_start(void *ctx, const cct_test_start *ev)
{
    json_t *e = new_event("test_start");
    set_text(e, "id", ev->test_id);
    json_object_set_new(e, "worker", json_integer(ev->worker));
    json_object_set_new(e, "index", json_integer((json_int_t)ev->index));
    json_object_set_new(e, "total", json_integer((json_int_t)ev->total));
    emit(ctx, e);
}

static void test_result(void *ctx, const cct_test_result *ev)
{
    json_t *e = new_event("test_result");
    set_text(e, "id", ev->test_id);
    json_object_set_new(e, "outcome", json_string(NAME_OF(outcome_names,
                                                          ev->outcome)));
    json_object_set_new(e, "duration", seconds(ev->duration));
    json_object_set_new(e, "worker", json_integer(ev->worker));
    set_text(e, "text", ev->text ? ev->text : "");
    set_text(e, "error_class", ev->error_class);
    set_text(e, "reason", ev->reason);
    if (ev->counts)
        json_object_set_new(e, "counts", result_counts(ev));
    /* ABI 1.4: a cctrial before it knows nothing of flaky tests. */
    if (CCT_HAS_FIELD(ev, cct_test_result, flaky))
        json_object_set_new(e, "flaky", json_boolean(ev->flaky));
    emit(ctx, e);
}

static void test_log(void *ctx, const cct_test_log *ev)
{
    json_t *e = new_event("log");
    set_text(e, "id", ev->test_id);
    set_text(e, "log", ev->log);
    set_text(e, "out", ev->out);
    set_text(e, "err", ev->err);
    emit(ctx, e);
}

static json_t *group_object(const cct_result_group *g,
                            const cct_group_detail *detail)
{
    json_t *tests = json_array();
    for (size_t i = 0; i < g->n_tests; i++)
        json_array_append_new(tests, text_value(g->test_ids[i]));
    json_t *obj = json_object();
    json_object_set_new(obj, "outcome", json_string(NAME_OF(outcome_names,
                                                            g->outcome)));
    set_text(obj, "text", g->text);
    json_object_set_new(obj, "tests", tests);
    set_text(obj, "key", detail ? detail->key : NULL);
    return obj;
}

static void run_end(void *ctx, const cct_run_end *ev)
{
    json_t *e = new_event("run_end");
    json_object_set_new(e, "suite", json_string(NAME_OF(suite_names,
                                                        ev->suite)));
    json_object_set_new(e, "tests_run",
                        json_integer((json_int_t)ev->tests_run));
    json_object_set_new(e, "counts", run_counts(ev));
    json_object_set_new(e, "wall_time", seconds(ev->wall_time));
    json_object_set_new(e, "passed", json_boolean(ev->passed));
    json_object_set_new(e, "interrupted", json_boolean(ev->interrupted));
    json_t *groups = json_array();
    int detailed = CCT_HAS_FIELD(ev, cct_run_end, group_details) &&
                   ev->group_details;
    for (size_t i = 0; i < ev->n_groups; i++)
        json_array_append_new(groups, group_object(cct_run_end_group(ev, i),
                                                   detailed
                                                       ? ev->group_details[i]
                                                       : NULL));
    json_object_set_new(e, "groups", groups);
    emit(ctx, e);
}

/* The workflow's lines; "waiting for filesystem change..." is an event of
 * its own, the one a program following cctrial waits for. */
static void message(void *ctx, const cct_message *ev)
{
    int waiting = ev->kind == CCT_MSG_WAITING;
    json_t *e = new_event(waiting ? "waiting" : "message");
    if (!waiting)
        json_object_set_new(e, "kind", json_string(NAME_OF(message_names,
                                                           ev->kind)));
    set_text(e, "text", ev->text);
    set_text(e, "subject", ev->subject);
    emit(ctx, e);
}

/* ---- the plugin --------------------------------------------------------- */

/* The file to write: "~/" means the home directory, a relative path is
 * relative to the project's root. */
static char *resolve_path(const cct_host *host, const char *path)
{
    const char *home = getenv("HOME");
    const char *base = NULL;
    if (strncmp(path, "~/", 2) == 0 && home && *home) {
        base = home;
        path += 2;
    } else if (path[0] != '/' && host->project_dir) {
        base = host->project_dir;
    }
    size_t n = (base ? strlen(base) + 1 : 0) + strlen(path) + 1;
    char *full = malloc(n);
    if (full)
        snprintf(full, n, "%s%s%s", base ? base : "", base ? "/" : "", path);
    return full;
}

static void open_output(json_reporter *j)
{
    const char *path = j->host->option_string(j->host, "path");
    if (!path || !*path || strcmp(path, "-") == 0)
        return;
    j->path = resolve_path(j->host, path);
    if (!j->path) {
        j->broken = 1;
        j->host->log(j->host, CCT_LOG_WARNING, "out of memory");
        return;
    }
    int err = make_parents(j->path);
    if (err) {
        fail_once(j, "cannot create the directory of", strerror(err));
        return;
    }
    /* "e": close-on-exec, so that workers do not inherit the file. */
    j->file = fopen(j->path, "we");
    if (!j->file)
        fail_once(j, "cannot open", strerror(errno));
}

static int init(const cct_host *host, void **ctx)
{
    json_reporter *j = calloc(1, sizeof(*j));
    if (!j) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    j->host = host;
    open_output(j);
    *ctx = j;
    return 0;
}

static void fini(void *ctx)
{
    json_reporter *j = ctx;
    if (j->file)
        fclose(j->file);
    free(j->path);
    free(j);
}

static const cct_option options[] = {
    {"path", CCT_OPT_PATH, "-",
     "Where the JSON Lines go: a file (truncated when cctrial starts, its "
     "directories made; relative to the project's root) or - for standard "
     "output.", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const cct_reporter_ops ops = {
    .run_start = run_start,
    .test_start = test_start,
    .test_result = test_result,
    .test_log = test_log,
    .run_end = run_end,
    .message = message,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "json",
    .description = "every event as JSON Lines, to a file or standard "
                   "output (schema: docs/json-events.md)",
    .options = options,
    .option_size = sizeof(cct_option),
    .init = init,
    .fini = fini,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
