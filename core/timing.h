/*
 * How long runs took: the wall time of the last runs, kept in
 * .cctrial/timing.json, so that the next run of the same tests with as
 * many workers can be given an estimate (the status line's ETA).
 *
 * A run is known by its selection, a hash of its test ids (in any order)
 * and their number, and by its workers; the file keeps the last
 * CCT_TIMING_KEEP of them, newest first.  Everything about the history
 * is behind these two functions, so that its store can change (issue 20:
 * SQLite) without touching their callers.
 */
#ifndef CCT_TIMING_H
#define CCT_TIMING_H

#include "util.h"

#define CCT_TIMING_KEEP 16

/* The wall time of the last whole run of `tests` with `workers` workers
 * remembered in `file`, in seconds; 0 when there is none (no file, a
 * damaged one, another selection). */
double cct_timing_estimate(const char *file, const cct_strv *tests,
                           unsigned workers);

/* Remembers that a whole run of `tests` with `workers` workers took
 * `seconds`, replacing what was kept for that selection.  Best effort: a
 * history that cannot be written only costs the next estimate. */
void cct_timing_remember(const char *file, const cct_strv *tests,
                         unsigned workers, double seconds);

#endif
