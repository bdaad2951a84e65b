/*
 * The results of one run: trial's counts, and the problems grouped once,
 * by their problem key (problem.h), for every consumer: the summary and
 * JSON reporters show the groups, the workflow re-runs the first test of
 * the biggest one.
 *
 * Successes are counted, not stored: a run of 10,000 passing tests keeps
 * nothing per test.
 */
#ifndef CCT_RESULTS_H
#define CCT_RESULTS_H

#include <stddef.h>

#include "cctrial/plugin.h"
#include "result.h"
#include "util.h"

/* A result the run keeps: its strings are copies, the run's own. */
typedef struct cct_kept_result {
    cct_result result;
    char *key; /* cct_problem_key() of the test and its text */
} cct_kept_result;

typedef struct cct_results {
    cct_kept_result *items; /* every result but successes, in arrival
                               order */
    size_t n, cap;
    size_t counts[CCT_OUTCOME_COUNT];

    /* Filled by cct_results_group(). */
    cct_result_group *groups;
    size_t n_groups;
    cct_group_detail *details;            /* details[i] of groups[i] */
    const cct_group_detail **detail_ptrs; /* &details[i], for plugins */
    const char **group_ids;   /* storage for the groups' test_ids... */
    const char **group_texts; /* ...and their details' texts */
} cct_results;

void cct_results_init(cct_results *r);
void cct_results_free(cct_results *r);
void cct_results_reset(cct_results *r);
/* Records a result (copying its strings). */
void cct_results_add(cct_results *r, const cct_result *result);
/* As trial decides: no failure and no error. */
int cct_results_passed(const cct_results *r);
/* Groups the results: one outcome and one problem key form a group, whose
 * text is that of its first result; test ids sorted within a group;
 * groups in the order cct_run_end documents (smallest first; between
 * equal groups, the one met first is the bigger). */
void cct_results_group(cct_results *r);
/* Fills what `ev` says of the results: the counts and the groups, with
 * their layout (ABI 1.2's strides and sizes).  Needs cct_results_group();
 * `ev` points into `r` until it changes. */
void cct_results_fill_run_end(const cct_results *r, cct_run_end *ev);
/* The biggest group of failures or errors (the last one in group order),
 * or NULL when there is none.  Needs cct_results_group(). */
const cct_result_group *cct_results_biggest_problem(const cct_results *r);
/* The ids of the tests that failed or errored, sorted, each once. */
void cct_results_failed_ids(const cct_results *r, cct_strv *out);

/* "[FAIL]", "[ERROR]", ... as the summary prints them. */
const char *cct_outcome_label(cct_outcome outcome);
/* "success", "failure", ... as the JSON reporter writes them. */
const char *cct_outcome_name(cct_outcome outcome);

#endif
