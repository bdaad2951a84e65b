/*
 * Counting and grouping results (see results.h).  What makes two results
 * one problem is problem.c's; here they are gathered, ordered and laid out
 * for the plugins.
 */
#include "results.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "strmap.h"

void cct_results_init(cct_results *r)
{
    memset(r, 0, sizeof(*r));
}

static void free_groups(cct_results *r)
{
    free(r->groups);
    free(r->details);
    free(r->detail_ptrs);
    free(r->group_ids);
    free(r->group_texts);
    r->groups = NULL;
    r->details = NULL;
    r->detail_ptrs = NULL;
    r->group_ids = NULL;
    r->group_texts = NULL;
    r->n_groups = 0;
}

void cct_results_reset(cct_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        cct_result *kept = &r->items[i].result;
        free((char *)kept->test_id);
        free((char *)kept->text);
        free((char *)kept->error_class);
        free((char *)kept->message);
        free((char *)kept->reason);
        free(r->items[i].key);
    }
    r->n = 0;
    memset(r->counts, 0, sizeof(r->counts));
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

void cct_results_add(cct_results *r, const cct_result *result)
{
    assert(result->outcome < CCT_OUTCOME_COUNT);
    assert(result->test_id && result->text);
    r->counts[result->outcome]++;
    if (result->outcome == CCT_OUTCOME_SUCCESS)
        return;
    CCT_GROW(r->items, r->cap, r->n + 1);
    cct_kept_result *item = &r->items[r->n++];
    item->result = *result;
    item->result.test_id = cct_xstrdup(result->test_id);
    item->result.text = cct_xstrdup(result->text);
    item->result.error_class = dup_or_null(result->error_class);
    item->result.message = dup_or_null(result->message);
    item->result.reason = dup_or_null(result->reason);
    item->key = cct_problem_key(item->result.test_id, item->result.text);
}

int cct_results_passed(const cct_results *r)
{
    return r->counts[CCT_OUTCOME_FAILURE] == 0 &&
           r->counts[CCT_OUTCOME_ERROR] == 0;
}

static int is_problem(cct_outcome o)
{
    return o == CCT_OUTCOME_FAILURE || o == CCT_OUTCOME_ERROR;
}

/* Between groups of one size: skips, todos and unexpected successes
 * first, then failures and errors alike, which are the problems to fix. */
static int outcome_rank(cct_outcome o)
{
    switch (o) {
    case CCT_OUTCOME_SKIP: return 0;
    case CCT_OUTCOME_EXPECTED_FAILURE: return 1;
    case CCT_OUTCOME_UNEXPECTED_SUCCESS: return 2;
    default: return 3;
    }
}

/* A group while it is being built. */
typedef struct building {
    cct_outcome outcome;
    size_t first;  /* index in r->items of its first result */
    size_t n;
    size_t offset; /* of its members in the sorted layout */
} building;

static int compare_building(const void *a, const void *b)
{
    const building *x = *(const building *const *)a;
    const building *y = *(const building *const *)b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    int d = outcome_rank(x->outcome) - outcome_rank(y->outcome);
    if (d)
        return d;
    /* Of two equal groups, the one met first is the bigger: it comes
     * later.  Never by name: a name says nothing of a problem. */
    return x->first < y->first ? 1 : x->first > y->first ? -1 : 0;
}

/* Members by test id; one test's results in arrival order (the items
 * array is in arrival order). */
static int compare_members(const void *a, const void *b)
{
    const cct_kept_result *x = *(const cct_kept_result *const *)a;
    const cct_kept_result *y = *(const cct_kept_result *const *)b;
    int d = strcmp(x->result.test_id, y->result.test_id);
    return d ? d : x < y ? -1 : x > y;
}

/* Finds each result's group: one per outcome and problem key. */
static building *find_groups(const cct_results *r, size_t *group_of,
                             size_t *n_groups)
{
    building *groups = cct_xcalloc(r->n, sizeof(*groups));
    cct_strmap map;
    cct_strmap_init(&map);
    cct_strv names;
    cct_strv_init(&names);
    *n_groups = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cct_kept_result *item = &r->items[i];
        char *name = cct_xasprintf("%d %s", (int)item->result.outcome,
                                   item->key);
        size_t g = cct_strmap_get(&map, name);
        if (g == CCT_STRMAP_MISSING) {
            g = (*n_groups)++;
            groups[g].outcome = item->result.outcome;
            groups[g].first = i;
            cct_strv_take(&names, name);
            cct_strmap_put(&map, names.items[names.len - 1], g);
        } else {
            free(name);
        }
        groups[g].n++;
        group_of[i] = g;
    }
    cct_strmap_free(&map);
    cct_strv_free(&names);
    return groups;
}

