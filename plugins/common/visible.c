/*
 * Terminal-safe text (see visible.h).
 */
#include "visible.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the UTF-8 sequence at s (1 to 4), or 0 when s does not
 * start a valid one (a stray continuation byte, an overlong form, a
 * surrogate, past U+10FFFF, or cut short). */
static size_t utf8_length(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2
             : s[0] >= 0xe0 && s[0] <= 0xef ? 3
             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

static int kept(unsigned char c, visible_mode mode)
{
    return mode == VISIBLE_TEXT && (c == '\n' || c == '\t' || c == '\r');
}

char *visible_text(const char *text, visible_mode mode)
{
    /* Each byte becomes at most four ("\xNN"). */
    size_t len = strlen(text);
    char *out = malloc(4 * len + 1);
    if (!out)
        return NULL;
    char *o = out;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        size_t n = utf8_length(s);
        unsigned code = n == 2 ? ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu) : 0;
        if (n == 0) {
            o += sprintf(o, "\\x%02x", *s);
            s++;
        } else if (n == 1 && (*s < 0x20 || *s == 0x7f) && !kept(*s, mode)) {
            o += sprintf(o, "\\x%02x", *s);
            s++;
        } else if (n == 2 && code >= 0x80 && code <= 0x9f) {
            o += sprintf(o, "\\x%02x", code); /* C1: 0x9b is CSI */
            s += 2;
        } else {
            memcpy(o, s, n);
            o += n;
            s += n;
        }
    }
    *o = '\0';
    return out;
}
