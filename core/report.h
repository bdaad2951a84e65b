/*
 * Fanning events out to the reporter plugins, in the order the user listed
 * them.  Each call skips reporters that left that callback NULL.
 */
#ifndef CCT_REPORT_H
#define CCT_REPORT_H

#include "cctrial/plugin.h"
#include "host.h"

typedef struct cct_reporters {
    cct_instance **items;
    size_t n, cap;
} cct_reporters;

void cct_reporters_add(cct_reporters *r, cct_instance *reporter);
void cct_reporters_destroy(cct_reporters *r);

void cct_report_run_start(const cct_reporters *r, const cct_run_start *ev);
void cct_report_test_start(const cct_reporters *r, const cct_test_start *ev);
void cct_report_test_result(const cct_reporters *r,
                            const cct_test_result *ev);
void cct_report_test_log(const cct_reporters *r, const cct_test_log *ev);
void cct_report_run_end(const cct_reporters *r, const cct_run_end *ev);
void cct_report_message(const cct_reporters *r, cct_message_kind kind,
                        const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