void cct_results_group(cct_results *r)
{
    free_groups(r);
    if (r->n == 0)
        return;
    size_t *group_of = cct_xcalloc(r->n, sizeof(*group_of));
    size_t n_groups;
    building *found = find_groups(r, group_of, &n_groups);
    building **order = cct_xcalloc(n_groups, sizeof(*order));
    for (size_t g = 0; g < n_groups; g++)
        order[g] = &found[g];
    qsort(order, n_groups, sizeof(*order), compare_building);

    /* Lay the members out group after group, in the groups' order. */
    size_t offset = 0;
    for (size_t k = 0; k < n_groups; k++) {
        order[k]->offset = offset;
        offset += order[k]->n;
    }
    assert(offset == r->n);
    const cct_kept_result **members = cct_xcalloc(r->n, sizeof(*members));
    size_t *filled = cct_xcalloc(n_groups, sizeof(*filled));
    for (size_t i = 0; i < r->n; i++) {
        building *g = &found[group_of[i]];
        members[g->offset + filled[group_of[i]]++] = &r->items[i];
    }

    r->n_groups = n_groups;
    r->groups = cct_xcalloc(n_groups, sizeof(*r->groups));
    r->details = cct_xcalloc(n_groups, sizeof(*r->details));
    r->detail_ptrs = cct_xcalloc(n_groups, sizeof(*r->detail_ptrs));
    r->group_ids = cct_xcalloc(r->n, sizeof(*r->group_ids));
    r->group_texts = cct_xcalloc(r->n, sizeof(*r->group_texts));
    for (size_t k = 0; k < n_groups; k++) {
        const building *b = order[k];
        const cct_kept_result **slice = members + b->offset;
        qsort(slice, b->n, sizeof(*slice), compare_members);
        for (size_t j = 0; j < b->n; j++) {
            r->group_ids[b->offset + j] = slice[j]->result.test_id;
            r->group_texts[b->offset + j] = slice[j]->result.text;
        }
        const cct_kept_result *first = &r->items[b->first];
        r->groups[k] = (cct_result_group){
            .outcome = b->outcome,
            .text = first->result.text,
            .n_tests = b->n,
            .test_ids = &r->group_ids[b->offset],
        };
        r->details[k] = (cct_group_detail){
            .struct_size = sizeof(cct_group_detail),
            .key = first->key,
            .texts = &r->group_texts[b->offset],
        };
        r->detail_ptrs[k] = &r->details[k];
    }
    free(filled);
    free(members);
    free(order);
    free(found);
    free(group_of);
}

/* Plugins built before ABI 1.2 index groups and read counts with 1.0's
 * sizes.  When cct_result_group grows, or an outcome is added, they need
 * their own copy laid out that way: the build stops here until then. */
_Static_assert(sizeof(cct_result_group) == CCT_RESULT_GROUP_SIZE_1_0,
               "plugins before 1.2 need groups at ABI 1.0's stride");

void cct_results_fill_run_end(const cct_results *r, cct_run_end *ev)
{
    assert(CCT_HAS_FIELD(ev, cct_run_end, all_counts));
    memcpy(ev->counts, r->counts, sizeof(ev->counts));
    ev->n_counts = CCT_OUTCOME_COUNT;
    ev->all_counts = r->counts;
    ev->n_groups = r->n_groups;
    ev->groups = r->groups;
    ev->group_size = sizeof(cct_result_group);
    ev->group_details = r->detail_ptrs;
}

const cct_result_group *cct_results_biggest_problem(const cct_results *r)
{
    for (size_t i = r->n_groups; i-- > 0;) {
        if (is_problem(r->groups[i].outcome))
            return &r->groups[i];
    }
    return NULL;
}

void cct_results_failed_ids(const cct_results *r, cct_strv *out)
{
    cct_strv ids;
    cct_strv_init(&ids);
    for (size_t i = 0; i < r->n; i++) {
        if (is_problem(r->items[i].result.outcome))
            cct_strv_add(&ids, r->items[i].result.test_id);
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
