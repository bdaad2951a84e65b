/*
 * Terminal output and the in-place status line (see console.h).
 */
#include "console.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Beyond this, output is written at once rather than at the turn's end. */
#define PENDING_LIMIT 65536
/* Beyond this much output waiting for a slow terminal, cctrial waits for
 * the terminal rather than keep more, until half of it is written (not to
 * wait again at the next line). */
#define QUEUE_LIMIT (4 * PENDING_LIMIT)
/* While output keeps coming, it is written at most this often: a status
 * line redrawn faster than this is not seen anyway. */
#define FLUSH_INTERVAL_MS 10

typedef enum { WRITTEN_ALL, WRITE_LATER, WRITE_FAILED } write_outcome;

/* Writes as much of `b` as `fd` takes now, and removes that from `b`. */
static write_outcome write_some(int fd, cct_buf *b)
{
    size_t done = 0;
    write_outcome outcome = WRITTEN_ALL;
    while (done < b->len) {
        ssize_t n = write(fd, b->data + done, b->len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            outcome = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                          ? WRITE_LATER
                          : WRITE_FAILED;
            break;
        }
    }
    if (done)
        cct_buf_consume(b, done);
    return outcome;
}

/* Writes `b` to `fd` until at most `keep` bytes of it are left, waiting
 * for `fd` as long as it takes.  -1 when `fd` failed (`b` is then
 * emptied: that output cannot be shown anywhere). */
static int write_down_to(int fd, cct_buf *b, size_t keep)
{
    while (b->len > keep) {
        write_outcome outcome = write_some(fd, b);
        if (outcome == WRITE_LATER) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n;
            while ((n = poll(&p, 1, -1)) < 0 && errno == EINTR)
                ;
            if (n < 0)
                outcome = WRITE_FAILED;
        }
        if (outcome == WRITE_FAILED) {
            cct_buf_reset(b);
            return -1;
        }
    }
    return 0;
}

static void out_failed(cct_console *c)
{
    /* The terminal has gone (EIO) or the reader of the pipe (EPIPE): what
     * is left has nowhere to go, and more would not either. */
    int first = !c->out_broken;
    c->out_broken = 1;
    cct_buf_reset(&c->pending);
    if (first && c->on_out_broken)
        c->on_out_broken(c->on_out_broken_arg);
}

static void write_pending(cct_console *c);

static void on_writable(uv_poll_t *handle, int status, int events)
{
    (void)status; /* an error shows in the write that follows */
    (void)events;
    write_pending(handle->data);
}

/* Has the loop call write_pending when standard output takes more. */
static int watch_writable(cct_console *c)
{
    if (!c->have_writable) {
        /* Reached only once standard output refused a write, so it is
         * non-blocking already: uv_poll_init, which makes its descriptor
         * non-blocking, changes nothing for anyone sharing it. */
        c->writable_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
        if (c->writable_fd < 0)
            return -1;
        if (uv_poll_init(c->flush.loop, &c->writable, c->writable_fd) < 0) {
            close(c->writable_fd);
            c->writable_fd = -1;
            return -1;
        }
        c->writable.data = c;
        c->have_writable = 1;
    }
    return uv_poll_start(&c->writable, UV_WRITABLE, on_writable);
}

/* Writes what standard output takes now; the loop writes the rest when it
 * can, unless too much is waiting already. */
static void write_pending(cct_console *c)
{
    write_outcome outcome = write_some(1, &c->pending);
    if (outcome == WRITE_FAILED) {
        out_failed(c);
    } else if (outcome == WRITE_LATER) {
        int watched = c->have_flush && watch_writable(c) == 0;
        size_t keep = watched ? QUEUE_LIMIT / 2 : 0;
        if ((c->pending.len > QUEUE_LIMIT || !watched) &&
            write_down_to(1, &c->pending, keep) < 0)
            out_failed(c);
    }
    assert(!c->out_broken || c->pending.len == 0);
    if (c->have_writable && c->pending.len == 0)
        uv_poll_stop(&c->writable);
}

void cct_console_flush(cct_console *c)
{
    if (c->have_later)
        uv_timer_stop(&c->later);
    /* While the loop waits for the terminal to take more, a write now
     * would be refused again: only too much waiting makes one. */
    int waiting = c->have_writable &&
                  uv_is_active((uv_handle_t *)&c->writable);
    if (c->pending.len && (!waiting || c->pending.len > QUEUE_LIMIT)) {
        write_pending(c);
        if (c->have_flush)
            c->flushed_at = uv_now(c->flush.loop);
    }
}

/* Writes everything standard output holds, waiting for the terminal. */
static void write_everything(cct_console *c)
{
    if (write_down_to(1, &c->pending, 0) < 0)
        out_failed(c);
    if (c->have_writable)
        uv_poll_stop(&c->writable);
}

static void on_later(uv_timer_t *handle)
{
    cct_console_flush(handle->data);
}

static void on_prepare(uv_prepare_t *handle)
{
    cct_console *c = handle->data;
    if (!c->pending.len)
        return;
    uint64_t now = uv_now(handle->loop);
    uint64_t due = c->flushed_at + FLUSH_INTERVAL_MS;
    if (now >= due || !c->have_later)
        cct_console_flush(c);
    else if (!uv_is_active((uv_handle_t *)&c->later))
        uv_timer_start(&c->later, on_later, due - now, 0);
}

static void on_winch(uv_signal_t *handle, int signum)
{
    (void)signum;
    cct_console *c = handle->data;
    c->width_known = 0;
}

static void emit(cct_console *c, const char *data, size_t len)
{
    if (c->out_broken)
        return;
    cct_buf_add(&c->pending, data, len);
    if (c->pending.len >= PENDING_LIMIT || !c->have_flush)
        cct_console_flush(c);
}

