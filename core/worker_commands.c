/*
 * What a worker sends us: each command read into what it asks of us
 * (worker_commands.h), then carried out by the worker
 * (cct__worker_handle_command, see worker_internal.h).  Each command is
 * answered; a malformed one ends the worker.
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "traceback.h"
#include "worker_commands.h"
#include "worker_internal.h"

static char *dup_text(const char *value, size_t len)
{
    return cct_utf8_sanitize(value, len);
}

char *cct__worker_box_text(const cct_amp_box *box, const char *key)
{
    size_t len;
    const char *v = cct_amp_get(box, key, &len);
    return v ? dup_text(v, len) : NULL;
}

static void free_stream(cct_worker_stream *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->chunks[i].data);
    free(s->chunks);
}

void cct_worker_reader_init(cct_worker_reader *rd, cct_source_cache *sources)
{
    memset(rd, 0, sizeof(*rd));
    rd->sources = sources;
}

void cct_worker_reader_free(cct_worker_reader *rd)
{
    for (size_t i = 0; i < rd->n_streams; i++)
        free_stream(&rd->streams[i]);
    free(rd->streams);
    free(rd->last_name);
    cct_worker_reader_init(rd, rd->sources);
}

void cct_worker_reader_new_run(cct_worker_reader *rd)
{
    rd->n_tests = 0;
}

static cct_worker_stream *find_stream(cct_worker_reader *rd, long long id,
                                      size_t *index)
{
    for (size_t i = 0; i < rd->n_streams; i++)
        if (rd->streams[i].id == id) {
            if (index)
                *index = i;
            return &rd->streams[i];
        }
    return NULL;
}

cct_result cct_worker_result(const cct_running_test *test,
                             cct_outcome outcome, const char *text,
                             const char *error_class, const char *reason)
{
    assert(test->id);
    return (cct_result){
        .test_id = test->id,
        .outcome = outcome,
        .text = text ? text : "",
        .error_class = error_class,
        .reason = reason,
        .worker = test->worker,
        .duration = test->duration,
    };
}

/* A command's result: its strings become the command's. */
static void set_result(cct_worker_request *c, const cct_running_test *test,
                       cct_outcome outcome, char *text, char *error_class,
                       char *reason)
{
    c->kind = CCT_REQUEST_RESULT;
    c->owned[0] = text;
    c->owned[1] = error_class;
    c->owned[2] = reason;
    c->result = cct_worker_result(test, outcome, text, error_class, reason);
}

/* The text and frames of a failure, from either protocol generation. */
typedef struct failure_parts {
    char *message;
    char *error_class;
    cct_strv frames;
} failure_parts;

static void free_parts(failure_parts *f)
{
    free(f->message);
    free(f->error_class);
    cct_strv_free(&f->frames);
}

static int take_stream(cct_worker_reader *rd, const cct_amp_box *box,
                       const char *key, cct_worker_stream *out)
{
    long long id;
    size_t index;
    if (cct_amp_get_int(box, key, &id) < 0 || !find_stream(rd, id, &index))
        return -1;
    *out = rd->streams[index];
    rd->streams[index] = rd->streams[--rd->n_streams];
    rd->streams_kept -= out->kept;
    return 0;
}

static char *join_stream(const cct_worker_stream *s)
{
    cct_buf b;
    cct_buf_init(&b);
    for (size_t i = 0; i < s->n; i++)
        cct_buf_add(&b, s->chunks[i].data, s->chunks[i].len);
    char *text = dup_text(b.data ? b.data : "", b.len);
    if (s->cut) {
        char *marked = cct_xasprintf(
            "%s\n[cut by cctrial after %zu bytes of %zu]", text, s->kept,
            s->total);
        free(text);
        text = marked;
    }
    cct_buf_free(&b);
    return text;
}

/* Reads a failure: `text_key` and "frames" (22.4) or `stream_key` and
 * "framesStreamId" (22.10+). */
