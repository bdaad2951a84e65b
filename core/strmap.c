/*
 * The string map of strmap.h: FNV-1a hashing, a power-of-two table kept at
 * most half full; the string set and the union built on it.
 */
#include "strmap.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void cct_strmap_init(cct_strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void cct_strmap_free(cct_strmap *m)
{
    free(m->keys);
    free(m->values);
    cct_strmap_init(m);
}

void cct_strmap_clear(cct_strmap *m)
{
    if (m->keys)
        memset(m->keys, 0, m->cap * sizeof(*m->keys));
    m->n = 0;
}

static size_t slot_of(const cct_strmap *m, const char *key)
{
    size_t i = (size_t)hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void rehash(cct_strmap *m, size_t cap)
{
    cct_strmap old = *m;
    m->cap = cap;
    m->n = 0;
    m->keys = cct_xcalloc(cap, sizeof(*m->keys));
    m->values = cct_xcalloc(cap, sizeof(*m->values));
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            cct_strmap_put(m, old.keys[i], old.values[i]);
    free(old.keys);
    free(old.values);
}

void cct_strmap_put(cct_strmap *m, const char *key, size_t value)
{
    if (2 * (m->n + 1) > m->cap)
        rehash(m, m->cap ? 2 * m->cap : 16);
    size_t i = slot_of(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->values[i] = value;
}

size_t cct_strmap_get(const cct_strmap *m, const char *key)
{
    if (m->cap == 0)
        return CCT_STRMAP_MISSING;
    size_t i = slot_of(m, key);
    return m->keys[i] ? m->values[i] : CCT_STRMAP_MISSING;
}

void cct_strmap_remove(cct_strmap *m, const char *key)
{
    if (m->cap == 0)
        return;
    size_t i = slot_of(m, key);
    if (!m->keys[i])
        return;
    m->keys[i] = NULL;
    m->n--;
    /* Backward-shift deletion: move later entries of the probe chain into
     * the hole so that lookups never stop early. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & (m->cap - 1);
        if (!m->keys[j])
            return;
        size_t home = (size_t)hash(m->keys[j]) & (m->cap - 1);
        /* Is `home` cyclically outside (i, j]?  Then the entry may move. */
        int movable = i <= j ? (home <= i || home > j)
                             : (home <= i && home > j);
        if (movable) {
            m->keys[i] = m->keys[j];
            m->values[i] = m->values[j];
            m->keys[j] = NULL;
            i = j;
        }
    }
}

void cct_strmap_index(cct_strmap *m, const cct_strv *v)
{
    for (size_t i = 0; i < v->len; i++)
        cct_strmap_put(m, v->items[i], i);
}

void cct_strset_init(cct_strset *s)
{
    cct_strv_init(&s->items);
    cct_strmap_init(&s->index);
}

void cct_strset_free(cct_strset *s)
{
    cct_strmap_free(&s->index);
    cct_strv_free(&s->items);
}

void cct_strset_clear(cct_strset *s)
{
    cct_strmap_clear(&s->index);
    cct_strv_clear(&s->items);
}

int cct_strset_add(cct_strset *s, const char *item)
{
    if (cct_strmap_get(&s->index, item) != CCT_STRMAP_MISSING)
        return 0;
    cct_strv_add(&s->items, item);
    cct_strmap_put(&s->index, s->items.items[s->items.len - 1],
                   s->items.len - 1);
    return 1;
}

int cct_strset_contains(const cct_strset *s, const char *item)
{
    return cct_strmap_get(&s->index, item) != CCT_STRMAP_MISSING;
}

int cct_strset_remove(cct_strset *s, const char *item)
{
    size_t at = cct_strmap_get(&s->index, item);
    if (at == CCT_STRMAP_MISSING)
        return 0;
    char **items = s->items.items;
    size_t last = s->items.len - 1;
    assert(strcmp(items[at], item) == 0);
    /* Out of the index while its key, the item, still lives. */
    cct_strmap_remove(&s->index, items[at]);
    free(items[at]);
    if (at != last) {
        items[at] = items[last];
        cct_strmap_put(&s->index, items[at], at);
    }
    items[last] = NULL;
    s->items.len = last;
    return 1;
}

void cct_strv_add_missing(cct_strv *to, const cct_strv *from)
{
    cct_strmap held;
    cct_strmap_init(&held);
    cct_strmap_index(&held, to);
    for (size_t i = 0; i < from->len; i++)
        if (cct_strmap_get(&held, from->items[i]) == CCT_STRMAP_MISSING) {
            cct_strv_add(to, from->items[i]);
            cct_strmap_put(&held, to->items[to->len - 1], to->len - 1);
        }
    cct_strmap_free(&held);
}
