/*
 * The worker pool and its runs (see runner.h).
 */
#include "runner.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "handout.h"
#include "template.h"
#include "worker.h"

/* A worker that dies this many times in a row before running anything
 * means the command itself is broken. */
#define MAX_IDLE_DEATHS 3

/* How long a worker tracing coverage may take to exit once asked. */
#define COVERAGE_GRACE_MS 120000

/* Which test a slot's worker runs, and which wait behind it, the worker
 * holds (cct_worker_running, cct_worker_ahead): tests are handed to it
 * under their index in `tests`. */
typedef struct slot {
    cct_worker *worker; /* NULL while none is alive */
    /* Forked from the template once the run has handed out its last test,
     * to take the worker's place when the run is done with it. */
    cct_worker *next;
    char *dir;          /* _trial_temp/<n> */
    int used;           /* ran something in the current run */
} slot;

struct cct_runner {
    uv_loop_t *loop;
    cct_runner_events events;
    void *arg;
    unsigned jobs;
    unsigned active;  /* slots worth a worker: jobs, or fewer (tests) */
    cct_strv argv, env;
    char *cwd;
    unsigned timeout_s;
    char *test_log;
    cct_tbformat tbformat;
    int coverage;
    int single_run;
    unsigned send_ahead; /* tests a worker may hold behind its running one */
    cct_source_cache *sources;
    slot *slots;
    cct_template *template; /* NULL: workers are spawned afresh */
    cct_strv template_argv, template_env;
    unsigned retiring;      /* outdated templates not yet closed */

    int running;
    int held;        /* hand out nothing more this run (cct_runner_hold) */
    cct_strv tests;
    cct_handout handout; /* which of them goes out next */
    size_t begun;    /* tests begun (and not handed back): their index */
    size_t ended;    /* tests that have ended */
    /* uv_hrtime() when the first test began in a worker ready for it, or
     * 0: the run's test time counts from there, as trial's does, not
     * from the workers' start. */
    uint64_t tests_began;
    unsigned idle_deaths;
    int fatal;

    int closing;
    size_t live;     /* workers not yet closed */
    void (*closed_cb)(void *arg);
    void *closed_arg;
};

static void spawn_slot(cct_runner *r, unsigned n);
static cct_worker *spawn_worker(cct_runner *r, unsigned n);
static void hand_out(cct_runner *r, slot *s);

static slot *slot_of(cct_runner *r, cct_worker *w)
{
    return &r->slots[cct_worker_number(w)];
}

/* A worker that ran tests has imported the project's code: it goes, so
 * that the next run sees the files as they will be then, and its
 * successor, if one was forked, takes its place. */
static void retire(slot *s)
{
    /* Its logs must be whole when the retry test's are shown. */
    cct_worker_drain(s->worker);
    cct_worker_stop(s->worker);
    s->worker = s->next;
    s->next = NULL;
    s->used = 0;
}

/* The run has handed out its last test and a result has come in: the next
 * run's workers are forked now, while the last results come in, so that
 * the next run (the retry test, after a full run) finds them ready.  Not
 * as the run starts: a fork and its copied pages would take a core from
 * the first test (the fix loop's only one).  Forks only: spawning Python
 * afresh would take the cores from the tests still running. */
static void fork_successors(cct_runner *r)
{
    if (r->single_run || r->closing || !r->running || r->fatal ||
        cct_handout_left(&r->handout) || !r->template ||
        !cct_template_usable(r->template))
        return;
    for (unsigned i = 0; i < r->active; i++) {
        slot *s = &r->slots[i];
        if (s->used && s->worker && !s->next)
            s->next = spawn_worker(r, i);
    }
}

/* The slot's worker has no more to do in this run: its successor takes its
 * place at once. */
static void retire_early(cct_runner *r, slot *s)
{
    if (!s->next || !s->used ||
        cct_worker_running(s->worker) != CCT_NO_TEST ||
        r->ended == r->tests.len) /* check_end retires them all */
        return;
    retire(s);
}

static void check_end(cct_runner *r)
{
    if (!r->running || r->ended < r->tests.len)
        return;
    r->running = 0;
    for (unsigned i = 0; i < r->jobs; i++) {
        slot *s = &r->slots[i];
        if (s->used && s->worker)
            retire(s);
        s->used = 0;
    }
    if (!r->closing && !r->single_run)
        cct_runner_prewarm(r);
    r->events.run_end(0, r->arg);
}

