/*
 * A map from strings to indexes, for interning file names and finding
 * tests by id.  Open addressing with linear probing; keys are borrowed (the
 * caller keeps them alive as long as the map).
 */
#ifndef CCT_STRMAP_H
#define CCT_STRMAP_H

#include <stddef.h>

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

#endif
