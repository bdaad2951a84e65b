/*
 * The history of runs in the session (see session_internal.h): the store
 * is opened at its first use; a run's results are kept in memory as they
 * come and handed to it once, when the run ends (history.h); the run's
 * estimate and the shard split read it; and a success that follows a
 * failure with no change of a watched file in between is marked flaky.
 * The durations order a run's hand-out too, longest module first: read
 * once, and again only after a run was kept.
 * A run of one shard (--shard) reads the history and keeps nothing in it:
 * the parts run one after another on one machine must all split the
 * selection by the same durations, or a test would fall between them.
 * Writes only `history` of the session.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "handout.h"
#include "session_internal.h"
#include "shard.h"

void cct__session_history_init(session *s)
{
    memset(&s->history, 0, sizeof(s->history));
    cct_strset_init(&s->history.failed_unchanged);
    cct_strset_init(&s->history.failed_this_run);
}

static void forget_results(session_history *h)
{
    for (size_t i = 0; i < h->n_results; i++) {
        free((char *)h->results[i].test_id);
        free((char *)h->results[i].group_key);
    }
    h->n_results = 0;
}

void cct__session_history_free(session *s)
{
    forget_results(&s->history);
    free(s->history.results);
    cct_history_close(s->history.store);
    cct_strset_free(&s->history.failed_unchanged);
    cct_strset_free(&s->history.failed_this_run);
    cct_history_durations_free(s->history.durations,
                               s->history.n_durations);
    memset(&s->history, 0, sizeof(s->history));
}

/* The store, opened the first time it is needed; NULL when history is
 * off or cannot be kept (said once). */
static cct_history *store(session *s)
{
    if (!s->settings.history)
        return NULL;
    if (!s->history.opened) {
        s->history.opened = 1;
        char *file = cct_xasprintf("%s/.cctrial/history.sqlite",
                                   s->paths->project_dir);
        char *warning = NULL;
        s->history.store = cct_history_open(file, s->settings.history_runs,
                                            &warning);
        if (warning)
            cct_console_error(&s->console, "warning: %s", warning);
        free(warning);
        free(file);
    }
    return s->history.store;
}

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

double cct__session_history_estimate(session *s, const cct_strv *tests,
                                     unsigned workers)
{
    cct_history *h = store(s);
    if (!h)
        return 0.0;
    char *key = cct_history_selection_key(tests);
    double seconds = cct_history_estimate(h, key, workers);
    free(key);
    return seconds;
}

void cct__session_history_run_start(session *s)
{
    forget_results(&s->history);
    s->history.run_started = now_seconds();
}

static int is_failure(cct_outcome outcome)
{
    return outcome == CCT_OUTCOME_FAILURE || outcome == CCT_OUTCOME_ERROR;
}

/* Flaky: the test failed in an earlier run, nothing changed, and now it
 * passes.  A test counts once: the mark goes with its first success.  A
 * failure or an error in this run is not "then passed": trial reports an
 * error in a test's cleanup and then its success, two results of one
 * run of the test (twisted.trial.test.test_util's OpenTestLogTests.
 * test_utf8 here). */
static int flaky(session *s, const cct_result *result)
{
    session_history *h = &s->history;
    if (is_failure(result->outcome)) {
        cct_strset_add(&h->failed_this_run, result->test_id);
        return 0;
    }
    if (result->outcome != CCT_OUTCOME_SUCCESS ||
        cct_strset_contains(&h->failed_this_run, result->test_id))
        return 0;
    return cct_strset_remove(&h->failed_unchanged, result->test_id);
}

int cct__session_history_result(session *s, const cct_result *result,
                                const char *group_key)
{
    int is_flaky = flaky(s, result);
    if (!s->settings.history || s->settings.shard_parts)
        return is_flaky;
    session_history *h = &s->history;
    CCT_GROW(h->results, h->cap_results, h->n_results + 1);
    h->results[h->n_results++] = (cct_history_result){
        .test_id = cct_xstrdup(result->test_id),
        .outcome = result->outcome,
        .duration = result->duration,
        .worker = result->worker,
        .group_key = group_key ? cct_xstrdup(group_key) : NULL,
        .flaky = is_flaky,
    };
    return is_flaky;
}

void cct__session_history_changed(session *s)
{
    cct_strset_clear(&s->history.failed_unchanged);
    cct_strset_clear(&s->history.failed_this_run);
}

/* The run's failures become suspects for the runs after it. */
static void suspect_failed(session_history *h)
{
    for (size_t i = 0; i < h->failed_this_run.items.len; i++)
        cct_strset_add(&h->failed_unchanged,
                       h->failed_this_run.items.items[i]);
    cct_strset_clear(&h->failed_this_run);
}

static const char *mode_name(mode m)
{
    switch (m) {
    case MODE_CONTINUOUS: return "watch";
    case MODE_ONCE: return "once";
    case MODE_HOOK: return "hook";
    case MODE_LIST: break;
    }
    assert(!"a listing runs nothing");
    return "list";
}

static const char *suite_name(cct_suite suite)
{
    switch (suite) {
    case CCT_SUITE_FULL: return "full";
    case CCT_SUITE_SMART: return "smart";
    case CCT_SUITE_RETRY_SUITE: return "retry-suite";
    case CCT_SUITE_RETRY_TEST: return "retry-test";
    }
    return "full";
}

