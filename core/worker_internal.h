/*
 * A worker's state, shared by the files that make it up:
 *
 *   worker.c           its process and its life: spawning, starting, Run
 *                      and its answer, death, logs, the public functions
 *   worker_send.c      what we send it: one queue, written a chunk at a time
 *   worker_commands.c  what it sends us: results, streams, log lines
 *                      (read apart from the process: worker_commands.h)
 *   worker_runs.c      the Runs it has not answered: the running test and
 *                      those sent ahead (pure: worker_runs.h)
 *
 * Only these files include it.
 */
#ifndef CCT_WORKER_INTERNAL_H
#define CCT_WORKER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "amp.h"
#include "spawn.h"
#include "util.h"
#include "worker.h"
#include "worker_commands.h"
#include "worker_runs.h"

/* How long a worker asked to stop may take before it is killed, how long
 * its result pipe may stay open after it exited, and how long it may live
 * after closing its result pipe. */
#define STOP_GRACE_MS 2000
#define DRAIN_MS 1000
#define EOF_GRACE_MS 1000
/* How long a worker may take to answer Start: Python's start and the
 * import of Twisted, on a machine that may be very busy.  The per-test
 * timeout counts from then, so that it bounds the test, not the start. */
#define START_MS 60000
/* A test past its timeout is interrupted (SIGINT, a KeyboardInterrupt in
 * Python) so that the worker ends it and sends what it logged, which
 * trial's worker holds until a test ends; it is killed when it has, or
 * after this long. */
#define INTERRUPT_MS 2000
/* While a worker has tests waiting ahead of its running one, its results
 * are read in batches: after a read, reading pauses this long, so that a
 * worker running quick tests wakes cctrial once for several (each wake-up
 * costs more than a result does).  The worker does not wait meanwhile:
 * what it holds ahead keeps it busy. */
#define BATCH_MS 4
/* test.log's lines are written in batches (see log_batch). */
#define LOG_BATCH_MAX 16384
#define LOG_BATCH_MS 20
/* Output written before the worker has log files, kept per stream. */
#define EARLY_LIMIT 65536
/* The most read at once from a stdout or stderr pipe (drain_output()):
 * more than a pipe holds. */
#define PIPE_DRAIN (4u << 20)
/* The end of stderr kept to explain a crash. */
#define ERR_TAIL 4096
#define ERR_TAIL_LINES 12
/* The send queue (see "sending"): bytes per write, and what may wait
 * besides ranges of answers. */
#define OUT_CHUNK 65536
#define OUT_MAX_BYTES (1u << 20)
#define OUT_MAX_SEGS 4096

enum { LOG_OUT, LOG_ERR, LOG_TEST, N_LOGS };

/* The worker's descriptors: trial's worker reads our commands on 3 and
 * writes its own on 4. */
enum { FD_OUT = 1, FD_ERR = 2, FD_CMD = 3, FD_RESULTS = 4, N_FDS = 5 };

/* A stretch of the send queue: encoded boxes, or answers to the asks
 * first..last, each `success: True` or empty. */
typedef enum seg_kind { SEG_BOXES, SEG_SUCCESS, SEG_EMPTY } seg_kind;

typedef struct out_seg {
    seg_kind kind;
    cct_buf boxes;
    unsigned long long first, last;
} out_seg;

struct cct_worker {
    uv_loop_t *loop;
    cct_spawn *spawn;     /* the process and its pipes (see FD_*) */
    uv_stream_t *cmd;     /* FD_CMD's pipe: our commands */
    uv_stream_t *results; /* FD_RESULTS's pipe: its commands */
    uv_stream_t *out;     /* FD_OUT's pipe */
    uv_stream_t *err;     /* FD_ERR's pipe */
    uv_timer_t timer;  /* test timeout, stop grace, drain: one at a time */
    /* A test timeout is confirmed after the loop has polled once more (a
     * check handle, and an idle one so that the poll does not block):
     * after a stop of the job (Ctrl-Z, SIGSTOP), the timer runs before the
     * loop reads the test's result or the SIGCONT that stopped the clock
     * (see confirm_timeout()). */
    uv_check_t confirm;
    uv_idle_t confirm_poll;
    /* Reading its results pauses until this fires (see BATCH_MS). */
    uv_timer_t batch_timer;
    int batch_paused;
    /* timer, confirm, confirm_poll, log_timer, commands_timer, batch_timer
     * and the spawn, each counted until closed (see on_closed). */
    int open_handles;

