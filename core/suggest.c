/*
 * The nearest known word to a mistyped one (see suggest.h).
 */
#include "suggest.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t cct_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* d[i][j]: the distance between a's first i and b's first j bytes. */
    size_t *d = cct_xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(i, j) d[(i) * (lb + 1) + (j)]
    for (size_t i = 0; i <= la; i++)
        D(i, 0) = i;
    for (size_t j = 0; j <= lb; j++)
        D(0, j) = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            D(i, j) = min3(D(i - 1, j) + 1, D(i, j - 1) + 1,
                           D(i - 1, j - 1) + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < D(i, j))
                D(i, j) = D(i - 2, j - 2) + 1;
        }
    }
    size_t distance = D(la, lb);
#undef D
    free(d);
    return distance;
}

const char *cct_nearest_word(const char *word, const char *const *words,
                             size_t n_words)
{
    /* A third of the word: "timout" finds "timeout", "cache" does not
     * find "watch" (3 edits), and "x" only words of two letters at most. */
    size_t limit = strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    size_t best_distance = limit + 1;
    for (size_t i = 0; i < n_words; i++) {
        size_t distance = cct_edit_distance(word, words[i]);
        if (distance > 0 && distance < best_distance) {
            best = words[i];
            best_distance = distance;
        }
    }
    return best;
}
