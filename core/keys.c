/*
 * Raw-mode keys on the terminal (see keys.h).
 */
#include "keys.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define LINE_MAX_BYTES 256
/* How often a job in the background looks whether it is in the foreground
 * now: `fg` sends a running job no signal, it only hands it the terminal. */
#define FOREGROUND_POLL_MS 200

struct cct_keys {
    uv_tty_t tty;
    uv_signal_t cont; /* SIGCONT: fg or bg; raw mode again, or not */
    uv_timer_t poll;  /* in the background: is it the foreground yet? */
    cct_console *console;
    cct_key_cb on_key;
    void *arg;
    int open_handles;
    int raw;          /* the terminal is in raw mode, by us */
    int reading;
    /* While a prompt is open: */
    cct_line_cb line_done;
    void *line_arg;
    cct_buf line;
};

/* Fatal signals: restore the terminal, then die of the signal as before.
 * uv_tty_reset_mode() is async-signal-safe for exactly this use. */
static void restore_and_die(int sig)
{
    uv_tty_reset_mode();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_fatal_signals(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL,
                                SIGQUIT};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = restore_and_die;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < CCT_ARRAY_SIZE(fatal); i++)
        sigaction(fatal[i], &sa, NULL);
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf);

/* Is cctrial's process group the terminal's foreground one?  Only then
 * may it change the terminal's modes or read it: from the background
 * (`cctrial &`, or under timeout(1), which gives its command a process
 * group of its own) tcsetattr stops the whole job with SIGTTOU, and a
 * read with SIGTTIN, before it has shown anything. */
static int in_foreground(void)
{
    pid_t group = tcgetpgrp(0);
    return group != -1 && group == getpgrp();
}

static void on_poll(uv_timer_t *timer);

static void watch_foreground(cct_keys *k)
{
    if (!uv_is_active((uv_handle_t *)&k->poll))
        uv_timer_start(&k->poll, on_poll, FOREGROUND_POLL_MS,
                       FOREGROUND_POLL_MS);
}

/* Raw mode and reading, when in the foreground; from the background,
 * nothing until SIGCONT says the job may have been brought to it. */
static int take_terminal(cct_keys *k)
{
    if (!in_foreground()) {
        watch_foreground(k);
        return 0;
    }
    uv_timer_stop(&k->poll);
    if (!k->raw) {
        int rc = uv_tty_set_mode(&k->tty, UV_TTY_MODE_RAW);
        if (rc < 0)
            return rc;
        k->raw = 1;
    }
    if (!k->reading) {
        uv_read_start((uv_stream_t *)&k->tty, cct_alloc_buffer, on_read);
        k->reading = 1;
    }
    return 0;
}

/* The terminal as it was, and no more reading.  From the background too
 * (stopped by someone else's SIGTSTP while raw, then `bg`, or quitting
 * then): SIGTTOU blocked, the mode is set back rather than the job
 * stopped. */
static void release_terminal(cct_keys *k)
{
    if (k->reading) {
        uv_read_stop((uv_stream_t *)&k->tty);
        k->reading = 0;
    }
    if (!k->raw)
        return;
    sigset_t ttou, before;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    sigprocmask(SIG_BLOCK, &ttou, &before);
    uv_tty_set_mode(&k->tty, UV_TTY_MODE_NORMAL);
    sigprocmask(SIG_SETMASK, &before, NULL);
    k->raw = 0;
}

static void end_line(cct_keys *k, int accepted)
{
    cct_line_cb done = k->line_done;
    void *arg = k->line_arg;
    k->line_done = NULL;
    cct_console_print(k->console, "\r\n", 2);
    char *text = accepted ? cct_buf_steal(&k->line) : NULL;
    cct_buf_free(&k->line);
    done(text, arg);
    free(text);
}

