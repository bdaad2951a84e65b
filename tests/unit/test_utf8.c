/*
 * Unit tests of the plugins' UTF-8 (plugins/common/utf8.h): which
 * sequences are valid, however the input is cut, and the repair that
 * replaces each byte that starts none with U+FFFD.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Arrays, not pointers: Criterion copies the parameters to the process
 * that runs each test. */
typedef struct sequence_case {
    char bytes[8];
    size_t available; /* bytes utf8_sequence may read */
    size_t length;    /* what it answers */
} sequence_case;

ParameterizedTestParameters(utf8, sequences)
{
    static sequence_case cases[] = {
        {"a", 1, 1},
        {"\x7f", 1, 1},
        {"\xc3\xa9", 2, 2},               /* é */
        {"\xe2\x80\xa6", 3, 3},           /* … */
        {"\xf0\x9f\x98\x80", 4, 4},       /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4, 4},       /* U+10FFFF, the last */
        {"\xe2\x80\xa6", 2, 0},           /* cut short by the length */
        {"\xe2\x80", 3, 0},               /* cut short by the NUL */
        {"\x80", 1, 0},                   /* a stray continuation byte */
        {"\xc0\xaf", 2, 0},               /* overlong '/' */
        {"\xc1\xbf", 2, 0},
        {"\xe0\x9f\xbf", 3, 0},           /* overlong three bytes */
        {"\xf0\x8f\xbf\xbf", 4, 0},       /* overlong four bytes */
        {"\xed\xa0\x80", 3, 0},           /* a surrogate, U+D800 */
        {"\xf4\x90\x80\x80", 4, 0},       /* past U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0},
        {"\xc3(", 2, 0},                  /* a lead without continuation */
        {"\xff", 1, 0},
    };
    return cr_make_param_array(sequence_case, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(sequence_case *c, utf8, sequences)
{
    cr_assert_eq(utf8_sequence(c->bytes, c->available), c->length,
                 "%02x... in %zu bytes", (unsigned char)c->bytes[0],
                 c->available);
}

Test(utf8, repair_keeps_valid_text_and_replaces_each_bad_byte)
{
    char *same = utf8_repair("caf\xc3\xa9 \xe2\x80\xa6 ok");
    cr_assert_str_eq(same, "caf\xc3\xa9 \xe2\x80\xa6 ok");
    free(same);
    /* A cut sequence is two bad bytes, a lone lead one; a surrogate's
     * three bytes are three. */
    char *fixed = utf8_repair("a\xe2\x80" "b\xff" "c\xed\xa0\x80");
    cr_assert_str_eq(fixed, "a\xef\xbf\xbd\xef\xbf\xbd"
                            "b\xef\xbf\xbd"
                            "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    free(fixed);
    char *empty = utf8_repair("");
    cr_assert_str_eq(empty, "");
    free(empty);
}
