/*
 * Child processes and their pipes (see spawn.h).
 *
 * The pipes' `data` belongs to the owner (its read and write callbacks
 * find it there), so a pipe's close callback finds its spawn through the
 * struct around the pipe instead.
 */
#include "spawn.h"

#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

typedef struct spawn_pipe {
    uv_pipe_t pipe; /* first: a closed handle leads here */
    cct_spawn *owner;
    int open;       /* initialised and not closing */
} spawn_pipe;

struct cct_spawn {
    uv_process_t process; /* data: the spawn */
    uv_timer_t deadline;  /* data: the spawn */
    spawn_pipe pipes[CCT_SPAWN_MAX_FDS];
    unsigned n_fds;
    int own_group;
    int has_deadline;
    int process_open;
    int deadline_open;
    int open_handles; /* handles initialised and not yet closed */
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

static void close_process(cct_spawn *sp)
{
    if (!sp->process_open)
        return;
    sp->process_open = 0;
    uv_close((uv_handle_t *)&sp->process, on_own_handle_closed);
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

static void on_process_exit(uv_process_t *process, int64_t exit_status,
                    int term_signal)
{
    cct_spawn *sp = process->data;
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

int cct_spawn_kill(cct_spawn *sp, int signum)
{
    if (sp->status.exited || !sp->process_open)
        return UV_ESRCH;
    assert(sp->process.pid > 0);
    return uv_kill(sp->own_group ? -sp->process.pid : sp->process.pid,
                   signum);
}

int cct_spawn_has_ended(cct_spawn *sp)
{
    if (sp->status.exited || !sp->process_open)
        return 1;
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

int cct_spawn_start(uv_loop_t *loop, const cct_spawn_options *options,
                    cct_spawn **out)
{
    assert(options->argv && options->argv[0]);
    assert(options->n_fds <= CCT_SPAWN_MAX_FDS);
    cct_spawn *sp = cct_xcalloc(1, sizeof(*sp));
    sp->n_fds = options->n_fds;
    sp->own_group = options->own_group;
    sp->exited = options->exited;
    sp->closed = options->closed;
    sp->arg = options->arg;

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
        /* libuv names a pipe's direction from the child's side. */
        stdio[i].flags = UV_CREATE_PIPE |
                         (options->fds[i] == CCT_SPAWN_FROM_CHILD
                              ? UV_WRITABLE_PIPE : UV_READABLE_PIPE);
        stdio[i].data.stream = (uv_stream_t *)&p->pipe;
    }

    uv_process_options_t po;
    memset(&po, 0, sizeof(po));
    po.file = options->argv[0];
    po.args = (char **)options->argv;
    po.env = (char **)options->env;
    po.cwd = options->cwd;
    po.stdio = stdio;
    po.stdio_count = (int)sp->n_fds;
    po.exit_cb = on_process_exit;
    if (options->own_group)
        po.flags = UV_PROCESS_DETACHED; /* setsid(): a group of its own */
    sp->process.data = sp;
    int rc = uv_spawn(loop, &sp->process, &po);
    /* Even a failed spawn leaves the process handle to close. */
    sp->process_open = 1;
    sp->open_handles++;
    if (options->timeout_ms) {
        uv_timer_init(loop, &sp->deadline);
        sp->deadline.data = sp;
        sp->deadline_open = 1;
        sp->open_handles++;
    }
    if (rc < 0) {
        sp->failed = 1;
        cct_spawn_close(sp);
        return rc;
    }
    if (sp->deadline_open)
        uv_timer_start(&sp->deadline, on_deadline, options->timeout_ms, 0);
    if (out)
        *out = sp;
    return 0;
}
