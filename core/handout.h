/*
 * The order a run hands its tests out in: a cursor over the run's tests,
 * which are in trial's order, and the tests handed back.
 *
 * trial's manager hands tests out in its order, the next to whichever
 * worker is free, so that each worker imports the project's modules in the
 * order trial would: a suite whose modules depend on import order ends as
 * under trial -jN.  A test handed to a worker that never began it (the
 * worker died starting, or it was sent ahead and the worker died first) is
 * handed back, and goes out again before any test not yet handed out;
 * handed-back tests go out in trial's order, whatever order they came back
 * in.  The runner holds the tests themselves: here they are indexes.
 */
#ifndef CCT_HANDOUT_H
#define CCT_HANDOUT_H

#include <stddef.h>

typedef struct cct_handout {
    size_t n_tests;
    size_t handed;     /* tests 0 .. handed-1 have been handed out */
    size_t *back;      /* tests handed back, waiting to go out again */
    size_t n_back, cap_back;
} cct_handout;

void cct_handout_init(cct_handout *h);
void cct_handout_free(cct_handout *h);
/* A new run of `n_tests` tests: none handed out. */
void cct_handout_reset(cct_handout *h, size_t n_tests);
/* Tests still to hand out, handed-back ones included. */
size_t cct_handout_left(const cct_handout *h);
/* The next test to hand out.  Only when cct_handout_left() > 0. */
size_t cct_handout_take(cct_handout *h);
/* Test `test`, handed out and not begun, goes out again. */
void cct_handout_give_back(cct_handout *h, size_t test);
/* May a worker of `workers` get a test ahead of its running one's end?
 * Not for the run's last tests: one waiting behind a slow test would keep
 * it from a worker that has nothing left to do. */
int cct_handout_may_send_ahead(const cct_handout *h, unsigned workers);

#endif
