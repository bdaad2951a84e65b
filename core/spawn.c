/*
 * Child processes and their pipes (see spawn.h).
 *
 * The pipes' `data` belongs to the owner (its read and write callbacks
 * find it there), so a pipe's close callback finds its spawn through the
 * struct around the pipe instead.
 *
 * The deadline timer is always initialised and closed last, once the
 * process and the pipes are done: a process forked by a template has no
 * handle of its own, and the timer's close is what frees the spawn.
 */
#include "spawn.h"

#include <assert.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

typedef struct spawn_pipe {
    uv_pipe_t pipe; /* first: a closed handle leads here */
    cct_spawn *owner;
    int open;       /* initialised and not closing */
} spawn_pipe;

struct cct_spawn {
    uv_loop_t *loop;
    uv_process_t process; /* data: the spawn; when process_handle */
    uv_timer_t deadline;  /* data: the spawn */
    spawn_pipe pipes[CCT_SPAWN_MAX_FDS];
    unsigned n_fds;
    int own_group;
    int process_open;     /* its exit is watched and not yet reported */
    int process_handle;   /* `process` was initialised (uv_spawn) */
    int deadline_open;
    int open_handles; /* handles initialised and not yet closed */
    /* Forked by a template: the request (while `templated`, the template
     * reports on it), the child's ends of the pipes until the template
     * has its own copies (-1 otherwise), and what to start should the
     * template refuse it. */
    cct_template *template;
    cct_template_child child;
    int templated;
    int child_fds[CCT_SPAWN_MAX_FDS];
    cct_strv argv, env;
    int env_given;       /* NULL env: cctrial's */
    char *cwd;
    int failed;       /* uv_spawn failed: no callback */
    cct_spawn_status status;
    void (*exited)(const cct_spawn_status *status, void *arg);
    void (*closed)(const cct_spawn_status *status, void *arg);
    void *arg;
};

static void on_closed(cct_spawn *sp)
{
    assert(sp->open_handles > 0);
    if (--sp->open_handles > 0)
        return;
    assert(!sp->process_open && !sp->deadline_open);
    if (!sp->failed && sp->closed)
        sp->closed(&sp->status, sp->arg);
    cct_strv_free(&sp->argv);
    cct_strv_free(&sp->env);
    free(sp->cwd);
    free(sp);
}

static void on_pipe_closed(uv_handle_t *handle)
{
    on_closed(((spawn_pipe *)handle)->owner);
}

static void on_own_handle_closed(uv_handle_t *handle)
{
    on_closed(handle->data);
}

static int any_pipe_open(const cct_spawn *sp)
{
    for (unsigned i = 0; i < sp->n_fds; i++)
        if (sp->pipes[i].open)
            return 1;
    return 0;
}

static void close_deadline(cct_spawn *sp)
{
    if (!sp->deadline_open)
        return;
    sp->deadline_open = 0;
    uv_close((uv_handle_t *)&sp->deadline, on_own_handle_closed);
}

static void close_child_fds(cct_spawn *sp)
{
    for (unsigned i = 0; i < sp->n_fds; i++) {
        if (sp->child_fds[i] >= 0)
            close(sp->child_fds[i]);
        sp->child_fds[i] = -1;
    }
}

static void close_process(cct_spawn *sp)
{
    if (sp->templated) {
        sp->templated = 0;
        cct_template_forget(sp->template, &sp->child);
    }
    close_child_fds(sp);
    sp->process_open = 0;
    if (sp->process_handle) {
        sp->process_handle = 0;
        uv_close((uv_handle_t *)&sp->process, on_own_handle_closed);
    }
}

/* The deadline bounds the pipes too: it goes once nothing is left. */
static void close_if_done(cct_spawn *sp)
{
    if (!sp->process_open && !any_pipe_open(sp))
        close_deadline(sp);
}

void cct_spawn_close_pipe(cct_spawn *sp, unsigned fd)
{
    assert(fd < sp->n_fds);
    spawn_pipe *p = &sp->pipes[fd];
    if (!p->open)
        return;
    p->open = 0;
    uv_close((uv_handle_t *)&p->pipe, on_pipe_closed);
    close_if_done(sp);
}

void cct_spawn_close(cct_spawn *sp)
{
    for (unsigned i = 0; i < sp->n_fds; i++)
        cct_spawn_close_pipe(sp, i);
    close_process(sp);
    close_deadline(sp);
}

static void report_exit(cct_spawn *sp, int64_t exit_status, int term_signal)
{
    assert(!sp->status.exited);
    sp->status.exited = 1;
    sp->status.exit_status = exit_status;
    sp->status.term_signal = term_signal;
    if (sp->exited)
        sp->exited(&sp->status, sp->arg);
    /* Nothing reads the handle after its exit (see cct_spawn_kill). */
    close_process(sp);
    close_if_done(sp);
}