static int read_failure(cct_worker_reader *rd, const cct_amp_box *box,
                        const char *text_key, const char *stream_key,
                        const char *class_key, failure_parts *f)
{
    memset(f, 0, sizeof(*f));
    cct_strv_init(&f->frames);
    f->error_class = cct__worker_box_text(box, class_key);
    if (!f->error_class)
        return -1;
    size_t frames_len;
    const char *frames = cct_amp_get(box, "frames", &frames_len);
    if (frames) {
        f->message = cct__worker_box_text(box, text_key);
        if (!f->message)
            return -1;
        size_t pos = 0, len;
        const char *item;
        int rc;
        while ((rc = cct_amp_list_next(frames, frames_len, &pos, &item,
                                       &len)) > 0)
            cct_strv_take(&f->frames, dup_text(item, len));
        return rc;
    }
    cct_worker_stream text, frame_items;
    if (take_stream(rd, box, stream_key, &text) < 0)
        return -1;
    f->message = join_stream(&text);
    free_stream(&text);
    if (take_stream(rd, box, "framesStreamId", &frame_items) < 0)
        return -1;
    /* Three items per frame: a cut stream keeps its whole frames. */
    size_t n = frame_items.cut ? frame_items.n - frame_items.n % 3
                               : frame_items.n;
    for (size_t i = 0; i < n; i++)
        cct_strv_take(&f->frames, dup_text(frame_items.chunks[i].data,
                                           frame_items.chunks[i].len));
    if (frame_items.cut) {
        char *marked = cct_xasprintf(
            "%s\n[cut by cctrial: the traceback's first %zu frames]",
            f->message, n / 3);
        free(f->message);
        f->message = marked;
    }
    free_stream(&frame_items);
    return 0;
}

/* What reading a command needs: where it goes, and what it is about. */
typedef struct reading {
    cct_worker_reader *rd;
    const cct_running_test *test;
    cct_worker_request *out;
} reading;

static int add_problem(const reading *r, const cct_amp_box *box,
                       cct_outcome outcome)
{
    failure_parts f;
    int failure = outcome == CCT_OUTCOME_FAILURE;
    int rc = read_failure(r->rd, box, failure ? "fail" : "error",
                          failure ? "failStreamId" : "errorStreamId",
                          failure ? "failClass" : "errorClass", &f);
    if (rc == 0) {
        char *text = cct_format_traceback_as(
            r->rd->tbformat, ++r->rd->failures, r->rd->sources,
            f.error_class, f.message, (const char *const *)f.frames.items,
            f.frames.len);
        set_result(r->out, r->test, outcome, text, f.error_class, NULL);
        r->out->owned[3] = f.message;
        r->out->result.message = f.message;
        f.error_class = f.message = NULL; /* the command's now */
    }
    free_parts(&f);
    return rc < 0 ? -1 : ANSWER_SUCCESS;
}

static int add_failure(const reading *r, const cct_amp_box *box)
{
    return add_problem(r, box, CCT_OUTCOME_FAILURE);
}

static int add_error(const reading *r, const cct_amp_box *box)
{
    return add_problem(r, box, CCT_OUTCOME_ERROR);
}

static int add_success(const reading *r, const cct_amp_box *box)
{
    (void)box;
    set_result(r->out, r->test, CCT_OUTCOME_SUCCESS, NULL, NULL, NULL);
    return ANSWER_SUCCESS;
}

static int add_skip(const reading *r, const cct_amp_box *box)
{
    char *reason = cct__worker_box_text(box, "reason");
    if (!reason)
        return -1;
    char *text = cct_xasprintf("%s\n", reason);
    set_result(r->out, r->test, CCT_OUTCOME_SKIP, text, NULL, reason);
    return ANSWER_SUCCESS;
}

/* "Reason: 'todo'\n", as trial prints expected failures and unexpected
 * successes. */
static char *todo_text(const char *todo, const char *message)
{
    char *repr = cct_python_repr(todo);
    cct_buf b;
    cct_buf_init(&b);
    cct_buf_printf(&b, "Reason: %s\n", repr);
    if (message) {
        size_t n = strlen(message);
        while (n > 0 && strchr(" \t\r\n\v\f", message[n - 1]))
            n--;
        cct_buf_add(&b, message, n);
        cct_buf_addc(&b, '\n');
    }
    free(repr);
    return cct_buf_steal(&b);
}

static int add_expected_failure(const reading *r, const cct_amp_box *box)
{
    char *todo = cct__worker_box_text(box, "todo");
    char *message = cct__worker_box_text(box, "error");
    if (!message) {
        cct_worker_stream s;
        if (take_stream(r->rd, box, "errorStreamId", &s) < 0) {
            free(todo);
            return -1;
        }
        message = join_stream(&s);
        free_stream(&s);
    }
    if (!todo)
        todo = cct_xstrdup("<unknown>");
    char *text = todo_text(todo, message);
    free(message);
    set_result(r->out, r->test, CCT_OUTCOME_EXPECTED_FAILURE, text, NULL,
               todo);
    return ANSWER_SUCCESS;
}

static int add_unexpected_success(const reading *r, const cct_amp_box *box)
{
    char *todo = cct__worker_box_text(box, "todo");
    if (!todo)
        return -1;
    char *text = todo_text(todo, NULL);
    set_result(r->out, r->test, CCT_OUTCOME_UNEXPECTED_SUCCESS, text, NULL,
               todo);
    return ANSWER_SUCCESS;
}

