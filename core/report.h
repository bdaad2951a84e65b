/*
 * Fanning events out to the reporter plugins, in the order the user listed
 * them.  Each call skips reporters that left that callback NULL.
 *
 * A test's start and its results are handed over in core's terms and the
 * ABI's events (cct_test_start, cct_test_result) are built here, once,
 * where the plugins get them: the rest of core never sees them.
 */
#ifndef CCT_REPORT_H
#define CCT_REPORT_H

#include "cctrial/plugin.h"
#include "host.h"
#include "result.h"

typedef struct cct_reporters {
    cct_instance **items;
    size_t n, cap;
} cct_reporters;

void cct_reporters_add(cct_reporters *r, cct_instance *reporter);
void cct_reporters_destroy(cct_reporters *r);

void cct_report_run_start(const cct_reporters *r, const cct_run_start *ev);
/* Where a run stands when a result arrives: `done` tests of `total` have
 * finished, the result's own included, and counts[o] results of each
 * outcome o so far (CCT_OUTCOME_COUNT entries, the result's included). */
typedef struct cct_run_progress {
    size_t done;
    size_t total;
    const size_t *counts;
} cct_run_progress;

/* Test `test_id` was handed to worker `worker`: the `index`-th begun
 * (1-based) of the run's `total`. */
void cct_report_test_start(const cct_reporters *r, const char *test_id,
                           unsigned worker, size_t index, size_t total);
/* The event plugins get for `result` (pointing into it and `progress`);
 * `flaky`: a success after a failure with no change in between. */
cct_test_result cct_report_result_event(const cct_result *result,
                                        const cct_run_progress *progress,
                                        int flaky);
void cct_report_test_result(const cct_reporters *r, const cct_result *result,
                            const cct_run_progress *progress, int flaky);
void cct_report_test_log(const cct_reporters *r, const cct_test_log *ev);
void cct_report_run_end(const cct_reporters *r, const cct_run_end *ev);
void cct_report_message(const cct_reporters *r, cct_message_kind kind,
                        const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