static void on_process_exit(uv_process_t *process, int64_t exit_status,
                            int term_signal)
{
    report_exit(process->data, exit_status, term_signal);
}

int cct_spawn_kill(cct_spawn *sp, int signum)
{
    if (sp->status.exited || !sp->process_open)
        return UV_ESRCH;
    if (sp->templated) {
        /* The template signals it only while it has not reaped it. */
        cct_template_kill(sp->template, &sp->child, signum);
        return 0;
    }
    assert(sp->process.pid > 0);
    return uv_kill(sp->own_group ? -sp->process.pid : sp->process.pid,
                   signum);
}

int cct_spawn_has_ended(cct_spawn *sp)
{
    if (sp->status.exited || !sp->process_open)
        return 1;
    if (sp->templated) /* not our child: the template reaps it */
        return cct_template_child_ended(&sp->child);
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    /* WNOWAIT: the child stays a zombie for libuv's own wait. */
    if (waitid(P_PID, (id_t)sp->process.pid, &info,
               WEXITED | WNOHANG | WNOWAIT) < 0)
        return 0;
    return info.si_pid == sp->process.pid;
}

static void on_deadline(uv_timer_t *timer)
{
    cct_spawn *sp = timer->data;
    if (!sp->status.exited)
        sp->status.timed_out = 1;
    cct_spawn_kill(sp, SIGKILL);
    for (unsigned i = 0; i < sp->n_fds; i++)
        cct_spawn_close_pipe(sp, i);
}

uv_stream_t *cct_spawn_pipe(cct_spawn *sp, unsigned fd)
{
    assert(fd < sp->n_fds);
    assert(sp->pipes[fd].owner == sp); /* a pipe was asked for there */
    return (uv_stream_t *)&sp->pipes[fd].pipe;
}

static uv_process_options_t process_options(const cct_spawn *sp,
                                           uv_stdio_container_t *stdio)
{
    uv_process_options_t po;
    memset(&po, 0, sizeof(po));
    po.file = sp->argv.items[0];
    po.args = sp->argv.items;
    static char *no_env[] = {NULL};
    if (sp->env_given)
        po.env = sp->env.items ? sp->env.items : no_env;
    po.cwd = sp->cwd;
    po.stdio = stdio;
    po.stdio_count = (int)sp->n_fds;
    po.exit_cb = on_process_exit;
    if (sp->own_group)
        po.flags = UV_PROCESS_DETACHED; /* setsid(): a group of its own */
    return po;
}

/* Spawns the process; even a failed spawn leaves the handle to close. */
static int spawn_process(cct_spawn *sp, uv_stdio_container_t *stdio)
{
    uv_process_options_t po = process_options(sp, stdio);
    sp->process.data = sp;
    int rc = uv_spawn(sp->loop, &sp->process, &po);
    sp->process_handle = 1;
    sp->open_handles++;
    return rc;
}

/* A template's request: the worker's own pipes are made here, and their
 * other ends sent to it. */
static cct_spawn *spawn_of(cct_template_child *child)
{
    return (cct_spawn *)((char *)child - offsetof(cct_spawn, child));
}

static void on_forked(cct_template_child *child)
{
    close_child_fds(spawn_of(child)); /* the worker has its own */
}

static void on_ended(cct_template_child *child, int64_t exit_status,
                     int term_signal)
{
    cct_spawn *sp = spawn_of(child);
    sp->templated = 0; /* the template has let go of it */
    report_exit(sp, exit_status, term_signal);
}

/* Spawns the process on the pipes made for a template's request. */
static int spawn_inheriting(cct_spawn *sp)
{
    uv_stdio_container_t stdio[CCT_SPAWN_MAX_FDS];
    for (unsigned i = 0; i < sp->n_fds; i++) {
        stdio[i].flags = sp->child_fds[i] >= 0 ? UV_INHERIT_FD : UV_IGNORE;
        stdio[i].data.fd = sp->child_fds[i];
    }
    int rc = spawn_process(sp, stdio);
    close_child_fds(sp);
    return rc;
}

/* The template was lost before it saw the request: the process is
 * spawned as it would have been without a template, unless it was to be
 * killed already. */
static void on_refused(cct_template_child *child, int signum)
{
    cct_spawn *sp = spawn_of(child);
    sp->templated = 0;
    if (signum)
        report_exit(sp, 0, signum);
    else if (spawn_inheriting(sp) < 0)
        report_exit(sp, 127, 0); /* as a shell reports what cannot run */
}

