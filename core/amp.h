/*
 * The AMP codec: Twisted's Asynchronous Messaging Protocol, as trial's
 * workers speak it on file descriptors 3 and 4.
 *
 * Pure: no I/O and no knowledge of commands.  The decoder is incremental (a
 * box may arrive split at any byte) and enforces AMP's limits, so that a
 * worker sending garbage is detected instead of growing our memory.
 *
 * Wire format: a box is a sequence of key/value pairs, each a big-endian
 * uint16 length followed by that many bytes; a zero-length key ends the
 * box.  Keys hold 1 to 255 bytes, values at most 65535.
 */
#ifndef CCT_AMP_H
#define CCT_AMP_H

#include <stddef.h>

#include "util.h"

#define CCT_AMP_MAX_KEY 255
#define CCT_AMP_MAX_VALUE 65535
/* trial's commands carry at most seven keys; a box of more than this many
 * pairs is garbage, and the cap bounds a box to 64 x 64 KiB. */
#define CCT_AMP_MAX_PAIRS 64

typedef struct cct_amp_pair {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} cct_amp_pair;

/* A decoded box.  Its pointers refer to the decoder's buffer and stay valid
 * until the next cct_amp_decoder_feed(). */
typedef struct cct_amp_box {
    size_t n;
    cct_amp_pair pairs[CCT_AMP_MAX_PAIRS];
} cct_amp_box;

typedef struct cct_amp_decoder {
    cct_buf in;     /* bytes received and not yet handed out as boxes */
    size_t start;   /* where the next box begins in `in` */
    int failed;     /* a protocol error was seen: no more boxes */
} cct_amp_decoder;

void cct_amp_decoder_init(cct_amp_decoder *d);
void cct_amp_decoder_free(cct_amp_decoder *d);
/* Appends received bytes.  Invalidates boxes returned earlier. */
void cct_amp_decoder_feed(cct_amp_decoder *d, const char *data, size_t len);
/* Takes the next complete box: returns 1 and fills *box, 0 when more bytes
 * are needed, or a negative CCT_EPROTOCOL / CCT_ETOOLONG when the stream is
 * malformed (and stays so: the peer must be dropped). */
int cct_amp_decoder_next(cct_amp_decoder *d, cct_amp_box *box);
/* Bytes buffered but not yet part of a complete box. */
size_t cct_amp_decoder_pending(const cct_amp_decoder *d);

/* Looking up values in a box: NULL / CCT_EPROTOCOL when the key is missing
 * or the value is not of the type. */
const char *cct_amp_get(const cct_amp_box *box, const char *key,
                        size_t *len);
/* The value as a new NUL-terminated string (NULL if missing). */
char *cct_amp_get_dup(const cct_amp_box *box, const char *key);
int cct_amp_get_int(const cct_amp_box *box, const char *key, long long *out);
int cct_amp_get_bool(const cct_amp_box *box, const char *key, int *out);
int cct_amp_has(const cct_amp_box *box, const char *key);

/* Iterates a ListOf value: returns 1 with the next item, 0 at the end, or
 * CCT_EPROTOCOL when an item's length runs past the value. */
int cct_amp_list_next(const char *list, size_t len, size_t *pos,
                      const char **item, size_t *item_len);

/* Encoding: pairs appended to `out`, then cct_amp_end().  Returns 0 or
 * CCT_ETOOLONG (and appends nothing) when a key or value is too long. */
int cct_amp_put(cct_buf *out, const char *key, const void *value,
                size_t len);
int cct_amp_put_str(cct_buf *out, const char *key, const char *value);
int cct_amp_put_int(cct_buf *out, const char *key, long long value);
int cct_amp_put_bool(cct_buf *out, const char *key, int value);
void cct_amp_end(cct_buf *out);
/* Appends one item to a ListOf value being built in `list`. */
int cct_amp_list_add(cct_buf *list, const void *item, size_t len);

#endif
