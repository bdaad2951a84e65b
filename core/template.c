/*
 * The warm template process (see template.h).
 *
 * Its socket is a Unix stream socket (libuv makes a socketpair for a pipe
 * that goes both ways) on its fd 3.  Lines from it are read through
 * libuv; requests go out with sendmsg() on the same descriptor, since a
 * fork request carries the worker's descriptors (SCM_RIGHTS) and libuv
 * sends at most one handle per write, and only its own handles.  Requests
 * are at most REQUEST_MAX bytes and the template reads them at once: a
 * send that would block means the template is stuck, and it is lost.
 *
 * Loss, and the end of a request signalled before it was sent, are acted
 * on in a callback of their own (`later`), never inside the caller's
 * request, so that the owners' callbacks do not run inside one another.
 */
#include "template.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "spawn.h"
#include "util.h"

/* Its descriptors: its stdout and stderr, read for a lost template's
 * explanation, and its socket. */
enum { TPL_OUT = 1, TPL_ERR = 2, TPL_SOCKET = 3, TPL_N_FDS = 4 };

/* How long a template asked to exit may take before it is killed. */
#define CLOSE_GRACE_MS 2000
/* The end of its stderr kept to explain its loss. */
#define ERR_TAIL 2048
/* No line of its protocol is longer (a "file" line holds a path). */
#define LINE_MAX_BYTES (PATH_MAX + 64)
/* The most files it may say it imported. */
#define MAX_FILES 65536
/* A longer request (a PYTHONPATH, a discovery's test names) is not sent:
 * the child is started afresh.  Far below a socket's buffer, so that a
 * send never stops halfway. */
#define REQUEST_MAX 65536

/* A file the template imported, as it was then. */
typedef struct imported {
    int64_t mtime_ns;
    int64_t size;
} imported;

struct cct_template {
    cct_spawn *spawn;
    cct_template_events events;
    void *arg;
    /* Asked for and neither ended nor forgotten, in the order asked. */
    cct_template_child *children;
    /* Signalled before they were sent: never forked, told so in `later`. */
    cct_template_child *cancelled;
    unsigned long long next_token;
    int ready;        /* it said so: requests go out at once */
    int lost;
    char *lost_why;
    uv_timer_t later; /* acts on the loss (see lose()) */
    uv_timer_t grace; /* bounds its exit once closed */
    int open_handles; /* later, grace and the spawn */
    int closing;
    cct_buf input;    /* what it sent, not yet a whole line */
    cct_buf err_tail;
    int exited;
    int64_t exit_status;
    int term_signal;
    /* What it imported (its "file" lines, before "ready"). */
    cct_strv files;
    imported *stamps;
    /* Closes once its children are gone (cct_template_retire). */
    int retiring;
    void (*done)(void *arg);
    void *done_arg;
};

static void close_when_childless(cct_template *t);

/* Done with the child's request line: sent, or never to be. */
static void drop_request(cct_template_child *child)
{
    free(child->request);
    child->request = NULL;
}

static void unlink_child(cct_template *t, cct_template_child *child)
{
    drop_request(child);
    for (cct_template_child **p = &t->children; *p; p = &(*p)->next) {
        if (*p == child) {
            *p = child->next;
            child->next = NULL;
            return;
        }
    }
}

static cct_template_child *find_child(cct_template *t,
                                      unsigned long long token)
{
    for (cct_template_child *c = t->children; c; c = c->next)
        if (c->token == token)
            return c;
    return NULL;
}

static void on_later(uv_timer_t *timer);

/* The template is lost: it is killed (its workers die with it) and the
 * loss is acted on in `later`. */
static void lose(cct_template *t, const char *why)
{
    if (t->lost)
        return;
    t->lost = 1;
    t->lost_why = cct_xstrdup(why);
    cct_spawn_kill(t->spawn, SIGKILL); /* UV_ESRCH once it has exited */
    uv_stream_t *sock = cct_spawn_pipe(t->spawn, TPL_SOCKET);
    if (!uv_is_closing((uv_handle_t *)sock))
        uv_read_stop(sock);
    uv_timer_start(&t->later, on_later, 0, 0);
}

/* Each child learns what became of it: a request the template never saw
 * made no process; one it was sent may have (its worker died with it). */