static int test_write(const reading *r, const cct_amp_box *box)
{
    size_t len;
    const char *out = cct_amp_get(box, "out", &len);
    if (!out)
        return -1;
    r->out->kind = CCT_REQUEST_LOG;
    r->out->log = out;
    r->out->log_len = len;
    return ANSWER_SUCCESS;
}

static int stream_open(const reading *r, const cct_amp_box *box)
{
    (void)box;
    cct_worker_reader *rd = r->rd;
    /* A worker opens two streams per failure (its text and its frames) and
     * closes them with the result that uses them; thousands open at once
     * means it is not a trial worker. */
    if (rd->n_streams >= MAX_STREAMS)
        return -1;
    CCT_GROW(rd->streams, rd->cap_streams, rd->n_streams + 1);
    cct_worker_stream *s = &rd->streams[rd->n_streams++];
    memset(s, 0, sizeof(*s));
    s->id = rd->next_stream++;
    cct_amp_put_int(&r->out->answer_fields, "streamId", s->id);
    return ANSWER_FIELDS;
}

/* Whether a chunk of `len` bytes more may be kept.  Chunks are kept whole
 * (a frame's item is one chunk), each stream up to CCT_MAX_TEXT.  Streams
 * opened and never used must not fill our memory, yet a test with many
 * logged errors legitimately opens hundreds at once (two per error, all
 * before any is used): beyond STREAMS_KEPT in all, a stream keeps only its
 * beginning, and nothing beyond STREAMS_MAX. */
static int may_keep(const cct_worker_reader *rd, const cct_worker_stream *s,
                    size_t len)
{
    if (s->cut || s->kept + len > CCT_MAX_TEXT)
        return 0;
    size_t all = rd->streams_kept + len;
    return all <= STREAMS_KEPT ||
           (s->kept + len <= STREAM_HEAD && all <= STREAMS_MAX);
}

static int stream_write(const reading *r, const cct_amp_box *box)
{
    cct_worker_reader *rd = r->rd;
    long long id;
    size_t len;
    const char *data = cct_amp_get(box, "data", &len);
    cct_worker_stream *s;
    if (!data || cct_amp_get_int(box, "streamId", &id) < 0 ||
        !(s = find_stream(rd, id, NULL)))
        return -1;
    s->total += len;
    if (!may_keep(rd, s, len)) {
        s->cut = 1; /* keep counting, stop keeping */
        return ANSWER_EMPTY;
    }
    CCT_GROW(s->chunks, s->cap, s->n + 1);
    s->chunks[s->n].data = cct_xstrndup(data, len);
    s->chunks[s->n].len = len;
    s->n++;
    s->kept += len;
    rd->streams_kept += len;
    return ANSWER_EMPTY; /* StreamWrite's answer carries no value */
}

/* Returns the answer's kind (ANSWER_*), or -1 for a malformed box. */
typedef int (*command_fn)(const reading *r, const cct_amp_box *box);

static const struct {
    const char *name;
    command_fn read;
    int needs_test; /* a result: only valid while a test runs */
} commands[] = {
    {"AddSuccess", add_success, 1},
    {"AddFailure", add_failure, 1},
    {"AddError", add_error, 1},
    {"AddSkip", add_skip, 1},
    {"AddExpectedFailure", add_expected_failure, 1},
    {"AddUnexpectedSuccess", add_unexpected_success, 1},
    {"TestWrite", test_write, 0},
    {"StreamOpen", stream_open, 0},
    {"StreamWrite", stream_write, 0},
};

/* A result under a new name is one more test run (see n_tests). */
static void count_test(cct_worker_reader *rd, const cct_amp_box *box)
{
    size_t len;
    const char *name = cct_amp_get(box, "testName", &len);
    if (!name) {
        name = "";
        len = 0;
    }
    if (rd->n_tests && rd->last_name && strlen(rd->last_name) == len &&
        memcmp(rd->last_name, name, len) == 0)
        return;
    free(rd->last_name);
    rd->last_name = cct_xstrndup(name, len);
    rd->n_tests++;
}

/* cctrial's fast worker times each test itself (`cctrial-elapsed` on each
 * box it sends during a Run: seconds since the Run began in it): while
 * tests wait ahead, results are read in batches (worker_internal.h,
 * BATCH_MS), and
 * a test's duration by cctrial's clock would be the time between two
 * reads.  A value that is not a plain decimal of at most a day is not
 * believed. */
