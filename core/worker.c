/*
 * A trial worker process and the manager's half of its AMP protocol (see
 * worker.h).
 *
 * Life of a worker: spawned (prewarmed) -> started (has a directory and
 * log files) -> runs tests one at a time -> stopped (we close its command
 * pipe, it exits) or dead (it exited by itself, was killed, or lied).  Its
 * end is decided only once both its exit status is known and its result
 * pipe is drained, so that a result written just before a crash is never
 * lost.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amp.h"
#include "error.h"
#include "util.h"

/* How long a worker asked to stop may take before it is killed, how long
 * its result pipe may stay open after it exited, and how long it may live
 * after closing its result pipe. */
#define STOP_GRACE_MS 2000
#define DRAIN_MS 1000
#define EOF_GRACE_MS 1000
/* How long a worker may take to answer Start: Python's start and the
 * import of Twisted, on a machine that may be very busy.  The per-test
 * timeout counts from then, so that it bounds the test, not the start. */
#define START_MS 60000
/* Output written before the worker has log files, kept per stream. */
#define EARLY_LIMIT 65536
/* The most read at once from a stdout or stderr pipe (drain_output()):
 * more than a pipe holds. */
#define PIPE_DRAIN (4u << 20)
/* The end of stderr kept to explain a crash. */
#define ERR_TAIL 4096
#define ERR_TAIL_LINES 12
/* Streams (22.10+): how many may be open at once; what all open streams
 * keep together, first come first kept; beyond that, each stream's
 * beginning only, up to a hard total (see may_keep()). */
#define MAX_STREAMS 4096
#define STREAMS_KEPT (4 * CCT_MAX_TEXT)
#define STREAM_HEAD 65536
#define STREAMS_MAX (16 * CCT_MAX_TEXT)
/* The send queue (see "sending"): bytes per write, and what may wait
 * besides ranges of answers. */
#define OUT_CHUNK 65536
#define OUT_MAX_BYTES (1u << 20)
#define OUT_MAX_SEGS 4096

enum { LOG_OUT, LOG_ERR, LOG_TEST, N_LOGS };
static const char *const log_names[N_LOGS] = {"out.log", "err.log",
                                              "test.log"};

typedef struct chunk {
    char *data;
    size_t len;
} chunk;

/* A stream of the 22.10+ protocol: the chunks written to it so far. */
typedef struct stream {
    long long id;
    chunk *chunks;
    size_t n, cap;
    size_t kept;  /* bytes in chunks */
    size_t total; /* bytes written to it */
    int cut;      /* chunks were dropped: kept < total */
} stream;

/* What a command's answer holds (see command_fn). */
enum { ANSWER_SUCCESS, ANSWER_EMPTY, ANSWER_FIELDS };

/* A stretch of the send queue: encoded boxes, or answers to the asks
 * first..last, each `success: True` or empty. */
typedef enum seg_kind { SEG_BOXES, SEG_SUCCESS, SEG_EMPTY } seg_kind;

typedef struct out_seg {
    seg_kind kind;
    cct_buf boxes;
    unsigned long long first, last;
} out_seg;

struct cct_worker {
    uv_loop_t *loop;
    uv_process_t process;
    uv_pipe_t cmd;     /* fd 3: our commands */
    uv_pipe_t results; /* fd 4: its commands */
    uv_pipe_t out;     /* fd 1 */
    uv_pipe_t err;     /* fd 2 */
    uv_timer_t timer;  /* test timeout, stop grace, drain: one at a time */
    int open_handles;

    unsigned number;
    cct_worker_events events;
    void *arg;
    cct_source_cache *sources;
    unsigned timeout_s;

    cct_amp_decoder decoder;
    long long next_ask;
    long long start_ask; /* 0: none pending */
    int ready;           /* it answered Start */
    long long run_ask;
    /* The next test, sent while this one runs, so that the worker finds
     * it waiting instead of waiting for us (see cct_worker_run). */
    char *queued_test;
    long long queued_ask;
    /* While the boxes of one read are handled, what we send and what goes
     * to test.log waits, to go out in one write each at the end. */
    int in_read;
    cct_buf log_batch;

    char *dir;
    int log_fd[N_LOGS];
    cct_buf early[N_LOGS];
    cct_buf err_tail;