static void on_later(uv_timer_t *timer)
{
    cct_template *t = timer->data;
    while (t->cancelled) {
        cct_template_child *c = t->cancelled;
        t->cancelled = c->next;
        c->next = NULL;
        c->refused(c, c->signum);
    }
    if (!t->lost) {
        close_when_childless(t);
        return;
    }
    while (t->children) {
        cct_template_child *c = t->children;
        t->children = c->next;
        c->next = NULL;
        drop_request(c);
        if (c->sent)
            c->ended(c, 0, SIGKILL);
        else
            c->refused(c, 0);
    }
    close_when_childless(t);
    /* A retired template's loss changes nothing: another forks now. */
    if (t->closing || t->retiring || !t->events.lost)
        return;
    cct_buf why;
    cct_buf_init(&why);
    cct_buf_adds(&why, t->lost_why);
    if (t->exited && t->term_signal)
        cct_buf_printf(&why, " (killed by signal %d)", t->term_signal);
    else if (t->exited)
        cct_buf_printf(&why, " (exit status %" PRId64 ")", t->exit_status);
    size_t len = t->err_tail.len;
    while (len > 0 && t->err_tail.data[len - 1] == '\n')
        len--;
    if (len) {
        char *clean = cct_utf8_sanitize(t->err_tail.data, len);
        cct_buf_printf(&why, "; its stderr ended with:\n%s", clean);
        free(clean);
    }
    char *text = cct_buf_steal(&why);
    t->events.lost(text, t->arg);
    free(text);
}

static int send_line(cct_template *t, const char *line, size_t len,
                     const int *fds, unsigned n_fds)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)cct_spawn_pipe(t->spawn, TPL_SOCKET),
                  &fd) < 0)
        return UV_EBADF;
    struct iovec iov = {.iov_base = (void *)line, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 6)];
    } control;
    if (n_fds) {
        assert(n_fds <= 6);
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
    }
    ssize_t n;
    do
        n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    /* A part of a line is never acted on: the template is killed. */
    return n == (ssize_t)len ? 0 : UV_EAGAIN;
}

static int send_kill(cct_template *t, cct_template_child *c, int signum)
{
    char line[64];
    int len = snprintf(line, sizeof(line), "kill %llu %d\n", c->token,
                       signum);
    return send_line(t, line, (size_t)len, NULL, 0);
}

static int send_fork(cct_template *t, cct_template_child *c)
{
    cct_buf line;
    cct_buf_init(&line);
    cct_buf_printf(&line, "fork %llu %s", c->token, c->request);
    for (unsigned i = 0; i < c->n_fds; i++)
        cct_buf_printf(&line, " %d", c->targets[i]);
    cct_buf_adds(&line, "\n");
    int rc = send_line(t, line.data, line.len, c->fds, c->n_fds);
    cct_buf_free(&line);
    if (rc < 0)
        return UV_EAGAIN;
    c->sent = 1;
    drop_request(c);
    return 0;
}

static void add_hex(cct_buf *b, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++)
        cct_buf_printf(b, "%02x", (unsigned char)bytes[i]);
}

/* "GROUP PATH RUN" of a "fork" line (see fastworker.py), or NULL when it
 * would be longer than REQUEST_MAX. */
static char *request_words(const cct_template_request *request)
{
    cct_buf b;
    cct_buf_init(&b);
    cct_buf_printf(&b, "%d ", request->own_group ? 1 : 0);
    if (request->pythonpath)
        add_hex(&b, request->pythonpath, strlen(request->pythonpath));
    else
        cct_buf_adds(&b, "-");
    cct_buf_adds(&b, " ");
    if (!request->run)
        cct_buf_adds(&b, "-");
    for (const char *const *a = request->run; a && *a; a++) {
        if (a != request->run)
            cct_buf_adds(&b, "00");
        add_hex(&b, *a, strlen(*a));
    }
    if (b.len > REQUEST_MAX) {
        cct_buf_free(&b);
        return NULL;
    }
    return cct_buf_steal(&b);
}

static void handle_line(cct_template *t, char *line)
{
    unsigned long long token;
    long long a, b;
    if (strcmp(line, "ready") == 0 && !t->ready) {
        t->ready = 1;
        for (cct_template_child *c = t->children; c; c = c->next) {
            if (send_fork(t, c) < 0) {
                lose(t, "cctrial could not write to the worker template");
                return;
            }
        }
    } else if (strncmp(line, "file ", 5) == 0 && !t->ready) {
        int at = 0;
        if (sscanf(line, "file %lld %lld %n", &a, &b, &at) != 2 || !at ||
            t->files.len == MAX_FILES) {
            lose(t, "the worker template broke its protocol");
            return;
        }
        t->stamps = cct_xrealloc(t->stamps,
                                 (t->files.len + 1) * sizeof(*t->stamps));
        t->stamps[t->files.len] = (imported){.mtime_ns = a, .size = b};
        cct_strv_add(&t->files, line + at);
    } else if (sscanf(line, "pid %llu %lld", &token, &a) == 2) {
        cct_template_child *c = find_child(t, token);
        if (c) {
            c->pid = a;
            c->forked(c);
        }
    } else if (sscanf(line, "unfit %llu", &token) == 1) {
        cct_template_child *c = find_child(t, token);
        if (c) {
            unlink_child(t, c);
            c->refused(c, 0);
            close_when_childless(t);
        }
    } else if (sscanf(line, "exit %llu %lld %lld", &token, &a, &b) == 3) {
        cct_template_child *c = find_child(t, token);
        if (c) {
            unlink_child(t, c);
            c->ended(c, a, (int)b);
            close_when_childless(t);
        }
    } else {
        lose(t, "the worker template broke its protocol");
    }
}

