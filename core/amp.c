/*
 * The AMP codec (see amp.h): an incremental decoder and a small encoder.
 */
#include "amp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Compact the buffer once this much of it has been handed out. */
#define COMPACT_AFTER 65536

static size_t read_u16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((size_t)u[0] << 8) | u[1];
}

static void put_u16(cct_buf *out, size_t n)
{
    char be[2] = {(char)((n >> 8) & 0xff), (char)(n & 0xff)};
    cct_buf_add(out, be, 2);
}

void cct_amp_decoder_init(cct_amp_decoder *d)
{
    cct_buf_init(&d->in);
    d->start = 0;
    d->failed = 0;
}

void cct_amp_decoder_free(cct_amp_decoder *d)
{
    cct_buf_free(&d->in);
    d->start = 0;
}

void cct_amp_decoder_feed(cct_amp_decoder *d, const char *data, size_t len)
{
    if (d->start == d->in.len) {
        cct_buf_reset(&d->in);
        d->start = 0;
    } else if (d->start >= COMPACT_AFTER) {
        cct_buf_consume(&d->in, d->start);
        d->start = 0;
    }
    cct_buf_add(&d->in, data, len);
}

size_t cct_amp_decoder_pending(const cct_amp_decoder *d)
{
    return d->in.len - d->start;
}

int cct_amp_decoder_next(cct_amp_decoder *d, cct_amp_box *box)
{
    if (d->failed)
        return d->failed;
    const char *base = d->in.data + d->start;
    size_t avail = d->in.len - d->start, pos = 0;
    box->n = 0;
    for (;;) {
        if (avail - pos < 2)
            return 0;
        size_t key_len = read_u16(base + pos);
        if (key_len == 0)
            break;
        if (key_len > CCT_AMP_MAX_KEY)
            return d->failed = CCT_ETOOLONG;
        if (box->n == CCT_AMP_MAX_PAIRS)
            return d->failed = CCT_EPROTOCOL;
        /* The key and the value's length prefix must both be here. */
        if (avail - pos < 2 + key_len + 2)
            return 0;
        size_t value_len = read_u16(base + pos + 2 + key_len);
        if (avail - pos < 2 + key_len + 2 + value_len)
            return 0;
        cct_amp_pair *pair = &box->pairs[box->n++];
        pair->key = base + pos + 2;
        pair->key_len = key_len;
        pair->value = base + pos + 2 + key_len + 2;
        pair->value_len = value_len;
        pos += 2 + key_len + 2 + value_len;
    }
    d->start += pos + 2;
    return 1;
}

static const cct_amp_pair *find(const cct_amp_box *box, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < box->n; i++)
        if (box->pairs[i].key_len == n &&
            memcmp(box->pairs[i].key, key, n) == 0)
            return &box->pairs[i];
    return NULL;
}

int cct_amp_has(const cct_amp_box *box, const char *key)
{
    return find(box, key) != NULL;
}

const char *cct_amp_get(const cct_amp_box *box, const char *key,
                        size_t *len)
{
    const cct_amp_pair *p = find(box, key);
    if (!p)
        return NULL;
    if (len)
        *len = p->value_len;
    return p->value;
}

char *cct_amp_get_dup(const cct_amp_box *box, const char *key)
{
    size_t len;
    const char *v = cct_amp_get(box, key, &len);
    return v ? cct_xstrndup(v, len) : NULL;
}

int cct_amp_get_int(const cct_amp_box *box, const char *key, long long *out)
{
    size_t len;
    const char *v = cct_amp_get(box, key, &len);
    /* Twisted writes integers as plain decimal text. */
    if (!v || len == 0 || len > 20)
        return CCT_EPROTOCOL;
    char text[21];
    memcpy(text, v, len);
    text[len] = '\0';
    size_t digits_from = text[0] == '-' ? 1 : 0;
    if (digits_from == len || strspn(text + digits_from, "0123456789") !=
                                  len - digits_from)
        return CCT_EPROTOCOL;
    /* Twenty digits can exceed long long; strtoll would then clamp to
     * LLONG_MAX or LLONG_MIN silently, so that two different ids could
     * read alike.  Out of range is not an integer we can hold (found by
     * tests/fuzz/fuzz_amp; regressions/amp/get_int_overflow). */
    errno = 0;
    long long n = strtoll(text, NULL, 10);
    if (errno == ERANGE)
        return CCT_EPROTOCOL;
    *out = n;
    return 0;
}

int cct_amp_get_bool(const cct_amp_box *box, const char *key, int *out)
{
    size_t len;
    const char *v = cct_amp_get(box, key, &len);
    if (v && len == 4 && memcmp(v, "True", 4) == 0)
        *out = 1;
    else if (v && len == 5 && memcmp(v, "False", 5) == 0)
        *out = 0;
    else
        return CCT_EPROTOCOL;
    return 0;
}

int cct_amp_list_next(const char *list, size_t len, size_t *pos,
                      const char **item, size_t *item_len)
{
    if (*pos == len)
        return 0;
    if (len - *pos < 2)
        return CCT_EPROTOCOL;
    size_t n = read_u16(list + *pos);
    if (len - *pos - 2 < n)
        return CCT_EPROTOCOL;
    *item = list + *pos + 2;
    *item_len = n;
    *pos += 2 + n;
    return 1;
}

int cct_amp_put(cct_buf *out, const char *key, const void *value, size_t len)
{
    size_t key_len = strlen(key);
    if (key_len == 0 || key_len > CCT_AMP_MAX_KEY || len > CCT_AMP_MAX_VALUE)
        return CCT_ETOOLONG;
    put_u16(out, key_len);
    cct_buf_add(out, key, key_len);
    put_u16(out, len);
    cct_buf_add(out, value, len);
    return 0;
}

int cct_amp_put_str(cct_buf *out, const char *key, const char *value)
{
    return cct_amp_put(out, key, value, strlen(value));
}

int cct_amp_put_int(cct_buf *out, const char *key, long long value)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%lld", value);
    return cct_amp_put(out, key, text, (size_t)n);
}

int cct_amp_put_bool(cct_buf *out, const char *key, int value)
{
    return cct_amp_put_str(out, key, value ? "True" : "False");
}

void cct_amp_end(cct_buf *out)
{
    put_u16(out, 0);
}

int cct_amp_list_add(cct_buf *list, const void *item, size_t len)
{
    if (len > CCT_AMP_MAX_VALUE || list->len + 2 + len > CCT_AMP_MAX_VALUE)
        return CCT_ETOOLONG;
    put_u16(list, len);
    cct_buf_add(list, item, len);
    return 0;
}