void cct__session_history_run_end(session *s, const cct_run_end *ev,
                                  int whole)
{
    suspect_failed(&s->history);
    cct_history *h = s->settings.shard_parts ? NULL : store(s);
    if (!h)
        return;
    char *key = cct_history_selection_key(&s->run.tests);
    const cct_project *project = &s->changes.project;
    cct_history_run run = {
        .start = s->history.run_started,
        .end = now_seconds(),
        .mode = mode_name(s->mode),
        .suite = suite_name(ev->suite),
        .selection = key,
        .tests = s->run.tests.len,
        .workers = s->run.workers,
        .wall_time = ev->wall_time,
        .whole = whole,
        .interpreter = s->changes.have_project ? project->executable : NULL,
        .twisted = s->changes.have_project ? project->twisted_version : NULL,
        .verdict = ev->interrupted ? "interrupted"
                   : ev->passed    ? "passed"
                                   : "failed",
    };
    char *warning = NULL;
    if (cct_history_record(h, &run, s->history.results,
                           s->history.n_results, &warning) < 0) {
        cct_console_error(&s->console, "warning: %s", warning);
        free(warning);
    } else {
        s->history.durations_read = 0; /* they have changed */
    }
    free(key);
    forget_results(&s->history);
}

void cct__session_history_shard(session *s, const cct_strv *ids,
                                cct_strv *out)
{
    unsigned part = s->settings.shard_part, parts = s->settings.shard_parts;
    if (parts == 0) {
        for (size_t i = 0; i < ids->len; i++)
            cct_strv_add(out, ids->items[i]);
        return;
    }
    cct_test_duration *durations = NULL;
    size_t n_durations = 0;
    cct_history *h = store(s);
    if (h)
        n_durations = cct_history_durations(h, 0, &durations);
    const cct_project *project = &s->changes.project;
    cct_shard_test *tests = cct_xcalloc(ids->len ? ids->len : 1,
                                        sizeof(*tests));
    for (size_t i = 0; i < ids->len; i++) {
        const char *id = ids->items[i];
        size_t index = s->changes.have_project
                           ? cct_project_find_test(project, id)
                           : CCT_STRMAP_MISSING;
        /* A name that loads nothing is a module of its own. */
        tests[i] = (cct_shard_test){
            .id = id,
            .module = index != CCT_STRMAP_MISSING
                          ? project->tests[index].module
                          : id,
            .seconds = cct_history_duration_of(durations, n_durations, id),
        };
    }
    unsigned *part_of = cct_xcalloc(ids->len ? ids->len : 1,
                                    sizeof(*part_of));
    cct_shard_split(tests, ids->len, parts, part_of, NULL);
    for (size_t i = 0; i < ids->len; i++)
        if (part_of[i] == part - 1)
            cct_strv_add(out, ids->items[i]);
    free(part_of);
    free(tests);
    cct_history_durations_free(durations, n_durations);
}

/* The runs whose durations order a hand-out: enough to smooth one slow
 * run out, few enough to be read in milliseconds (every kept run of a
 * suite of 10,000 tests is a second of reading). */
#define ORDER_RUNS 10

/* The durations, read again when a run has been kept since. */
static const cct_test_duration *durations(session *s, size_t *n)
{
    session_history *hist = &s->history;
    cct_history *h = store(s);
    if (h && !hist->durations_read) {
        cct_history_durations_free(hist->durations, hist->n_durations);
        hist->n_durations = cct_history_durations(h, ORDER_RUNS,
                                                  &hist->durations);
        hist->durations_read = 1;
    }
    *n = hist->n_durations;
    return hist->durations;
}

/* The module of a test, for placing it: a name that loads nothing is a
 * module of its own. */
static const char *module_of(const session *s, const char *id)
{
    const cct_project *project = &s->changes.project;
    size_t index = s->changes.have_project
                       ? cct_project_find_test(project, id)
                       : CCT_STRMAP_MISSING;
    return index != CCT_STRMAP_MISSING ? project->tests[index].module : id;
}

size_t *cct__session_history_order(session *s, const cct_strv *tests,
                                   unsigned workers)
{
    /* One worker runs them all, in any order, in the same time; -z and
     * -o ask for trial's order of the user's choosing. */
    if (workers < 2 || tests->len < 2 || s->settings.random > 0 ||
        s->settings.order || !store(s))
        return NULL;
    size_t n_durations;
    const cct_test_duration *known = durations(s, &n_durations);
    if (n_durations == 0)
        return NULL;
    cct_handout_test *placed = cct_xcalloc(tests->len, sizeof(*placed));
    for (size_t i = 0; i < tests->len; i++)
        placed[i] = (cct_handout_test){
            .module = module_of(s, tests->items[i]),
            .seconds = cct_history_duration_of(known, n_durations,
                                               tests->items[i]),
        };
    size_t *order = cct_xcalloc(tests->len, sizeof(*order));
    size_t timed = cct_handout_longest_first(placed, tests->len, order);
    free(placed);
    if (timed == 0) {
        free(order);
        return NULL;
    }
    return order;
}
