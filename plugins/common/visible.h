/*
 * Text from tests (their ids, file names, output, tracebacks) made safe
 * to print on a terminal: an escape sequence in it must not clear the
 * screen, move the cursor or retitle the terminal.  Control characters
 * are shown as Python's repr() shows them (\x1b, \x9b), everything else
 * as it is.  Shared by the reporters that print on a terminal and by the
 * core's own lines, through the plugins' internal helper library (see
 * strbuf.h); it needs only libc.
 */
#ifndef CCT_PLUGINS_VISIBLE_H
#define CCT_PLUGINS_VISIBLE_H

/* How much of the text's layout to keep. */
typedef enum visible_mode {
    VISIBLE_LINE, /* one line: every control character escaped */
    VISIBLE_TEXT  /* lines of output: tab, newline and '\r' kept */
} visible_mode;

/* A malloc'ed copy of `text` in which C0 control characters (but those
 * `mode` keeps), DEL, C1 control characters (U+0080 to U+009F) and bytes
 * that are not UTF-8 are written \xNN.  NULL when out of memory. */
char *visible_text(const char *text, visible_mode mode);

#endif