static void on_socket(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_template *t = stream->data;
    if (n > 0 && !t->lost) {
        cct_buf_add(&t->input, buf->base, (size_t)n);
        char *newline;
        while (!t->lost && t->input.len &&
               (newline = memchr(t->input.data, '\n', t->input.len))) {
            size_t len = (size_t)(newline - t->input.data);
            char *line = cct_xstrndup(t->input.data, len);
            cct_buf_consume(&t->input, len + 1);
            handle_line(t, line);
            free(line);
        }
        if (!t->lost && t->input.len > LINE_MAX_BYTES)
            lose(t, "the worker template broke its protocol");
    } else if (n < 0) {
        uv_read_stop(stream);
        if (!t->closing)
            lose(t, "the worker template ended");
    }
    free(buf->base);
}

static void on_output(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    cct_template *t = stream->data;
    if (n > 0 && stream == cct_spawn_pipe(t->spawn, TPL_ERR)) {
        cct_buf_add(&t->err_tail, buf->base, (size_t)n);
        if (t->err_tail.len > ERR_TAIL)
            cct_buf_consume(&t->err_tail, t->err_tail.len - ERR_TAIL);
    } else if (n < 0) {
        uv_read_stop(stream);
        cct_spawn_close_pipe(t->spawn, stream == cct_spawn_pipe(t->spawn,
                                                                TPL_ERR)
                                           ? TPL_ERR : TPL_OUT);
    }
    free(buf->base);
}

static void free_template(cct_template *t)
{
    assert(!t->children && !t->cancelled);
    cct_strv_free(&t->files);
    free(t->stamps);
    cct_buf_free(&t->input);
    cct_buf_free(&t->err_tail);
    free(t->lost_why);
    free(t);
}

static void on_closed(cct_template *t)
{
    assert(t->open_handles > 0);
    if (--t->open_handles > 0)
        return;
    void (*done)(void *) = t->done;
    void *done_arg = t->done_arg;
    free_template(t);
    if (done)
        done(done_arg);
}

static void on_timer_closed(uv_handle_t *handle)
{
    on_closed(handle->data);
}

static void on_spawn_closed(const cct_spawn_status *status, void *arg)
{
    (void)status;
    cct_template *t = arg;
    uv_close((uv_handle_t *)&t->later, on_timer_closed);
    uv_close((uv_handle_t *)&t->grace, on_timer_closed);
    on_closed(t);
}

static void on_template_exit(const cct_spawn_status *status, void *arg)
{
    cct_template *t = arg;
    t->exited = 1;
    t->exit_status = status->exit_status;
    t->term_signal = status->term_signal;
    uv_timer_stop(&t->grace);
    if (!t->closing)
        lose(t, "the worker template ended");
}

int cct_template_start(uv_loop_t *loop, const char *const *argv,
                       const char *const *env, const char *cwd,
                       const cct_template_events *events, void *arg,
                       cct_template **out)
{
    cct_template *t = cct_xcalloc(1, sizeof(*t));
    t->events = *events;
    t->arg = arg;
    t->next_token = 1;
    cct_strv_init(&t->files);
    cct_buf_init(&t->input);
    cct_buf_init(&t->err_tail);
    cct_spawn_options so = {
        .argv = argv,
        .env = env,
        .cwd = cwd,
        .fds = {[TPL_OUT] = CCT_SPAWN_FROM_CHILD,
                [TPL_ERR] = CCT_SPAWN_FROM_CHILD,
                [TPL_SOCKET] = CCT_SPAWN_DUPLEX},
        .n_fds = TPL_N_FDS,
        .exited = on_template_exit,
        .closed = on_spawn_closed,
        .arg = t,
    };
    int rc = cct_spawn_start(loop, &so, &t->spawn);
    if (rc < 0) {
        free_template(t);
        return rc;
    }
    uv_timer_init(loop, &t->later);
    uv_timer_init(loop, &t->grace);
    t->later.data = t->grace.data = t;
    t->open_handles = 3;
    uv_read_start(cct_spawn_pipe(t->spawn, TPL_SOCKET), cct_alloc_buffer,
                  on_socket);
    uv_read_start(cct_spawn_pipe(t->spawn, TPL_OUT), cct_alloc_buffer,
                  on_output);
    uv_read_start(cct_spawn_pipe(t->spawn, TPL_ERR), cct_alloc_buffer,
                  on_output);
    *out = t;
    return 0;
}

