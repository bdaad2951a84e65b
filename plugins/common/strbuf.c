/*
 * The plugins' growing string (see strbuf.h).
 */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_CAP 64

void strbuf_reserve(strbuf *b, size_t more)
{
    if (b->failed)
        return;
    if (more >= SIZE_MAX - b->len) {
        b->failed = 1;
        return;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : FIRST_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = 1;
        return;
    }
    b->data = data;
    b->cap = cap;
}

void strbuf_add(strbuf *b, const char *data, size_t n)
{
    strbuf_reserve(b, n);
    if (b->failed)
        return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_adds(strbuf *b, const char *s)
{
    strbuf_add(b, s, strlen(s));
}

void strbuf_repeat(strbuf *b, char c, size_t n)
{
    strbuf_reserve(b, n);
    if (b->failed)
        return;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_vaddf(strbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        b->failed = 1;
    else
        strbuf_reserve(b, (size_t)n);
    if (!b->failed) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void strbuf_addf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(b, fmt, ap);
    va_end(ap);
}

char *strbuf_take(strbuf *b)
{
    if (!b->failed && !b->data)
        strbuf_reserve(b, 0);
    char *text = b->failed ? NULL : b->data;
    if (text)
        text[b->len] = '\0';
    else
        free(b->data);
    memset(b, 0, sizeof(*b));
    return text;
}

void strbuf_free(strbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
