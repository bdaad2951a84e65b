/*
 * A growing string for the plugins: text appended piece by piece (a
 * status line, a message) without counting sizes by hand.  Every append
 * checks its sizes, and the buffer never writes past what it allocated; a
 * failed allocation (or a size that would overflow) is remembered in
 * `failed` and makes later appends do nothing, so that a caller checks
 * once, at the end, instead of after every piece.  The text is always
 * NUL-terminated once anything was added.
 *
 * Part of cctrial's internal helper library for its own plugins
 * (plugins/common, the static library cct_plugin_common: this, utf8.h,
 * visible.h, affected.h, notifier_process.h), linked into each plugin that
 * uses it; it needs only libc.  Internal by decision: it is not installed
 * and may change in any release, so that the plugin ABI
 * (cctrial/plugin.h) stays the whole contract with plugins outside
 * cctrial's tree, which need none of it (docs/plugin-authoring.md).
 */
#ifndef CCT_PLUGINS_STRBUF_H
#define CCT_PLUGINS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "cctrial/plugin.h"

/* Zero-initialised ({0}) is empty. */
typedef struct strbuf {
    char *data;  /* NULL until something is added */
    size_t len;  /* bytes before the NUL */
    size_t cap;  /* bytes allocated */
    int failed;  /* memory ran out: data is what was added before */
} strbuf;

/* Makes room for `more` bytes (and the NUL) after the text. */
void strbuf_reserve(strbuf *b, size_t more);
void strbuf_add(strbuf *b, const char *data, size_t n);
void strbuf_adds(strbuf *b, const char *s);
/* `c`, n times. */
void strbuf_repeat(strbuf *b, char c, size_t n);
void strbuf_addf(strbuf *b, const char *fmt, ...) CCT_PRINTF_LIKE(2, 3);
void strbuf_vaddf(strbuf *b, const char *fmt, va_list ap);

/* Hands the text over (malloc'ed; "" when nothing was added) and empties
 * the buffer; NULL, after freeing it, when an append failed. */
char *strbuf_take(strbuf *b);
void strbuf_free(strbuf *b);

#endif
