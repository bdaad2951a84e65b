/*
 * When the watcher hands a change set over (see watch_quiet.h).
 *
 * A save goes out at once only when nothing else is pending and no burst
 * is under way: a batch that completes one file's save while other files
 * wait, or while the rest of a burst is being gathered, joins them.  The
 * time after a set that went out costs no timer: the next change compares
 * its time with the last change's.
 */
#include "watch_quiet.h"

#include <assert.h>

void cct_quiet_init(cct_quiet *q, unsigned debounce_ms)
{
    *q = (cct_quiet){.debounce_ms = debounce_ms};
}

uint64_t cct_quiet_change(cct_quiet *q, uint64_t now, int *burst_began)
{
    *burst_began = 0;
    if (!q->gathering) {
        q->gathering = 1;
        q->first_change_ms = now;
        q->follows = q->changed_before &&
                     now < q->last_change_ms + q->debounce_ms;
        q->burst = *burst_began = q->follows && q->sent_at_once;
    }
    q->changed_before = 1;
    q->last_change_ms = now;
    uint64_t deadline = q->first_change_ms + CCT_QUIET_MAX_DELAY_MS;
    if (q->debounce_ms >= CCT_QUIET_MAX_DELAY_MS ||
        now + q->debounce_ms <= deadline)
        return q->debounce_ms;
    return deadline > now ? deadline - now : 0;
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