    char *test;          /* the running test, or NULL */
    uint64_t test_start; /* uv_hrtime() when it was handed out */
    size_t n_results;

    stream *streams;
    size_t n_streams, cap_streams;
    long long next_stream;
    size_t streams_kept; /* bytes kept by all open streams */

    out_seg *queue;      /* what waits to be sent: queue[q_head .. q_len) */
    size_t q_head, q_len, q_cap;
    size_t q_bytes;      /* in its SEG_BOXES stretches */
    int writing;         /* a write is in flight */

    int spawned;
    int exited;
    int64_t exit_status;
    int term_signal;
    int results_eof;
    int stopping;  /* we asked it to go: no `died` event */
    int finished;  /* its end has been handled */
    char *death;   /* why we killed it */
};

/* ---- small helpers ------------------------------------------------------ */

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a log that cannot be written is not worth a crash */
        data += n;
        len -= (size_t)n;
    }
}

static void log_write(cct_worker *w, int which, const char *data, size_t len)
{
    if (w->in_read && which == LOG_TEST && w->log_fd[which] >= 0) {
        cct_buf_add(&w->log_batch, data, len);
        return;
    }
    if (w->log_fd[which] >= 0) {
        write_all(w->log_fd[which], data, len);
        return;
    }
    cct_buf *early = &w->early[which];
    if (early->len < EARLY_LIMIT)
        cct_buf_add(early, data, len < EARLY_LIMIT - early->len
                                     ? len : EARLY_LIMIT - early->len);
}

/* What the test wrote on its stdout or stderr. */
static void take_output(cct_worker *w, int is_err, const char *data,
                        size_t len)
{
    log_write(w, is_err ? LOG_ERR : LOG_OUT, data, len);
    if (is_err) {
        cct_buf_add(&w->err_tail, data, len);
        if (w->err_tail.len > ERR_TAIL)
            cct_buf_consume(&w->err_tail, w->err_tail.len - ERR_TAIL);
    }
}

/* Reads what waits in the stdout and stderr pipes now.  What a worker
 * wrote there before it answered Run, or before it died, is in the pipes
 * by then, but libuv may not have read it yet: the logs of a test, and the
 * stderr of a crash, must be whole when it is reported.  The pipes are
 * non-blocking; PIPE_DRAIN bounds the reading in case a thread of the test
 * keeps writing. */
static void drain_output(cct_worker *w)
{
    uv_pipe_t *pipes[] = {&w->out, &w->err};
    char buf[65536];
    for (int i = 0; i < 2; i++) {
        uv_os_fd_t fd;
        if (uv_is_closing((uv_handle_t *)pipes[i]) ||
            uv_fileno((uv_handle_t *)pipes[i], &fd) < 0)
            continue;
        for (size_t total = 0; total < PIPE_DRAIN;) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; /* EAGAIN: all read; 0: its end, which libuv sees */
            take_output(w, i == 1, buf, (size_t)n);
            total += (size_t)n;
        }
    }
}

static char *dup_text(const char *value, size_t len)
{
    return cct_utf8_sanitize(value, len);
}

static char *box_text(const cct_amp_box *box, const char *key)
{
    size_t len;
    const char *v = cct_amp_get(box, key, &len);
    return v ? dup_text(v, len) : NULL;
}

static void free_stream(stream *s)
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

static void free_queue(cct_worker *w);

/* ---- ending ------------------------------------------------------------- */

static void on_closed(uv_handle_t *handle)
{
    cct_worker *w = handle->data;
    if (--w->open_handles > 0)
        return;
    if (w->spawned && w->events.closed)
        w->events.closed(w, w->arg);
    for (int i = 0; i < N_LOGS; i++) {
        if (w->log_fd[i] >= 0)
            close(w->log_fd[i]);
        cct_buf_free(&w->early[i]);
    }
    for (size_t i = 0; i < w->n_streams; i++)
        free_stream(&w->streams[i]);
    free(w->streams);
    free_queue(w);
    cct_buf_free(&w->err_tail);
    cct_amp_decoder_free(&w->decoder);
    free(w->dir);
    free(w->test);
    free(w->queued_test);
    cct_buf_free(&w->log_batch);
    free(w->death);
    free(w);
}

