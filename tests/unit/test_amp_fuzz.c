/*
 * The AMP decoder against random bytes: whatever a broken worker sends, the
 * decoder must not crash or read out of bounds, and must answer with boxes
 * that lie inside what it was fed, "need more", or an error that then
 * sticks.  The generator is seeded, so a failure names a case that can be
 * replayed; build with -DCCT_SANITIZE=ON to have out-of-bounds reads
 * caught, not only crashes.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "amp.h"
#include "error.h"
#include "util.h"

/* xorshift64*: small, and the same sequence everywhere. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

/* Random bytes, biased towards small length prefixes so that many inputs
 * hold complete boxes instead of failing on their first length. */
static void random_bytes(uint64_t *state, unsigned char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next_random(state);
        switch (r % 4) {
        case 0: buf[i] = 0; break;
        case 1: buf[i] = (unsigned char)(r >> 8) % 8; break;
        default: buf[i] = (unsigned char)(r >> 16); break;
        }
    }
}

/* Checks a box against the bytes the decoder holds: every key and value
 * must lie inside them, and keys obey AMP's limits. */
static void check_box(const cct_amp_decoder *d, const cct_amp_box *box,
                      uint64_t seed)
{
    const char *lo = d->in.data, *hi = d->in.data + d->in.len;
    cr_assert_leq(box->n, CCT_AMP_MAX_PAIRS, "seed %llu",
                  (unsigned long long)seed);
    for (size_t i = 0; i < box->n; i++) {
        const cct_amp_pair *p = &box->pairs[i];
        cr_assert(p->key_len >= 1 && p->key_len <= CCT_AMP_MAX_KEY,
                  "seed %llu: key of %zu bytes", (unsigned long long)seed,
                  p->key_len);
        cr_assert(p->key >= lo && p->key + p->key_len <= hi,
                  "seed %llu: key outside the buffer",
                  (unsigned long long)seed);
        cr_assert(p->value >= lo && p->value + p->value_len <= hi,
                  "seed %llu: value outside the buffer",
                  (unsigned long long)seed);
        /* Any value may be read as a list; items must stay inside it. */
        size_t pos = 0, item_len;
        const char *item;
        while (cct_amp_list_next(p->value, p->value_len, &pos, &item,
                                 &item_len) == 1)
            cr_assert(item >= p->value &&
                          item + item_len <= p->value + p->value_len,
                      "seed %llu: list item outside its value",
                      (unsigned long long)seed);
        long long n;
        int b;
        (void)cct_amp_get_int(box, "k", &n);
        (void)cct_amp_get_bool(box, "k", &b);
    }
}

/* One random stream fed in random chunks; returns the boxes decoded. */
static size_t run_case(uint64_t seed)
{
    uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
    size_t len = 1 + next_random(&state) % 4096;
    unsigned char *bytes = cct_xmalloc(len);
    random_bytes(&state, bytes, len);

    cct_amp_decoder d;
    cct_amp_decoder_init(&d);
    size_t at = 0, boxes = 0;
    int error = 0;
    while (at < len) {
        size_t chunk = 1 + next_random(&state) % 300;
        if (chunk > len - at)
            chunk = len - at;
        cct_amp_decoder_feed(&d, (const char *)bytes + at, chunk);
        at += chunk;
        cct_amp_box box;
        int rc;
        while ((rc = cct_amp_decoder_next(&d, &box)) == 1) {
            cr_assert_not(error, "seed %llu: a box after an error",
                          (unsigned long long)seed);
            check_box(&d, &box, seed);
            boxes++;
        }
        if (rc < 0) {
            cr_assert(rc == CCT_EPROTOCOL || rc == CCT_ETOOLONG,
                      "seed %llu: unexpected code %d",
                      (unsigned long long)seed, rc);
            cr_assert(!error || rc == error, "seed %llu: the error changed",
                      (unsigned long long)seed);
            error = rc;
        } else {
            cr_assert_not(error, "seed %llu: an error did not stick",
                          (unsigned long long)seed);
        }
        cr_assert_leq(cct_amp_decoder_pending(&d), at);
    }
    cct_amp_decoder_free(&d);
    free(bytes);
    return boxes;
}

Test(amp_fuzz, random_bytes_never_crash_the_decoder)
{
    size_t boxes = 0;
    for (uint64_t seed = 1; seed <= 20000; seed++)
        boxes += run_case(seed);
    /* The bias above must make the test exercise complete boxes too. */
    cr_assert_gt(boxes, 1000, "only %zu boxes decoded", boxes);
}

/* Valid boxes with random garbage spliced in at a random place: the boxes
 * before the garbage come out intact. */
Test(amp_fuzz, boxes_before_garbage_are_intact)
{
    for (uint64_t seed = 1; seed <= 2000; seed++) {
        uint64_t state = seed;
        cct_buf stream;
        cct_buf_init(&stream);
        size_t good = 1 + next_random(&state) % 20;
        for (size_t i = 0; i < good; i++) {
            cr_assert_eq(cct_amp_put_int(&stream, "i", (long long)i), 0);
            cct_amp_end(&stream);
        }
        unsigned char garbage[64];
        random_bytes(&state, garbage, sizeof(garbage));
        cct_buf_add(&stream, garbage, sizeof(garbage));

        cct_amp_decoder d;
        cct_amp_decoder_init(&d);
        cct_amp_decoder_feed(&d, stream.data, stream.len);
        cct_amp_box box;
        for (size_t i = 0; i < good; i++) {
            cr_assert_eq(cct_amp_decoder_next(&d, &box), 1, "seed %llu",
                         (unsigned long long)seed);
            long long got;
            cr_assert_eq(cct_amp_get_int(&box, "i", &got), 0);
            cr_assert_eq(got, (long long)i);
        }
        int rc;
        while ((rc = cct_amp_decoder_next(&d, &box)) == 1)
            check_box(&d, &box, seed);
        cr_assert(rc == 0 || rc == CCT_EPROTOCOL || rc == CCT_ETOOLONG);
        cct_amp_decoder_free(&d);
        cct_buf_free(&stream);
    }
}
