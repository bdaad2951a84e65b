/*
 * The Runs a worker has been sent and has not yet answered: the test it
 * runs, and the tests sent ahead of that one's end, in the order sent (see
 * cct_worker_run).
 *
 * The worker is the one owner of "which test runs in it and which wait
 * behind": the runner hands each test out under its index in the run and
 * asks the worker (cct_worker_running, cct_worker_ahead) rather than
 * keeping a copy.  Tests are sent ahead only to workers that read commands
 * one at a time and answer Run before reading the next, so a Run answer is
 * the running test's, after which the first one ahead runs at once; an
 * answer to one ahead first is the peer breaking the protocol.  Pure: no
 * I/O, so that it is unit tested on its own.
 */
#ifndef CCT_WORKER_RUNS_H
#define CCT_WORKER_RUNS_H

#include <stddef.h>

/* No test: the index of an empty place. */
#define CCT_NO_TEST ((size_t)-1)

/* The most tests a worker holds ahead of its running one: enough to keep
 * it busy while cctrial reads its results in batches (worker_internal.h,
 * BATCH_MS), even on the quickest tests (a trivial test takes the fast
 * worker some 0.3 ms, so 32 last about 10 ms, over twice BATCH_MS).  The
 * handout keeps the run's last tests from waiting in one worker while
 * another is free (cct_handout_may_send_ahead). */
#define CCT_AHEAD_MAX 32

typedef struct cct_sent_run {
    char *test_id;  /* the name it was sent under, or NULL: none */
    size_t index;   /* the caller's number for it, or CCT_NO_TEST */
    long long ask;  /* the Run's ask; 0 when it could not be sent */
} cct_sent_run;

typedef struct cct_worker_runs {
    cct_sent_run running;
    cct_sent_run ahead[CCT_AHEAD_MAX]; /* ahead[0 .. n_ahead-1], next first */
    size_t n_ahead;                    /* only while one runs */
} cct_worker_runs;

typedef enum cct_run_answer {
    CCT_ANSWER_RUNNING, /* the running test's: it is over */
    CCT_ANSWER_AHEAD,   /* one ahead's, before the running one's */
    CCT_ANSWER_UNKNOWN  /* no Run waiting for an answer has this ask */
} cct_run_answer;

void cct_worker_runs_init(cct_worker_runs *runs);
void cct_worker_runs_free(cct_worker_runs *runs);
/* A Run of `test_id` (copied), handed out as `index`, was sent as `ask`.
 * It runs when none does (returns 1), else it waits ahead, after those
 * sent before it (returns 0).  Only when cct_worker_runs_may_send_ahead()
 * or none runs. */
int cct_worker_runs_sent(cct_worker_runs *runs, const char *test_id,
                         size_t index, long long ask);
/* Whether one more may be sent ahead: one runs, fewer than CCT_AHEAD_MAX
 * wait ahead. */
int cct_worker_runs_may_send_ahead(const cct_worker_runs *runs);
/* The index of the k-th test waiting ahead (0: the next to run), or
 * CCT_NO_TEST when fewer than k+1 wait. */
size_t cct_worker_runs_ahead(const cct_worker_runs *runs, size_t k);
/* Whose answer `ask_text` (an AMP `_answer` or `_error`, `len` bytes) is. */
cct_run_answer cct_worker_runs_match(const cct_worker_runs *runs,
                                     const char *ask_text, size_t len);
/* The running test's Run was answered: returns its index; the first one
 * ahead, if any, runs from now. */
size_t cct_worker_runs_end(cct_worker_runs *runs);

/* Is `ask_text` (`len` bytes) the AMP text of `ask` (never of 0)? */
int cct_ask_matches(const char *ask_text, size_t len, long long ask);

#endif