int cct_template_usable(const cct_template *t)
{
    return !t->lost && !t->closing && !t->retiring;
}

int cct_template_ready(const cct_template *t)
{
    return t->ready;
}

int cct_template_outdated(const cct_template *t, char **which)
{
    for (size_t i = 0; i < t->files.len; i++) {
        struct stat st;
        if (stat(t->files.items[i], &st) < 0 ||
            (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec !=
                t->stamps[i].mtime_ns ||
            (int64_t)st.st_size != t->stamps[i].size) {
            *which = cct_xstrdup(t->files.items[i]);
            return 1;
        }
    }
    return 0;
}

int cct_template_fork(cct_template *t, cct_template_child *child,
                      const cct_template_request *request, const int *fds,
                      const int *targets, unsigned n_fds)
{
    assert(n_fds <= 6 && child->forked && child->ended && child->refused);
    if (!cct_template_usable(t))
        return UV_ECANCELED;
    child->request = request_words(request);
    if (!child->request)
        return UV_E2BIG;
    child->token = t->next_token++;
    memcpy(child->fds, fds, sizeof(int) * n_fds);
    memcpy(child->targets, targets, sizeof(int) * n_fds);
    child->n_fds = n_fds;
    child->sent = 0;
    child->signum = 0;
    child->pid = 0;
    if (t->ready && send_fork(t, child) < 0) {
        drop_request(child);
        lose(t, "cctrial could not write to the worker template");
        return UV_EAGAIN; /* never acted on: the caller starts it */
    }
    /* Last in the list: the order they are sent in when it is ready. */
    cct_template_child **end = &t->children;
    while (*end)
        end = &(*end)->next;
    child->next = NULL;
    *end = child;
    return 0;
}

void cct_template_kill(cct_template *t, cct_template_child *child,
                       int signum)
{
    assert(find_child(t, child->token) == child);
    if (!child->sent) {
        /* No process yet, and there will be none: it ends as killed. */
        unlink_child(t, child);
        child->signum = signum;
        child->next = t->cancelled;
        t->cancelled = child;
        uv_timer_start(&t->later, on_later, 0, 0);
        return;
    }
    if (t->lost)
        return; /* its worker dies with it: `ended` follows */
    if (send_kill(t, child, signum) < 0)
        lose(t, "cctrial could not write to the worker template");
}

int cct_template_child_ended(const cct_template_child *child)
{
    if (child->pid <= 0)
        return 0; /* not forked yet */
    char path[64];
    snprintf(path, sizeof(path), "/proc/%lld/stat", child->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT; /* reaped already */
    char stat[512];
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    /* "pid (comm) S ...": the state follows the last ')'. */
    const char *end = strrchr(stat, ')');
    return end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

void cct_template_forget(cct_template *t, cct_template_child *child)
{
    unlink_child(t, child);
    for (cct_template_child **p = &t->cancelled; *p; p = &(*p)->next) {
        if (*p == child) {
            *p = child->next;
            child->next = NULL;
            break;
        }
    }
    close_when_childless(t);
}

static void on_grace(uv_timer_t *timer)
{
    cct_template *t = timer->data;
    cct_spawn_kill(t->spawn, SIGKILL);
}

void cct_template_retire(cct_template *t, void (*done)(void *arg), void *arg)
{
    assert(!t->closing && !t->retiring);
    t->retiring = 1;
    t->done = done;
    t->done_arg = arg;
    close_when_childless(t);
}

static void close_when_childless(cct_template *t)
{
    if (t->retiring && !t->closing && !t->children && !t->cancelled)
        cct_template_close(t, t->done, t->done_arg);
}

void cct_template_close(cct_template *t, void (*done)(void *arg), void *arg)
{
    assert(!t->closing);
    t->closing = 1;
    t->done = done;
    t->done_arg = arg;
    /* Its children's owners have gone first. */
    assert(!t->children && !t->cancelled);
    /* The end of its socket tells it to go. */
    cct_spawn_close_pipe(t->spawn, TPL_SOCKET);
    if (!t->exited)
        uv_timer_start(&t->grace, on_grace, CLOSE_GRACE_MS, 0);
}
