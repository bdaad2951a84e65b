/*
 * Unit tests of the plugins' growing string (plugins/common/strbuf.h):
 * appends of every kind, growth well past the first allocation, the text
 * handed over, and a size that cannot be allocated remembered as a
 * failure that later appends respect.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

Test(strbuf, pieces_of_every_kind_make_one_string)
{
    strbuf b = {0};
    strbuf_add(&b, "ab\0cd", 2);
    strbuf_adds(&b, "|");
    strbuf_repeat(&b, ' ', 3);
    strbuf_addf(&b, "%zu/%s", (size_t)38, "40");
    strbuf_repeat(&b, '-', 0);
    cr_assert_not(b.failed);
    cr_assert_eq(b.len, 11);
    cr_assert_str_eq(b.data, "ab|   38/40");
    strbuf_free(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
}

Test(strbuf, it_grows_past_its_first_allocation_and_keeps_everything)
{
    strbuf b = {0};
    for (int i = 0; i < 1000; i++)
        strbuf_addf(&b, "%04d,", i);
    cr_assert_not(b.failed);
    cr_assert_eq(b.len, 5000);
    cr_assert_eq(strlen(b.data), 5000, "NUL-terminated after the text");
    cr_assert(b.cap > b.len);
    cr_assert_eq(strncmp(b.data + 4995, "0999,", 5), 0);
    /* A formatted piece longer than anything a stack buffer would hold. */
    char *big = malloc(70000);
    memset(big, 'x', 69999);
    big[69999] = '\0';
    strbuf_addf(&b, "[%s]", big);
    cr_assert_eq(b.len, 5000 + 70001);
    cr_assert_eq(b.data[b.len - 1], ']');
    free(big);
    strbuf_free(&b);
}

Test(strbuf, take_hands_the_text_over_and_empties_the_buffer)
{
    strbuf b = {0};
    char *empty = strbuf_take(&b);
    cr_assert_str_eq(empty, "", "nothing added is an empty string");
    free(empty);
    strbuf_adds(&b, "kept");
    char *text = strbuf_take(&b);
    cr_assert_str_eq(text, "kept");
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    free(text);
}

Test(strbuf, a_size_that_cannot_be_had_fails_once_and_for_all)
{
    strbuf b = {0};
    strbuf_adds(&b, "before");
    /* More than any address space: the sum would overflow. */
    strbuf_reserve(&b, SIZE_MAX - 2);
    cr_assert(b.failed);
    cr_assert_str_eq(b.data, "before", "what came before is intact");
    strbuf_adds(&b, "after");
    strbuf_repeat(&b, ' ', 4);
    strbuf_addf(&b, "%d", 7);
    cr_assert_eq(b.len, 6, "nothing is added after a failure");
    cr_assert_null(strbuf_take(&b), "an incomplete text is not handed over");
    cr_assert_null(b.data);
    cr_assert_not(b.failed, "the buffer is empty and usable again");
}
