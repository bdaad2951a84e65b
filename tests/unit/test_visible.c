/*
 * Unit tests of terminal-safe text (plugins/common/visible.h), which the
 * reporters and the core's own lines use for test ids, file names, output
 * and tracebacks: what is escaped in each mode, and what is kept.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>

#include "visible.h"

/* Arrays, not pointers: Criterion copies the parameters to the process
 * that runs each test. */
typedef struct visible_case {
    char text[64];
    visible_mode mode;
    char shown[96];
} visible_case;

ParameterizedTestParameters(visible, cases)
{
    static visible_case cases[] = {
        {"pkg.test_mod.T.test_a", VISIBLE_LINE, "pkg.test_mod.T.test_a"},
        /* Clearing the screen, retitling the terminal, a bell. */
        {"a\x1b[2Jb", VISIBLE_LINE, "a\\x1b[2Jb"},
        {"\x1b]0;pwned\x07", VISIBLE_TEXT, "\\x1b]0;pwned\\x07"},
        /* One line: no layout survives; lines of output keep theirs. */
        {"a\nb\tc\rd", VISIBLE_LINE, "a\\x0ab\\x09c\\x0dd"},
        {"a\nb\tc\rd", VISIBLE_TEXT, "a\nb\tc\rd"},
        {"\x7f\x01", VISIBLE_TEXT, "\\x7f\\x01"},
        /* C1 controls as UTF-8 (U+009B is CSI, U+009D OSC). */
        {"x\xc2\x9b" "2Jy\xc2\x9d", VISIBLE_TEXT, "x\\x9b2Jy\\x9d"},
        /* Bytes that are not UTF-8: a lone CSI byte, a cut sequence, an
         * overlong ESC. */
        {"\x9b" "2J", VISIBLE_TEXT, "\\x9b2J"},
        {"\xe2\x82", VISIBLE_TEXT, "\\xe2\\x82"},
        {"\xc0\x9b", VISIBLE_TEXT, "\\xc0\\x9b"},
        /* Printable UTF-8 stays as it is, and so do backslashes. */
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d \\x1b", VISIBLE_LINE,
         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d \\x1b"},
        {"", VISIBLE_LINE, ""},
    };
    return cr_make_param_array(visible_case, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(visible_case *c, visible, cases)
{
    char *shown = visible_text(c->text, c->mode);
    cr_assert_not_null(shown);
    cr_assert_str_eq(shown, c->shown);
    /* Showing what is shown changes nothing: no double escapes when the
     * core and a reporter both escape. */
    char *again = visible_text(shown, c->mode);
    cr_assert_str_eq(again, shown);
    free(again);
    free(shown);
}
