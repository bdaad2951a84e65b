/*
 * UTF-8 for the plugins: how long the valid sequence at a point is, and a
 * copy of any text with what is not UTF-8 replaced, so that a stray byte
 * in a test's output never costs a JSON line or garbles a terminal.
 *
 * Part of cctrial's internal helper library for its own plugins
 * (plugins/common; see strbuf.h for why it is internal); needs only libc.
 */
#ifndef CCT_PLUGINS_UTF8_H
#define CCT_PLUGINS_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the valid UTF-8 sequence at s, of which at most
 * n bytes may be read (n >= 1), or 0 when s does not start one: a stray
 * continuation byte, an overlong form, a surrogate, past U+10FFFF, or cut
 * short.  As strict as jansson. */
size_t utf8_sequence(const char *s, size_t n);

/* A malloc'ed copy of the NUL-terminated `s` in which each byte that does
 * not start a valid sequence is replaced by U+FFFD, or NULL when out of
 * memory. */
char *utf8_repair(const char *s);

#endif
