/*
 * Shards: one selection of tests split into N parts that take about as
 * long, so that N machines (CI jobs) each run one part (--shard=K/N).
 *
 * The split is module-grouped (a module's tests stay together, so that a
 * worker imports each module once) and deterministic: given the same
 * tests and the same durations, every machine computes the same parts,
 * so that parts 1..N together run each selected test exactly once.  A
 * test without a recorded duration counts as the mean of those that have
 * one, and every test as 1 when none has.  Modules go, longest first
 * (then by name), each to the part with the least time so far (then the
 * lowest number): the greedy longest-processing-time rule.
 */
#ifndef CCT_SHARD_H
#define CCT_SHARD_H

#include <stddef.h>

/* One test to place. */
typedef struct cct_shard_test {
    const char *id;
    const char *module; /* tests of one module stay in one part */
    double seconds;     /* its recorded duration, or < 0: none */
} cct_shard_test;

/* Parses "K/N" (1 <= K <= N <= CCT_SHARD_MAX).  Returns 0, or -1 with
 * *error (malloc'ed) saying what is wrong with `text`. */
#define CCT_SHARD_MAX 1000
int cct_shard_parse(const char *text, unsigned *k, unsigned *n,
                    char **error);

/* Puts each of the `n` tests in one of `parts` parts: part_of[i] is in
 * 0..parts-1.  `part_seconds` (may be NULL) gets each part's total, as
 * the split counted it (`parts` entries). */
void cct_shard_split(const cct_shard_test *tests, size_t n, unsigned parts,
                     unsigned *part_of, double *part_seconds);

#endif