static int start_forked(uv_loop_t *loop, const cct_spawn_options *options,
                        cct_spawn *sp)
{
    assert(options->fds[0] == CCT_SPAWN_NULL);
    int fds[CCT_SPAWN_MAX_FDS], targets[CCT_SPAWN_MAX_FDS];
    unsigned n = 0;
    for (unsigned i = 0; i < sp->n_fds; i++) {
        if (options->fds[i] == CCT_SPAWN_NULL) {
            assert(i == 0); /* others would be the template's */
            continue;
        }
        /* A socket pair, as libuv makes for a pipe it creates. */
        uv_os_fd_t pair[2];
        int rc = uv_socketpair(SOCK_STREAM, 0, pair, 0, 0);
        if (rc < 0)
            return rc;
        spawn_pipe *p = &sp->pipes[i];
        uv_pipe_init(loop, &p->pipe, 0);
        p->pipe.data = options->arg;
        p->owner = sp;
        p->open = 1;
        sp->open_handles++;
        uv_pipe_open(&p->pipe, pair[0]);
        sp->child_fds[i] = pair[1];
        fds[n] = pair[1];
        targets[n++] = (int)i;
    }
    sp->child.forked = on_forked;
    sp->child.ended = on_ended;
    sp->child.refused = on_refused;
    sp->process_open = 1;
    /* A worker is told its PYTHONPATH; a script runs in the template's
     * environment as it is. */
    const char *pythonpath = NULL;
    for (const char *const *e = options->env;
         !options->template_runs_script && e && *e; e++)
        if (cct_str_starts_with(*e, "PYTHONPATH="))
            pythonpath = *e + strlen("PYTHONPATH=");
    cct_template_request request = {
        .run = options->template_runs_script ? options->argv + 1 : NULL,
        .pythonpath = pythonpath,
        .own_group = options->own_group,
    };
    if (cct_template_fork(options->template, &sp->child, &request, fds,
                          targets, n) == 0) {
        sp->template = options->template;
        sp->templated = 1;
        return 0;
    }
    return spawn_inheriting(sp); /* it cannot take it: spawned here */
}

static int start_spawned(uv_loop_t *loop, const cct_spawn_options *options,
                         cct_spawn *sp)
{
    uv_stdio_container_t stdio[CCT_SPAWN_MAX_FDS];
    for (unsigned i = 0; i < sp->n_fds; i++) {
        spawn_pipe *p = &sp->pipes[i];
        if (options->fds[i] == CCT_SPAWN_NULL) {
            stdio[i].flags = UV_IGNORE;
            continue;
        }
        uv_pipe_init(loop, &p->pipe, 0);
        p->pipe.data = options->arg;
        p->owner = sp;
        p->open = 1;
        sp->open_handles++;
        /* libuv names a pipe's direction from the child's side; one that
         * goes both ways is a socket pair. */
        stdio[i].flags = UV_CREATE_PIPE;
        if (options->fds[i] != CCT_SPAWN_TO_CHILD)
            stdio[i].flags |= UV_WRITABLE_PIPE;
        if (options->fds[i] != CCT_SPAWN_FROM_CHILD)
            stdio[i].flags |= UV_READABLE_PIPE;
        stdio[i].data.stream = (uv_stream_t *)&p->pipe;
    }
    int rc = spawn_process(sp, stdio);
    sp->process_open = 1;
    return rc;
}

int cct_spawn_start(uv_loop_t *loop, const cct_spawn_options *options,
                    cct_spawn **out)
{
    assert(options->argv && options->argv[0]);
    assert(options->n_fds <= CCT_SPAWN_MAX_FDS);
    cct_spawn *sp = cct_xcalloc(1, sizeof(*sp));
    sp->loop = loop;
    sp->n_fds = options->n_fds;
    sp->own_group = options->own_group;
    sp->exited = options->exited;
    sp->closed = options->closed;
    sp->arg = options->arg;
    cct_strv_init(&sp->argv);
    cct_strv_init(&sp->env);
    for (const char *const *a = options->argv; *a; a++)
        cct_strv_add(&sp->argv, *a);
    sp->env_given = options->env != NULL;
    for (const char *const *e = options->env; e && *e; e++)
        cct_strv_add(&sp->env, *e);
    sp->cwd = options->cwd ? cct_xstrdup(options->cwd) : NULL;
    for (unsigned i = 0; i < CCT_SPAWN_MAX_FDS; i++)
        sp->child_fds[i] = -1;
    uv_timer_init(loop, &sp->deadline);
    sp->deadline.data = sp;
    sp->deadline_open = 1;
    sp->open_handles++;

    int rc = options->template && cct_template_usable(options->template)
                 ? start_forked(loop, options, sp)
                 : start_spawned(loop, options, sp);
    if (rc < 0) {
        sp->failed = 1;
        cct_spawn_close(sp);
        return rc;
    }
    if (options->timeout_ms)
        uv_timer_start(&sp->deadline, on_deadline, options->timeout_ms, 0);
    if (out)
        *out = sp;
    return 0;
}
