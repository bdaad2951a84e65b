/*
 * libFuzzer target for the AMP decoder (core/amp.c), the code that reads
 * whatever a worker sends.  Whatever the bytes and wherever they are cut,
 * the decoder must not crash or read outside what it was fed, every box it
 * hands out must be exactly the bytes it came from (encoding the box again
 * gives them back), the value getters and the ListOf iterator must agree
 * with the box, and an error must stick.
 *
 * Input: one mode byte, then the stream.
 *   bits 0-5  feed size: 0 feeds the stream at once, n feeds n bytes at a
 *             time (a box may arrive split at any byte);
 *   bit 6     feed everything first, then take the boxes (else take them
 *             after every feed, as the worker code does);
 *   bit 7     repeat the stream past 64 KiB, so that the decoder compacts
 *             its buffer while it still holds part of a box (feeds are then
 *             64 times bigger, to keep each run short).
 * The stream is decoded twice, cut as the mode says and in one piece: both
 * must give the same boxes and end in the same state.
 *
 * The harness reads the decoder's fields (in, start) to know which bytes a
 * box came from; the core itself only uses the functions.
 */
#include <stdio.h>
#include <string.h>

#include "amp.h"
#include "error.h"
#include "fuzz.h"
#include "util.h"

/* Past the decoder's compaction threshold (COMPACT_AFTER in amp.c). */
#define REPEAT_BYTES (65536 + 1024)

/* How many boxes of a stream are encoded again and get the getters and
 * ListOf checks (in one of the two decodings: they see the same boxes). */
#define FULL_BOXES 256

/* The largest box AMP allows; an unfinished one can never be bigger. */
#define MAX_BOX \
    (CCT_AMP_MAX_PAIRS * (2 + CCT_AMP_MAX_KEY + 2 + CCT_AMP_MAX_VALUE) + 2)

/* Keys trial's commands use, looked up in every box with every getter. */
static const char *const known_keys[] = {
    "_ask", "_answer", "_command", "_error", "_error_code", "success",
    "testName", "streamId", "frames", "out", "data", NULL,
};

typedef struct outcome {
    size_t boxes;
    size_t consumed; /* bytes handed out as boxes */
    int status;      /* what the last cct_amp_decoder_next() returned */
} outcome;

/* The decimal text of a value as "%lld" would print it: no leading zeros
 * and no "-0".  NULL when it is not an optional '-' and digits. */
static char *canonical_integer(const char *v, size_t len)
{
    size_t sign = len && v[0] == '-';
    if (len == sign)
        return NULL;
    for (size_t i = sign; i < len; i++)
        if (v[i] < '0' || v[i] > '9')
            return NULL;
    size_t first = sign;
    while (first < len - 1 && v[first] == '0')
        first++;
    int zero = v[first] == '0';
    return cct_xasprintf("%s%.*s", sign && !zero ? "-" : "",
                         (int)(len - first), v + first);
}

/* Does canonical decimal text fit a long long? */
static int fits_long_long(const char *text)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    const char *limit = text[0] == '-' ? "9223372036854775808"
                                       : "9223372036854775807";
    size_t n = strlen(digits), m = strlen(limit);
    return n < m || (n == m && strcmp(digits, limit) <= 0);
}

static void check_int(const cct_amp_box *box, const char *key)
{
    size_t len;
    const char *v = cct_amp_get(box, key, &len);
    long long n = 0;
    int rc = cct_amp_get_int(box, key, &n);
    char *canon = v ? canonical_integer(v, len) : NULL;
    if (rc == 0) {
        /* Accepted: it must be the number the text says. */
        char printed[32];
        snprintf(printed, sizeof(printed), "%lld", n);
        CCT_FUZZ_CHECK(canon && strcmp(canon, printed) == 0);
    } else {
        /* Refused: missing, not decimal, over AMP's 20 characters, or out
         * of range. */
        CCT_FUZZ_CHECK(rc == CCT_EPROTOCOL);
        CCT_FUZZ_CHECK(!canon || len > 20 || !fits_long_long(canon));
    }
    free(canon);
}

