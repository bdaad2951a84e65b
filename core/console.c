/*
 * Terminal output and the in-place status line (see console.h).
 */
#include "console.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

/* Beyond this, output is written at once rather than at the turn's end. */
#define PENDING_LIMIT 65536
/* While output keeps coming, it is written at most this often: a status
 * line redrawn faster than this is not seen anyway. */
#define FLUSH_INTERVAL_MS 10

void cct_console_flush(cct_console *c)
{
    if (c->have_later)
        uv_timer_stop(&c->later);
    if (c->pending.len) {
        write_all(1, c->pending.data, c->pending.len);
        cct_buf_reset(&c->pending);
        if (c->have_flush)
            c->flushed_at = uv_now(c->flush.loop);
    }
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
    cct_buf_add(&c->pending, data, len);
    if (c->pending.len >= PENDING_LIMIT || !c->have_flush)
        cct_console_flush(c);
}

void cct_console_init(cct_console *c, uv_loop_t *loop)
{
    memset(c, 0, sizeof(*c));
    cct_buf_init(&c->pending);
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

void cct_console_close(cct_console *c)
{
    cct_console_status(c, NULL);
    cct_console_flush(c);
    close_handle((uv_handle_t *)&c->flush, &c->have_flush);
    close_handle((uv_handle_t *)&c->later, &c->have_later);
    cct_buf_free(&c->pending);
    close_handle((uv_handle_t *)&c->tty, &c->have_tty);
    close_handle((uv_handle_t *)&c->winch, &c->have_winch);
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
    cct_console_flush(c); /* what came before stays before */
    char *text = cct_xvasprintf(fmt, ap);
    char *line = cct_xasprintf("%s%s\n", prefix, text);
    write_all(2, line, strlen(line));
    free(line);
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
