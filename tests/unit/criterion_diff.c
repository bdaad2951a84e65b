/* A comparison that fails on purpose: unit_criterion_diff passes only when
 * Criterion's report shows how the two sides differ, which it asks of
 * libgit2 after lazy_libgit2.c has put libgit2's start off (see there). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

Test(criterion_diff, a_failed_comparison_shows_its_diff)
{
    cr_assert(eq(str, "one\ntwo\nthree\n", "one\n2\nthree\n"));
}
