/*
 * Running a notifier program, one notification at a time (see
 * notifier_process.h).
 *
 * Notifications are started in order and never overlap: with
 * terminal-notifier's -group, a late-finishing older process would
 * otherwise replace a newer notification.  While one runs, later ones wait
 * in a short queue; when a slow notifier lets the queue fill up, the
 * oldest waiting notification is dropped, since the newest says most
 * about the code as it is now.  Once a process had to be killed, only the
 * newest waiting notification is kept: the next one would most likely
 * hang too, and cctrial's loop, which ends only when every process it
 * started has, would otherwise take a timeout per waiting notification to
 * exit.  A notification waits as its title, message and status; its
 * argument vector is built only when its process starts, after the one
 * before it has ended and printed what the next may need.
 */
#include "notifier_process.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

/* Notifications waiting while one runs.  Each cycle of the workflow sends
 * at most one, so more than a few waiting means the notifier is stuck. */
#define QUEUE_MAX 4
#define DEFAULT_TIMEOUT_MS 2000
/* What a notifier prints that matters (an id) is a line. */
#define MAX_OUTPUT 256

typedef struct notification {
    char *title;
    char *message;
    cct_notify_status status;
} notification;

struct notifier_process {
    const cct_host *host;
    char *program;
    char *hint;        /* what to check when the program fails */
    unsigned timeout_ms;
    notifier_build_fn build;
    notifier_output_fn output; /* NULL: what it prints is not read */
    void *arg;
    int running;       /* a process is out: its completion is due */
    int held;          /* notifier_process_hold(): nothing starts */
    int freed;         /* notifier_process_free() came while running */
    int warned;        /* the first failure has been logged */
    notification queue[QUEUE_MAX];
    size_t head, n;    /* a ring: queue[head] waits longest */
};

/* ---- argument vectors --------------------------------------------------- */

static void argv_push(notifier_argv *a, char *copy)
{
    if (!copy || a->failed) {
        a->failed = 1;
        free(copy);
        return;
    }
    if (a->len + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        char **items = realloc(a->items, cap * sizeof(*items));
        if (!items) {
            a->failed = 1;
            free(copy);
            return;
        }
        a->items = items;
        a->cap = cap;
    }
    a->items[a->len++] = copy;
    a->items[a->len] = NULL;
}

void notifier_argv_add(notifier_argv *a, const char *s)
{
    argv_push(a, strdup(s));
}

void notifier_argv_addf(notifier_argv *a, const char *fmt, ...)
{
    strbuf s = {0};
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&s, fmt, ap);
    va_end(ap);
    argv_push(a, strbuf_take(&s));
}

void notifier_argv_free(char **argv)
{
    for (char **p = argv; p && *p; p++)
        free(*p);
    free(argv);
}

char **notifier_argv_take(notifier_argv *a)
{
    char **argv = a->items;
    if (a->failed || !argv) {
        notifier_argv_free(argv);
        argv = NULL;
    }
    memset(a, 0, sizeof(*a));
    return argv;
}

/* ---- the queue ---------------------------------------------------------- */

static void notification_free(notification *n)
{
    free(n->title);
    free(n->message);
    memset(n, 0, sizeof(*n));
}

static notification dequeue(notifier_process *np)
{
    assert(np->n > 0);
    notification n = np->queue[np->head];
    memset(&np->queue[np->head], 0, sizeof(n));
    np->head = (np->head + 1) % QUEUE_MAX;
    np->n--;
    return n;
}

static void drop_oldest(notifier_process *np)
{
    notification n = dequeue(np);
    notification_free(&n);
}

static void enqueue(notifier_process *np, notification n)
{
    if (np->n == QUEUE_MAX) {
        drop_oldest(np);
        np->host->log(np->host, CCT_LOG_DEBUG, "%s is still busy: the "
                      "oldest waiting notification is dropped", np->program);
    }
    np->queue[(np->head + np->n) % QUEUE_MAX] = n;
    np->n++;
}

static void drop_queue(notifier_process *np)
{
    while (np->n)
        drop_oldest(np);
}

static void keep_newest(notifier_process *np)
{
    while (np->n > 1)
        drop_oldest(np);
}

/* ---- failures ----------------------------------------------------------- */

static void failed(notifier_process *np, const char *hint,
                   const char *fmt, ...) CCT_PRINTF_LIKE(3, 4);

/* The first failure is worth a warning; repeating it after every run
 * would drown the test output, so later ones show only with -vv.  `hint`
 * (may be NULL) says what to check. */
static void failed(notifier_process *np, const char *hint,
                   const char *fmt, ...)
{
    strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    char *what = strbuf_take(&b);
    const char *text = what ? what : np->program;
    if (np->warned) {
        np->host->log(np->host, CCT_LOG_DEBUG, "%s", text);
    } else {
        np->warned = 1;
        np->host->log(np->host, CCT_LOG_WARNING, "%s%s%s%s; desktop "
                      "notifications may be missing (later failures show "
                      "only with -vv)", text, hint ? " (" : "",
                      hint ? hint : "", hint ? ")" : "");
    }
    free(what);
}

/* ---- processes ---------------------------------------------------------- */

static void destroy(notifier_process *np)
{
    drop_queue(np);
    free(np->program);
    free(np->hint);
    free(np);
}