static void check_getters(const cct_amp_box *box, const char *key)
{
    /* Lookups answer with the first pair of that key. */
    const cct_amp_pair *first = NULL;
    size_t key_len = strlen(key);
    for (size_t i = 0; i < box->n && !first; i++)
        if (box->pairs[i].key_len == key_len &&
            memcmp(box->pairs[i].key, key, key_len) == 0)
            first = &box->pairs[i];
    size_t len = 0;
    const char *v = cct_amp_get(box, key, &len);
    CCT_FUZZ_CHECK(cct_amp_has(box, key) == (first != NULL));
    CCT_FUZZ_CHECK(v == (first ? first->value : NULL));
    CCT_FUZZ_CHECK(!first || len == first->value_len);

    char *dup = cct_amp_get_dup(box, key);
    CCT_FUZZ_CHECK((dup != NULL) == (first != NULL));
    CCT_FUZZ_CHECK(!dup || (memcmp(dup, v, len) == 0 && dup[len] == '\0'));
    free(dup);

    int b = -1;
    int rc = cct_amp_get_bool(box, key, &b);
    int is_true = v && len == 4 && memcmp(v, "True", 4) == 0;
    int is_false = v && len == 5 && memcmp(v, "False", 5) == 0;
    CCT_FUZZ_CHECK(rc == 0 ? b == is_true && (is_true || is_false)
                           : rc == CCT_EPROTOCOL && !is_true && !is_false);
    check_int(box, key);
}

/* Walks a value as a ListOf: items inside the value, and either the whole
 * value used up (then cct_amp_list_add() builds the same bytes from the
 * items) or an error. */
static void check_list(const char *value, size_t len)
{
    size_t pos = 0, items = 0;
    const char *item;
    size_t item_len;
    cct_buf again;
    cct_buf_init(&again);
    int rc;
    while ((rc = cct_amp_list_next(value, len, &pos, &item, &item_len)) ==
           1) {
        CCT_FUZZ_CHECK(item >= value + 2 && item + item_len <= value + len);
        CCT_FUZZ_CHECK(item + item_len == value + pos && pos <= len);
        CCT_FUZZ_CHECK(++items <= len / 2);
        CCT_FUZZ_CHECK(cct_amp_list_add(&again, item, item_len) == 0);
    }
    CCT_FUZZ_CHECK(rc == 0 ? pos == len : rc == CCT_EPROTOCOL);
    if (rc == 0)
        CCT_FUZZ_CHECK(again.len == len &&
                       (len == 0 || memcmp(again.data, value, len) == 0));
    cct_buf_free(&again);
}

static size_t be16(const char *p)
{
    return ((size_t)(unsigned char)p[0] << 8) | (unsigned char)p[1];
}

/* The box's pairs are the bytes [0, size) of `raw`, one after the other:
 * each key and value right behind its two length bytes, and a zero length
 * at the end. */
static void check_layout(const cct_amp_box *box, const char *raw,
                         size_t size)
{
    CCT_FUZZ_CHECK(box->n <= CCT_AMP_MAX_PAIRS);
    size_t at = 0;
    for (size_t i = 0; i < box->n; i++) {
        const cct_amp_pair *p = &box->pairs[i];
        CCT_FUZZ_CHECK(p->key_len >= 1 && p->key_len <= CCT_AMP_MAX_KEY);
        CCT_FUZZ_CHECK(p->value_len <= CCT_AMP_MAX_VALUE);
        CCT_FUZZ_CHECK(size - at >= 2 + p->key_len + 2 + p->value_len);
        CCT_FUZZ_CHECK(be16(raw + at) == p->key_len &&
                       p->key == raw + at + 2);
        at += 2 + p->key_len;
        CCT_FUZZ_CHECK(be16(raw + at) == p->value_len &&
                       p->value == raw + at + 2);
        at += 2 + p->value_len;
    }
    CCT_FUZZ_CHECK(size - at == 2 && be16(raw + at) == 0);
}

