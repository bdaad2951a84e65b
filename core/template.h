/*
 * The warm template: one Python process per worker command
 * (`fastworker.py --template`) that has imported what a fast worker
 * imports before its first test, and forks workers on request, so that a
 * worker's start costs a fork instead of Python's start and the import of
 * Twisted's worker machinery (about half a CPU-second each).
 *
 * A forked worker is, for the project's code, a worker started afresh:
 * the template imports nothing but the worker's own imports, in their
 * order, runs no thread and no reactor, and the child sets up its
 * descriptors, directory, arguments, PYTHONPATH and sys.path itself
 * (fastworker.py, template()).  A child whose sys.path would find one of
 * the template's modules elsewhere is refused, and started afresh.
 *
 * cctrial is not the workers' parent: the template is.  It reaps them and
 * says how each ended; it signals a worker on cctrial's request only while
 * it has not reaped it, so a signal never reaches a pid that was reused.
 * Its workers die with it (PR_SET_PDEATHSIG), and it kills them and exits
 * at the end of its socket, so nothing outlives cctrial.
 *
 * Requests made before the template has said it is ready wait here, not
 * in the socket: should it die first, they were never seen, and their
 * owners start their processes themselves (`refused`).  Once a request is
 * sent, the template's death ends its worker (`ended`, with SIGKILL), for
 * a fork may have happened.  A template that dies, breaks the protocol or
 * cannot be written to is lost for good (`lost`): workers are then spawned
 * afresh.
 *
 * Before it is ready, it names each file it imported, with its
 * modification time and size: its owner asks whether one has changed
 * (a dependency upgraded) and replaces an outdated template by a new one.
 *
 * It runs in discovery's environment, which is the workers' but for
 * PYTHONPATH (each worker is told its own), so that discovery too can be
 * a fork of it: a Python start and Twisted's import fewer per discovery.
 */
#ifndef CCT_TEMPLATE_H
#define CCT_TEMPLATE_H

#include <stdint.h>
#include <uv.h>

typedef struct cct_template cct_template;
typedef struct cct_template_child cct_template_child;

/* One worker asked of the template, embedded in its owner. */
struct cct_template_child {
    /* The owner's: */
    /* The template forked it: the descriptors it was given may be closed. */
    void (*forked)(cct_template_child *child);
    /* The template reaped it, or died after it was asked for it. */
    void (*ended)(cct_template_child *child, int64_t exit_status,
                  int term_signal);
    /* No process exists, and the template will make none: it was lost
     * before it saw the request (`signum` 0: the owner starts the process
     * itself), or the owner signalled the request before it was sent
     * (`signum`: the child ends as killed by it). */
    void (*refused)(cct_template_child *child, int signum);
    /* The template's: */
    cct_template_child *next;
    char *request;     /* the rest of its "fork" line, until sent */
    unsigned long long token;
    int fds[6];        /* the child's descriptors, until sent */
    int targets[6];    /* which descriptor each becomes */
    unsigned n_fds;
    int sent;
    int signum;        /* signalled before it was sent */
    long long pid;     /* once forked */
};

typedef struct cct_template_events {
    /* The template is lost (why: its end, and what it wrote on stderr):
     * workers are spawned afresh from now on.  May be NULL. */
    void (*lost)(const char *why, void *arg);
} cct_template_events;

/* Starts `argv` (the fast worker's command with `--template`) in `cwd`
 * with `env`.  Returns 0 or a negative libuv error. */
int cct_template_start(uv_loop_t *loop, const char *const *argv,
                       const char *const *env, const char *cwd,
                       const cct_template_events *events, void *arg,
                       cct_template **out);

/* Whether it may still be asked for workers (not lost, not closing). */
int cct_template_usable(const cct_template *t);
/* Whether it has said it is ready: a request is then forked at once. */
int cct_template_ready(const cct_template *t);

/* Whether a file it imported (it says which before it is ready) has
 * changed since, by its modification time and size: `which` is then its
 * path, to free.  Costs a stat() per file (a few hundred). */
int cct_template_outdated(const cct_template *t, char **which);

/* What a child is to be, besides its descriptors. */
typedef struct cct_template_request {
    /* NULL: a worker.  Otherwise a script and its arguments, run as the
     * template's interpreter would run them (the discovery helper). */
    const char *const *run;
    /* The child's PYTHONPATH, with which it rebuilds sys.path as a process
     * started with it would have it; NULL: the template's own. */
    const char *pythonpath;
    /* A session and process group of its own, which cct_template_kill
     * then reaches whole (as cct_spawn_options.own_group). */
    int own_group;
} cct_template_request;

/* Asks for a child whose descriptors targets[i] are fds[i] (which stay
 * the caller's: close them once `forked` or `refused`).  A child the
 * template cannot make as a fresh process would be (a module it imported
 * would be found elsewhere on the child's sys.path) is `refused` with
 * signum 0, as when the template is lost before it saw the request.
 * Returns 0, or a negative error when the template cannot take it (then no
 * callback runs and no process exists). */
int cct_template_fork(cct_template *t, cct_template_child *child,
                      const cct_template_request *request, const int *fds,
                      const int *targets, unsigned n_fds);

/* Asks it to send `signum` to the child, which has not ended; a child not
 * yet sent is not forked at all (`refused` with `signum`). */
void cct_template_kill(cct_template *t, cct_template_child *child,
                       int signum);

/* Whether the child, forked, has ended (a zombie not yet reaped, or gone):
 * what waitid(WNOWAIT) tells a parent, read from /proc.  Its end is
 * reported by the template soon after. */
int cct_template_child_ended(const cct_template_child *child);

/* The owner no longer waits for the child (it goes away first): no
 * callback for it runs any more. */
void cct_template_forget(cct_template *t, cct_template_child *child);

/* Forks nothing more, and closes (as cct_template_close) once each of its
 * children has ended or been forgotten: at once when it has none. */
void cct_template_retire(cct_template *t, void (*done)(void *arg),
                         void *arg);

/* Closes its socket (it kills what workers it still has and exits);
 * `done` runs once its process has exited and every handle is closed,
 * then it is freed.  Every child must have ended or been forgotten. */
void cct_template_close(cct_template *t, void (*done)(void *arg), void *arg);

#endif
