/*
 * Unit tests of the string map (core/strmap.h): lookups, replacement,
 * removal that keeps every other key findable (the probe chains of open
 * addressing), growth, and a long random sequence of operations checked
 * against a plain array; then the string set (its own copies, each once,
 * removal that keeps the index true, the same random check) and the union
 * of two vectors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

enum { KEYS = 3000 };

static cct_strmap map;
/* Keys are borrowed by the map: they live here for the whole test. */
static char keys[KEYS][16];

static void setup(void)
{
    cct_strmap_init(&map);
    for (int i = 0; i < KEYS; i++)
        snprintf(keys[i], sizeof(keys[i]), "key-%d", i);
}

static void teardown(void)
{
    cct_strmap_free(&map);
}

TestSuite(strmap, .init = setup, .fini = teardown);

Test(strmap, an_empty_map_has_nothing)
{
    cr_assert_eq(cct_strmap_get(&map, "x"), CCT_STRMAP_MISSING);
    cct_strmap_remove(&map, "x"); /* harmless */
    cr_assert_eq(cct_strmap_get(&map, "x"), CCT_STRMAP_MISSING);
    cr_assert_eq(map.n, 0);
}

Test(strmap, put_then_get)
{
    cct_strmap_put(&map, "a", 1);
    cct_strmap_put(&map, "b", 2);
    cct_strmap_put(&map, "", 3);
    cr_assert_eq(cct_strmap_get(&map, "a"), 1);
    cr_assert_eq(cct_strmap_get(&map, "b"), 2);
    cr_assert_eq(cct_strmap_get(&map, ""), 3, "the empty string is a key");
    cr_assert_eq(cct_strmap_get(&map, "c"), CCT_STRMAP_MISSING);
    cr_assert_eq(map.n, 3);
}

Test(strmap, keys_compare_by_content_not_address)
{
    char copy[] = "a";
    cct_strmap_put(&map, "a", 7);
    cr_assert_eq(cct_strmap_get(&map, copy), 7);
}

Test(strmap, put_replaces_an_existing_value)
{
    cct_strmap_put(&map, "a", 1);
    cct_strmap_put(&map, "a", 9);
    cr_assert_eq(cct_strmap_get(&map, "a"), 9);
    cr_assert_eq(map.n, 1);
}

Test(strmap, remove_forgets_only_that_key)
{
    cct_strmap_put(&map, "a", 1);
    cct_strmap_put(&map, "b", 2);
    cct_strmap_remove(&map, "a");
    cr_assert_eq(cct_strmap_get(&map, "a"), CCT_STRMAP_MISSING);
    cr_assert_eq(cct_strmap_get(&map, "b"), 2);
    cct_strmap_remove(&map, "a"); /* again: nothing happens */
    cr_assert_eq(map.n, 1);
    cct_strmap_put(&map, "a", 3);
    cr_assert_eq(cct_strmap_get(&map, "a"), 3);
}

Test(strmap, many_keys_survive_growth)
{
    for (int i = 0; i < KEYS; i++)
        cct_strmap_put(&map, keys[i], (size_t)i * 10);
    cr_assert_eq(map.n, KEYS);
    for (int i = 0; i < KEYS; i++)
        cr_assert_eq(cct_strmap_get(&map, keys[i]), (size_t)i * 10,
                     "%s lost", keys[i]);
    cr_assert_eq(cct_strmap_get(&map, "key-3000"), CCT_STRMAP_MISSING);
}

Test(strmap, removal_keeps_probe_chains_intact)
{
    /* Thousands of keys in a table kept at most half full collide often:
     * removing any of them must not hide a key probed past it. */
    for (int i = 0; i < KEYS; i++)
        cct_strmap_put(&map, keys[i], (size_t)i);
    for (int i = 0; i < KEYS; i += 3)
        cct_strmap_remove(&map, keys[i]);
    for (int i = 0; i < KEYS; i++) {
        size_t expected = i % 3 == 0 ? CCT_STRMAP_MISSING : (size_t)i;
        cr_assert_eq(cct_strmap_get(&map, keys[i]), expected,
                     "%s after removing every third key", keys[i]);
    }
    cr_assert_eq(map.n, KEYS - (KEYS + 2) / 3);
}

Test(strmap, clear_empties_the_map_and_it_can_be_refilled)
{
    for (int i = 0; i < 100; i++)
        cct_strmap_put(&map, keys[i], (size_t)i);
    cct_strmap_clear(&map);
    cr_assert_eq(map.n, 0);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(cct_strmap_get(&map, keys[i]), CCT_STRMAP_MISSING);
    cct_strmap_put(&map, keys[5], 55);
    cr_assert_eq(cct_strmap_get(&map, keys[5]), 55);
}