/* One byte of a line being typed at a prompt. */
static void line_byte(cct_keys *k, unsigned char c)
{
    if (c == '\r' || c == '\n') {
        end_line(k, 1);
    } else if (c == CCT_KEY_ESCAPE) {
        end_line(k, 0);
    } else if (c == 127 || c == 8) { /* Backspace: one UTF-8 character */
        while (k->line.len > 0 &&
               (k->line.data[--k->line.len] & 0xc0) == 0x80)
            ;
        if (k->line.data)
            k->line.data[k->line.len] = '\0';
        cct_console_print(k->console, "\b \b", 3);
    } else if (c >= 0x20 && k->line.len < LINE_MAX_BYTES) {
        cct_buf_addc(&k->line, (char)c);
        cct_console_print(k->console, (const char *)&c, 1);
    }
}

static void suspend(cct_keys *k)
{
    /* Ctrl-Z in raw mode is a byte: do what the terminal would have done
     * (stop the foreground job: cctrial and its workers), with the
     * terminal as the shell expects it. */
    release_terminal(k);
    kill(0, SIGTSTP);
}

static void on_poll(uv_timer_t *timer)
{
    take_terminal(timer->data);
}

/* Continued: by `fg` (raw mode and keys again) or `bg` (neither). */
static void on_continue(uv_signal_t *handle, int signum)
{
    (void)signum;
    cct_keys *k = handle->data;
    if (in_foreground()) {
        take_terminal(k);
    } else {
        release_terminal(k);
        watch_foreground(k);
    }
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_keys *k = stream->data;
    for (ssize_t i = 0; i < n && k->reading; i++) {
        unsigned char c = (unsigned char)buf->base[i];
        if (c == 26) {
            suspend(k);
        } else if (k->line_done && c != CCT_KEY_INTERRUPT) {
            line_byte(k, c);
        } else if (c == 27 && i + 1 < n && buf->base[i + 1] == '[') {
            /* An escape sequence (arrows, function keys): not ours. */
            i++;
            while (i + 1 < n && !(buf->base[i + 1] >= 0x40 &&
                                  buf->base[i + 1] <= 0x7e))
                i++;
            i++;
        } else {
            k->on_key(c == '\n' ? CCT_KEY_ENTER : c, k->arg);
        }
    }
    if (n < 0 && k->reading) {
        uv_read_stop(stream); /* the terminal went away */
        k->reading = 0;
    }
    free(buf->base);
}

int cct_keys_start(uv_loop_t *loop, cct_console *console, cct_key_cb on_key,
                   void *arg, cct_keys **out)
{
    if (uv_guess_handle(0) != UV_TTY)
        return UV_ENOTTY;
    cct_keys *k = cct_xcalloc(1, sizeof(*k));
    int rc = uv_tty_init(loop, &k->tty, 0, 1);
    if (rc < 0) {
        free(k);
        return rc;
    }
    k->console = console;
    k->on_key = on_key;
    k->arg = arg;
    k->tty.data = k;
    k->open_handles = 1;
    uv_timer_init(loop, &k->poll);
    uv_unref((uv_handle_t *)&k->poll); /* never keeps the loop alive */
    k->poll.data = k;
    k->open_handles++;
    rc = take_terminal(k);
    if (rc < 0) {
        cct_keys_stop(k);
        return rc;
    }
    catch_fatal_signals();
    uv_signal_init(loop, &k->cont);
    k->cont.data = k;
    k->open_handles++;
    uv_signal_start(&k->cont, on_continue, SIGCONT);
    *out = k;
    return 0;
}

static void on_closed(uv_handle_t *handle)
{
    cct_keys *k = handle->data;
    if (--k->open_handles == 0) {
        cct_buf_free(&k->line);
        free(k);
    }
}

void cct_keys_stop(cct_keys *k)
{
    release_terminal(k);
    uv_close((uv_handle_t *)&k->poll, on_closed);
    if (k->open_handles > 2)
        uv_close((uv_handle_t *)&k->cont, on_closed);
    uv_close((uv_handle_t *)&k->tty, on_closed);
}

void cct_keys_read_line(cct_keys *k, const char *prompt, cct_line_cb done,
                        void *arg)
{
    cct_buf_reset(&k->line);
    k->line_done = done;
    k->line_arg = arg;
    cct_console_print(k->console, prompt, strlen(prompt));
}
