/*
 * Unit tests of reading git's answers (core/gitignore.h): the ignored
 * entries of `git status --porcelain -z --ignored=matching`, and
 * `git check-ignore -z`'s list.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "gitignore.h"

#define Z(literal) literal, sizeof(literal) - 1

Test(gitignore, status_keeps_only_the_ignored_entries)
{
    /* A staged rename carries its source as the next entry, which must
     * not be read as an entry of its own (here it even looks like one). */
    static const char out[] =
        "?? a.py\0!! build/\0R  new.py\0!! old\0 M app/x.py\0"
        "!! x.log\0!! sub/build/\0";
    cct_strv ignored;
    cct_strv_init(&ignored);
    cct_gitignore_parse_status("/top", Z(out), &ignored);
    cr_assert_eq(ignored.len, 3);
    cr_expect_str_eq(ignored.items[0], "/top/build");
    cr_expect_str_eq(ignored.items[1], "/top/x.log");
    cr_expect_str_eq(ignored.items[2], "/top/sub/build");
    cct_strv_free(&ignored);
}

Test(gitignore, a_cut_entry_is_no_entry)
{
    static const char out[] = "!! build/\0!! dis";
    cct_strv ignored;
    cct_strv_init(&ignored);
    cct_gitignore_parse_status("/top", Z(out), &ignored);
    cr_assert_eq(ignored.len, 1);
    cr_expect_str_eq(ignored.items[0], "/top/build");
    cct_strv_free(&ignored);
}

Test(gitignore, check_lists_the_paths)
{
    static const char out[] = "/p/build\0/p/build/lib/gen.py\0";
    cct_strv ignored;
    cct_strv_init(&ignored);
    cct_gitignore_parse_check(Z(out), &ignored);
    cr_assert_eq(ignored.len, 2);
    cr_expect_str_eq(ignored.items[0], "/p/build");
    cr_expect_str_eq(ignored.items[1], "/p/build/lib/gen.py");
    cct_gitignore_parse_check("", 0, &ignored);
    cr_expect_eq(ignored.len, 2);
    cct_strv_free(&ignored);
}
