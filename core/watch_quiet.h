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
 * to say: that set did not go out at once).  When the quiet period after
 * a set sent at once passes without a change, the set was alone: that is
 * said too, once, so that its user knows that no burst can stop what it
 * began.
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
    int sent_at_once;         /* the last set went out at once, and
                                 whether it began a burst is not said */
} cct_quiet;

/* What a change, or the quiet period's end, says of the last set when it
 * went out at once (said once per such set). */
typedef enum cct_quiet_news {
    CCT_QUIET_NO_NEWS,
    CCT_QUIET_BURST, /* it was the first file of a burst: the rest begins */
    CCT_QUIET_ALONE, /* it was alone: no burst can follow it any more */
} cct_quiet_news;

void cct_quiet_init(cct_quiet *q, unsigned debounce_ms);
/* A change at `now`: returns how long to wait, from now, for the quiet
 * period to end (the set goes out then, unless it goes out at once).
 * Sets *news: what the change says of the last set. */
uint64_t cct_quiet_change(cct_quiet *q, uint64_t now, cct_quiet_news *news);
/* After a set went out at once, while nothing is said of it: how long
 * from `now` a change would still begin the rest of a burst (0: no
 * longer, or nothing to wait for). */
uint64_t cct_quiet_burst_window(const cct_quiet *q, uint64_t now);
/* That time passed without a change: the news, CCT_QUIET_ALONE, or
 * CCT_QUIET_NO_NEWS when it was said already. */
cct_quiet_news cct_quiet_window_over(cct_quiet *q);
/* May a change still begin the rest of a burst (a set went out at once,
 * and nothing is said of it yet)? */
int cct_quiet_burst_may_follow(const cct_quiet *q);
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