static void close_handle(uv_handle_t *handle)
{
    if (!uv_is_closing(handle))
        uv_close(handle, on_closed);
}

static void close_all(cct_worker *w)
{
    close_handle((uv_handle_t *)&w->timer);
    close_handle((uv_handle_t *)&w->cmd);
    close_handle((uv_handle_t *)&w->results);
    close_handle((uv_handle_t *)&w->out);
    close_handle((uv_handle_t *)&w->err);
    close_handle((uv_handle_t *)&w->process);
}

/* The last lines of what the worker wrote on stderr. */
static void append_err_tail(cct_worker *w, cct_buf *why)
{
    const char *text = w->err_tail.data ? w->err_tail.data : "";
    size_t len = w->err_tail.len;
    while (len > 0 && text[len - 1] == '\n')
        len--;
    if (len == 0)
        return;
    size_t start = len, lines = 0;
    while (start > 0 && lines < ERR_TAIL_LINES) {
        start--;
        if (text[start] == '\n' && ++lines == ERR_TAIL_LINES) {
            start++;
            break;
        }
    }
    cct_buf_printf(why, "\nLast lines of its stderr (%s/err.log):\n",
                   w->dir ? w->dir : "not started");
    char *clean = dup_text(text + start, len - start);
    cct_buf_adds(why, clean);
    cct_buf_addc(why, '\n');
    free(clean);
}

static char *describe_end(cct_worker *w)
{
    cct_buf why;
    cct_buf_init(&why);
    if (w->death) {
        cct_buf_adds(&why, w->death);
    } else if (w->term_signal) {
        const char *name = sigabbrev_np(w->term_signal);
        cct_buf_printf(&why, "the worker was killed by signal %d (SIG%s)",
                       w->term_signal, name ? name : "?");
    } else {
        cct_buf_printf(&why, "the worker exited with status %lld",
                       (long long)w->exit_status);
    }
    append_err_tail(w, &why);
    return cct_buf_steal(&why);
}

/* Both the exit status and the end of the result pipe are known (or the
 * pipe took too long to drain): report and close. */
static void finish(cct_worker *w)
{
    if (w->finished)
        return;
    w->finished = 1;
    uv_timer_stop(&w->timer);
    drain_output(w);
    if (!w->stopping && w->events.died) {
        char *why = describe_end(w);
        w->events.died(w, why, w->arg);
        free(why);
    }
    close_all(w);
}

void cct_worker_kill(cct_worker *w, const char *why)
{
    if (w->finished)
        return;
    if (!w->death && why)
        w->death = cct_xstrdup(why);
    if (!w->exited)
        uv_process_kill(&w->process, SIGKILL);
    /* Nothing more it says is believed. */
    if (!uv_is_closing((uv_handle_t *)&w->results))
        uv_read_stop((uv_stream_t *)&w->results);
    w->results_eof = 1;
    if (w->exited)
        finish(w);
}

static void protocol_error(cct_worker *w, const char *what)
{
    char *why = cct_xasprintf("the worker broke the AMP protocol: %s "
                              "(cctrial killed it)", what);
    cct_worker_kill(w, why);
    free(why);
}

static void on_timer(uv_timer_t *timer)
{
    cct_worker *w = timer->data;
    if (w->exited) {
        finish(w); /* its result pipe did not drain: something kept it */
    } else if (w->stopping) {
        uv_process_kill(&w->process, SIGKILL);
    } else if (w->results_eof) {
        cct_worker_kill(w, "the worker closed its result pipe and did not "
                           "exit (cctrial killed it)");
    } else if (!w->ready) {
        char *why = cct_xasprintf("the worker did not answer Start within "
                                  "%d s (cctrial killed it)", START_MS / 1000);
        cct_worker_kill(w, why);
        free(why);
    } else if (w->test) {
        char *why = cct_xasprintf("timed out after %u s (cctrial killed the "
                                  "worker)", w->timeout_s);
        cct_worker_kill(w, why);
        free(why);
    }
}

static void on_process_exit(uv_process_t *process, int64_t status, int signal)
{
    cct_worker *w = process->data;
    w->exited = 1;
    w->exit_status = status;
    w->term_signal = signal;
    if (w->results_eof)
        finish(w);
    else
        uv_timer_start(&w->timer, on_timer, DRAIN_MS, 0);
}

