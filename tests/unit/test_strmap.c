/*
 * Unit tests of the string map (core/strmap.h): lookups, replacement,
 * removal that keeps every other key findable (the probe chains of open
 * addressing), growth, and a long random sequence of operations checked
 * against a plain array.
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
