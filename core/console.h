/*
 * The terminal: every line cctrial or a plugin prints goes through here, so
 * that the one-line status a reporter keeps updating in place is cleared
 * before any other output and nothing is garbled.
 *
 * Standard output is gathered during each turn of the event loop and
 * written before the loop waits again (a uv_prepare handle, which also
 * covers output made in a close callback), at most once per
 * FLUSH_INTERVAL_MS while output keeps coming (a timer writes the rest): a
 * run of thousands of tests makes thousands of status updates and dots,
 * not thousands of writes.  Output after a quiet moment is written at
 * once.
 *
 * Nothing is dropped.  On a terminal, standard output is non-blocking
 * (uv_tty_init reopens the terminal for cctrial alone and makes that
 * private descriptor non-blocking; the shell's is left as it was), so a
 * terminal that reads slowly takes part of a write, or none: the rest
 * waits in `pending`, and the loop writes it when the terminal can take
 * more (a uv_poll handle), going on with the run meanwhile.  Past
 * QUEUE_LIMIT bytes waiting, cctrial waits for the terminal instead of
 * queueing more.  Closing the console writes everything still waiting and
 * gives standard output back its flags (O_NONBLOCK) as they were.
 * Standard error is written at once, after what standard output holds
 * (waiting for the terminal if need be), so that the two stay in order.
 * Only a descriptor that fails (the terminal has gone) loses its output.
 */
#ifndef CCT_CONSOLE_H
#define CCT_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "util.h"

typedef struct cct_console {
    int out_is_tty;
    int err_is_tty;
    int status_shown;
    int width;
    int width_known;  /* until the terminal is resized (SIGWINCH) */
    uv_tty_t tty;   /* standard output, to ask its width */
    int have_tty;
    uv_signal_t winch;
    int have_winch;
    cct_buf pending;  /* standard output not yet written */
    uv_prepare_t flush; /* writes it before the loop waits again */
    int have_flush;
    uv_timer_t later; /* writes it when written too recently */
    int have_later;
    uint64_t flushed_at; /* loop time of the last write */
    /* Writes the rest when standard output takes more.  It watches a
     * duplicate of standard output (writable_fd), so that it never shares
     * a descriptor number with `tty`. */
    uv_poll_t writable;
    int writable_fd;  /* -1 until standard output first refuses a write */
    int have_writable;
    int out_broken;   /* standard output failed: its output is dropped */
    /* Called once, when standard output first fails (its reader has gone);
     * from inside a write, so it should only schedule what follows. */
    void (*on_out_broken)(void *arg);
    void *on_out_broken_arg;
    int out_flags;    /* standard output's status flags at the start */
} cct_console;

void cct_console_init(cct_console *c, uv_loop_t *loop);
/* Writes everything still waiting, waiting for the terminal if need be,
 * and restores standard output's flags. */
void cct_console_close(cct_console *c);
/* Writes what standard output holds now, as much as the terminal takes
 * (the loop does so by itself, and writes the rest when it can). */
void cct_console_flush(cct_console *c);
/* Writes text on standard output (clearing the status line first). */
void cct_console_print(cct_console *c, const char *text, size_t len);
void cct_console_printf(cct_console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes a line on standard error, prefixed "cctrial: ". */
void cct_console_error(cct_console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cct_console_verror(cct_console *c, const char *prefix, const char *fmt,
                        va_list ap);
/* Replaces the status line (terminal only); NULL clears it. */
void cct_console_status(cct_console *c, const char *line);
/* Columns of standard output (80 when it is not a terminal). */
int cct_console_width(cct_console *c);

#endif
