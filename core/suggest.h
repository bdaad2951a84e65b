/*
 * "Did you mean": the known word nearest to a mistyped one (a key of a
 * configuration file), by edit distance, so that an error can name the
 * fix rather than list every word there is.
 */
#ifndef CCT_SUGGEST_H
#define CCT_SUGGEST_H

#include <stddef.h>

/* The optimal string alignment distance between a and b: the fewest
 * insertions, deletions, substitutions and swaps of two neighbouring
 * characters that turn one into the other ("jbos" is 1 from "jobs"). */
size_t cct_edit_distance(const char *a, const char *b);

/* The first of `words` nearest to `word`, when near enough to be a typo:
 * at most a third of `word`'s length away, and at least one edit; NULL
 * when none is. */
const char *cct_nearest_word(const char *word, const char *const *words,
                             size_t n_words);

#endif
