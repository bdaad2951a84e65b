/*
 * `cctrial history`: what the history of runs (history.h) holds, for a
 * person (plain text) or a script (--json): the last runs, the slowest
 * tests, and the flakiest.
 */
#ifndef CCT_HISTORY_REPORT_H
#define CCT_HISTORY_REPORT_H

#include <stdio.h>

/* Writes the report of the history in `file` to `out`, `limit` rows in
 * each list.  A missing file is an empty history.  Returns 0, or 1 when
 * the file cannot be read (said on stderr). */
int cct_history_report(const char *file, unsigned limit, int json,
                       FILE *out);

#endif
