/*
 * Counting and grouping results (see results.h).
 */
#include "results.h"

#include <stdlib.h>
#include <string.h>

void cct_results_init(cct_results *r)
{
    memset(r, 0, sizeof(*r));
}

static void free_groups(cct_results *r)
{
    free(r->groups);
    free(r->group_ids);
    r->groups = NULL;
    r->group_ids = NULL;
    r->n_groups = 0;
}

void cct_results_reset(cct_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].test_id);
        free(r->items[i].text);
        free(r->items[i].error_class);
        free(r->items[i].reason);
    }
    r->n = 0;
    memset(r->counts, 0, sizeof(r->counts));
    r->tests_run = 0;
    free_groups(r);
}

void cct_results_free(cct_results *r)
{
    cct_results_reset(r);
    free(r->items);
    cct_results_init(r);
}

static char *dup_or_null(const char *s)
{
    return s ? cct_xstrdup(s) : NULL;
}

void cct_results_add(cct_results *r, const cct_test_result *result)
{
    r->counts[result->outcome]++;
    if (result->outcome == CCT_OUTCOME_SUCCESS)
        return;
    CCT_GROW(r->items, r->cap, r->n + 1);
    cct_result *item = &r->items[r->n++];
    item->test_id = cct_xstrdup(result->test_id);
    item->outcome = result->outcome;
    item->text = cct_xstrdup(result->text ? result->text : "");
    item->error_class = dup_or_null(result->error_class);
    item->reason = dup_or_null(result->reason);
    item->duration = result->duration;
    item->worker = result->worker;
}

int cct_results_passed(const cct_results *r)
{
    return r->counts[CCT_OUTCOME_FAILURE] == 0 &&
           r->counts[CCT_OUTCOME_ERROR] == 0;
}

/* trial prints skips, todos, failures, errors, then unexpected successes. */
static int outcome_rank(cct_outcome o)
{
    switch (o) {
    case CCT_OUTCOME_SKIP: return 0;
    case CCT_OUTCOME_EXPECTED_FAILURE: return 1;
    case CCT_OUTCOME_FAILURE: return 2;
    case CCT_OUTCOME_ERROR: return 3;
    case CCT_OUTCOME_UNEXPECTED_SUCCESS: return 4;
    default: return 5;
    }
}

static int compare_results(const void *a, const void *b)
{
    const cct_result *x = *(const cct_result *const *)a;
    const cct_result *y = *(const cct_result *const *)b;
    int d = outcome_rank(x->outcome) - outcome_rank(y->outcome);
    if (d)
        return d;
    d = strcmp(x->text, y->text);
    return d ? d : strcmp(x->test_id, y->test_id);
}

static int compare_groups(const void *a, const void *b)
{
    const cct_result_group *x = a, *y = b;
    if (x->n_tests != y->n_tests)
        return x->n_tests < y->n_tests ? -1 : 1;
    int d = outcome_rank(x->outcome) - outcome_rank(y->outcome);
    return d ? d : strcmp(x->test_ids[0], y->test_ids[0]);
}

void cct_results_group(cct_results *r)
{
    free_groups(r);
    if (r->n == 0)
        return;
    cct_result **sorted = cct_xcalloc(r->n, sizeof(*sorted));
    for (size_t i = 0; i < r->n; i++)
        sorted[i] = &r->items[i];
    qsort(sorted, r->n, sizeof(*sorted), compare_results);

    r->groups = cct_xcalloc(r->n, sizeof(*r->groups));
    r->group_ids = cct_xcalloc(r->n, sizeof(*r->group_ids));
    for (size_t i = 0; i < r->n; i++) {
        cct_result_group *g = r->n_groups ? &r->groups[r->n_groups - 1]
                                          : NULL;
        if (!g || g->outcome != sorted[i]->outcome ||
            strcmp(g->text, sorted[i]->text) != 0) {
            g = &r->groups[r->n_groups++];
            g->outcome = sorted[i]->outcome;
            g->text = sorted[i]->text;
            g->test_ids = &r->group_ids[i];
            g->n_tests = 0;
        }
        r->group_ids[i] = sorted[i]->test_id;
        g->n_tests++;
    }
    free(sorted);
    qsort(r->groups, r->n_groups, sizeof(*r->groups), compare_groups);
}

const cct_result_group *cct_results_biggest_problem(const cct_results *r)
{
    for (size_t i = r->n_groups; i-- > 0;) {
        cct_outcome o = r->groups[i].outcome;
        if (o == CCT_OUTCOME_FAILURE || o == CCT_OUTCOME_ERROR)
            return &r->groups[i];
    }
    return NULL;
}

void cct_results_failed_ids(const cct_results *r, cct_strv *out)
{
    cct_strv ids;
    cct_strv_init(&ids);
    for (size_t i = 0; i < r->n; i++) {
        cct_outcome o = r->items[i].outcome;
        if (o == CCT_OUTCOME_FAILURE || o == CCT_OUTCOME_ERROR)
            cct_strv_add(&ids, r->items[i].test_id);
    }
    cct_strv_sort(&ids);
    for (size_t i = 0; i < ids.len; i++)
        if (i == 0 || strcmp(ids.items[i], ids.items[i - 1]) != 0)
            cct_strv_add(out, ids.items[i]);
    cct_strv_free(&ids);
}

const char *cct_outcome_label(cct_outcome outcome)
{
    static const char *const labels[CCT_OUTCOME_COUNT] = {
        "[OK]", "[FAIL]", "[ERROR]", "[SKIPPED]", "[TODO]",
        "[UNEXPECTED SUCCESS]"};
    return outcome < CCT_OUTCOME_COUNT ? labels[outcome] : "[?]";
}

const char *cct_outcome_name(cct_outcome outcome)
{
    static const char *const names[CCT_OUTCOME_COUNT] = {
        "success", "failure", "error", "skip", "expected_failure",
        "unexpected_success"};
    return outcome < CCT_OUTCOME_COUNT ? names[outcome] : "unknown";
}
