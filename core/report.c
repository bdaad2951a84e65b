/*
 * Reporter fan-out (see report.h).
 */
#include "report.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>

#include "util.h"

void cct_reporters_add(cct_reporters *r, cct_instance *reporter)
{
    CCT_GROW(r->items, r->cap, r->n + 1);
    r->items[r->n++] = reporter;
}

void cct_reporters_destroy(cct_reporters *r)
{
    for (size_t i = 0; i < r->n; i++)
        cct_instance_destroy(r->items[i]);
    free(r->items);
    r->items = NULL;
    r->n = r->cap = 0;
}

/* Calls `callback` of every reporter that has one. */
#define FAN_OUT(r, callback, ev)                                         \
    do {                                                                 \
        for (size_t i_ = 0; i_ < (r)->n; i_++) {                         \
            const cct_reporter_ops *ops_ =                               \
                (r)->items[i_]->lib.desc->reporter;                      \
            if (ops_->callback)                                          \
                ops_->callback((r)->items[i_]->ctx, (ev));               \
        }                                                                \
    } while (0)

void cct_report_run_start(const cct_reporters *r, const cct_run_start *ev)
{
    FAN_OUT(r, run_start, ev);
}

void cct_report_test_start(const cct_reporters *r, const char *test_id,
                           unsigned worker, size_t index, size_t total)
{
    assert(index >= 1 && index <= total);
    cct_test_start ev = {
        .struct_size = sizeof(ev),
        .test_id = test_id,
        .worker = worker,
        .index = index,
        .total = total,
    };
    FAN_OUT(r, test_start, &ev);
}

cct_test_result cct_report_result_event(const cct_result *result,
                                        const cct_run_progress *progress,
                                        int flaky)
{
    assert(result->test_id && result->text);
    assert(progress->done >= 1 && progress->done <= progress->total);
    return (cct_test_result){
        .struct_size = sizeof(cct_test_result),
        .test_id = result->test_id,
        .outcome = result->outcome,
        .duration = result->duration,
        .worker = result->worker,
        .text = result->text,
        .error_class = result->error_class,
        .reason = result->reason,
        .done = progress->done,
        .total = progress->total,
        .counts = progress->counts,
        .n_counts = CCT_OUTCOME_COUNT,
        .flaky = flaky,
    };
}

void cct_report_test_result(const cct_reporters *r, const cct_result *result,
                            const cct_run_progress *progress, int flaky)
{
    cct_test_result ev = cct_report_result_event(result, progress, flaky);
    FAN_OUT(r, test_result, &ev);
}

void cct_report_test_log(const cct_reporters *r, const cct_test_log *ev)
{
    FAN_OUT(r, test_log, ev);
}

void cct_report_run_end(const cct_reporters *r, const cct_run_end *ev)
{
    FAN_OUT(r, run_end, ev);
}

void cct_report_message(const cct_reporters *r, cct_message_kind kind,
                        const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = cct_xvasprintf(fmt, ap);
    va_end(ap);
    cct_message ev = {
        .struct_size = sizeof(ev),
        .kind = kind,
        .text = text,
        .subject = subject,
    };
    FAN_OUT(r, message, &ev);
    free(text);
}
