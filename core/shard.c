/*
 * The shard split (see shard.h): modules gathered and weighed, sorted,
 * and dealt out to the lightest part.
 */
#include "shard.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int cct_shard_parse(const char *text, unsigned *k, unsigned *n,
                    char **error)
{
    *error = NULL;
    const char *p = text;
    char *end;
    unsigned long values[2];
    for (int i = 0; i < 2; i++) {
        if (*p < '0' || *p > '9')
            goto bad;
        errno = 0;
        values[i] = strtoul(p, &end, 10);
        if (errno || end == p)
            goto bad;
        p = end;
        if (i == 0 && *p++ != '/')
            goto bad;
    }
    if (*p)
        goto bad;
    if (values[1] < 1 || values[1] > CCT_SHARD_MAX) {
        *error = cct_xasprintf("shard '%s': the number of parts must be "
                               "1 to %d", text, CCT_SHARD_MAX);
        return -1;
    }
    if (values[0] < 1 || values[0] > values[1]) {
        *error = cct_xasprintf("shard '%s': the part must be 1 to %lu",
                               text, values[1]);
        return -1;
    }
    *k = (unsigned)values[0];
    *n = (unsigned)values[1];
    return 0;
bad:
    *error = cct_xasprintf("shard '%s' is not K/N (this machine's part K "
                           "of N parts, e.g. 2/4)", text);
    return -1;
}

typedef struct module_weight {
    const char *module;
    double seconds;
    unsigned part;
} module_weight;

static int by_module(const void *a, const void *b)
{
    return strcmp(((const module_weight *)a)->module,
                  ((const module_weight *)b)->module);
}

/* Longest first; between equals, by name: the same order everywhere. */
static int by_weight(const void *a, const void *b)
{
    const module_weight *x = a, *y = b;
    if (x->seconds != y->seconds)
        return x->seconds > y->seconds ? -1 : 1;
    return strcmp(x->module, y->module);
}

static module_weight *find_module(module_weight *modules, size_t n,
                                  const char *module)
{
    module_weight key = {.module = module};
    return bsearch(&key, modules, n, sizeof(*modules), by_module);
}

void cct_shard_split(const cct_shard_test *tests, size_t n, unsigned parts,
                     unsigned *part_of, double *part_seconds)
{
    assert(parts >= 1);
    /* A test without a duration weighs as the mean of those with one. */
    double known = 0.0;
    size_t n_known = 0;
    for (size_t i = 0; i < n; i++)
        if (tests[i].seconds >= 0) {
            known += tests[i].seconds;
            n_known++;
        }
    double mean = n_known ? known / (double)n_known : 1.0;

    /* The modules, once each, sorted by name to be found again. */
    module_weight *modules = cct_xcalloc(n ? n : 1, sizeof(*modules));
    size_t n_modules = 0;
    for (size_t i = 0; i < n; i++)
        modules[n_modules++].module = tests[i].module;
    qsort(modules, n_modules, sizeof(*modules), by_module);
    size_t unique = 0;
    for (size_t i = 0; i < n_modules; i++)
        if (unique == 0 ||
            strcmp(modules[unique - 1].module, modules[i].module) != 0)
            modules[unique++] = modules[i];
    n_modules = unique;
    for (size_t i = 0; i < n; i++) {
        module_weight *m = find_module(modules, n_modules, tests[i].module);
        assert(m);
        m->seconds += tests[i].seconds >= 0 ? tests[i].seconds : mean;
    }

    double *load = cct_xcalloc(parts, sizeof(*load));
    qsort(modules, n_modules, sizeof(*modules), by_weight);
    for (size_t i = 0; i < n_modules; i++) {
        unsigned lightest = 0;
        for (unsigned p = 1; p < parts; p++)
            if (load[p] < load[lightest])
                lightest = p;
        modules[i].part = lightest;
        load[lightest] += modules[i].seconds;
    }

    qsort(modules, n_modules, sizeof(*modules), by_module);
    for (size_t i = 0; i < n; i++)
        part_of[i] = find_module(modules, n_modules, tests[i].module)->part;
    if (part_seconds)
        memcpy(part_seconds, load, parts * sizeof(*load));
    free(load);
    free(modules);
}
