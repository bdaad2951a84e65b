/*
 * Shared by the notifier plugins (notify-send, terminal-notifier), so that
 * both run their program alike: one process per notification, started
 * through host->spawn (an argument vector, never a shell), one at a time
 * in the order the notifications came, each killed when it outlives its
 * timeout (after which only the newest waiting notification is kept, so
 * that a hung notifier delays cctrial's exit by two timeouts at most).  A
 * program that cannot start, fails or hangs never holds up cctrial; the
 * first such failure is logged as a warning, later ones only at debug
 * level (-vv).  Each notification's argument vector is built when its
 * process starts, so that it can name what the previous one printed (the
 * id notify-send gives a notification, for the next to replace).  Part of
 * the plugins' internal helper library (see strbuf.h), linked into each
 * notifier.
 */
#ifndef CCT_PLUGINS_NOTIFIER_PROCESS_H
#define CCT_PLUGINS_NOTIFIER_PROCESS_H

#include <stddef.h>

#include "cctrial/plugin.h"

/* The options both notifiers declare. */
#define NOTIFIER_TIMEOUT_OPTION                                            \
    {"timeout", CCT_OPT_INT, "2000",                                       \
     "Milliseconds the notifier program may run before it is killed "     \
     "(cctrial never waits for it).",                                      \
     NULL, 100, 60000}
#define NOTIFIER_ICON_OPTIONS                                              \
    {"icon_pass", CCT_OPT_PATH, NULL,                                      \
     "Icon of a notification that tests passed (default: cctrial's "      \
     "share/cctrial/icons/pass.png).",                                     \
     NULL, 0, 0},                                                          \
    {"icon_fail", CCT_OPT_PATH, NULL,                                      \
     "Icon of a notification that tests failed (default: cctrial's "      \
     "share/cctrial/icons/fail.png).",                                     \
     NULL, 0, 0}

/* A growing, NULL-terminated argument vector of copied strings.  An
 * allocation failure is remembered and reported by notifier_argv_take(). */
typedef struct notifier_argv {
    char **items;
    size_t len, cap;
    int failed;
} notifier_argv;

void notifier_argv_add(notifier_argv *a, const char *s);
void notifier_argv_addf(notifier_argv *a, const char *fmt, ...)
    CCT_PRINTF_LIKE(2, 3);
/* Hands the vector over (NULL-terminated), or frees it and returns NULL
 * when memory ran out while building it.  `a` is empty afterwards. */
char **notifier_argv_take(notifier_argv *a);
void notifier_argv_free(char **argv);

typedef struct notifier_process notifier_process;

/* Builds the argument vector (from notifier_argv_take(); argv[0] is the
 * program) of one notification, when its process is about to start: after
 * the previous one ended.  NULL (out of memory) drops the notification. */
typedef char **(*notifier_build_fn)(void *arg, const char *title,
                                    const char *message,
                                    cct_notify_status status);

/* What a notifier process that exited 0 printed on its standard output
 * (NUL-terminated, at most a few hundred bytes). */
typedef void (*notifier_output_fn)(void *arg, const char *out);

/* Runs `program` (looked up on PATH) for each notification; NULL when
 * memory runs out.  `hint` ends the warning about the first failure: what
 * the user should check.  `build` makes each argument vector; `output`
 * (may be NULL) reads what each printed, when the host can hand it back
 * (ABI 1.2's run_program; with an older cctrial it is never called).  Both
 * get `arg`.  The option "timeout" is read from the host. */
notifier_process *notifier_process_new(const cct_host *host,
                                       const char *program, const char *hint,
                                       notifier_build_fn build,
                                       notifier_output_fn output, void *arg);

/* Shows a notification: its process starts now, or after the
 * notifications still waiting.  Copies what it needs; returns at once. */
void notifier_process_send(notifier_process *np, const char *title,
                           const char *message, cct_notify_status status);

/* While held, no process starts: notifications wait (the newest few).
 * Releasing starts what waits.  For a notifier that must learn something
 * first (which options its program knows). */
void notifier_process_hold(notifier_process *np, int hold);

/* Frees the runner.  A process still running keeps it alive until that
 * process ends (which cctrial lets happen before it unloads a plugin: its
 * loop ends only when every process has); notifications not started yet
 * are dropped. */
void notifier_process_free(notifier_process *np);

/* The icon for `status`: the option icon_pass / icon_fail when set, else
 * <data_dir>/icons/pass.png or fail.png.  NULL (after a warning) when the
 * file cannot be read, so the notification goes without an icon. */
char *notifier_icon(const cct_host *host, cct_notify_status status);

#endif