/* Encoding the box again with cct_amp_put() gives its bytes back (when
 * no key holds a NUL: the encoder takes C strings).  Also runs the getters
 * and the ListOf walk on it. */
static void check_contents(const cct_amp_box *box, const char *raw,
                           size_t size)
{
    cct_buf again;
    cct_buf_init(&again);
    int nul_in_key = 0;
    for (size_t i = 0; i < box->n; i++) {
        const cct_amp_pair *p = &box->pairs[i];
        char key[CCT_AMP_MAX_KEY + 1];
        memcpy(key, p->key, p->key_len);
        key[p->key_len] = '\0';
        check_list(p->value, p->value_len);
        if (memchr(key, '\0', p->key_len)) {
            nul_in_key = 1;
            continue;
        }
        check_getters(box, key);
        CCT_FUZZ_CHECK(cct_amp_put(&again, key, p->value, p->value_len) ==
                       0);
    }
    cct_amp_end(&again);
    if (!nul_in_key)
        CCT_FUZZ_CHECK(again.len == size &&
                       memcmp(again.data, raw, size) == 0);
    cct_buf_free(&again);
    for (const char *const *k = known_keys; *k; k++)
        check_getters(box, *k);
}

/* Takes every complete box; records how the stream ends so far. */
static void drain(cct_amp_decoder *d, outcome *out, int full)
{
    cct_amp_box box;
    int rc;
    for (;;) {
        size_t from = d->start;
        rc = cct_amp_decoder_next(d, &box);
        if (rc != 1)
            break;
        CCT_FUZZ_CHECK(d->start > from && d->start <= d->in.len);
        const char *raw = d->in.data + from;
        check_layout(&box, raw, d->start - from);
        /* A repeated stream repeats its boxes: the first ones are
         * enough for the slower checks. */
        if (full && out->boxes < FULL_BOXES)
            check_contents(&box, raw, d->start - from);
        out->boxes++;
        out->consumed += d->start - from;
    }
    CCT_FUZZ_CHECK(rc == 0 || rc == CCT_EPROTOCOL || rc == CCT_ETOOLONG);
    /* A malformed stream stays malformed. */
    CCT_FUZZ_CHECK(out->status == 0 || rc == out->status);
    if (rc < 0)
        CCT_FUZZ_CHECK(cct_amp_decoder_next(d, &box) == rc);
    out->status = rc;
}

static void decode(const uint8_t *stream, size_t len, size_t step,
                   int drain_each, int full, outcome *out)
{
    cct_amp_decoder d;
    cct_amp_decoder_init(&d);
    memset(out, 0, sizeof(*out));
    size_t fed = 0;
    do {
        size_t n = step && len - fed > step ? step : len - fed;
        cct_amp_decoder_feed(&d, (const char *)stream + fed, n);
        fed += n;
        if (drain_each || fed == len)
            drain(&d, out, full);
    } while (fed < len);
    /* What is left is the start of one box, never more than a box. */
    CCT_FUZZ_CHECK(cct_amp_decoder_pending(&d) == len - out->consumed);
    CCT_FUZZ_CHECK(out->status != 0 || len - out->consumed < MAX_BOX);
    cct_amp_decoder_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *stream = data + 1;
    size_t len = size - 1;
    uint8_t *repeated = NULL;
    size_t step = mode & 0x3f;
    if ((mode & 0x80) && len > 0) {
        step *= 64;
        size_t copies = REPEAT_BYTES / len + 2;
        repeated = cct_xmalloc(copies * len);
        for (size_t i = 0; i < copies; i++)
            memcpy(repeated + i * len, stream, len);
        stream = repeated;
        len *= copies;
    }
    outcome cut, whole;
    decode(stream, len, step, !(mode & 0x40), 0, &cut);
    decode(stream, len, 0, 1, 1, &whole);
    CCT_FUZZ_CHECK(cut.boxes == whole.boxes);
    CCT_FUZZ_CHECK(cut.consumed == whole.consumed);
    CCT_FUZZ_CHECK(cut.status == whole.status);
    free(repeated);
    return 0;
}
