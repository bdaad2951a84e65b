/*
 * When the watcher hands a change set over (see watch_quiet.h).
 *
 * A save goes out at once only when nothing else is pending and no burst
 * is under way: a batch that completes one file's save while other files
 * wait, or while the rest of a burst is being gathered, joins them.  The
 * time after a set that went out at once costs no timer: the next change
 * compares its time with the set's.
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
        /* The set sent at once was the first part of a burst when this
         * comes before its quiet period ended. */
        if (q->sent_at_once && now < q->sent_ms + q->debounce_ms)
            q->burst = *burst_began = 1;
    }
    uint64_t deadline = q->first_change_ms + CCT_QUIET_MAX_DELAY_MS;
    if (q->debounce_ms >= CCT_QUIET_MAX_DELAY_MS ||
        now + q->debounce_ms <= deadline)
        return q->debounce_ms;
    return deadline > now ? deadline - now : 0;
}

int cct_quiet_at_once(const cct_quiet *q, size_t files, int saved,
                      int overflow)
{
    return files == 1 && saved && !overflow && !q->burst;
}

int cct_quiet_sent(cct_quiet *q, uint64_t now, int at_once)
{
    assert(!at_once || !q->burst);
    int rest_of_burst = q->burst;
    q->gathering = 0;
    q->burst = 0;
    q->sent_at_once = at_once;
    q->sent_ms = now;
    return rest_of_burst;
}
