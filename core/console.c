/*
 * Terminal output and the in-place status line (see console.h).
 */
#include "console.h"

#include <errno.h>
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

void cct_console_flush(cct_console *c)
{
    if (c->pending.len) {
        write_all(1, c->pending.data, c->pending.len);
        cct_buf_reset(&c->pending);
    }
}

static void on_prepare(uv_prepare_t *handle)
{
    cct_console_flush(handle->data);
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
    c->out_is_tty = uv_guess_handle(1) == UV_TTY;
    c->err_is_tty = uv_guess_handle(2) == UV_TTY;
    c->width = 80;
    if (c->out_is_tty && uv_tty_init(loop, &c->tty, 1, 0) == 0) {
        c->have_tty = 1;
        /* Only asked for its size: it must not keep the loop alive. */
        uv_unref((uv_handle_t *)&c->tty);
    }
}

void cct_console_close(cct_console *c)
{
    cct_console_status(c, NULL);
    cct_console_flush(c);
    if (c->have_flush) {
        if (!uv_is_closing((uv_handle_t *)&c->flush))
            uv_close((uv_handle_t *)&c->flush, NULL);
        c->have_flush = 0;
    }
    cct_buf_free(&c->pending);
    if (c->have_tty) {
        if (!uv_is_closing((uv_handle_t *)&c->tty))
            uv_close((uv_handle_t *)&c->tty, NULL);
        c->have_tty = 0;
    }
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
    int width, height;
    if (c->have_tty && uv_tty_get_winsize(&c->tty, &width, &height) == 0 &&
        width > 0)
        c->width = width;
    return c->width;
}
