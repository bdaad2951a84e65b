/*
 * The order a run hands its tests out in: a cursor over the run's tests in
 * their hand-out order, and the tests handed back.
 *
 * trial's manager hands tests out in its order, the next to whichever
 * worker is free, so that each worker imports the project's modules in the
 * order trial would: a suite whose modules depend on import order ends as
 * under trial -jN.  That is the order here unless the run gives another:
 * longest first (cct_handout_longest_first), where the modules the history
 * knows to be slow go out first, so that a run of several workers does not
 * end with one of them alone on a slow module while the others wait.
 *
 * A test handed to a worker that never began it (the worker died
 * starting, or it was sent ahead and the worker died first) is handed
 * back, and goes out again before any test not yet handed out; handed-back
 * tests go out in the hand-out order, whatever order they came back in.
 * The runner holds the tests themselves: here they are indexes into the
 * run's tests, which are in trial's order.
 */
#ifndef CCT_HANDOUT_H
#define CCT_HANDOUT_H

#include <stddef.h>

typedef struct cct_handout {
    size_t n_tests;
    size_t *order;     /* order[k]: the test that goes out k-th; NULL:
                          trial's order (test k) */
    size_t *position;  /* position[test]: k where order[k] == test */
    size_t handed;     /* the tests at 0 .. handed-1 have been handed out */
    size_t *back;      /* positions of the tests handed back, waiting to
                          go out again */
    size_t n_back, cap_back;
} cct_handout;

void cct_handout_init(cct_handout *h);
void cct_handout_free(cct_handout *h);
/* A new run of `n_tests` tests, none handed out, to go out in `order`
 * (n_tests indexes, each test once; copied), or in trial's order when
 * `order` is NULL. */
void cct_handout_reset(cct_handout *h, size_t n_tests, const size_t *order);
/* Tests still to hand out, handed-back ones included. */
size_t cct_handout_left(const cct_handout *h);
/* The next test to hand out.  Only when cct_handout_left() > 0. */
size_t cct_handout_take(cct_handout *h);
/* Test `test`, handed out and not begun, goes out again. */
void cct_handout_give_back(cct_handout *h, size_t test);
/* May a worker of `workers`, holding `held` tests ahead of its running
 * one, get one more?  Only while enough are left for every worker to hold
 * as many and two more: a test waiting behind a slow one keeps it from a
 * worker that may soon have nothing left to do, so the run's last tests
 * go out one at a time. */
int cct_handout_may_send_ahead(const cct_handout *h, unsigned workers,
                               size_t held);

/* One test of a run, in trial's order, for cct_handout_longest_first. */
typedef struct cct_handout_test {
    const char *module; /* a module's tests go out together */
    double seconds;     /* its recorded duration, or < 0: none */
} cct_handout_test;

/* The order longest module first: fills order[0..n-1] with the indexes of
 * `tests` in the order they go out.  A module is timed by the recorded
 * durations of its tests (those without one count as nothing); its tests
 * go out together, in trial's order, where its first test is.  Modules
 * without any recorded duration keep their place in trial's order of the
 * modules: how long they take is not known, and last would be the worst
 * place for a slow one.  The modules with durations fill the other places,
 * longest first; of equal ones, trial's first.  Without any duration, the
 * order is trial's.  Returns the number of modules with durations. */
size_t cct_handout_longest_first(const cct_handout_test *tests, size_t n,
                                 size_t *order);

#endif
