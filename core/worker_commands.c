/*
 * What a worker sends us (see worker_internal.h): the results of its test
 * (AddSuccess, AddFailure, ... in either protocol generation: texts
 * inline before Twisted 22.10, in streams from 22.10), the lines it logs
 * (TestWrite), and the streams themselves (StreamOpen, StreamWrite).  Each
 * command is answered; a malformed one ends the worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "traceback.h"
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

void cct__worker_free_stream(stream *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->chunks[i].data);
    free(s->chunks);
}

static stream *find_stream(cct_worker *w, long long id, size_t *index)
{
    for (size_t i = 0; i < w->n_streams; i++)
        if (w->streams[i].id == id) {
            if (index)
                *index = i;
            return &w->streams[i];
        }
    return NULL;
}

void cct__worker_emit(cct_worker *w, cct_outcome outcome, const char *text,
                      const char *error_class, const char *reason)
{
    if (w->interrupting)
        return; /* the test timed out: that is its result */
    cct_test_result r;
    memset(&r, 0, sizeof(r));
    r.struct_size = sizeof(r);
    r.test_id = w->test;
    r.outcome = outcome;
    r.duration = (double)(uv_hrtime() - w->test_start) / 1e9;
    r.worker = w->number;
    r.text = text ? text : "";
    r.error_class = error_class;
    r.reason = reason;
    w->n_results++;
    w->events.result(w, &r, w->arg);
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

static int take_stream(cct_worker *w, const cct_amp_box *box,
                       const char *key, stream *out)
{
    long long id;
    size_t index;
    if (cct_amp_get_int(box, key, &id) < 0 || !find_stream(w, id, &index))
        return -1;
    *out = w->streams[index];
    w->streams[index] = w->streams[--w->n_streams];
    w->streams_kept -= out->kept;
    return 0;
}

static char *join_stream(const stream *s)
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
static int read_failure(cct_worker *w, const cct_amp_box *box,
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
    stream text, frame_items;
    if (take_stream(w, box, stream_key, &text) < 0)
        return -1;
    f->message = join_stream(&text);
    cct__worker_free_stream(&text);
    if (take_stream(w, box, "framesStreamId", &frame_items) < 0)
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
    cct__worker_free_stream(&frame_items);
    return 0;
}

static int add_problem(cct_worker *w, const cct_amp_box *box,
                       cct_outcome outcome)
{
    failure_parts f;
    int failure = outcome == CCT_OUTCOME_FAILURE;
    int rc = read_failure(w, box, failure ? "fail" : "error",
                          failure ? "failStreamId" : "errorStreamId",
                          failure ? "failClass" : "errorClass", &f);
    if (rc == 0) {
        char *text = cct_format_traceback(
            w->sources, f.error_class, f.message,
            (const char *const *)f.frames.items, f.frames.len);
        cct__worker_emit(w, outcome, text, f.error_class, NULL);
        free(text);
    }
    free_parts(&f);
    return rc;
}

static int add_failure(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    (void)answer;
    return add_problem(w, box, CCT_OUTCOME_FAILURE) < 0 ? -1 : ANSWER_SUCCESS;
}

static int add_error(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    (void)answer;
    return add_problem(w, box, CCT_OUTCOME_ERROR) < 0 ? -1 : ANSWER_SUCCESS;
}

static int add_success(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    (void)box;
    (void)answer;
    cct__worker_emit(w, CCT_OUTCOME_SUCCESS, NULL, NULL, NULL);
    return ANSWER_SUCCESS;
}

