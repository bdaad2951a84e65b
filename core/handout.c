/*
 * The hand-out order of a run's tests (see handout.h).
 */
#include "handout.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void cct_handout_init(cct_handout *h)
{
    memset(h, 0, sizeof(*h));
}

void cct_handout_free(cct_handout *h)
{
    free(h->back);
    cct_handout_init(h);
}

void cct_handout_reset(cct_handout *h, size_t n_tests)
{
    h->n_tests = n_tests;
    h->handed = 0;
    h->n_back = 0;
}

size_t cct_handout_left(const cct_handout *h)
{
    return h->n_tests - h->handed + h->n_back;
}

size_t cct_handout_take(cct_handout *h)
{
    assert(cct_handout_left(h) > 0);
    if (h->n_back == 0)
        return h->handed++;
    /* The first in trial's order: there are a handful at most (one or
     * two per dead worker). */
    size_t first = 0;
    for (size_t i = 1; i < h->n_back; i++)
        if (h->back[i] < h->back[first])
            first = i;
    size_t test = h->back[first];
    h->back[first] = h->back[--h->n_back];
    return test;
}

void cct_handout_give_back(cct_handout *h, size_t test)
{
    assert(test < h->handed);
    for (size_t i = 0; i < h->n_back; i++)
        assert(h->back[i] != test);
    CCT_GROW(h->back, h->cap_back, h->n_back + 1);
    h->back[h->n_back++] = test;
}

int cct_handout_may_send_ahead(const cct_handout *h, unsigned workers)
{
    return cct_handout_left(h) > 2 * (size_t)workers;
}