/* ---- sending ------------------------------------------------------------ */

/* What we send a worker waits in its queue, in order, until the command
 * pipe takes it; one write is in flight at a time.  A worker busy in a
 * test reads none of it (trial's worker reads commands between tests
 * only), yet each line a test logs is a TestWrite command that we answer:
 * a test logging a million lines would queue a million answers.  So
 * answers that carry only `success: True`, or nothing, to consecutive asks
 * wait as a range and are encoded when the pipe can take them: a flood of
 * them costs a few bytes.  Anything else (our commands, other answers) is
 * queued encoded, and a worker that lets more than OUT_MAX_BYTES of that
 * pile up is not reading us at all. */

static void free_queue(cct_worker *w)
{
    for (size_t i = w->q_head; i < w->q_len; i++)
        cct_buf_free(&w->queue[i].boxes);
    free(w->queue);
    w->queue = NULL;
    w->q_head = w->q_len = w->q_cap = 0;
    w->q_bytes = 0;
}

/* The last segment of the queue if it is of this kind, else NULL. */
static out_seg *queue_tail(cct_worker *w, seg_kind kind)
{
    if (w->q_len > w->q_head && w->queue[w->q_len - 1].kind == kind)
        return &w->queue[w->q_len - 1];
    return NULL;
}

static out_seg *queue_push(cct_worker *w, seg_kind kind)
{
    if (w->q_head == w->q_len) {
        w->q_head = w->q_len = 0;
    } else if (w->q_head > 0 && w->q_len == w->q_cap) {
        memmove(w->queue, w->queue + w->q_head,
                (w->q_len - w->q_head) * sizeof(*w->queue));
        w->q_len -= w->q_head;
        w->q_head = 0;
    }
    CCT_GROW(w->queue, w->q_cap, w->q_len + 1);
    out_seg *seg = &w->queue[w->q_len++];
    memset(seg, 0, sizeof(*seg));
    seg->kind = kind;
    cct_buf_init(&seg->boxes);
    return seg;
}

static void cannot_write(cct_worker *w, int status)
{
    free_queue(w);
    if (w->stopping || w->finished || status == UV_ECANCELED)
        return;
    char *why = cct_xasprintf("cctrial cannot write to the worker (%s): it "
                              "closed its command pipe (cctrial killed it)",
                              uv_strerror(status));
    cct_worker_kill(w, why);
    free(why);
}

typedef struct write_req {
    uv_write_t req;
    char *data;
} write_req;

static void flush_queue(cct_worker *w);

static void on_written(uv_write_t *req, int status)
{
    write_req *wr = (write_req *)req;
    cct_worker *w = req->handle->data;
    free(wr->data);
    free(wr);
    w->writing = 0;
    if (status < 0)
        cannot_write(w, status);
    else
        flush_queue(w);
}

static void encode_answer(cct_buf *out, unsigned long long ask, int success)
{
    char text[24];
    snprintf(text, sizeof(text), "%llx", ask);
    cct_amp_put_str(out, "_answer", text);
    if (success)
        cct_amp_put_bool(out, "success", 1);
    cct_amp_end(out);
}

/* Writes up to OUT_CHUNK bytes from the front of the queue, unless a
 * write is already in flight. */
static void flush_queue(cct_worker *w)
{
    if (w->writing || w->q_head == w->q_len ||
        uv_is_closing((uv_handle_t *)&w->cmd))
        return;
    cct_buf chunk;
    cct_buf_init(&chunk);
    while (w->q_head < w->q_len && chunk.len < OUT_CHUNK) {
        out_seg *seg = &w->queue[w->q_head];
        if (seg->kind == SEG_BOXES) {
            cct_buf_add(&chunk, seg->boxes.data, seg->boxes.len);
            w->q_bytes -= seg->boxes.len;
            cct_buf_free(&seg->boxes);
            w->q_head++;
            continue;
        }
        while (seg->first <= seg->last && chunk.len < OUT_CHUNK)
            encode_answer(&chunk, seg->first++, seg->kind == SEG_SUCCESS);
        if (seg->first > seg->last)
            w->q_head++;
    }
    size_t len = chunk.len;
    write_req *wr = cct_xmalloc(sizeof(*wr));
    wr->data = cct_buf_steal(&chunk);
    uv_buf_t buf = uv_buf_init(wr->data, (unsigned)len);
    int rc = uv_write(&wr->req, (uv_stream_t *)&w->cmd, &buf, 1, on_written);
    if (rc < 0) {
        free(wr->data);
        free(wr);
        cannot_write(w, rc);
        return;
    }
    w->writing = 1;
}

