/*
 * What we send a worker waits in its queue, in order, until the command
 * pipe takes it; one write is in flight at a time.  A worker busy in a
 * test reads none of it (trial's worker reads commands between tests
 * only), yet each line a test logs is a TestWrite command that we answer:
 * a test logging a million lines would queue a million answers.  So
 * answers that carry only `success: True`, or nothing, to consecutive asks
 * wait as a range and are encoded when the pipe can take them: a flood of
 * them costs a few bytes.  Anything else (our commands, other answers) is
 * queued encoded, and a worker that lets more than OUT_MAX_BYTES of that
 * pile up is not reading us at all.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "worker_internal.h"

typedef struct write_req {
    uv_write_t req;
    char *data;
} write_req;

void cct__worker_free_queue(cct_worker *w)
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

/* A worker whose command pipe is closed can take nothing more: after
 * its running test it reads fd 3 and ends.  One that does neither within
 * this long (it hangs, or lies) is killed. */
#define COMMANDS_LOST_MS 2000

static void on_commands_lost_timer(uv_timer_t *timer)
{
    char *why = cct_xasprintf("cctrial cannot write to the worker (broken "
                              "pipe): its command pipe is closed, and it "
                              "neither answered nor ended within %d s "
                              "(cctrial killed it)",
                              COMMANDS_LOST_MS / 1000);
    cct_worker_kill(timer->data, why);
    free(why);
}

void cct__worker_bound_lost_commands(cct_worker *w)
{
    assert(w->commands_lost);
    uv_timer_start(&w->commands_timer, on_commands_lost_timer,
                   COMMANDS_LOST_MS, 0);
}

static void cannot_write(cct_worker *w, int status)
{
    cct__worker_free_queue(w);
    if (w->stopping || w->finished || status == UV_ECANCELED)
        return;
    /* A worker that ended on its own closed its pipe by ending: its exit,
     * reported soon, says more than this write. */
    if (cct_spawn_has_ended(w->spawn))
        return;
    if ((status == UV_EPIPE || status == UV_ECONNRESET) &&
        cct__worker_alive(w)) {
        /* Closed by a test, in a worker that lives on: the results it
         * sends until its Run answer names the test (or it dies) are
         * kept; killing it now would lose the running test's. */
        w->commands_lost = 1;
        cct__worker_bound_lost_commands(w);
        return;
    }
    char *why = cct_xasprintf("cctrial cannot write to the worker (%s): it "
                              "closed its command pipe (cctrial killed it)",
                              uv_strerror(status));
    cct_worker_kill(w, why);
    free(why);
}

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
        cct__worker_flush(w);
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
void cct__worker_flush(cct_worker *w)
{
    if (w->commands_lost)
        cct__worker_free_queue(w);
    if (w->writing || w->q_head == w->q_len ||
        uv_is_closing((uv_handle_t *)w->cmd))
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
    int rc = uv_write(&wr->req, w->cmd, &buf, 1, on_written);
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
        cct__worker_protocol_error(w, "it reads none of what cctrial "
                                      "sends it");
        return CCT_EPROTOCOL;
    }
    if (!w->in_read)
        cct__worker_flush(w);
    return 0;
}

/* Queues an encoded box (box->len bytes: AMP boxes contain NUL bytes) and
 * frees `box`. */
int cct__worker_queue_box(cct_worker *w, cct_buf *box)
{
    cct_amp_end(box);
    if (uv_is_closing((uv_handle_t *)w->cmd) || w->finished) {
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
void cct__worker_queue_answer(cct_worker *w, const char *ask, size_t ask_len,
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
        cct__worker_queue_box(w, &box);
        return;
    }
    cct_buf_free(fields);
    if (uv_is_closing((uv_handle_t *)w->cmd) || w->finished)
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

long long cct__worker_call(cct_worker *w, const char *command,
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
    int rc = cct__worker_queue_box(w, &box);
    return rc < 0 ? rc : ask;
}
