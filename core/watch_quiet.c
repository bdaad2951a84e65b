/*
 * When the watcher hands a change set over (see watch_quiet.h).
 *
 * A save goes out at once only when nothing else is pending and no burst
 * is under way: a batch that completes one file's save while other files
 * wait, or while the rest of a burst is being gathered, joins them.  The
 * time after a set that went out costs no timer: the next change compares
 * its time with the last change's, except after a set sent at once,
 * whose user waits to know whether a burst follows it (the watcher's
 * timer says when no burst can).
 */
#include "watch_quiet.h"

#include <assert.h>

void cct_quiet_init(cct_quiet *q, unsigned debounce_ms)
{
    *q = (cct_quiet){.debounce_ms = debounce_ms};
}

uint64_t cct_quiet_change(cct_quiet *q, uint64_t now, cct_quiet_news *news)
{
    *news = CCT_QUIET_NO_NEWS;
    if (!q->gathering) {
        q->gathering = 1;
        q->first_change_ms = now;
        q->follows = q->changed_before &&
                     now < q->last_change_ms + q->debounce_ms;
        q->burst = q->follows && q->sent_at_once;
        if (q->sent_at_once) /* a change after the window: it was alone */
            *news = q->burst ? CCT_QUIET_BURST : CCT_QUIET_ALONE;
        q->sent_at_once = 0;
    }
    q->changed_before = 1;
    q->last_change_ms = now;
    uint64_t deadline = q->first_change_ms + CCT_QUIET_MAX_DELAY_MS;
    if (q->debounce_ms >= CCT_QUIET_MAX_DELAY_MS ||
        now + q->debounce_ms <= deadline)
        return q->debounce_ms;
    return deadline > now ? deadline - now : 0;
}

uint64_t cct_quiet_burst_window(const cct_quiet *q, uint64_t now)
{
    if (!q->sent_at_once)
        return 0;
    uint64_t end = q->last_change_ms + q->debounce_ms;
    return end > now ? end - now : 0;
}

cct_quiet_news cct_quiet_window_over(cct_quiet *q)
{
    assert(!q->gathering);
    int was = q->sent_at_once;
    q->sent_at_once = 0;
    return was ? CCT_QUIET_ALONE : CCT_QUIET_NO_NEWS;
}

int cct_quiet_burst_may_follow(const cct_quiet *q)
{
    return q->sent_at_once;
}

int cct_quiet_at_once(const cct_quiet *q, size_t files, int saved,
                      int overflow)
{
    return files == 1 && saved && !overflow && !q->follows;
}

int cct_quiet_sent(cct_quiet *q, int at_once)
{
    assert(!at_once || !q->follows);
    int rest_of_burst = q->burst;
    q->gathering = q->follows = q->burst = 0;
    q->sent_at_once = at_once;
    return rest_of_burst;
}