/* Called after anything is queued: starts writing, or drops a worker that
 * reads nothing. */
static int queue_added(cct_worker *w)
{
    if (w->q_bytes > OUT_MAX_BYTES || w->q_len - w->q_head > OUT_MAX_SEGS) {
        protocol_error(w, "it reads none of what cctrial sends it");
        return CCT_EPROTOCOL;
    }
    if (!w->in_read)
        flush_queue(w);
    return 0;
}

/* Queues an encoded box (box->len bytes: AMP boxes contain NUL bytes) and
 * frees `box`. */
static int queue_box(cct_worker *w, cct_buf *box)
{
    cct_amp_end(box);
    if (uv_is_closing((uv_handle_t *)&w->cmd) || w->finished) {
        cct_buf_free(box);
        return UV_EPIPE;
    }
    out_seg *seg = queue_tail(w, SEG_BOXES);
    if (!seg)
        seg = queue_push(w, SEG_BOXES);
    cct_buf_add(&seg->boxes, box->data, box->len);
    w->q_bytes += box->len;
    cct_buf_free(box);
    return queue_added(w);
}

/* An ask as Twisted writes it (its counter in lower-case hex), so that
 * encode_answer() gives back the same text. */
static int parse_ask(const char *text, size_t len, unsigned long long *out)
{
    if (len == 0 || len > 15 || text[0] == '0')
        return 0;
    unsigned long long value = 0;
    for (size_t i = 0; i < len; i++) {
        const char *digit = strchr("0123456789abcdef", text[i]);
        if (!text[i] || !digit)
            return 0;
        value = value * 16 + (unsigned long long)(digit - "0123456789abcdef");
    }
    *out = value;
    return 1;
}

/* Queues the answer to `ask`: `fields` (encoded pairs, freed) for
 * ANSWER_FIELDS, else nothing but the success flag or nothing at all. */
static void queue_answer(cct_worker *w, const char *ask, size_t ask_len,
                         int kind, cct_buf *fields)
{
    unsigned long long id;
    if (kind == ANSWER_FIELDS || !parse_ask(ask, ask_len, &id)) {
        cct_buf box;
        cct_buf_init(&box);
        cct_amp_put(&box, "_answer", ask, ask_len);
        if (kind == ANSWER_SUCCESS)
            cct_amp_put_bool(&box, "success", 1);
        cct_buf_add(&box, fields->data, fields->len);
        cct_buf_free(fields);
        queue_box(w, &box);
        return;
    }
    cct_buf_free(fields);
    if (uv_is_closing((uv_handle_t *)&w->cmd) || w->finished)
        return;
    seg_kind seg_kind = kind == ANSWER_SUCCESS ? SEG_SUCCESS : SEG_EMPTY;
    out_seg *seg = queue_tail(w, seg_kind);
    if (seg && seg->last + 1 == id) {
        seg->last = id;
    } else {
        seg = queue_push(w, seg_kind);
        seg->first = seg->last = id;
    }
    queue_added(w);
}

static long long call_remote(cct_worker *w, const char *command,
                             const char *key, const char *value)
{
    cct_buf box;
    cct_buf_init(&box);
    long long ask = ++w->next_ask;
    char ask_text[24];
    snprintf(ask_text, sizeof(ask_text), "%llx", ask);
    cct_amp_put_str(&box, "_command", command);
    cct_amp_put_str(&box, "_ask", ask_text);
    if (cct_amp_put_str(&box, key, value) < 0) {
        cct_buf_free(&box);
        return CCT_ETOOLONG;
    }
    int rc = queue_box(w, &box);
    return rc < 0 ? rc : ask;
}

/* ---- results ------------------------------------------------------------ */

