/*
 * Helper processes with captured output (see capture.h).
 */
#include "capture.h"

#include <assert.h>
#include <signal.h>
#include <stdlib.h>

#include "spawn.h"

enum { IN_FD = 0, OUT_FD = 1, ERR_FD = 2 };

struct cct_capture {
    cct_spawn *spawn;
    uv_write_t write;        /* of `input`, when there is one */
    cct_buf input;
    cct_capture_result result;
    size_t out_limit, err_limit;
    cct_capture_cb done;
    void (*on_output)(const cct_buf *out, void *arg);
    void *arg;
};

static void keep_tail(cct_buf *b, size_t limit)
{
    if (b->len > limit)
        cct_buf_consume(b, b->len - limit);
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_capture *c = stream->data;
    int is_out = stream == cct_spawn_pipe(c->spawn, OUT_FD);
    if (n > 0 && is_out) {
        size_t room = c->out_limit > c->result.out.len
                          ? c->out_limit - c->result.out.len : 0;
        size_t take = (size_t)n < room ? (size_t)n : room;
        cct_buf_add(&c->result.out, buf->base, take);
        if (take < (size_t)n)
            c->result.out_truncated = 1;
        if (c->on_output)
            c->on_output(&c->result.out, c->arg);
    } else if (n > 0) {
        cct_buf_add(&c->result.err, buf->base, (size_t)n);
        keep_tail(&c->result.err, c->err_limit);
    } else if (n < 0) {
        cct_spawn_close_pipe(c->spawn, is_out ? OUT_FD : ERR_FD);
    }
    free(buf->base);
}

/* Exited, both pipes drained: the result is whole. */
static void on_closed(const cct_spawn_status *status, void *arg)
{
    cct_capture *c = arg;
    assert(status->exited);
    c->result.exit_status = status->exit_status;
    c->result.term_signal = status->term_signal;
    c->result.timed_out = status->timed_out;
    c->done(&c->result, c->arg);
    cct_buf_free(&c->input);
    cct_buf_free(&c->result.out);
    cct_buf_free(&c->result.err);
    free(c);
}

/* The input is written (or the child stopped reading it): end it. */
static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a child that exits unread is told by its status */
    cct_capture *c = req->data;
    cct_spawn_close_pipe(c->spawn, IN_FD);
}

int cct_capture_start(uv_loop_t *loop, const cct_capture_options *options,
                      cct_capture_cb done, void *arg, cct_capture **out)
{
    assert(done);
    assert(!options->template || !options->input);
    cct_capture *c = cct_xcalloc(1, sizeof(*c));
    c->done = done;
    c->on_output = options->on_output;
    c->arg = arg;
    c->out_limit = options->out_limit;
    c->err_limit = options->err_limit;
    cct_buf_init(&c->result.out);
    cct_buf_init(&c->result.err);
    cct_buf_init(&c->input);
    if (options->input)
        cct_buf_add(&c->input, options->input, options->input_len);

    cct_spawn_options so = {
        .argv = options->argv,
        .env = options->env,
        .cwd = options->cwd,
        .fds = {options->input ? CCT_SPAWN_TO_CHILD : CCT_SPAWN_NULL,
                CCT_SPAWN_FROM_CHILD, CCT_SPAWN_FROM_CHILD},
        .n_fds = 3,
        /* Killed whole by cct_capture_kill: a child left holding the pipes
         * would keep the callback from running. */
        .own_group = 1,
        .template = options->template,
        .template_runs_script = options->template != NULL,
        .timeout_ms = options->timeout_ms,
        .closed = on_closed,
        .arg = c,
    };
    int rc = cct_spawn_start(loop, &so, &c->spawn);
    if (rc < 0) {
        cct_buf_free(&c->input);
        free(c);
        return rc;
    }
    if (options->input) {
        uv_buf_t buf = uv_buf_init(c->input.data ? c->input.data : "",
                                   (unsigned)c->input.len);
        c->write.data = c;
        if (uv_write(&c->write, cct_spawn_pipe(c->spawn, IN_FD), &buf, 1,
                     on_written) < 0)
            cct_spawn_close_pipe(c->spawn, IN_FD);
    }
    uv_read_start(cct_spawn_pipe(c->spawn, OUT_FD), cct_alloc_buffer, on_read);
    uv_read_start(cct_spawn_pipe(c->spawn, ERR_FD), cct_alloc_buffer, on_read);
    if (out)
        *out = c;
    return 0;
}

void cct_capture_kill(cct_capture *capture)
{
    cct_spawn_kill(capture->spawn, SIGKILL);
}