/* Test `test` begins in the slot's worker: handed out to it, or sent
 * ahead and the one before it over. */
static void begin(cct_runner *r, slot *s, size_t test)
{
    assert(test < r->tests.len);
    if (!r->tests_began && cct_worker_is_ready(s->worker))
        r->tests_began = uv_hrtime();
    r->events.test_start(r->tests.items[test], (unsigned)(s - r->slots),
                         ++r->begun, r->arg);
}

/* Test `test` ended, having run `tests_run` tests (see
 * cct_worker_tests_run; a name that ran nothing still counts as one, as
 * trial counts a module that fails to import). */
static void test_ended(cct_runner *r, size_t test, size_t tests_run)
{
    assert(test < r->tests.len);
    r->ended++;
    assert(r->ended <= r->begun);
    r->events.test_end(r->tests.items[test], tests_run ? tests_run : 1,
                       r->arg);
}

/* The runner's own result for a test the worker could not report on. */
static void synthetic_error(cct_runner *r, size_t test, unsigned worker,
                            const char *text)
{
    cct_result result = {
        .test_id = r->tests.items[test],
        .outcome = CCT_OUTCOME_ERROR,
        .text = text,
        .error_class = "cctrial.WorkerError",
        .worker = worker,
    };
    r->events.result(&result, r->arg);
}

static void on_test_done(cct_worker *w, size_t test, size_t n_results,
                         size_t tests_run, void *arg)
{
    cct_runner *r = arg;
    slot *s = slot_of(r, w);
    assert(r->running && s->worker == w);
    r->idle_deaths = 0;
    if (n_results == 0)
        synthetic_error(r, test, s - r->slots,
                        "the worker reported no result for this test (a "
                        "test is never counted as passed unless the worker "
                        "reports its success).  Before Twisted 22.10, "
                        "trial's worker cannot send a failure whose text "
                        "or traceback is over 64 KiB, or not encodable as "
                        "UTF-8: run the test with 'python3 -m "
                        "twisted.trial' to see it.\n");
    test_ended(r, test, tests_run);
    size_t next = cct_worker_running(w); /* sent ahead: it runs now */
    if (next != CCT_NO_TEST)
        begin(r, s, next);
    hand_out(r, s);
    fork_successors(r);
    retire_early(r, s);
    check_end(r);
}

static void on_died(cct_worker *w, const char *why, void *arg)
{
    cct_runner *r = arg;
    slot *s = slot_of(r, w);
    if (s->next == w) {
        /* A successor that died idle: the slot's next worker is spawned
         * when it is needed, as without one. */
        s->next = NULL;
        return;
    }
    assert(s->worker == w);
    s->worker = NULL;
    size_t test = cct_worker_running(w);
    assert(cct_worker_n_ahead(w) == 0 || test != CCT_NO_TEST);
    /* Sent ahead, never begun: they run elsewhere. */
    for (size_t k = 0; k < cct_worker_n_ahead(w); k++)
        cct_handout_give_back(&r->handout, cct_worker_ahead(w, k));
    if (test != CCT_NO_TEST && !cct_worker_is_ready(w)) {
        /* It died before it could begin its test: the test goes to the
         * next worker, and this is the death of a worker that cannot
         * start, as if it had been idle. */
        cct_handout_give_back(&r->handout, test);
        r->begun--;
        test = CCT_NO_TEST;
    }
    if (test != CCT_NO_TEST) {
        r->idle_deaths = 0;
        char *text = cct_xasprintf("%s\n", why);
        synthetic_error(r, test, s - r->slots, text);
        free(text);
        test_ended(r, test, cct_worker_tests_run(w));
    } else if (++r->idle_deaths >= MAX_IDLE_DEATHS && !r->fatal) {
        r->fatal = 1;
        r->events.fatal(why, r->arg);
        return;
    }
    if (r->closing || r->fatal)
        return;
    if (s->next) {
        s->worker = s->next;
        s->next = NULL;
    } else {
        spawn_slot(r, (unsigned)(s - r->slots));
    }
    if (r->running) {
        hand_out(r, s);
        check_end(r);
    }
}

static void free_runner(void *arg)
{
    cct_runner *r = arg;
    void (*done)(void *) = r->closed_cb;
    void *done_arg = r->closed_arg;
    for (unsigned i = 0; i < r->jobs; i++)
        free(r->slots[i].dir);
    free(r->slots);
    cct_handout_free(&r->handout);
    cct_strv_free(&r->argv);
    cct_strv_free(&r->env);
    cct_strv_free(&r->template_argv);
    cct_strv_free(&r->template_env);
    cct_strv_free(&r->tests);
    cct_source_cache_free(r->sources);
    free(r->cwd);
    free(r->test_log);
    free(r);
    if (done)
        done(done_arg);
}