static void emit(cct_worker *w, cct_outcome outcome, const char *text,
                 const char *error_class, const char *reason)
{
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
    f->error_class = box_text(box, class_key);
    if (!f->error_class)
        return -1;
    size_t frames_len;
    const char *frames = cct_amp_get(box, "frames", &frames_len);
    if (frames) {
        f->message = box_text(box, text_key);
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
    free_stream(&text);
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
    free_stream(&frame_items);
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
        emit(w, outcome, text, f.error_class, NULL);
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
    emit(w, CCT_OUTCOME_SUCCESS, NULL, NULL, NULL);
    return ANSWER_SUCCESS;
}

static int add_skip(cct_worker *w, const cct_amp_box *box, cct_buf *answer)
{
    char *reason = box_text(box, "reason");
    if (!reason)
        return -1;
    (void)answer;
    char *text = cct_xasprintf("%s\n", reason);
    emit(w, CCT_OUTCOME_SKIP, text, NULL, reason);
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
    char *todo = box_text(box, "todo");
    char *message = box_text(box, "error");
    if (!message) {
        stream s;
        if (take_stream(w, box, "errorStreamId", &s) < 0) {
            free(todo);
            return -1;
        }
        message = join_stream(&s);
        free_stream(&s);
    }
    if (!todo)
        todo = cct_xstrdup("<unknown>");
    (void)answer;
    char *text = todo_text(todo, message);
    emit(w, CCT_OUTCOME_EXPECTED_FAILURE, text, NULL, todo);
    free(text);
    free(todo);
    free(message);
    return ANSWER_SUCCESS;
}

static int add_unexpected_success(cct_worker *w, const cct_amp_box *box,
                                  cct_buf *answer)
{
    char *todo = box_text(box, "todo");
    if (!todo)
        return -1;
    (void)answer;
    char *text = todo_text(todo, NULL);
    emit(w, CCT_OUTCOME_UNEXPECTED_SUCCESS, text, NULL, todo);
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
    log_write(w, LOG_TEST, out, len);
    log_write(w, LOG_TEST, "\n", 1);
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

/* A command's handler returns what its answer holds (ANSWER_*, the
 * fields put in `answer` for ANSWER_FIELDS), or -1 for malformed
 * arguments. */
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

/* ---- receiving ---------------------------------------------------------- */

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
    queue_box(w, &box);
}

static void handle_command(cct_worker *w, const cct_amp_box *box)
{
    size_t name_len, ask_len;
    const char *name = cct_amp_get(box, "_command", &name_len);
    const char *ask = cct_amp_get(box, "_ask", &ask_len);
    if (!ask) {
        protocol_error(w, "a command without _ask");
        return;
    }
    for (size_t i = 0; i < CCT_ARRAY_SIZE(commands); i++) {
        if (strlen(commands[i].name) != name_len ||
            memcmp(commands[i].name, name, name_len) != 0)
            continue;
        if (commands[i].needs_test && !w->test) {
            protocol_error(w, "a result while no test was running");
            return;
        }
        cct_buf fields;
        cct_buf_init(&fields);
        int kind = commands[i].handle(w, box, &fields);
        if (kind < 0) {
            cct_buf_free(&fields);
            char *what = cct_xasprintf("malformed arguments to %s",
                                       commands[i].name);
            protocol_error(w, what);
            free(what);
            return;
        }
        queue_answer(w, ask, ask_len, kind, &fields);
        return;
    }
    answer_unhandled(w, ask, ask_len, name, name_len);
}

/* The per-test timeout, once the worker is ready and has a test; until
 * then the timer bounds its start (see START_MS). */
static void start_test_timer(cct_worker *w)
{
    if (w->exited || w->stopping || w->results_eof)
        return; /* the timer bounds its end instead */
    if (w->ready && w->test && w->timeout_s)
        uv_timer_start(&w->timer, on_timer, (uint64_t)w->timeout_s * 1000,
                       0);
    else if (w->ready)
        uv_timer_stop(&w->timer);
}

static int ask_matches(const char *value, size_t len, long long ask)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%llx", ask);
    return ask != 0 && (size_t)n == len && memcmp(text, value, len) == 0;
}

static void test_over(cct_worker *w)
{
    size_t n = w->n_results;
    uv_timer_stop(&w->timer);
    free(w->test);
    w->test = NULL;
    w->run_ask = 0;
    if (w->queued_test) { /* the worker goes on with it at once */
        w->test = w->queued_test;
        w->run_ask = w->queued_ask;
        w->queued_test = NULL;
        w->queued_ask = 0;
        w->n_results = 0;
        w->test_start = uv_hrtime();
        start_test_timer(w);
    }
    w->events.test_done(w, n, w->arg);
}

