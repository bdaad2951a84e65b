/*
 * When the watcher hands a change set over: the decisions alone, without
 * a clock or a loop (the watcher passes the time), so that they can be
 * tested alone.
 *
 * A save of one file goes out at once: when a batch of events completes
 * the save of a file (closed after writing, or renamed into place: what
 * an editor does last) and that file is all that is pending.  Anything
 * else waits for the quiet period (`debounce_ms` without a change, never
 * more than CCT_QUIET_MAX_DELAY_MS from the set's first change), which
 * merges a burst (a `git checkout`, a formatter over the tree) into one
 * set.
 *
 * Changes closer together than the quiet period are one burst.  A burst
 * may begin with a file alone, sent at once: a change within the quiet
 * period after it is the rest of a burst.  That is said once (the watcher
 * tells its user, who restarts what the set began), and the rest waits for
 * the quiet period with all that follows: one set, not one per file.  The
 * rest of a burst cut at CCT_QUIET_MAX_DELAY_MS waits likewise (nothing
 * to say: that set did not go out at once).
 */
#ifndef CCT_WATCH_QUIET_H
#define CCT_WATCH_QUIET_H

#include <stddef.h>
#include <stdint.h>

/* A burst never delays a set by more than this, however long it lasts. */
#define CCT_QUIET_MAX_DELAY_MS 1000

typedef struct cct_quiet {
    unsigned debounce_ms;
    int changed_before;       /* last_change_ms is known */
    uint64_t last_change_ms;
    int gathering;            /* changes are waiting for the quiet period */
    uint64_t first_change_ms; /* of the set being gathered */
    int follows;              /* it follows the last set within the quiet
                                 period: the same burst */
    int burst;                /* ...the last set went out at once */
    int sent_at_once;         /* the last set went out at once */
} cct_quiet;

void cct_quiet_init(cct_quiet *q, unsigned debounce_ms);
/* A change at `now`: returns how long to wait, from now, for the quiet
 * period to end (the set goes out then, unless it goes out at once).
 * Sets *burst_began when this change begins the rest of a burst. */
uint64_t cct_quiet_change(cct_quiet *q, uint64_t now, int *burst_began);
/* A batch of events is over, with `files` pending, the last event on
 * them a completed save or not (`saved`), events lost or not: does the
 * set go out at once? */
int cct_quiet_at_once(const cct_quiet *q, size_t files, int saved,
                      int overflow);
/* The set goes out, at once or at the end of the quiet period.  Returns
 * whether it is the rest of a burst begun by a set sent at once, which
 * goes out even when empty: the burst was told, and its end must be too. */
int cct_quiet_sent(cct_quiet *q, int at_once);

#endif
