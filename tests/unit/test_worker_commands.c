/*
 * Unit tests of reading a worker's commands (core/worker_commands.h): each
 * of trial's commands, in both protocol generations (texts inline before
 * Twisted 22.10, in streams from 22.10), becomes the right request, and a
 * result is the running test's, under the name it was handed out by.
 * Boxes are built here pair by pair, as the AMP decoder would hand them
 * over; no process is involved.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker_commands.h"

/* Frames name a file that does not exist: its source lines are empty. */
#define SOURCE "/nonexistent/cct/pkg/test_mod.py"

static cct_source_cache *sources;
static cct_worker_reader reader;
static cct_worker_request request;
static char *error;
/* Storage the boxes' pairs point into. */
static cct_strv values;

static const cct_running_test running = {
    .id = "pkg.test_mod", /* a module handed out by its name */
    .worker = 3,
    .duration = 1.5,
};
static const cct_running_test idle = {.id = NULL, .worker = 3};

static void setup(void)
{
    sources = cct_source_cache_new();
    cct_worker_reader_init(&reader, sources);
    memset(&request, 0, sizeof(request));
    error = NULL;
    cct_strv_init(&values);
}

static void teardown(void)
{
    cct_worker_request_free(&request);
    cct_worker_reader_free(&reader);
    cct_source_cache_free(sources);
    free(error);
    cct_strv_free(&values);
}

TestSuite(worker_commands, .init = setup, .fini = teardown);

/* Appends `key` = `len` bytes of `value` (kept in `values`). */
static void put(cct_amp_box *box, const char *key, const char *value,
                size_t len)
{
    cr_assert_lt(box->n, CCT_AMP_MAX_PAIRS);
    cct_strv_take(&values, cct_xstrndup(value, len));
    box->pairs[box->n++] = (cct_amp_pair){
        .key = key,
        .key_len = strlen(key),
        .value = values.items[values.len - 1],
        .value_len = len,
    };
}

/* A command box: `command`, an _ask, then key/value strings up to NULL. */
static cct_amp_box command(const char *command, ...)
{
    cct_amp_box box = {0};
    put(&box, "_command", command, strlen(command));
    put(&box, "_ask", "1", 1);
    va_list ap;
    va_start(ap, command);
    const char *key;
    while ((key = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        put(&box, key, value, strlen(value));
    }
    va_end(ap);
    return box;
}

/* Reads `box` while `test` runs; the read must succeed. */
static void read_ok(const cct_amp_box *box, const cct_running_test *test)
{
    cct_worker_request_free(&request);
    int rc = cct_worker_read_command(&reader, box, test, &request, &error);
    cr_assert_eq(rc, 0, "refused: %s", error ? error : "?");
    cr_assert_null(error);
}

/* Reads `box`, which must be refused for `why`. */
static void read_refused(const cct_amp_box *box, const cct_running_test *test,
                         const char *why)
{
    cct_worker_request_free(&request);
    int rc = cct_worker_read_command(&reader, box, test, &request, &error);
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(error, why);
    free(error);
    error = NULL;
}

/* trial's ListOf(Unicode()) of frames: three items per frame. */
static void put_frames(cct_amp_box *box, const char *const *items, size_t n)
{
    cct_buf list;
    cct_buf_init(&list);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(cct_amp_list_add(&list, items[i], strlen(items[i])), 0);
    put(box, "frames", list.data ? list.data : "", list.len);
    cct_buf_free(&list);
}

static const char *const frames[] = {"test_x", SOURCE, "7", "helper", SOURCE,
                                     "9"};
static const char traceback[] = "Traceback (most recent call last):\n"
                                "  File \"" SOURCE "\", line 7, in test_x\n"
                                "    \n"
                                "  File \"" SOURCE "\", line 9, in helper\n"
                                "    \n"
                                "builtins.ValueError: bad\n";

/* Opens a stream (22.10+) and returns the id the answer gives it. */
static long long open_stream(void)
{
    cct_amp_box box = command("StreamOpen", NULL);
    read_ok(&box, &idle);
    cr_assert_eq(request.kind, CCT_REQUEST_STREAM);
    cr_assert_eq(request.answer, ANSWER_FIELDS);
    /* The answer's pairs, decoded as the worker will read them. */
    cct_amp_decoder d;
    cct_amp_decoder_init(&d);
    cct_buf answer;
    cct_buf_init(&answer);
    cct_buf_add(&answer, request.answer_fields.data,
                request.answer_fields.len);
    cct_amp_end(&answer);
    cct_amp_decoder_feed(&d, answer.data, answer.len);
    cct_amp_box decoded;
    cr_assert_eq(cct_amp_decoder_next(&d, &decoded), 1);
    long long id;
    cr_assert_eq(cct_amp_get_int(&decoded, "streamId", &id), 0);
    cct_amp_decoder_free(&d);
    cct_buf_free(&answer);
    return id;
}

static void write_stream(long long id, const char *data, size_t len)
{
    char text[24];
    snprintf(text, sizeof(text), "%lld", id);
    cct_amp_box box = command("StreamWrite", "streamId", text, NULL);
    put(&box, "data", data, len);
    read_ok(&box, &idle);
    cr_assert_eq(request.kind, CCT_REQUEST_STREAM);
    cr_assert_eq(request.answer, ANSWER_EMPTY);
}

Test(worker_commands, a_result_is_the_handed_out_test_s_whatever_its_name)
{
    cct_amp_box box = command("AddSuccess", "testName",
                              "pkg.test_mod.T.test_a", NULL);
    read_ok(&box, &running);
    cr_assert_eq(request.kind, CCT_REQUEST_RESULT);
    cr_assert_eq(request.answer, ANSWER_SUCCESS);
    const cct_result *r = &request.result;
    cr_assert_str_eq(r->test_id, "pkg.test_mod");
    cr_assert_eq(r->outcome, CCT_OUTCOME_SUCCESS);
    cr_assert_str_eq(r->text, "");
    cr_assert_null(r->error_class);
    cr_assert_null(r->reason);
    cr_assert_eq(r->worker, 3);
    cr_assert_float_eq(r->duration, 1.5, 1e-9);
}

/* The fast worker times each test itself (cctrial reads results in
 * batches): its `cctrial-elapsed` is the result's duration; a value that
 * is not a plain decimal of at most a day leaves cctrial's own. */
Test(worker_commands, a_result_s_duration_is_the_worker_s_own_timing)
{
    static const char *const believed[][2] = {
        {"0.250000", "0.25"}, {"12", "12"}, {"0.000001", "0.000001"},
        {"86400", "86400"}};
    for (size_t i = 0; i < sizeof(believed) / sizeof(believed[0]); i++) {
        cct_amp_box box = command("AddSuccess", "testName", "pkg.test_mod.T.t",
                                  "cctrial-elapsed", believed[i][0], NULL);
        read_ok(&box, &running);
        cr_assert_float_eq(request.result.duration, atof(believed[i][1]),
                           1e-9, "%s", believed[i][0]);
        cct_worker_request_free(&request);
    }
    static const char *const refused[] = {
        "", "-1", "1e3", "nan", "inf", "0x10", "86401", "1.5 ", " 1.5",
        "1.2.3", "123456789012345678901234567890123", "."};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        cct_amp_box box = command("AddSuccess", "testName", "pkg.test_mod.T.t",
                                  "cctrial-elapsed", refused[i], NULL);
        read_ok(&box, &running);
        cr_assert_float_eq(request.result.duration, 1.5, 1e-9, "'%s'",
                           refused[i]);
        cct_worker_request_free(&request);
    }
}