static void handle_reply(cct_worker *w, const cct_amp_box *box, int is_error)
{
    size_t len;
    const char *id = cct_amp_get(box, is_error ? "_error" : "_answer", &len);
    if (ask_matches(id, len, w->start_ask)) {
        w->start_ask = 0;
        if (is_error) {
            protocol_error(w, "it refused Start");
        } else {
            w->ready = 1;
            start_test_timer(w);
        }
        return;
    }
    if (ask_matches(id, len, w->queued_ask)) {
        protocol_error(w, "it answered a Run before the one sent earlier");
        return;
    }
    if (!ask_matches(id, len, w->run_ask)) {
        protocol_error(w, "an answer to a command never sent");
        return;
    }
    if (is_error) {
        /* trial's manager records a failed Run as a failure of the test. */
        char *description = box_text(box, "_error_description");
        char *text = cct_xasprintf("%s\n", description ? description
                                                       : "Run failed");
        emit(w, CCT_OUTCOME_FAILURE, text, NULL, NULL);
        free(text);
        free(description);
    }
    test_over(w);
}

static void handle_box(cct_worker *w, const cct_amp_box *box)
{
    if (cct_amp_has(box, "_command"))
        handle_command(w, box);
    else if (cct_amp_has(box, "_answer"))
        handle_reply(w, box, 0);
    else if (cct_amp_has(box, "_error"))
        handle_reply(w, box, 1);
    else
        protocol_error(w, "a box that is neither a command nor an answer");
}

static void alloc_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    buf->base = cct_xmalloc(suggested);
    buf->len = suggested;
}

static void on_results(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_worker *w = stream->data;
    if (n > 0 && !w->results_eof) {
        cct_amp_decoder_feed(&w->decoder, buf->base, (size_t)n);
        cct_amp_box box;
        int rc = 0;
        w->in_read = 1;
        while (!w->results_eof &&
               (rc = cct_amp_decoder_next(&w->decoder, &box)) > 0)
            handle_box(w, &box);
        w->in_read = 0;
        if (w->log_batch.len) {
            log_write(w, LOG_TEST, w->log_batch.data, w->log_batch.len);
            cct_buf_reset(&w->log_batch);
        }
        flush_queue(w);
        if (!w->results_eof && rc < 0)
            protocol_error(w, rc == CCT_ETOOLONG
                                  ? "a key longer than 255 bytes"
                                  : "a box of more than 64 keys");
    } else if (n < 0 && !w->results_eof) {
        w->results_eof = 1;
        uv_read_stop(stream);
        if (cct_amp_decoder_pending(&w->decoder) > 0 && !w->death)
            w->death = cct_xstrdup("the worker ended in the middle of an "
                                   "AMP box");
        if (w->exited)
            finish(w);
        else if (!w->stopping)
            uv_timer_start(&w->timer, on_timer, EOF_GRACE_MS, 0);
    }
    free(buf->base);
}

static void on_output(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_worker *w = stream->data;
    if (n > 0)
        take_output(w, stream == (uv_stream_t *)&w->err, buf->base,
                    (size_t)n);
    else if (n < 0)
        uv_read_stop(stream);
    free(buf->base);
}

/* ---- public ------------------------------------------------------------- */

