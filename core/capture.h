/*
 * Running a helper process and capturing what it prints: the discovery
 * helper, git, and the programs plugins run (host->run_program).  The
 * process is spawned (spawn.h) directly from an argument vector, never
 * through a shell, in a process group of its own, with standard input from
 * /dev/null or the bytes given; its standard output and error are collected up to a limit
 * each, and one callback reports everything once the process has exited
 * and both pipes are drained (or the timeout has passed).
 */
#ifndef CCT_CAPTURE_H
#define CCT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "template.h"
#include "util.h"

typedef struct cct_capture cct_capture;

typedef struct cct_capture_result {
    int spawn_error;     /* non-zero (a libuv error) when it never ran */
    int64_t exit_status;
    int term_signal;
    cct_buf out;         /* standard output, cut at out_limit */
    cct_buf err;         /* standard error: its last err_limit bytes */
    int out_truncated;
    int timed_out;       /* killed at options.timeout_ms */
} cct_capture_result;

/* `result` is owned by the capture and freed after the callback returns. */
typedef void (*cct_capture_cb)(cct_capture_result *result, void *arg);

typedef struct cct_capture_options {
    const char *const *argv;
    const char *const *env; /* NULL: inherit cctrial's environment */
    const char *cwd;        /* NULL: cctrial's */
    /* When not NULL, standard input is these bytes (copied), then its
     * end. */
    const char *input;
    size_t input_len;
    size_t out_limit;
    size_t err_limit;
    /* 0: none.  Past it the process's group is killed and what it printed
     * until then is the result (see cct_spawn_options). */
    unsigned timeout_ms;
    /* When not NULL, called each time standard output receives data (the
     * result's `out` holds everything so far). */
    void (*on_output)(const cct_buf *out, void *arg);
    /* NULL, or the template argv[1...] (a Python script) is forked from
     * when it can be (see cct_spawn_options.template_runs_script): env and
     * cwd must then be the template's.  Not with `input`. */
    cct_template *template;
} cct_capture_options;

/* Starts the process.  Returns 0 (the callback will run exactly once) or a
 * negative libuv error (the callback never runs). */
int cct_capture_start(uv_loop_t *loop, const cct_capture_options *options,
                      cct_capture_cb done, void *arg, cct_capture **out);
/* Kills the process and whatever it started (SIGKILL to its process
 * group: a child left holding the pipes would keep the callback from
 * running); the callback still runs. */
void cct_capture_kill(cct_capture *capture);

#endif