static void take_elapsed(const cct_amp_box *box, double *duration)
{
    size_t len;
    const char *text = cct_amp_get(box, "cctrial-elapsed", &len);
    char copy[32];
    if (!text || len == 0 || len >= sizeof(copy))
        return;
    for (size_t i = 0; i < len; i++)
        if (!(isdigit((unsigned char)text[i]) || text[i] == '.'))
            return;
    memcpy(copy, text, len);
    copy[len] = '\0';
    char *end;
    double seconds = strtod(copy, &end);
    if (*end == '\0' && seconds >= 0 && seconds <= 86400)
        *duration = seconds;
}

int cct_worker_read_command(cct_worker_reader *rd, const cct_amp_box *box,
                            const cct_running_test *test,
                            cct_worker_request *out, char **error)
{
    memset(out, 0, sizeof(*out));
    cct_buf_init(&out->answer_fields);
    out->kind = CCT_REQUEST_UNKNOWN;
    *error = NULL;
    size_t name_len;
    const char *name = cct_amp_get(box, "_command", &name_len);
    assert(name);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(commands); i++) {
        if (strlen(commands[i].name) != name_len ||
            memcmp(commands[i].name, name, name_len) != 0)
            continue;
        if (commands[i].needs_test && !test->id) {
            *error = cct_xstrdup("a result while no test was running");
            return -1;
        }
        if (commands[i].needs_test)
            count_test(rd, box);
        out->kind = CCT_REQUEST_STREAM;
        cct_running_test timed = *test;
        take_elapsed(box, &timed.duration);
        reading r = {.rd = rd, .test = &timed, .out = out};
        out->answer = commands[i].read(&r, box);
        if (out->answer < 0) {
            cct_worker_request_free(out);
            *error = cct_xasprintf("malformed arguments to %s",
                                   commands[i].name);
            return -1;
        }
        return 0;
    }
    return 0;
}

void cct_worker_request_free(cct_worker_request *c)
{
    cct_buf_free(&c->answer_fields);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(c->owned); i++)
        free(c->owned[i]);
    memset(c, 0, sizeof(*c));
}

/* The worker's side: carrying commands out. */

static cct_running_test running_test(const cct_worker *w)
{
    return (cct_running_test){
        .id = cct__worker_test(w),
        .worker = w->number,
        .duration = cct__worker_test(w) ? (double)(uv_hrtime() - w->test_start) / 1e9
                            : 0.0,
    };
}

static void hand_on(cct_worker *w, const cct_result *result)
{
    if (w->interrupting)
        return; /* the test timed out: that is its result */
    w->n_results++;
    w->result(result, w->result_arg);
}

void cct__worker_emit(cct_worker *w, cct_outcome outcome, const char *text)
{
    cct_running_test test = running_test(w);
    cct_result result = cct_worker_result(&test, outcome, text, NULL, NULL);
    hand_on(w, &result);
}

static void answer_unhandled(cct_worker *w, const char *ask, size_t ask_len,
                             const char *name, size_t name_len)
{
    cct_buf box;
    cct_buf_init(&box);
    char *description = cct_xasprintf("Unhandled Command: '%.*s'",
                                      (int)name_len, name);
    cct_amp_put(&box, "_error", ask, ask_len);
    cct_amp_put_str(&box, "_error_code", "UNHANDLED");
    cct_amp_put_str(&box, "_error_description", description);
    free(description);
    cct__worker_queue_box(w, &box);
}

void cct__worker_handle_command(cct_worker *w, const cct_amp_box *box)
{
    size_t name_len, ask_len;
    const char *name = cct_amp_get(box, "_command", &name_len);
    const char *ask = cct_amp_get(box, "_ask", &ask_len);
    if (!ask) {
        cct__worker_protocol_error(w, "a command without _ask");
        return;
    }
    cct_running_test test = running_test(w);
    cct_worker_request c;
    char *error;
    if (cct_worker_read_command(&w->reader, box, &test, &c, &error) < 0) {
        cct__worker_protocol_error(w, error);
        free(error);
        return;
    }
    switch (c.kind) {
    case CCT_REQUEST_RESULT:
        hand_on(w, &c.result);
        break;
    case CCT_REQUEST_LOG:
        cct__worker_log(w, LOG_TEST, c.log, c.log_len);
        cct__worker_log(w, LOG_TEST, "\n", 1);
        break;
    case CCT_REQUEST_STREAM:
        break;
    case CCT_REQUEST_UNKNOWN:
        answer_unhandled(w, ask, ask_len, name, name_len);
        cct_worker_request_free(&c);
        return;
    }
    cct__worker_queue_answer(w, ask, ask_len, c.answer, &c.answer_fields);
    cct_worker_request_free(&c);
}