Test(worker_commands, a_result_while_no_test_runs_breaks_the_protocol)
{
    cct_amp_box box = command("AddSuccess", "testName", "t", NULL);
    read_refused(&box, &idle, "a result while no test was running");
    cr_assert_eq(reader.n_tests, 0);
}

Test(worker_commands, an_inline_failure_is_formatted_as_trial_prints_it)
{
    cct_amp_box box = command("AddFailure", "testName", "t", "fail", "bad",
                              "failClass", "builtins.ValueError", NULL);
    put_frames(&box, frames, 6);
    read_ok(&box, &running);
    cr_assert_eq(request.kind, CCT_REQUEST_RESULT);
    cr_assert_eq(request.result.outcome, CCT_OUTCOME_FAILURE);
    cr_assert_str_eq(request.result.text, traceback);
    cr_assert_str_eq(request.result.error_class, "builtins.ValueError");
    cr_assert_null(request.result.reason);
    cr_assert_str_eq(request.result.test_id, "pkg.test_mod");
}

Test(worker_commands, a_streamed_error_reads_as_the_inline_one)
{
    long long text = open_stream();
    long long items = open_stream();
    cr_assert_neq(text, items);
    write_stream(text, "ba", 2);
    write_stream(text, "d", 1);
    for (size_t i = 0; i < 6; i++)
        write_stream(items, frames[i], strlen(frames[i]));
    char text_id[24], items_id[24];
    snprintf(text_id, sizeof(text_id), "%lld", text);
    snprintf(items_id, sizeof(items_id), "%lld", items);
    cct_amp_box box = command("AddError", "testName", "t", "errorStreamId",
                              text_id, "framesStreamId", items_id,
                              "errorClass", "builtins.ValueError", NULL);
    read_ok(&box, &running);
    cr_assert_eq(request.result.outcome, CCT_OUTCOME_ERROR);
    cr_assert_str_eq(request.result.text, traceback);
    cr_assert_str_eq(request.result.error_class, "builtins.ValueError");
    /* A result closes the streams it used. */
    cr_assert_eq(reader.n_streams, 0);
    cr_assert_eq(reader.streams_kept, 0);
}