/* xorshift64: a fixed sequence, so a failure can be replayed. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

Test(strmap, random_operations_agree_with_a_plain_array)
{
    /* A small key universe makes puts, replacements and removals of
     * present keys all frequent; model[i] is what the map should say. */
    enum { UNIVERSE = 500, OPS = 200000 };
    static size_t model[UNIVERSE];
    for (int i = 0; i < UNIVERSE; i++)
        model[i] = CCT_STRMAP_MISSING;
    size_t present = 0;
    uint64_t state = 88172645463325252ull;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = next_random(&state);
        int k = (int)(r % UNIVERSE);
        if ((r >> 32) % 3 == 0) {
            present -= model[k] != CCT_STRMAP_MISSING;
            cct_strmap_remove(&map, keys[k]);
            model[k] = CCT_STRMAP_MISSING;
        } else {
            present += model[k] == CCT_STRMAP_MISSING;
            cct_strmap_put(&map, keys[k], (size_t)op);
            model[k] = (size_t)op;
        }
        int probe = (int)((r >> 16) % UNIVERSE);
        cr_assert_eq(cct_strmap_get(&map, keys[probe]), model[probe],
                     "operation %d: %s", op, keys[probe]);
    }
    cr_assert_eq(map.n, present);
    for (int i = 0; i < UNIVERSE; i++)
        cr_assert_eq(cct_strmap_get(&map, keys[i]), model[i], "%s", keys[i]);
}

TestSuite(strset, .init = setup, .fini = teardown);

/* The set must agree with its vector: each item indexed at its place. */
static void assert_set_consistent(const cct_strset *set)
{
    cr_assert_eq(set->index.n, set->items.len);
    cr_assert_null(set->items.items ? set->items.items[set->items.len]
                                    : NULL);
    for (size_t i = 0; i < set->items.len; i++)
        cr_assert_eq(cct_strmap_get(&set->index, set->items.items[i]), i,
                     "%s", set->items.items[i]);
}

Test(strset, holds_copies_each_once_in_order)
{
    cct_strset set;
    cct_strset_init(&set);
    char word[] = "alpha";
    cr_assert_eq(cct_strset_add(&set, word), 1);
    word[0] = 'A'; /* the set has its own copy */
    cr_assert(cct_strset_contains(&set, "alpha"));
    cr_assert_not(cct_strset_contains(&set, "Alpha"));
    cr_assert_eq(cct_strset_add(&set, "alpha"), 0, "already there");
    cr_assert_eq(cct_strset_add(&set, "beta"), 1);
    cr_assert_eq(set.items.len, 2);
    cr_assert_str_eq(set.items.items[0], "alpha");
    cr_assert_str_eq(set.items.items[1], "beta");
    assert_set_consistent(&set);
    cct_strset_clear(&set);
    cr_assert_not(cct_strset_contains(&set, "alpha"));
    cr_assert_eq(set.items.len, 0);
    cr_assert_eq(cct_strset_add(&set, "alpha"), 1, "cleared, it may come back");
    cct_strset_free(&set);
}

Test(strset, removing_moves_the_last_item_into_the_hole)
{
    cct_strset set;
    cct_strset_init(&set);
    cct_strset_add(&set, "a");
    cct_strset_add(&set, "b");
    cct_strset_add(&set, "c");
    cr_assert_eq(cct_strset_remove(&set, "a"), 1);
    cr_assert_eq(cct_strset_remove(&set, "a"), 0, "gone already");
    cr_assert_eq(cct_strset_remove(&set, "zzz"), 0, "never there");
    cr_assert_eq(set.items.len, 2);
    cr_assert_str_eq(set.items.items[0], "c");
    cr_assert_str_eq(set.items.items[1], "b");
    assert_set_consistent(&set);
    cr_assert_eq(cct_strset_remove(&set, "b"), 1, "the last one");
    cr_assert_eq(cct_strset_remove(&set, "c"), 1);
    cr_assert_eq(set.items.len, 0);
    assert_set_consistent(&set);
    cct_strset_free(&set);
}

Test(strset, random_operations_agree_with_a_plain_array)
{
    enum { UNIVERSE = 300, OPS = 50000 };
    static int model[UNIVERSE];
    cct_strset set;
    cct_strset_init(&set);
    uint64_t state = 2463534242ull;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = next_random(&state);
        int k = (int)(r % UNIVERSE);
        if ((r >> 32) % 3 == 0) {
            cr_assert_eq(cct_strset_remove(&set, keys[k]), model[k],
                         "operation %d: removing %s", op, keys[k]);
            model[k] = 0;
        } else {
            cr_assert_eq(cct_strset_add(&set, keys[k]), !model[k],
                         "operation %d: adding %s", op, keys[k]);
            model[k] = 1;
        }
        int probe = (int)((r >> 16) % UNIVERSE);
        cr_assert_eq(cct_strset_contains(&set, keys[probe]), model[probe],
                     "operation %d: %s", op, keys[probe]);
        if (op % 1000 == 0)
            assert_set_consistent(&set);
    }
    assert_set_consistent(&set);
    cct_strset_free(&set);
}

Test(strset, add_missing_appends_what_is_new_once_in_order)
{
    cct_strv to, from;
    cct_strv_init(&to);
    cct_strv_init(&from);
    cct_strv_add(&to, "x");
    cct_strv_add(&to, "y");
    cct_strv_add(&from, "z");
    cct_strv_add(&from, "y");
    cct_strv_add(&from, "w");
    cct_strv_add(&from, "z");
    cct_strv_add_missing(&to, &from);
    const char *want[] = {"x", "y", "z", "w"};
    cr_assert_eq(to.len, 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(to.items[i], want[i]);
    cr_assert_null(to.items[4]);
    cct_strv_add_missing(&to, &to); /* nothing is new */
    cr_assert_eq(to.len, 4);
    cct_strv_free(&to);
    cct_strv_free(&from);
}