void cct_console_init(cct_console *c, uv_loop_t *loop)
{
    memset(c, 0, sizeof(*c));
    cct_buf_init(&c->pending);
    c->writable_fd = -1;
    /* Before uv_tty_init below, which may make it non-blocking. */
    c->out_flags = fcntl(1, F_GETFL);
    if (uv_prepare_init(loop, &c->flush) == 0) {
        c->flush.data = c;
        uv_prepare_start(&c->flush, on_prepare);
        uv_unref((uv_handle_t *)&c->flush); /* never keeps the loop alive */
        c->have_flush = 1;
    }
    if (uv_timer_init(loop, &c->later) == 0) {
        c->later.data = c;
        uv_unref((uv_handle_t *)&c->later);
        c->have_later = 1;
    }
    c->out_is_tty = uv_guess_handle(1) == UV_TTY;
    c->err_is_tty = uv_guess_handle(2) == UV_TTY;
    c->width = 80;
    if (c->out_is_tty && uv_tty_init(loop, &c->tty, 1, 0) == 0) {
        c->have_tty = 1;
        /* Only asked for its size: it must not keep the loop alive. */
        uv_unref((uv_handle_t *)&c->tty);
        if (uv_signal_init(loop, &c->winch) == 0) {
            c->winch.data = c;
            uv_signal_start(&c->winch, on_winch, SIGWINCH);
            uv_unref((uv_handle_t *)&c->winch);
            c->have_winch = 1;
        }
    }
}

static void close_handle(uv_handle_t *handle, int *have)
{
    if (*have && !uv_is_closing(handle))
        uv_close(handle, NULL);
    *have = 0;
}

/* Standard output as it was given to cctrial: a program run after it on
 * the same descriptor expects it blocking if it was. */
static void restore_out_flags(const cct_console *c)
{
    int now = fcntl(1, F_GETFL);
    if (c->out_flags < 0 || now < 0 ||
        (now & O_NONBLOCK) == (c->out_flags & O_NONBLOCK))
        return;
    fcntl(1, F_SETFL, (now & ~O_NONBLOCK) | (c->out_flags & O_NONBLOCK));
}

void cct_console_close(cct_console *c)
{
    cct_console_status(c, NULL);
    write_everything(c);
    close_handle((uv_handle_t *)&c->flush, &c->have_flush);
    close_handle((uv_handle_t *)&c->later, &c->have_later);
    if (c->have_writable) {
        /* uv_close stops polling at once: the duplicate can go now. */
        close_handle((uv_handle_t *)&c->writable, &c->have_writable);
        close(c->writable_fd);
        c->writable_fd = -1;
    }
    cct_buf_free(&c->pending);
    close_handle((uv_handle_t *)&c->tty, &c->have_tty);
    close_handle((uv_handle_t *)&c->winch, &c->have_winch);
    restore_out_flags(c);
}

static void clear_status(cct_console *c)
{
    if (c->status_shown) {
        emit(c, "\r\033[K", 4);
        c->status_shown = 0;
    }
}

void cct_console_print(cct_console *c, const char *text, size_t len)
{
    clear_status(c);
    emit(c, text, len);
}

void cct_console_printf(cct_console *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = cct_xvasprintf(fmt, ap);
    va_end(ap);
    cct_console_print(c, text, strlen(text));
    free(text);
}

void cct_console_verror(cct_console *c, const char *prefix, const char *fmt,
                        va_list ap)
{
    if (c->err_is_tty)
        clear_status(c);
    if (c->have_later)
        uv_timer_stop(&c->later);
    write_everything(c); /* what came before stays before */
    char *text = cct_xvasprintf(fmt, ap);
    cct_buf line;
    cct_buf_init(&line);
    cct_buf_printf(&line, "%s%s\n", prefix, text);
    /* Standard error may share a non-blocking descriptor too: wait for
     * it rather than lose an error. */
    write_down_to(2, &line, 0);
    cct_buf_free(&line);
    free(text);
}

void cct_console_error(cct_console *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cct_console_verror(c, "cctrial: ", fmt, ap);
    va_end(ap);
}

void cct_console_status(cct_console *c, const char *line)
{
    if (!c->out_is_tty)
        return;
    if (!line) {
        clear_status(c);
        return;
    }
    /* Never wrap: a wrapped line cannot be redrawn in place. */
    size_t max = (size_t)(cct_console_width(c) > 1 ? cct_console_width(c) - 1
                                                   : 1);
    cct_buf b;
    cct_buf_init(&b);
    cct_buf_adds(&b, "\r");
    size_t columns = 0;
    for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
        if (*p == '\033') { /* colour sequences take no column */
            const unsigned char *end = (const unsigned char *)strchr(
                (const char *)p, 'm');
            if (end) {
                cct_buf_add(&b, p, (size_t)(end - p + 1));
                p = end;
                continue;
            }
        }
        if ((*p & 0xc0) != 0x80) {
            if (columns == max)
                break;
            columns++;
        }
        cct_buf_addc(&b, (char)*p);
    }
    cct_buf_adds(&b, "\033[0m\033[K");
    emit(c, b.data, b.len);
    cct_buf_free(&b);
    c->status_shown = 1;
}

int cct_console_width(cct_console *c)
{
    /* Asked once per status line: the terminal is asked again only after
     * it was resized, or when no SIGWINCH can tell. */
    int width, height;
    if (c->have_tty && (!c->width_known || !c->have_winch) &&
        uv_tty_get_winsize(&c->tty, &width, &height) == 0 && width > 0) {
        c->width = width;
        c->width_known = 1;
    }
    return c->width;
}