    unsigned number;
    cct_worker_events events;
    void *arg;
    cct_result_cb result; /* where its results go (cct_worker_setup) */
    void *result_arg;
    unsigned timeout_s;
    unsigned stop_grace_ms;
    char *test_log;

    cct_amp_decoder decoder;
    cct_worker_reader reader; /* what it sends us, read */
    long long next_ask;
    long long start_ask; /* 0: none pending */
    int ready;           /* it answered Start */
    int quits;           /* it answered a Run with AMP's QuitBox: no test
                            begins in it any more */
    /* The running test and those sent ahead of its end, so that the
     * worker finds them waiting instead of waiting for us: their one owner
     * (see worker_runs.h). */
    cct_worker_runs runs;
    /* While the boxes of one read are handled, what we send waits, to go
     * out in one write at the end.  What goes to test.log waits longer:
     * until LOG_BATCH_MAX bytes, LOG_BATCH_MS, or the end of the run or of
     * the worker, whichever comes first. */
    int in_read;
    cct_buf log_batch;
    uv_timer_t log_timer;

    char *dir;
    int log_fd[N_LOGS];
    cct_buf early[N_LOGS];
    cct_buf err_tail;

    uint64_t test_start; /* uv_hrtime() when the running test was handed
                            out to the ready worker, or it became ready
                            (or the test began, sent ahead) */
    /* The test's clock, which the timeout reads: time it ran before the
     * clock last stopped, and since when it runs (uv_hrtime()); stopped
     * while the job is (cct_worker_pause_clock). */
    uint64_t clock_ran;
    uint64_t clock_since;
    int clock_paused;
    size_t n_results;
    int interrupting; /* timed out: interrupted, to be killed (see
                         INTERRUPT_MS); nothing more it reports counts */

    out_seg *queue;      /* what waits to be sent: queue[q_head .. q_len) */
    size_t q_head, q_len, q_cap;
    size_t q_bytes;      /* in its SEG_BOXES stretches */
    int writing;         /* a write is in flight */
    /* A write found the worker's end of its command pipe closed while the
     * worker lived: code in it closed it.  Nothing more is sent; what it
     * reports still counts, until its Run answer says who (see
     * handle_reply) or it dies, for COMMANDS_LOST_MS at most (then
     * commands_timer kills it). */
    int commands_lost;
    uv_timer_t commands_timer;
    int commands_bound_paused; /* commands_timer stopped with the job */

    int exited;
    int64_t exit_status;
    int term_signal;
    int results_eof;
    int stopping;  /* we asked it to go: no `died` event */
    int finished;  /* its end has been handled */
    char *death;   /* why we killed it */
};

/* worker.c */
/* Does the worker live?  (Its results pipe is open.) */
int cct__worker_alive(cct_worker *w);
/* The running test's name, or NULL. */
static inline const char *cct__worker_test(const cct_worker *w)
{
    return w->runs.running.test_id;
}
void cct__worker_log(cct_worker *w, int which, const char *data, size_t len);
void cct__worker_protocol_error(cct_worker *w, const char *what);
void cct__worker_start_test_timer(cct_worker *w);

/* worker_send.c */
/* Starts (again) the bound on a worker whose command pipe is closed. */
void cct__worker_bound_lost_commands(cct_worker *w);
void cct__worker_free_queue(cct_worker *w);
void cct__worker_flush(cct_worker *w);
int cct__worker_queue_box(cct_worker *w, cct_buf *box);
void cct__worker_queue_answer(cct_worker *w, const char *ask, size_t ask_len,
                              int kind, cct_buf *fields);
long long cct__worker_call(cct_worker *w, const char *command,
                           const char *key, const char *value);

/* worker_commands.c: a command box handled, or a result of the running
 * test (a failed Run) handed on. */
void cct__worker_handle_command(cct_worker *w, const cct_amp_box *box);
void cct__worker_emit(cct_worker *w, cct_outcome outcome, const char *text);

#endif
