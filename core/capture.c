/*
 * Helper processes with captured output (see capture.h).
 */
#include "capture.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct cct_capture {
    uv_process_t process;
    uv_pipe_t out_pipe;
    uv_pipe_t err_pipe;
    cct_capture_result result;
    size_t out_limit, err_limit;
    int exited;
    int open_handles;
    cct_capture_cb done;
    void (*on_output)(const cct_buf *out, void *arg);
    void *arg;
};

static void on_handle_closed(uv_handle_t *handle)
{
    cct_capture *c = handle->data;
    if (--c->open_handles > 0)
        return;
    if (c->done)
        c->done(&c->result, c->arg);
    cct_buf_free(&c->result.out);
    cct_buf_free(&c->result.err);
    free(c);
}

static void keep_tail(cct_buf *b, size_t limit)
{
    if (b->len > limit)
        cct_buf_consume(b, b->len - limit);
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_capture *c = stream->data;
    if (n > 0) {
        if (stream == (uv_stream_t *)&c->out_pipe) {
            size_t room = c->out_limit > c->result.out.len
                              ? c->out_limit - c->result.out.len : 0;
            size_t take = (size_t)n < room ? (size_t)n : room;
            cct_buf_add(&c->result.out, buf->base, take);
            if (take < (size_t)n)
                c->result.out_truncated = 1;
            if (c->on_output)
                c->on_output(&c->result.out, c->arg);
        } else {
            cct_buf_add(&c->result.err, buf->base, (size_t)n);
            keep_tail(&c->result.err, c->err_limit);
        }
    } else if (n < 0) {
        uv_close((uv_handle_t *)stream, on_handle_closed);
    }
    free(buf->base);
}

static void on_process_exit(uv_process_t *process, int64_t status, int signal)
{
    cct_capture *c = process->data;
    c->result.exit_status = status;
    c->result.term_signal = signal;
    c->exited = 1;
    uv_close((uv_handle_t *)process, on_handle_closed);
}

int cct_capture_start(uv_loop_t *loop, const cct_capture_options *options,
                      cct_capture_cb done, void *arg, cct_capture **out)
{
    cct_capture *c = cct_xcalloc(1, sizeof(*c));
    c->done = done;
    c->on_output = options->on_output;
    c->arg = arg;
    c->out_limit = options->out_limit;
    c->err_limit = options->err_limit;
    cct_buf_init(&c->result.out);
    cct_buf_init(&c->result.err);
    uv_pipe_init(loop, &c->out_pipe, 0);
    uv_pipe_init(loop, &c->err_pipe, 0);
    c->out_pipe.data = c->err_pipe.data = c->process.data = c;

    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&c->out_pipe;
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&c->err_pipe;

    uv_process_options_t po;
    memset(&po, 0, sizeof(po));
    po.file = options->argv[0];
    po.args = (char **)options->argv;
    po.env = (char **)options->env;
    po.cwd = options->cwd;
    po.stdio = stdio;
    po.stdio_count = 3;
    po.exit_cb = on_process_exit;
    /* A process group of its own, killed whole by cct_capture_kill. */
    po.flags = UV_PROCESS_DETACHED;

    int rc = uv_spawn(loop, &c->process, &po);
    c->open_handles = 3;
    if (rc < 0) {
        /* A failed spawn still leaves three initialised handles; `c` is
         * freed once libuv has closed them, without a callback run. */
        c->done = NULL;
        uv_close((uv_handle_t *)&c->out_pipe, on_handle_closed);
        uv_close((uv_handle_t *)&c->err_pipe, on_handle_closed);
        uv_close((uv_handle_t *)&c->process, on_handle_closed);
        return rc;
    }
    uv_read_start((uv_stream_t *)&c->out_pipe, cct_alloc_buffer, on_read);
    uv_read_start((uv_stream_t *)&c->err_pipe, cct_alloc_buffer, on_read);
    if (out)
        *out = c;
    return 0;
}

void cct_capture_kill(cct_capture *capture)
{
    if (!capture->exited)
        uv_kill(-capture->process.pid, SIGKILL);
}