/* Once closing, the runner goes last: after its workers, its template and
 * the templates it replaced. */
static void free_when_done(cct_runner *r)
{
    if (r->closing && r->live == 0 && !r->template && r->retiring == 0)
        free_runner(r);
}

static void on_template_closed(void *arg)
{
    cct_runner *r = arg;
    r->template = NULL;
    free_when_done(r);
}

static void on_retired(void *arg)
{
    cct_runner *r = arg;
    assert(r->retiring > 0);
    r->retiring--;
    free_when_done(r);
}

static void on_closed(cct_worker *w, void *arg)
{
    (void)w;
    cct_runner *r = arg;
    r->live--;
    if (!r->closing || r->live > 0)
        return;
    /* Its workers are gone: its template goes next, once a discovery
     * forked from it is over too. */
    if (r->template)
        cct_template_retire(r->template, on_template_closed, r);
    else
        free_when_done(r);
}

/* A test handed to a worker still starting begins when it is ready. */
static void on_ready(cct_worker *w, void *arg)
{
    cct_runner *r = arg;
    if (r->running && !r->tests_began && cct_worker_running(w) != CCT_NO_TEST)
        r->tests_began = uv_hrtime();
}

static const cct_worker_events worker_events = {
    .ready = on_ready,
    .test_done = on_test_done,
    .died = on_died,
    .closed = on_closed,
};

/* A new worker for slot n, or NULL (the failure is fatal). */
static cct_worker *spawn_worker(cct_runner *r, unsigned n)
{
    cct_worker_setup setup = {
        .argv = (const char *const *)r->argv.items,
        .env = (const char *const *)r->env.items,
        .cwd = r->cwd,
        .template = r->template,
        .sources = r->sources,
        .timeout_s = r->timeout_s,
        .test_log = r->test_log,
        .tbformat = r->tbformat,
        /* With --coverage a worker writes the counts of every module it
         * traced when asked to exit (trial's worker does it then too):
         * seconds for a large suite. */
        .stop_grace_ms = r->coverage ? COVERAGE_GRACE_MS : 0,
        /* A worker's results go straight to the runner's user: they are
         * the test we handed out's (the worker names them so), and the
         * runner needs only their number (test_done). */
        .result = r->events.result,
        .result_arg = r->arg,
    };
    cct_worker *w;
    int rc = cct_worker_spawn(r->loop, &setup, n, &worker_events, r, &w);
    if (rc < 0) {
        if (!r->fatal) {
            r->fatal = 1;
            char *why = cct_xasprintf("cannot start %s: %s", r->argv.items[0],
                                      uv_strerror(rc));
            r->events.fatal(why, r->arg);
            free(why);
        }
        return NULL;
    }
    r->live++;
    return w;
}

static void spawn_slot(cct_runner *r, unsigned n)
{
    assert(!r->slots[n].worker);
    r->slots[n].worker = spawn_worker(r, n);
}

/* Gives the slot's worker its next test (starting the worker first when
 * this is its first of the run), and more ahead of its end, as many as
 * the run allows it to hold. */
static void hand_out(cct_runner *r, slot *s)
{
    if (!r->running || r->held || !s->worker ||
        !cct_worker_is_alive(s->worker) || !cct_handout_left(&r->handout))
        return; /* a dying worker's slot is handed out to at its death */
    if (!cct_worker_is_started(s->worker) &&
        cct_worker_start(s->worker, s->dir) < 0) {
        cct_worker_kill(s->worker, "cannot open its log files");
        return;
    }
    if (cct_worker_running(s->worker) == CCT_NO_TEST) {
        size_t test = cct_handout_take(&r->handout);
        s->used = 1;
        begin(r, s, test);
        /* A send that fails kills the worker, whose death reports the
         * test (on_died). */
        if (cct_worker_run(s->worker, r->tests.items[test], test) < 0)
            return;
        assert(cct_worker_running(s->worker) == test);
    }
    while (cct_worker_n_ahead(s->worker) < r->send_ahead &&
           cct_handout_may_send_ahead(&r->handout, r->active,
                                      cct_worker_n_ahead(s->worker)) &&
           cct_worker_can_send_ahead(s->worker)) {
        size_t test = cct_handout_take(&r->handout);
        size_t k = cct_worker_n_ahead(s->worker);
        if (cct_worker_run(s->worker, r->tests.items[test], test) < 0)
            return;
        assert(cct_worker_ahead(s->worker, k) == test);
        (void)k;
    }
}