Test(worker_commands, a_stream_past_its_bound_is_cut_and_says_so)
{
    long long text = open_stream();
    long long items = open_stream();
    static char chunk[CCT_AMP_MAX_VALUE];
    memset(chunk, 'x', sizeof(chunk));
    size_t writes = CCT_MAX_TEXT / sizeof(chunk) + 1;
    for (size_t i = 0; i < writes; i++)
        write_stream(text, chunk, sizeof(chunk));
    char text_id[24], items_id[24];
    snprintf(text_id, sizeof(text_id), "%lld", text);
    snprintf(items_id, sizeof(items_id), "%lld", items);
    cct_amp_box box = command("AddError", "errorStreamId", text_id,
                              "framesStreamId", items_id, "errorClass",
                              "builtins.ValueError", NULL);
    read_ok(&box, &running);
    char *said = cct_xasprintf("[cut by cctrial after %zu bytes of %zu]",
                               (writes - 1) * sizeof(chunk),
                               writes * sizeof(chunk));
    cr_assert_not_null(strstr(request.result.text, said), "%s",
                       request.result.text + strlen(request.result.text) -
                           200);
    free(said);
}

Test(worker_commands, a_skip_gives_its_reason)
{
    cct_amp_box box = command("AddSkip", "testName", "t", "reason",
                              "no network", NULL);
    read_ok(&box, &running);
    cr_assert_eq(request.result.outcome, CCT_OUTCOME_SKIP);
    cr_assert_str_eq(request.result.text, "no network\n");
    cr_assert_str_eq(request.result.reason, "no network");
    cr_assert_null(request.result.error_class);
}

Test(worker_commands, todos_show_trial_s_reason_line)
{
    cct_amp_box expected = command("AddExpectedFailure", "testName", "t",
                                   "todo", "later", "error", "boom \n",
                                   NULL);
    read_ok(&expected, &running);
    cr_assert_eq(request.result.outcome, CCT_OUTCOME_EXPECTED_FAILURE);
    cr_assert_str_eq(request.result.text, "Reason: 'later'\nboom\n");
    cr_assert_str_eq(request.result.reason, "later");

    cct_amp_box unexpected = command("AddUnexpectedSuccess", "testName",
                                     "t", "todo", "later", NULL);
    read_ok(&unexpected, &running);
    cr_assert_eq(request.result.outcome, CCT_OUTCOME_UNEXPECTED_SUCCESS);
    cr_assert_str_eq(request.result.text, "Reason: 'later'\n");
    cr_assert_str_eq(request.result.reason, "later");
}

Test(worker_commands, malformed_commands_are_refused)
{
    cct_amp_box skip = command("AddSkip", "testName", "t", NULL);
    read_refused(&skip, &running, "malformed arguments to AddSkip");
    cct_amp_box failure = command("AddFailure", "testName", "t", "fail",
                                  "bad", NULL); /* no class, no frames */
    read_refused(&failure, &running, "malformed arguments to AddFailure");
    cct_amp_box write = command("StreamWrite", "streamId", "7", "data", "x",
                                NULL); /* never opened */
    read_refused(&write, &idle, "malformed arguments to StreamWrite");
    cct_amp_box error = command("AddError", "testName", "t", "errorStreamId",
                                "0", "framesStreamId", "1", "errorClass",
                                "builtins.ValueError", NULL);
    read_refused(&error, &running, "malformed arguments to AddError");
}

Test(worker_commands, too_many_open_streams_are_refused)
{
    for (size_t i = 0; i < MAX_STREAMS; i++) {
        cct_amp_box box = command("StreamOpen", NULL);
        read_ok(&box, &idle);
    }
    cct_amp_box box = command("StreamOpen", NULL);
    read_refused(&box, &idle, "malformed arguments to StreamOpen");
}

Test(worker_commands, a_logged_line_is_for_test_log)
{
    cct_amp_box box = command("TestWrite", "out", "a line", NULL);
    read_ok(&box, &idle);
    cr_assert_eq(request.kind, CCT_REQUEST_LOG);
    cr_assert_eq(request.answer, ANSWER_SUCCESS);
    cr_assert_eq(request.log_len, 6);
    cr_assert_eq(memcmp(request.log, "a line", 6), 0);
}

Test(worker_commands, an_unknown_command_is_no_error)
{
    cct_amp_box box = command("Frobnicate", NULL);
    read_ok(&box, &running);
    cr_assert_eq(request.kind, CCT_REQUEST_UNKNOWN);
}

Test(worker_commands, tests_run_count_each_name_results_came_under)
{
    const char *names[] = {"m.T.a", "m.T.a", "m.T.b", "m.T.c", "m.T.c"};
    for (size_t i = 0; i < 5; i++) {
        cct_amp_box box = i == 1 ? command("AddError", "testName", names[i],
                                           "error", "e", "errorClass", "E",
                                           NULL)
                                 : command("AddSuccess", "testName",
                                           names[i], NULL);
        if (i == 1)
            put_frames(&box, NULL, 0);
        read_ok(&box, &running);
    }
    cr_assert_eq(reader.n_tests, 3);
    cct_worker_reader_new_run(&reader);
    cr_assert_eq(reader.n_tests, 0);
    cct_amp_box again = command("AddSuccess", "testName", "m.T.c", NULL);
    read_ok(&again, &running);
    cr_assert_eq(reader.n_tests, 1, "a new Run counts its first name");
}
