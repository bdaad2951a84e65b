/*
 * A map from strings to indexes, for interning file names and finding
 * tests by id.  Open addressing with linear probing; keys are borrowed (the
 * caller keeps them alive as long as the map).
 *
 * On it, a set of strings it owns (cct_strset), and the union of two
 * string vectors: where a run's results are looked up among thousands of
 * its tests, a cct_strv's linear search made the work quadratic.
 */
#ifndef CCT_STRMAP_H
#define CCT_STRMAP_H

#include <stddef.h>

#include "util.h"

#define CCT_STRMAP_MISSING ((size_t)-1)

typedef struct cct_strmap {
    const char **keys;
    size_t *values;
    size_t n, cap;
} cct_strmap;

void cct_strmap_init(cct_strmap *m);
void cct_strmap_free(cct_strmap *m);
void cct_strmap_clear(cct_strmap *m);
/* Sets key to value (replacing an existing value). */
void cct_strmap_put(cct_strmap *m, const char *key, size_t value);
/* Removes key if present. */
void cct_strmap_remove(cct_strmap *m, const char *key);
/* The value of key, or CCT_STRMAP_MISSING. */
size_t cct_strmap_get(const cct_strmap *m, const char *key);
/* Puts each item of `v` as a key, its index as the value. */
void cct_strmap_index(cct_strmap *m, const cct_strv *v);

/* Strings it owns, each once, in the order added (but for removals: the
 * last item takes the place of the one removed). */
typedef struct cct_strset {
    cct_strv items;
    cct_strmap index; /* each item, borrowed, to its place in items */
} cct_strset;

void cct_strset_init(cct_strset *s);
void cct_strset_free(cct_strset *s);
void cct_strset_clear(cct_strset *s);
/* Adds a copy of `item` unless it is there: 1 when added, else 0. */
int cct_strset_add(cct_strset *s, const char *item);
int cct_strset_contains(const cct_strset *s, const char *item);
/* 1 when `item` was there and is removed, else 0. */
int cct_strset_remove(cct_strset *s, const char *item);

/* Appends to `to` each item of `from` that it does not hold yet, in
 * `from`'s order (each once). */
void cct_strv_add_missing(cct_strv *to, const cct_strv *from);

#endif
