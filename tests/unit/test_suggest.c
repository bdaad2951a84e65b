/*
 * "Did you mean": the edit distance, and which known word is near enough
 * to a mistyped one to be suggested.
 */
#include <criterion/criterion.h>

#include "suggest.h"
#include "util.h"

Test(distance, counts_insertions_deletions_substitutions_and_swaps)
{
    cr_assert_eq(cct_edit_distance("jobs", "jobs"), 0);
    cr_assert_eq(cct_edit_distance("", "jobs"), 4);
    cr_assert_eq(cct_edit_distance("jobs", ""), 4);
    cr_assert_eq(cct_edit_distance("timout", "timeout"), 1);
    cr_assert_eq(cct_edit_distance("reporterss", "reporters"), 1);
    cr_assert_eq(cct_edit_distance("jabs", "jobs"), 1);
    cr_assert_eq(cct_edit_distance("jbos", "jobs"), 1); /* one swap */
    cr_assert_eq(cct_edit_distance("kitten", "sitting"), 3);
    cr_assert_eq(cct_edit_distance("cache", "watch"), 3);
}

static const char *const core_keys[] = {
    "tests", "jobs", "python", "forever", "smart", "watch", "watch_ext",
    "ignore", "debounce", "reporters", "notifier", "selector",
    "plugin_path", "timeout", "discovery_timeout", "grep", "verbose",
    "worker", "cache",
};

static const char *nearest(const char *word)
{
    return cct_nearest_word(word, core_keys, CCT_ARRAY_SIZE(core_keys));
}

Test(nearest, finds_the_key_a_typo_meant)
{
    cr_assert_str_eq(nearest("jbos"), "jobs");
    cr_assert_str_eq(nearest("timout"), "timeout");
    cr_assert_str_eq(nearest("reporter"), "reporters");
    cr_assert_str_eq(nearest("watchext"), "watch_ext");
    cr_assert_str_eq(nearest("discovery-timeout"), "discovery_timeout");
    cr_assert_str_eq(nearest("plugins_path"), "plugin_path");
}

Test(nearest, suggests_nothing_far_or_equal)
{
    cr_assert_null(nearest("colour"));
    cr_assert_null(nearest("frobnicate"));
    cr_assert_null(nearest("x"));
    /* Two edits in a five-letter word is more than a typo. */
    cr_assert_null(nearest("smrt2"));
    /* The word itself is known: nothing to suggest. */
    cr_assert_null(nearest("jobs"));
    cr_assert_null(cct_nearest_word("jobs", NULL, 0));
}

Test(nearest, takes_the_nearest_then_the_first)
{
    static const char *const words[] = {"abcd", "abce", "abc"};
    cr_assert_str_eq(cct_nearest_word("abcf", words, 3), "abcd");
    cr_assert_str_eq(cct_nearest_word("abcx", words + 2, 1), "abc");
}