static int add_skip(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    char *reason = cct__worker_box_text(box, "reason");
    if (!reason)
        return -1;
    (void)answer;
    char *text = cct_xasprintf("%s\n", reason);
    cct__worker_emit(w, CCT_OUTCOME_SKIP, text, NULL, reason);
    free(text);
    free(reason);
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

static int add_expected_failure(cct_worker *w, const cct_amp_box *box,
                                cct_buf *answer)
{
    char *todo = cct__worker_box_text(box, "todo");
    char *message = cct__worker_box_text(box, "error");
    if (!message) {
        stream s;
        if (take_stream(w, box, "errorStreamId", &s) < 0) {
            free(todo);
            return -1;
        }
        message = join_stream(&s);
        cct__worker_free_stream(&s);
    }
    if (!todo)
        todo = cct_xstrdup("<unknown>");
    (void)answer;
    char *text = todo_text(todo, message);
    cct__worker_emit(w, CCT_OUTCOME_EXPECTED_FAILURE, text, NULL, todo);
    free(text);
    free(todo);
    free(message);
    return ANSWER_SUCCESS;
}

static int add_unexpected_success(cct_worker *w, const cct_amp_box *box,
                                  cct_buf *answer)
{
    char *todo = cct__worker_box_text(box, "todo");
    if (!todo)
        return -1;
    (void)answer;
    char *text = todo_text(todo, NULL);
    cct__worker_emit(w, CCT_OUTCOME_UNEXPECTED_SUCCESS, text, NULL, todo);
    free(text);
    free(todo);
    return ANSWER_SUCCESS;
}

static int test_write(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    size_t len;
    const char *out = cct_amp_get(box, "out", &len);
    if (!out)
        return -1;
    (void)answer;
    cct__worker_log(w, LOG_TEST, out, len);
    cct__worker_log(w, LOG_TEST, "\n", 1);
    return ANSWER_SUCCESS;
}

static int stream_open(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    (void)box;
    /* A worker opens two streams per failure (its text and its frames) and
     * closes them with the result that uses them; thousands open at once
     * means it is not a trial worker. */
    if (w->n_streams >= MAX_STREAMS)
        return -1;
    CCT_GROW(w->streams, w->cap_streams, w->n_streams + 1);
    stream *s = &w->streams[w->n_streams++];
    memset(s, 0, sizeof(*s));
    s->id = w->next_stream++;
    cct_amp_put_int(answer, "streamId", s->id);
    return ANSWER_FIELDS;
}

/* Whether a chunk of `len` bytes more may be kept.  Chunks are kept whole
 * (a frame's item is one chunk), each stream up to CCT_MAX_TEXT.  Streams
 * opened and never used must not fill our memory, yet a test with many
 * logged errors legitimately opens hundreds at once (two per error, all
 * before any is used): beyond STREAMS_KEPT in all, a stream keeps only its
 * beginning, and nothing beyond STREAMS_MAX. */
static int may_keep(const cct_worker *w, const stream *s, size_t len)
{
    if (s->cut || s->kept + len > CCT_MAX_TEXT)
        return 0;
    size_t all = w->streams_kept + len;
    return all <= STREAMS_KEPT ||
           (s->kept + len <= STREAM_HEAD && all <= STREAMS_MAX);
}

static int stream_write(cct_worker *w, const cct_amp_box *box,
                        cct_buf *answer)
{
    (void)answer;
    long long id;
    size_t len;
    const char *data = cct_amp_get(box, "data", &len);
    stream *s;
    if (!data || cct_amp_get_int(box, "streamId", &id) < 0 ||
        !(s = find_stream(w, id, NULL)))
        return -1;
    s->total += len;
    if (!may_keep(w, s, len)) {
        s->cut = 1; /* keep counting, stop keeping */
        return ANSWER_EMPTY;
    }
    CCT_GROW(s->chunks, s->cap, s->n + 1);
    s->chunks[s->n].data = cct_xstrndup(data, len);
    s->chunks[s->n].len = len;
    s->n++;
    s->kept += len;
    w->streams_kept += len;
    return ANSWER_EMPTY; /* StreamWrite's answer carries no value */
}

typedef int (*command_fn)(cct_worker *w, const cct_amp_box *box,
                          cct_buf *answer);

static const struct {
    const char *name;
    command_fn handle;
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
static void count_test(cct_worker *w, const cct_amp_box *box)
{
    size_t len;
    const char *name = cct_amp_get(box, "testName", &len);
    if (!name) {
        name = "";
        len = 0;
    }
    if (w->n_tests && w->last_name && strlen(w->last_name) == len &&
        memcmp(w->last_name, name, len) == 0)
        return;
    free(w->last_name);
    w->last_name = cct_xstrndup(name, len);
    w->n_tests++;
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
    for (size_t i = 0; i < CCT_ARRAY_SIZE(commands); i++) {
        if (strlen(commands[i].name) != name_len ||
            memcmp(commands[i].name, name, name_len) != 0)
            continue;
        if (commands[i].needs_test && !w->test) {
            cct__worker_protocol_error(w, "a result while no test was "
                                          "running");
            return;
        }
        if (commands[i].needs_test)
            count_test(w, box);
        cct_buf fields;
        cct_buf_init(&fields);
        int kind = commands[i].handle(w, box, &fields);
        if (kind < 0) {
            cct_buf_free(&fields);
            char *what = cct_xasprintf("malformed arguments to %s",
                                       commands[i].name);
            cct__worker_protocol_error(w, what);
            free(what);
            return;
        }
        cct__worker_queue_answer(w, ask, ask_len, kind, &fields);
        return;
    }
    answer_unhandled(w, ask, ask_len, name, name_len);
}