static void on_spawned_done(void *arg, int exit_status, int term_signal,
                            int timed_out);
static void on_program_done(void *arg, const cct_program_result *result);

/* libuv's error codes are negative errno values on Unix. */
static const char *spawn_error(int rc, char *buf, size_t size)
{
    if (rc < 0 && rc > -4096)
        return strerror(-rc);
    snprintf(buf, size, "error %d", rc);
    return buf;
}

/* Can the host hand back what a program printed (ABI 1.2)? */
static int reads_output(const notifier_process *np)
{
    return np->output &&
           CCT_HAS_FIELD(np->host, cct_host, run_program) &&
           np->host->run_program;
}

/* Starts waiting notifications until one is out or none is left. */
static void run_queue(notifier_process *np)
{
    while (!np->running && !np->held && np->n) {
        notification n = dequeue(np);
        char **argv = np->build(np->arg, n.title, n.message, n.status);
        notification_free(&n);
        if (!argv) {
            np->host->log(np->host, CCT_LOG_DEBUG, "out of memory: a "
                          "notification is dropped");
            continue;
        }
        np->running = 1;
        int rc = reads_output(np)
                     ? np->host->run_program(
                           np->host, (const char *const *)argv, NULL,
                           np->timeout_ms, MAX_OUTPUT, on_program_done, np,
                           NULL)
                     : np->host->spawn(np->host, (const char *const *)argv,
                                       np->timeout_ms, on_spawned_done, np);
        notifier_argv_free(argv);
        if (rc < 0) {
            char buf[32];
            np->running = 0;
            failed(np, NULL, "could not start %s: %s", np->program,
                   spawn_error(rc, buf, sizeof(buf)));
        }
    }
}

/* A process ended; `out` is what it printed, or NULL when not read. */
static void ended(notifier_process *np, int exit_status, int term_signal,
                  int timed_out, const char *out)
{
    np->running = 0;
    if (np->freed) {
        destroy(np);
        return;
    }
    if (timed_out) {
        failed(np, np->hint, "%s did not finish within %u ms and was "
               "killed", np->program, np->timeout_ms);
        keep_newest(np);
    } else if (term_signal) {
        failed(np, np->hint, "%s was killed by signal %d", np->program,
               term_signal);
    } else if (exit_status != 0) {
        failed(np, np->hint, "%s exited with status %d", np->program,
               exit_status);
    } else if (out && np->output) {
        np->output(np->arg, out);
    }
    run_queue(np);
}

static void on_spawned_done(void *arg, int exit_status, int term_signal,
                            int timed_out)
{
    ended(arg, exit_status, term_signal, timed_out, NULL);
}

static void on_program_done(void *arg, const cct_program_result *result)
{
    ended(arg, result->exit_status, result->term_signal, result->timed_out,
          result->out);
}

notifier_process *notifier_process_new(const cct_host *host,
                                       const char *program, const char *hint,
                                       notifier_build_fn build,
                                       notifier_output_fn output, void *arg)
{
    assert(build);
    notifier_process *np = calloc(1, sizeof(*np));
    if (!np)
        return NULL;
    np->host = host;
    np->program = strdup(program);
    np->hint = strdup(hint);
    np->build = build;
    np->output = output;
    np->arg = arg;
    long timeout = host->option_int(host, "timeout");
    np->timeout_ms = timeout > 0 ? (unsigned)timeout : DEFAULT_TIMEOUT_MS;
    if (!np->program || !np->hint) {
        destroy(np);
        return NULL;
    }
    return np;
}

void notifier_process_send(notifier_process *np, const char *title,
                           const char *message, cct_notify_status status)
{
    notification n = {
        .title = strdup(title ? title : ""),
        .message = strdup(message ? message : ""),
        .status = status,
    };
    if (!n.title || !n.message) {
        notification_free(&n);
        np->host->log(np->host, CCT_LOG_DEBUG, "out of memory: a "
                      "notification is dropped");
        return;
    }
    enqueue(np, n);
    run_queue(np);
}

void notifier_process_hold(notifier_process *np, int hold)
{
    np->held = hold;
    run_queue(np);
}

void notifier_process_free(notifier_process *np)
{
    if (!np)
        return;
    if (np->running) {
        /* The host still holds `np` as the completion's argument. */
        np->freed = 1;
        drop_queue(np);
        return;
    }
    destroy(np);
}

/* ---- icons -------------------------------------------------------------- */

char *notifier_icon(const cct_host *host, cct_notify_status status)
{
    int pass = status == CCT_NOTIFY_PASS;
    const char *configured =
        host->option_string(host, pass ? "icon_pass" : "icon_fail");
    char *path = NULL;
    if (configured && *configured) {
        path = strdup(configured);
    } else if (host->data_dir) {
        strbuf b = {0};
        strbuf_addf(&b, "%s/icons/%s", host->data_dir,
                    pass ? "pass.png" : "fail.png");
        path = strbuf_take(&b);
    }
    if (!path) {
        host->log(host, CCT_LOG_WARNING, "no %s icon: its notifications "
                  "go without one", pass ? "pass" : "fail");
        return NULL;
    }
    if (access(path, R_OK) != 0) {
        host->log(host, CCT_LOG_WARNING, "cannot read the icon %s: %s; "
                  "notifications go without it", path, strerror(errno));
        free(path);
        return NULL;
    }
    return path;
}