static void on_template_lost(const char *why, void *arg)
{
    cct_runner *r = arg;
    if (r->events.template_lost)
        r->events.template_lost(why, r->arg);
}

static void start_template(cct_runner *r)
{
    static const cct_template_events events = {.lost = on_template_lost};
    int rc = cct_template_start(r->loop,
                                (const char *const *)r->template_argv.items,
                                (const char *const *)r->template_env.items,
                                r->cwd, &events, r, &r->template);
    if (rc < 0) {
        r->template = NULL;
        char *why = cct_xasprintf("cannot start the worker template %s: %s",
                                  r->template_argv.items[0], uv_strerror(rc));
        on_template_lost(why, r);
        free(why);
    }
}

/* A file the template imported has changed (a dependency upgraded): its
 * idle workers, forked before, go with it, and a new template forks the
 * next ones.  Between runs only: every worker is idle then. */
static void replace_outdated_template(cct_runner *r)
{
    assert(!r->running);
    char *which;
    if (!r->template || !cct_template_usable(r->template) ||
        !cct_template_outdated(r->template, &which))
        return;
    for (unsigned i = 0; i < r->jobs; i++) {
        assert(!r->slots[i].next); /* promoted as the last run ended */
        if (r->slots[i].worker) {
            cct_worker_stop(r->slots[i].worker);
            r->slots[i].worker = NULL;
        }
    }
    r->retiring++;
    cct_template_retire(r->template, on_retired, r);
    start_template(r);
    if (r->events.template_replaced) {
        char *why = cct_xasprintf("%s has changed since the worker template "
                                  "imported it", which);
        r->events.template_replaced(why, r->arg);
        free(why);
    }
    free(which);
}

cct_runner *cct_runner_new(uv_loop_t *loop, const cct_runner_config *config,
                           const cct_runner_events *events, void *arg)
{
    cct_runner *r = cct_xcalloc(1, sizeof(*r));
    r->loop = loop;
    r->events = *events;
    r->arg = arg;
    r->jobs = config->jobs ? config->jobs : 1;
    r->active = r->jobs;
    cct_strv_init(&r->argv);
    cct_strv_init(&r->env);
    cct_strv_init(&r->template_argv);
    cct_strv_init(&r->template_env);
    cct_strv_init(&r->tests);
    cct_handout_init(&r->handout);
    for (const char *const *a = config->argv; *a; a++)
        cct_strv_add(&r->argv, *a);
    for (const char *const *e = config->env; *e; e++)
        cct_strv_add(&r->env, *e);
    r->cwd = cct_xstrdup(config->cwd);
    r->timeout_s = config->timeout_s;
    r->test_log = config->test_log ? cct_xstrdup(config->test_log) : NULL;
    r->tbformat = config->tbformat;
    r->coverage = config->coverage;
    r->single_run = config->single_run;
    assert(config->send_ahead <= CCT_AHEAD_MAX);
    r->send_ahead = config->send_ahead;
    r->sources = cct_source_cache_new();
    r->slots = cct_xcalloc(r->jobs, sizeof(slot));
    for (unsigned i = 0; i < r->jobs; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%u", i);
        r->slots[i].dir = cct_path_join(config->temp_dir, name);
    }
    if (config->template_argv) {
        for (const char *const *a = config->template_argv; *a; a++)
            cct_strv_add(&r->template_argv, *a);
        for (const char *const *e = config->template_env; *e; e++)
            cct_strv_add(&r->template_env, *e);
        start_template(r);
    }
    return r;
}

void cct_runner_set_command(cct_runner *r, const char *const *argv,
                            const char *const *env)
{
    assert(!r->running && !r->closing);
    for (unsigned i = 0; i < r->jobs; i++) {
        assert(!r->slots[i].next); /* promoted as the last run ended */
        if (r->slots[i].worker) {
            cct_worker_stop(r->slots[i].worker);
            r->slots[i].worker = NULL;
        }
    }
    cct_strv_clear(&r->argv);
    cct_strv_clear(&r->env);
    for (const char *const *a = argv; *a; a++)
        cct_strv_add(&r->argv, *a);
    for (const char *const *e = env; *e; e++)
        cct_strv_add(&r->env, *e);
    r->idle_deaths = 0;
}

