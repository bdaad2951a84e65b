/*
 * Terminal-safe text (see visible.h).
 */
#include "visible.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

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
    const unsigned char *end = s + len;
    while (*s) {
        size_t n = utf8_sequence((const char *)s, (size_t)(end - s));
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
