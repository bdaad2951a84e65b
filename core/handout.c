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
    free(h->order);
    free(h->position);
    free(h->back);
    cct_handout_init(h);
}

void cct_handout_reset(cct_handout *h, size_t n_tests, const size_t *order)
{
    free(h->order);
    free(h->position);
    h->order = h->position = NULL;
    h->n_tests = n_tests;
    h->handed = 0;
    h->n_back = 0;
    if (!order)
        return;
    h->order = cct_xcalloc(n_tests ? n_tests : 1, sizeof(*h->order));
    h->position = cct_xcalloc(n_tests ? n_tests : 1, sizeof(*h->position));
    for (size_t k = 0; k < n_tests; k++)
        h->position[k] = n_tests; /* none yet: each test comes once */
    for (size_t k = 0; k < n_tests; k++) {
        assert(order[k] < n_tests && h->position[order[k]] == n_tests);
        h->order[k] = order[k];
        h->position[order[k]] = k;
    }
}

/* The test that goes out at `k`, and the place of `test`. */
static size_t test_at(const cct_handout *h, size_t k)
{
    return h->order ? h->order[k] : k;
}

static size_t position_of(const cct_handout *h, size_t test)
{
    return h->position ? h->position[test] : test;
}

size_t cct_handout_left(const cct_handout *h)
{
    return h->n_tests - h->handed + h->n_back;
}

size_t cct_handout_take(cct_handout *h)
{
    assert(cct_handout_left(h) > 0);
    if (h->n_back == 0)
        return test_at(h, h->handed++);
    /* The first in the hand-out order: there are a handful at most (one
     * or two per dead worker). */
    size_t first = 0;
    for (size_t i = 1; i < h->n_back; i++)
        if (h->back[i] < h->back[first])
            first = i;
    size_t k = h->back[first];
    h->back[first] = h->back[--h->n_back];
    return test_at(h, k);
}

void cct_handout_give_back(cct_handout *h, size_t test)
{
    assert(test < h->n_tests);
    size_t k = position_of(h, test);
    assert(k < h->handed);
    for (size_t i = 0; i < h->n_back; i++)
        assert(h->back[i] != k);
    CCT_GROW(h->back, h->cap_back, h->n_back + 1);
    h->back[h->n_back++] = k;
}

int cct_handout_may_send_ahead(const cct_handout *h, unsigned workers,
                               size_t held)
{
    return cct_handout_left(h) > (held + 2) * (size_t)workers;
}

/* ---- longest first -------------------------------------------------- */

/* A test under its module's name, to be sorted into modules. */
typedef struct module_test {
    const char *module;
    size_t test;
} module_test;

/* One module of the run: its tests are by_module[start .. start+len-1],
 * in trial's order. */
typedef struct module_group {
    size_t start, len;
    size_t first;    /* its first test in trial's order */
    double seconds;  /* the sum of its tests' recorded durations */
    int known;       /* one of its tests has a recorded duration */
} module_group;

static int by_module_then_index(const void *a, const void *b)
{
    const module_test *x = a, *y = b;
    int c = strcmp(x->module, y->module);
    return c ? c : (x->test > y->test) - (x->test < y->test);
}

static int by_first(const void *a, const void *b)
{
    const module_group *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* Longest first; of equal ones, trial's first. */
static int by_seconds_down(const void *a, const void *b)
{
    const module_group *x = a, *y = b;
    if (x->seconds != y->seconds)
        return x->seconds < y->seconds ? 1 : -1;
    return by_first(a, b);
}

size_t cct_handout_longest_first(const cct_handout_test *tests, size_t n,
                                 size_t *order)
{
    /* The tests grouped by module, each group in trial's order. */
    module_test *by_module = cct_xcalloc(n ? n : 1, sizeof(*by_module));
    for (size_t i = 0; i < n; i++)
        by_module[i] = (module_test){tests[i].module, i};
    qsort(by_module, n, sizeof(*by_module), by_module_then_index);
    module_group *modules = cct_xcalloc(n ? n : 1, sizeof(*modules));
    size_t n_modules = 0;
    for (size_t i = 0; i < n; i++) {
        const cct_handout_test *t = &tests[by_module[i].test];
        if (i == 0 || strcmp(by_module[i].module,
                             by_module[i - 1].module) != 0)
            modules[n_modules++] = (module_group){
                .start = i, .first = by_module[i].test};
        module_group *m = &modules[n_modules - 1];
        m->len++;
        if (t->seconds >= 0) {
            m->seconds += t->seconds;
            m->known = 1;
        }
    }
    /* The modules in trial's order; those with durations, longest first,
     * take the places that are not an unknown module's. */
    qsort(modules, n_modules, sizeof(*modules), by_first);
    module_group *known = cct_xcalloc(n_modules ? n_modules : 1,
                                      sizeof(*known));
    size_t n_known = 0;
    for (size_t i = 0; i < n_modules; i++)
        if (modules[i].known)
            known[n_known++] = modules[i];
    qsort(known, n_known, sizeof(*known), by_seconds_down);
    size_t next_known = 0, k = 0;
    for (size_t i = 0; i < n_modules; i++) {
        const module_group *m =
            modules[i].known ? &known[next_known++] : &modules[i];
        for (size_t j = 0; j < m->len; j++)
            order[k++] = by_module[m->start + j].test;
    }
    assert(k == n && next_known == n_known);
    free(known);
    free(modules);
    free(by_module);
    return n_known;
}
