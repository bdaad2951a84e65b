/*
 * Reporter fan-out (see report.h).
 */
#include "report.h"

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

void cct_report_test_start(const cct_reporters *r, const cct_test_start *ev)
{
    FAN_OUT(r, test_start, ev);
}

void cct_report_test_result(const cct_reporters *r,
                            const cct_test_result *ev)
{
    FAN_OUT(r, test_result, ev);
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