cct_template *cct_runner_template(cct_runner *r)
{
    return r->template && cct_template_usable(r->template) ? r->template
                                                           : NULL;
}

void cct_runner_set_send_ahead(cct_runner *r, unsigned send_ahead)
{
    assert(send_ahead <= CCT_AHEAD_MAX);
    r->send_ahead = send_ahead;
}

void cct_runner_pause_clocks(cct_runner *r)
{
    for (unsigned i = 0; i < r->jobs; i++)
        if (r->slots[i].worker)
            cct_worker_pause_clock(r->slots[i].worker);
}

void cct_runner_resume_clocks(cct_runner *r)
{
    for (unsigned i = 0; i < r->jobs; i++)
        if (r->slots[i].worker)
            cct_worker_resume_clock(r->slots[i].worker);
}

void cct_runner_limit(cct_runner *r, size_t tests)
{
    if (r->running)
        return;
    r->active = tests == 0 ? 1 : tests < r->jobs ? (unsigned)tests : r->jobs;
    for (unsigned i = r->active; i < r->jobs; i++) {
        slot *s = &r->slots[i];
        assert(!s->next); /* successors are promoted as a run ends */
        if (s->worker) {
            cct_worker_stop(s->worker);
            s->worker = NULL;
        }
    }
}

void cct_runner_prewarm(cct_runner *r)
{
    for (unsigned i = 0; i < r->active && !r->fatal; i++)
        if (!r->slots[i].worker)
            spawn_slot(r, i);
}

int cct_runner_run(cct_runner *r, const cct_strv *tests,
                   const size_t *order)
{
    if (r->running || r->closing)
        return UV_EBUSY;
    replace_outdated_template(r);
    cct_strv_clear(&r->tests);
    for (size_t i = 0; i < tests->len; i++)
        cct_strv_add(&r->tests, tests->items[i]);
    cct_handout_reset(&r->handout, r->tests.len, order);
    r->begun = 0;
    r->ended = 0;
    r->tests_began = 0;
    r->held = 0;
    r->running = 1;
    cct_source_cache_clear(r->sources);
    for (unsigned i = 0; i < r->active; i++) {
        if (mkdir(r->slots[i].dir, 0755) < 0 && errno != EEXIST) {
            r->running = 0;
            return uv_translate_sys_error(errno);
        }
    }
    cct_runner_prewarm(r);
    for (unsigned i = 0; i < r->active; i++)
        hand_out(r, &r->slots[i]);
    check_end(r);
    return 0;
}

void cct_runner_hold(cct_runner *r)
{
    r->held = 1;
}

void cct_runner_interrupt(cct_runner *r)
{
    if (!r->running)
        return;
    r->running = 0;
    for (unsigned i = 0; i < r->jobs; i++) {
        slot *s = &r->slots[i];
        if (s->worker &&
            (s->used || cct_worker_running(s->worker) != CCT_NO_TEST)) {
            /* stop() first, so that its death is not reported. */
            cct_worker_stop(s->worker);
            cct_worker_kill(s->worker, NULL);
            s->worker = s->next;
            s->next = NULL;
        }
        s->used = 0;
    }
    if (!r->closing)
        cct_runner_prewarm(r);
    r->events.run_end(1, r->arg);
}

uint64_t cct_runner_tests_began(const cct_runner *r)
{
    return r->tests_began;
}

const char *cct_runner_worker_dir(cct_runner *r, unsigned n)
{
    return n < r->jobs ? r->slots[n].dir : NULL;
}

void cct_runner_close(cct_runner *r, void (*done)(void *arg), void *arg)
{
    r->closing = 1;
    r->running = 0;
    r->closed_cb = done;
    r->closed_arg = arg;
    for (unsigned i = 0; i < r->jobs; i++) {
        if (r->slots[i].worker) {
            cct_worker_stop(r->slots[i].worker);
            /* A worker stuck in a test would hold us for the grace
             * period; one that is idle exits on EOF at once. */
            if (cct_worker_running(r->slots[i].worker) != CCT_NO_TEST)
                cct_worker_kill(r->slots[i].worker, NULL);
            r->slots[i].worker = NULL;
        }
        if (r->slots[i].next) {
            cct_worker_stop(r->slots[i].next);
            r->slots[i].next = NULL;
        }
    }
    if (r->live == 0) {
        r->live = 1;
        on_closed(NULL, r);
    }
}