int cct_worker_spawn(uv_loop_t *loop, const cct_worker_setup *setup,
                     unsigned number, const cct_worker_events *events,
                     void *arg, cct_worker **out)
{
    cct_worker *w = cct_xcalloc(1, sizeof(*w));
    w->loop = loop;
    w->number = number;
    w->events = *events;
    w->arg = arg;
    w->sources = setup->sources;
    w->timeout_s = setup->timeout_s;
    for (int i = 0; i < N_LOGS; i++) {
        w->log_fd[i] = -1;
        cct_buf_init(&w->early[i]);
    }
    cct_buf_init(&w->err_tail);
    cct_amp_decoder_init(&w->decoder);

    uv_pipe_t *pipes[] = {&w->cmd, &w->results, &w->out, &w->err};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(pipes); i++) {
        uv_pipe_init(loop, pipes[i], 0);
        pipes[i]->data = w;
    }
    uv_timer_init(loop, &w->timer);
    w->timer.data = w->process.data = w;

    uv_stdio_container_t stdio[5];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&w->out;
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&w->err;
    stdio[3].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    stdio[3].data.stream = (uv_stream_t *)&w->cmd;
    stdio[4].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[4].data.stream = (uv_stream_t *)&w->results;

    uv_process_options_t po;
    memset(&po, 0, sizeof(po));
    po.file = setup->argv[0];
    po.args = (char **)setup->argv;
    po.env = (char **)setup->env;
    po.cwd = setup->cwd;
    po.stdio = stdio;
    po.stdio_count = 5;
    po.exit_cb = on_process_exit;

    int rc = uv_spawn(loop, &w->process, &po);
    w->open_handles = 6;
    if (rc < 0) {
        w->finished = 1;
        close_all(w); /* frees w without any event */
        return rc;
    }
    w->spawned = 1;
    uv_read_start((uv_stream_t *)&w->results, alloc_buffer, on_results);
    uv_read_start((uv_stream_t *)&w->out, alloc_buffer, on_output);
    uv_read_start((uv_stream_t *)&w->err, alloc_buffer, on_output);
    if (out)
        *out = w;
    return 0;
}

int cct_worker_start(cct_worker *w, const char *dir)
{
    free(w->dir);
    w->dir = cct_xstrdup(dir);
    for (int i = 0; i < N_LOGS; i++) {
        char *path = cct_path_join(dir, log_names[i]);
        /* Appending keeps what a dead predecessor in this slot wrote. */
        w->log_fd[i] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                            0644);
        int saved = errno;
        free(path);
        if (w->log_fd[i] < 0)
            return uv_translate_sys_error(saved);
        write_all(w->log_fd[i], w->early[i].data ? w->early[i].data : "",
                  w->early[i].len);
        cct_buf_free(&w->early[i]);
    }
    long long ask = call_remote(w, "Start", "directory", dir);
    if (ask < 0)
        return (int)ask;
    w->start_ask = ask;
    uv_timer_start(&w->timer, on_timer, START_MS, 0);
    return 0;
}

int cct_worker_run(cct_worker *w, const char *test_id)
{
    if (w->queued_test)
        return UV_EBUSY;
    long long ask = call_remote(w, "Run", "testCase", test_id);
    if (ask < 0)
        return (int)ask;
    if (w->test) {
        w->queued_test = cct_xstrdup(test_id);
        w->queued_ask = ask;
        return 0;
    }
    w->test = cct_xstrdup(test_id);
    w->run_ask = ask;
    w->n_results = 0;
    w->test_start = uv_hrtime();
    start_test_timer(w);
    return 0;
}

int cct_worker_can_queue(const cct_worker *w)
{
    return w->test && !w->queued_test && cct_worker_is_alive(w);
}

const char *cct_worker_queued(const cct_worker *w)
{
    return w->queued_test;
}

void cct_worker_drain(cct_worker *w)
{
    if (!w->finished)
        drain_output(w);
}

void cct_worker_stop(cct_worker *w)
{
    if (w->stopping || w->finished)
        return;
    w->stopping = 1;
    /* EOF on its command pipe is how trial asks a worker to exit. */
    close_handle((uv_handle_t *)&w->cmd);
    uv_timer_start(&w->timer, on_timer, STOP_GRACE_MS, 0);
}

unsigned cct_worker_number(const cct_worker *w)
{
    return w->number;
}

int cct_worker_is_started(const cct_worker *w)
{
    return w->dir != NULL;
}

int cct_worker_is_ready(const cct_worker *w)
{
    return w->ready;
}

int cct_worker_is_busy(const cct_worker *w)
{
    return w->test != NULL;
}

int cct_worker_is_alive(const cct_worker *w)
{
    return !w->finished && !w->exited && !w->stopping && !w->death;
}

const char *cct_worker_test(const cct_worker *w)
{
    return w->test;
}

const char *cct_worker_dir(const cct_worker *w)
{
    return w->dir;
}

int cct_worker_pid(const cct_worker *w)
{
    return w->process.pid;
}
