/*
 * Single keys on the terminal while cctrial watches: standard input in raw
 * mode through libuv's uv_tty, each key handed to the session, and one line
 * of text read for the --grep prompt.
 *
 * Raw mode is always undone: on a normal exit and on `q` (cct_keys_stop),
 * on Ctrl-C, which raw mode turns into a key the session handles, on
 * SIGTERM and SIGHUP (the session's exit path), on Ctrl-Z (restored while
 * stopped, raw again on resume), and on a fatal signal (a handler restores
 * the terminal, then lets the signal kill cctrial as it would have).
 * When standard input is not a terminal, nothing here is used.
 *
 * The terminal is touched only from its foreground process group: started
 * in the background (`cctrial &`, `timeout 60 cctrial`), cctrial neither
 * sets raw mode nor reads, which would stop it (SIGTTOU, SIGTTIN); `fg`
 * brings the keys, `bg` takes them away again.
 */
#ifndef CCT_KEYS_H
#define CCT_KEYS_H

#include <uv.h>

#include "console.h"

/* Keys that are not plain characters. */
enum {
    CCT_KEY_ENTER = '\r',
    CCT_KEY_INTERRUPT = 3, /* Ctrl-C */
    CCT_KEY_ESCAPE = 27
};

typedef struct cct_keys cct_keys;

typedef void (*cct_key_cb)(int key, void *arg);
/* The line typed at a prompt, or NULL when it was cancelled (Escape). */
typedef void (*cct_line_cb)(const char *line, void *arg);

/* Puts the terminal in raw mode and reports keys, at once in the
 * foreground, else once brought to it.  Returns 0, or a negative error
 * when standard input is not a terminal (nothing is changed then). */
int cct_keys_start(uv_loop_t *loop, cct_console *console, cct_key_cb on_key,
                   void *arg, cct_keys **out);
/* Restores the terminal and closes the handle; frees `keys` later. */
void cct_keys_stop(cct_keys *keys);
/* Shows `prompt` and collects a line (with echo and Backspace) until
 * Enter or Escape; keys are not reported meanwhile. */
void cct_keys_read_line(cct_keys *keys, const char *prompt, cct_line_cb done,
                        void *arg);

#endif
