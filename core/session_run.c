/*
 * Runs (see session_internal.h): the command the workers run with, the
 * worker pool, starting a run of a suite, its events on their way to the
 * reporters (held while a burst may still stop it unseen: see
 * session_runs.shown), its end handed to the workflow, and the workflow's
 * actions carried out (cct__session_act: the one place a run starts).
 * Writes only `run` of the session.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "python_search.h"
#include "session_internal.h"
#include "visible.h"
#include "worker_runs.h"

/* How much of each log the retry test's report shows. */
#define LOG_LIMIT 65536

void cct__session_runs_init(session *s)
{
    cct_results_init(&s->run.results);
    cct_strv_init(&s->run.worker_command.argv);
    cct_strv_init(&s->run.worker_command.env);
    cct_strv_init(&s->run.worker_command.template_argv);
    cct_strv_init(&s->run.worker_command.template_env);
    cct_strv_init(&s->run.tests);
    cct_strv_init(&s->run.broken);
    uv_timer_init(&s->loop, &s->run.stop_first);
    s->run.stop_first.data = s;
}

void cct__session_runs_close(session *s)
{
    uv_close((uv_handle_t *)&s->run.stop_first, NULL);
}

static void drop_held(session *s)
{
    for (size_t i = 0; i < s->run.n_held; i++)
        free(s->run.held[i].test_id);
    s->run.n_held = 0;
}

void cct__session_runs_free(session *s)
{
    assert(!s->run.runner);
    drop_held(s);
    free(s->run.held);
    cct_results_free(&s->run.results);
    cct_worker_command_free(&s->run.worker_command);
    cct_strv_free(&s->run.tests);
    cct_strv_free(&s->run.broken);
    free(s->run.guess_lost_template);
}

/* "test_method (pkg.module.Class)", as Python's unittest shows a test;
 * its control characters shown, not sent to the terminal. */
static char *display_test(const session *s, const char *id)
{
    const cct_project *project = &s->changes.project;
    size_t index = s->changes.have_project
                       ? cct_project_find_test(project, id)
                       : CCT_STRMAP_MISSING;
    char *visible = cct__session_visible(id);
    const char *dot = strrchr(visible, '.');
    if (!dot || (index != CCT_STRMAP_MISSING &&
                 project->import_error[index]))
        return visible;
    char *shown = cct_xasprintf("%s (%.*s)", dot + 1, (int)(dot - visible),
                                visible);
    free(visible);
    return shown;
}

static void notify(session *s, const cct_action *a)
{
    if (!s->notifier)
        return;
    const cct_notifier_ops *ops = s->notifier->lib.desc->notifier;
    if (ops->notify)
        ops->notify(s->notifier->ctx, a->title, a->text, a->status);
}

/* .cctrial/<name> of the project; malloc'ed. */
static char *state_file(const session *s, const char *name)
{
    return cct_xasprintf("%s/.cctrial/%s", s->paths->project_dir, name);
}

static void worker_command_for(session *s, const char *python,
                               const cct_strv *sys_path,
                               cct_worker_command *out)
{
    cct_worker_command_build(out, python, sys_path, &s->settings.env,
                             s->settings.fast_worker, s->settings.template,
                             s->paths->data_dir, &s->settings.worker_flags);
}

static void full_suite(session *s, cct_strv *out)
{
    const char *grep = cct__session_grep(s);
    for (size_t i = 0; i < s->changes.project.n_tests; i++) {
        const char *id = s->changes.project.tests[i].id;
        if (!grep || strstr(id, grep))
            cct_strv_add(out, id);
    }
}

/* Starts a run of `suite`: only ever for the workflow's CCT_ACT_RUN. */
static void start_run(session *s, cct_suite suite)
{
    cct_strv_clear(&s->run.tests);
    const cct_strv *listed = cct_workflow_tests(&s->workflow, suite);
    if (listed) {
        for (size_t i = 0; i < listed->len; i++)
            cct_strv_add(&s->run.tests, listed->items[i]);
    } else if (suite == CCT_SUITE_RETRY_TEST) {
        cct_strv_add(&s->run.tests, s->workflow.retry_test);
    } else {
        full_suite(s, &s->run.tests);
    }
    char *error = NULL;
    if (cct_trial_temp_clear(&s->temp, &error) < 0) {
        cct__session_fail(s, "%s", error);
        free(error);
        return;
    }
    cct_results_reset(&s->run.results);
    s->run.failed_first = s->run.stopped_first = 0;
    s->run.finished = 0;
    s->run.tests_run = 0;
    unsigned jobs = s->settings.jobs;
    cct_run_start *ev = &s->run.start;
    *ev = (cct_run_start){
        .struct_size = sizeof(*ev),
        .suite = suite,
        .total = s->run.tests.len,
        .workers = s->run.tests.len < jobs ? (unsigned)s->run.tests.len
                                           : jobs,
    };
    ev->estimate = cct__session_history_estimate(s, &s->run.tests,
                                                 ev->workers);
    s->run.workers = ev->workers;
    cct__session_history_run_start(s);
    assert(s->run.n_held == 0);
    s->run.shown = 0;
    if (!cct__session_burst_may_stop(s))
        cct__session_announce_run(s);
    /* Workers for what can run: this run's tests, or while watching, any
     * run's (the whole suite). */
    cct_runner_limit(s->run.runner, s->mode == MODE_CONTINUOUS
                                    ? s->changes.project.n_tests
                                    : s->run.tests.len);
    size_t *order = cct__session_history_order(s, &s->run.tests,
                                               ev->workers);
    if (order && s->settings.verbose) {
        char *first = cct__session_visible(s->run.tests.items[order[0]]);
        cct_console_error(&s->console, "longest module first, by the "
                          "history's durations: %s goes out first", first);
        free(first);
    }
    int rc = cct_runner_run(s->run.runner, &s->run.tests, order);
    free(order);
    if (rc < 0)
        cct__session_fail(s, "cannot start the run: %s", cct_strerror(rc));
}

void cct__session_announce_run(session *s)
{
    if (s->run.shown || !s->workflow.running)
        return;
    s->run.shown = 1;
    if (s->settings.verbose)
        for (size_t i = 0; i < s->run.tests.len; i++)
            cct_console_printf(&s->console, "%s\n", s->run.tests.items[i]);
    if (s->settings.until_failure && s->workflow.pass)
        cct_report_message(&s->reporters, CCT_MSG_INFO, NULL,
                           "Test Pass %u", s->workflow.pass);
    cct_report_run_start(&s->reporters, &s->run.start);
    for (size_t i = 0; i < s->run.n_held; i++) {
        const cct_held_start *h = &s->run.held[i];
        cct_report_test_start(&s->reporters, h->test_id, h->worker, h->index,
                              s->run.tests.len);
    }
    drop_held(s);
}

static void on_test_start(const char *test_id, unsigned worker, size_t index,
                          void *arg)
{
    session *s = arg;
    if (s->workflow.suite == CCT_SUITE_RETRY_TEST)
        s->run.retry_worker = worker;
    if (s->run.shown) {
        cct_report_test_start(&s->reporters, test_id, worker, index,
                              s->run.tests.len);
        return;
    }
    if (s->run.n_held == s->run.cap_held) {
        s->run.cap_held = s->run.cap_held ? 2 * s->run.cap_held : 4;
        s->run.held = cct_xrealloc(s->run.held, s->run.cap_held *
                                                    sizeof(*s->run.held));
    }
    s->run.held[s->run.n_held++] = (cct_held_start){
        cct_xstrdup(test_id), worker, index};
}

/* trial's --unclean-warnings: its reporter turns a test's dirty-reactor
 * error into a warning, which its manager writes to standard error; the
 * test then has no result of it. */
static int unclean_warning(session *s, const cct_result *result)
{
    static const char dirty[] = "twisted.trial.util.DirtyReactorAggregateError";
    if (!s->settings.unclean_warnings ||
        result->outcome != CCT_OUTCOME_ERROR || !result->error_class ||
        strcmp(result->error_class, dirty) != 0)
        return 0;
    /* The error's message, as trial's warning shows it. */
    const char *text = result->message ? result->message : result->text;
    char *id = cct__session_visible(result->test_id);
    char *visible = visible_text(text, VISIBLE_TEXT);
    if (!visible) {
        fprintf(stderr, "cctrial: out of memory\n");
        abort();
    }
    size_t len = strlen(visible);
    if (len && visible[len - 1] == '\n')
        len--; /* the line's end is cct_console_error's */
    cct_console_error(&s->console, "warning: %s: %.*s", id, (int)len,
                      visible);
    free(visible);
    free(id);
    return 1;
}

static void on_result(const cct_result *result, void *arg)
{
    session *s = arg;
    cct__session_announce_run(s); /* a result is never dropped */
    if (unclean_warning(s, result))
        return;
    cct_results_add(&s->run.results, result);
    /* A success is counted, not kept: only a problem has a key. */
    const char *group_key =
        result->outcome == CCT_OUTCOME_SUCCESS
            ? NULL
            : s->run.results.items[s->run.results.n - 1].key;
    int flaky = cct__session_history_result(s, result, group_key);
    if (result->outcome == CCT_OUTCOME_FAILURE ||
        result->outcome == CCT_OUTCOME_ERROR) {
        s->run.failed_first = 1;
        /* trial -x begins no test after a failure: nor do the workers,
         * while the failing test ends (see on_test_end). */
        if (s->settings.exitfirst)
            cct_runner_hold(s->run.runner);
    }
    cct_run_progress progress = {
        /* This result's test is not counted as ended yet: include it. */
        .done = s->run.finished + 1,
        .total = s->run.tests.len,
        .counts = s->run.results.counts,
    };
    cct_report_test_result(&s->reporters, result, &progress, flaky);
}

/* A log of the retry test's worker, its last LOG_LIMIT bytes at most
 * (saying so when cut): a test may write megabytes. */
static char *read_log(const char *dir, const char *name)
{
    char *path = cct_path_absolute(dir, name); /* --logfile may be */
    int cut = 0;
    char *text = cct_read_file(path, LOG_LIMIT, NULL, &cut);
    if (text && cut) {
        free(text);
        char *tail = cct_read_file_tail(path, LOG_LIMIT);
        text = cct_xasprintf("[cut by cctrial: the last %d KiB of %s]\n%s",
                             LOG_LIMIT / 1024, path, tail ? tail : "");
        free(tail);
    }
    free(path);
    if (!text)
        return cct_xstrdup("");
    char *clean = cct_utf8_sanitize(text, strlen(text));
    free(text);
    return clean;
}

/* The project's first_wait_hint: its control characters escaped, so that
 * a project's file cannot drive the terminal. */
static void show_first_wait_hint(session *s)
{
    const char *hint = s->settings.first_wait_hint;
    if (!hint || !*hint)
        return;
    char *line = cct__session_visible(hint);
    cct_console_printf(&s->console, "%s\n", line);
    free(line);
}

static void show_logs(session *s, const char *test)
{
    const char *dir =
        cct_runner_worker_dir(s->run.runner, s->run.retry_worker);
    char *log = read_log(dir, s->settings.logfile);
    char *out = read_log(dir, "out.log");
    char *err = read_log(dir, "err.log");
    cct_test_log ev = {
        .struct_size = sizeof(ev),
        .test_id = test,
        .log = log,
        .out = out,
        .err = err,
    };
    cct_report_test_log(&s->reporters, &ev);
    free(log);
    free(out);
    free(err);
}

/* Keeps `broken` true after a run: its failed tests are broken; the other
 * tests it ran are not, when it ran them all (a run stopped early, or at
 * its first failure, says nothing of the tests it did not reach). */
static void update_broken(session *s, const cct_strv *failed, int complete)
{
    cct_strv *broken = &s->run.broken;
    if (complete) {
        cct_strmap ran, failed_now;
        cct_strmap_init(&ran);
        cct_strmap_init(&failed_now);
        cct_strmap_index(&ran, &s->run.tests);
        cct_strmap_index(&failed_now, failed);
        size_t kept = 0;
        for (size_t i = 0; i < broken->len; i++) {
            char *id = broken->items[i];
            if (cct_strmap_get(&ran, id) != CCT_STRMAP_MISSING &&
                cct_strmap_get(&failed_now, id) == CCT_STRMAP_MISSING)
                free(id);
            else
                broken->items[kept++] = id;
        }
        broken->len = kept;
        if (broken->items)
            broken->items[kept] = NULL;
        cct_strmap_free(&ran);
        cct_strmap_free(&failed_now);
    }
    cct_strv_add_missing(broken, failed);
}

size_t cct__session_broken_outside(const session *s, const char *grep)
{
    size_t n = 0;
    for (size_t i = 0; grep && i < s->run.broken.len; i++)
        if (!strstr(s->run.broken.items[i], grep))
            n++;
    return n;
}

static void on_run_end(int interrupted, void *arg)
{
    session *s = arg;
    uv_timer_stop(&s->run.stop_first);
    cct__session_run_ended(s);
    if (!s->run.shown && interrupted && s->workflow.burst_waits) {
        /* Stopped for a burst before it had anything to show: the
         * burst's run is the one the user sees. */
        assert(s->run.results.n == 0);
        drop_held(s);
        if (s->exiting)
            return;
        cct_strv none;
        cct_strv_init(&none);
        cct_run_outcome outcome = {.failed = &none, .interrupted = 1};
        cct_actions actions;
        cct_workflow_run_done(&s->workflow, &outcome, &actions);
        cct__session_act(s, &actions);
        cct_strv_free(&none);
        return;
    }
    cct__session_announce_run(s);
    if (s->run.stopped_first) {
        /* Not an interruption: a run that ended at its first failure, to
         * be reported and judged as trial -x's is. */
        interrupted = 0;
        cct_report_message(&s->reporters, CCT_MSG_INFO, NULL,
                           "stopped at the first failure or error "
                           "(exitfirst): %zu of %zu tests not run",
                           s->run.tests.len - s->run.finished,
                           s->run.tests.len);
    }
    cct_results_group(&s->run.results);
    /* trial's time: from the first test's start, not the workers'. */
    uint64_t began = cct_runner_tests_began(s->run.runner);
    double wall = began ? (double)(uv_hrtime() - began) / 1e9 : 0.0;
    cct_run_end ev = {
        .struct_size = sizeof(ev),
        .suite = s->workflow.suite,
        .tests_run = s->run.tests_run,
        .wall_time = wall,
        .passed = cct_results_passed(&s->run.results),
        .interrupted = interrupted,
    };
    cct_results_fill_run_end(&s->run.results, &ev);
    /* Only a whole run is an estimate of the next one. */
    cct__session_history_run_end(s, &ev, !interrupted &&
                                             !s->run.stopped_first && began);
    /* Reporters see the end of every run they saw begin, an interrupted
     * one too, so that what they write (a JSON stream, a JUnit file) is
     * closed. */
    cct_report_run_end(&s->reporters, &ev);
    /* The run's results and end are shown at once, however recently the
     * last output was, and before the workflow acts: the next run's start
     * (clearing _trial_temp, checking the template) would hold back the
     * result of the fix just saved. */
    cct_console_flush(&s->console);
    if (s->exiting)
        return; /* a signal: the workflow goes no further */

    cct_strv failed;
    cct_strv_init(&failed);
    cct_results_failed_ids(&s->run.results, &failed);
    update_broken(s, &failed, !interrupted && !s->run.stopped_first);
    const cct_result_group *biggest =
        cct_results_biggest_problem(&s->run.results);
    cct_run_outcome outcome = {
        .passed = ev.passed,
        .tests_run = ev.tests_run,
        .failed = &failed,
        .biggest = biggest ? biggest->test_ids[0] : NULL,
        .interrupted = interrupted,
    };
    cct_actions actions;
    cct_workflow_run_done(&s->workflow, &outcome, &actions);
    cct__session_act(s, &actions);
    cct_strv_free(&failed);
    /* And what the workflow said about it (a fix to make, the next run). */
    cct_console_flush(&s->console);
}

/* exitfirst: the run ends here, as trial -x ends it. */
static void stop_at_first_failure(uv_timer_t *timer)
{
    session *s = timer->data;
    if (!s->workflow.running || s->exiting)
        return;
    s->run.stopped_first = 1;
    cct_runner_interrupt(s->run.runner); /* its end: on_run_end */
}

static void on_test_end(const char *test_id, size_t tests_run, void *arg)
{
    (void)test_id;
    session *s = arg;
    s->run.finished++;
    s->run.tests_run += tests_run;
    /* Once the failing test has ended (its every result is in), and not
     * after the run's last: then the run ends by itself. */
    if (s->settings.exitfirst && s->run.failed_first &&
        s->run.finished < s->run.tests.len &&
        !uv_is_active((uv_handle_t *)&s->run.stop_first))
        uv_timer_start(&s->run.stop_first, stop_at_first_failure, 0, 0);
}

static void on_fatal(const char *why, void *arg)
{
    session *s = arg;
    if (s->exiting)
        return;
    if (s->run.runner_is_guess) {
        /* Only a guess that no longer works: discovery will say. */
        cct_runner_close(s->run.runner, NULL, NULL);
        s->run.runner = NULL;
        s->run.runner_is_guess = GUESS_NONE;
        return;
    }
    /* Workers start in the project directory: without it, that is the
     * news, not what could not start there. */
    if (!cct__session_project_gone(s))
        cct__session_fail(s, "the trial workers cannot run: %s", why);
}

/* Workers are spawned afresh from now on: worth saying with -v, but only
 * once discovery has found the interpreter usable.  A template started
 * before discovery with an interpreter that cannot import Twisted dies
 * with a traceback that discovery's own error says better. */
static void on_template_lost(const char *why, void *arg)
{
    session *s = arg;
    if (!s->settings.verbose || s->exiting)
        return;
    if (s->run.runner_is_guess) {
        free(s->run.guess_lost_template);
        s->run.guess_lost_template = cct_xstrdup(why);
        return;
    }
    cct_console_error(&s->console, "workers start afresh from now on: %s",
                      why);
}

/* A new template replaced an outdated one: worth saying with -v. */
static void on_template_replaced(const char *why, void *arg)
{
    session *s = arg;
    if (s->settings.verbose && !s->exiting)
        cct_console_error(&s->console, "a new worker template: %s", why);
}

/* Is the project's Twisted older than major.minor?  Unknown (no project
 * yet: guessed workers) counts as not older. */
static int twisted_before(const session *s, int major, int minor)
{
    int have_major, have_minor;
    if (!s->changes.have_project || !s->changes.project.twisted_version ||
        sscanf(s->changes.project.twisted_version, "%d.%d", &have_major,
               &have_minor) != 2)
        return 0;
    return have_major < major || (have_major == major && have_minor < minor);
}

/* How many tests a worker may hold behind the one it runs (see
 * cct_runner_config.send_ahead): none with exitfirst, where the test after
 * a failure must not begin, as in trial -x.  cctrial's fast worker says
 * in each Run's answer whether it can take more, so it may hold many;
 * trial's own, before 22.10, one: whether a test that closed its command
 * pipe left the next unread is guessed from the pipe (worker.c), which
 * tells one test from none, not how many. */
static unsigned send_ahead(const session *s)
{
    if (s->settings.exitfirst)
        return 0;
    if (s->settings.fast_worker)
        return CCT_AHEAD_MAX;
    return twisted_before(s, 22, 10) ? 1 : 0;
}

/* `tests`: the most a run will have, so that no worker is started for
 * nothing (cct_runner_limit).  `before_discovery`: discovery may fork its
 * helper from the template; `prewarm`: the workers start now. */
static void start_runner(session *s, size_t tests, int before_discovery,
                         int prewarm)
{
    const cct_worker_command *c = &s->run.worker_command;
    /* A template costs a Python start and its imports, as one worker
     * does, and saves them for every other process it forks: a session
     * replaces its workers at each run, a single run with several jobs
     * starts several, discovery's helper is one.  A single run with one
     * worker, discovery over, saves nothing. */
    int template = c->template_argv.len &&
                   (s->mode == MODE_CONTINUOUS || s->settings.jobs > 1 ||
                    before_discovery);
    cct_runner_config config = {
        .jobs = s->settings.jobs,
        .argv = (const char *const *)c->argv.items,
        .env = (const char *const *)c->env.items,
        .template_argv =
            template ? (const char *const *)c->template_argv.items : NULL,
        .template_env =
            template ? (const char *const *)c->template_env.items : NULL,
        .cwd = s->paths->project_dir,
        .temp_dir = s->temp.dir,
        .timeout_s = s->settings.timeout_s,
        .test_log = s->settings.logfile,
        .tbformat = s->settings.tbformat,
        .coverage = s->settings.worker_flags.coverage,
        .single_run = s->mode != MODE_CONTINUOUS,
        .send_ahead = send_ahead(s),
    };
    static const cct_runner_events events = {
        .test_start = on_test_start,
        .result = on_result,
        .test_end = on_test_end,
        .run_end = on_run_end,
        .fatal = on_fatal,
        .template_lost = on_template_lost,
        .template_replaced = on_template_replaced,
    };
    s->run.runner = cct_runner_new(&s->loop, &config, &events, s);
    cct_runner_limit(s->run.runner, tests);
    if (prewarm)
        cct_runner_prewarm(s->run.runner);
}

/* The interpreter and sys.path the last session's discovery gave
 * (.cctrial/workers): 0, or -1 when there is no memo to use.
 *
 * The memo lives in the project, and a checkout may bring one along: it
 * only saves time, never chooses.  Its interpreter is used only when it
 * is one the search would try itself (see python_search.h), so that a
 * committed "python=./evil" runs nothing. */
static int read_memo(session *s, char **python, cct_strv *sys_path)
{
    char *memo = state_file(s, "workers");
    cct_strv candidates;
    cct_strv_init(&candidates);
    cct_python_search search = {s->settings.python,
                                s->changes.project_venv};
    cct_python_candidates(&search, &candidates, NULL);
    int rc = cct_worker_memo_read(memo, python, sys_path);
    if (rc == 0 && !cct_strv_contains(&candidates, *python)) {
        free(*python);
        *python = NULL;
        cct_strv_clear(sys_path);
        rc = -1;
    }
    free(memo);
    cct_strv_free(&candidates);
    return rc;
}

/* The runner discovery will call for, started before it as far as it can
 * be known: with the memo, its workers start early (Python's start-up and
 * Twisted's import then overlap discovery instead of following it).
 * Without one, when the interpreter is configured, its template alone
 * starts, which discovery's helper is forked from; the workers wait for
 * the PYTHONPATH discovery finds. */
void cct__session_guess_workers(session *s)
{
    if (s->mode == MODE_LIST)
        return;
    char *python = NULL;
    cct_strv sys_path;
    cct_strv_init(&sys_path);
    int memo = s->settings.cache && read_memo(s, &python, &sys_path) == 0;
    if (!memo && s->settings.python && s->settings.fast_worker &&
        s->settings.template)
        python = cct_xstrdup(s->settings.python);
    if (python) {
        worker_command_for(s, python, &sys_path, &s->run.worker_command);
        /* How many tests will run is discovery's to say: jobs until then. */
        start_runner(s, s->settings.jobs, 1, 0);
        s->run.runner_is_guess = memo ? GUESS_MEMO : GUESS_TEMPLATE;
    }
    free(python);
    cct_strv_free(&sys_path);
}

/* After discovery's request for its helper: a template forks in the order
 * asked, and on two cores the workers' forks (each copies its private
 * pages) held a warm discovery back by 0.2 s. */
void cct__session_prewarm_guess(session *s)
{
    if (s->run.runner_is_guess == GUESS_MEMO)
        cct_runner_prewarm(s->run.runner);
}

void cct__session_close_runner(session *s, void (*done)(void *arg),
                               void *arg)
{
    if (!s->run.runner) {
        done(arg);
        return;
    }
    cct_runner_interrupt(s->run.runner); /* when a run is going */
    cct_runner *runner = s->run.runner;
    s->run.runner = NULL; /* it frees itself once closed */
    cct_runner_close(runner, done, arg);
}

/* The workers discovery calls for: the guessed ones when they match. */
/* The guess's runner stays: a loss of its template is news now. */
static void say_guess_lost_template(session *s)
{
    if (s->run.guess_lost_template)
        cct_console_error(&s->console, "workers start afresh from now on: "
                          "%s", s->run.guess_lost_template);
}

void cct__session_create_runner(session *s, size_t tests)
{
    cct_worker_command real;
    const cct_strv *sys_path = &s->changes.project.sys_path;
    worker_command_for(s, s->changes.python, sys_path, &real);
    char *memo = state_file(s, "workers");
    if (s->settings.cache)
        cct_worker_memo_write(memo, s->changes.python, sys_path);
    free(memo);
    if (s->run.runner &&
        cct_worker_command_equal(&real, &s->run.worker_command)) {
        cct_worker_command_free(&real);
        s->run.runner_is_guess = GUESS_NONE;
        say_guess_lost_template(s);
        cct_runner_set_send_ahead(s->run.runner, send_ahead(s));
        cct_runner_limit(s->run.runner, tests);
        return;
    }
    if (s->run.runner &&
        cct_worker_command_same_template(&real, &s->run.worker_command)) {
        /* Only the workers' PYTHONPATH was a guess: the template stays. */
        cct_runner_set_command(s->run.runner,
                               (const char *const *)real.argv.items,
                               (const char *const *)real.env.items);
        cct_worker_command_free(&s->run.worker_command);
        s->run.worker_command = real;
        s->run.runner_is_guess = GUESS_NONE;
        say_guess_lost_template(s);
        cct_runner_set_send_ahead(s->run.runner, send_ahead(s));
        cct_runner_limit(s->run.runner, tests);
        cct_runner_prewarm(s->run.runner);
        return;
    }
    if (s->run.runner) /* the guess was wrong: its workers go */
        cct_runner_close(s->run.runner, NULL, NULL);
    cct_worker_command_free(&s->run.worker_command);
    s->run.worker_command = real;
    s->run.runner_is_guess = GUESS_NONE;
    start_runner(s, tests, 0, 1);
}

cct_template *cct__session_template_for(session *s, const char *python)
{
    if (!s->run.runner ||
        strcmp(s->run.worker_command.argv.items[0], python) != 0)
        return NULL;
    return cct_runner_template(s->run.runner);
}

/* A path as the user would type it: relative to the project when inside. */
static const char *shown_path(const session *s, const char *path)
{
    size_t n = strlen(s->paths->project_dir);
    if (strncmp(path, s->paths->project_dir, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

static void on_unreached(cct_selection *sel, const char *file)
{
    session *s = sel->host_data;
    char *shown = cct__session_visible(shown_path(s, file));
    if (s->mode == MODE_LIST) /* standard output holds only the ids */
        cct_console_error(&s->console, "no test detected for %s", shown);
    else
        cct_report_message(&s->reporters, CCT_MSG_NO_TEST_FOR, file,
                           "no test detected for %s", shown);
    free(shown);
}

/* A question to the selector, on the heap when its answer comes later
 * (CCT_SELECT_PENDING): the selection, its array and the catalog must live
 * until then. */
struct cct__selecting {
    cct_selection selection; /* first: complete() finds the rest */
    session *s;
    cct_catalog catalog;
    cct__selected_fn done;   /* NULL: abandoned, the answer is dropped */
};

static void free_selecting(cct__selecting *q)
{
    free(q->selection.selected);
    free(q);
}

/* The selected tests' ids in trial's order, after --grep. */
static void selected_ids(const cct__selecting *q, cct_strv *out)
{
    const char *grep = cct__session_grep(q->s);
    for (size_t i = 0; i < q->catalog.n_tests; i++) {
        const char *id = cct_catalog_test_at(&q->catalog, i)->id;
        if (q->selection.selected[i] && (!grep || strstr(id, grep)))
            cct_strv_add(out, id);
    }
}

static void answer(cct__selecting *q, int status)
{
    cct_strv ids;
    cct_strv_init(&ids);
    if (status >= 0)
        selected_ids(q, &ids);
    q->done(q->s, status < 0 ? -1 : 0, &ids);
    cct_strv_free(&ids);
}

static void on_selection_complete(cct_selection *sel, int status)
{
    cct__selecting *q = (cct__selecting *)sel;
    if (q->done) {
        assert(q->s->run.selecting == q);
        q->s->run.selecting = NULL;
        answer(q, status);
    }
    free_selecting(q);
}

/* Plugins built against ABI 1.2 or later may answer later. */
static int may_answer_later(const cct_instance *selector)
{
    return (selector->lib.desc->abi_version & 0xffff) >= 2;
}

/* Asks the selector; returns what select() did. */
static int ask(session *s, cct__selecting *q, const cct_strv *changes)
{
    q->s = s;
    cct_project_catalog(&s->changes.project, &q->catalog);
    q->selection = (cct_selection){
        .struct_size = sizeof(q->selection),
        .selected = cct_xcalloc(q->catalog.n_tests, 1),
        .unreached = on_unreached,
        .host_data = s,
        .complete = on_selection_complete,
    };
    cct_change_set change_set = {
        .struct_size = sizeof(change_set),
        .n_files = changes ? changes->len : 0,
        .files = changes ? (const char *const *)changes->items : NULL,
    };
    const cct_selector_ops *ops = s->selector->lib.desc->selector;
    int rc = ops->select ? ops->select(s->selector->ctx, &q->catalog,
                                       changes ? &change_set : NULL,
                                       &q->selection)
                         : -1;
    if (rc == CCT_SELECT_PENDING && may_answer_later(s->selector))
        return rc;
    return rc < 0 ? -1 : 0; /* before 1.2, any rc >= 0 was an answer */
}

/* Stops waiting for `q`: the selector stops its work, or, without a
 * cancel(), its late answer is dropped. */
static void abandon(session *s, cct__selecting *q)
{
    /* Only a 1.2 plugin's ops have a cancel() to read. */
    assert(may_answer_later(s->selector));
    const cct_selector_ops *ops = s->selector->lib.desc->selector;
    q->done = NULL;
    if (ops->cancel) {
        ops->cancel(s->selector->ctx, &q->selection);
        free_selecting(q);
    }
}

void cct__session_select_first(session *s, cct__selected_fn done)
{
    assert(!s->run.selecting);
    cct__selecting *q = cct_xcalloc(1, sizeof(*q));
    q->done = done;
    int rc = ask(s, q, NULL);
    if (rc == CCT_SELECT_PENDING) {
        s->run.selecting = q; /* on_selection_complete() goes on */
        return;
    }
    answer(q, rc);
    free_selecting(q);
}

void cct__session_cancel_select(session *s)
{
    if (!s->run.selecting)
        return;
    abandon(s, s->run.selecting);
    s->run.selecting = NULL;
}

/* With a change set the answer is needed now (see CCT_SELECT_PENDING). */
int cct__session_select(session *s, const cct_strv *changes, cct_strv *out)
{
    assert(changes);
    cct__selecting *q = cct_xcalloc(1, sizeof(*q));
    int rc = ask(s, q, changes);
    if (rc == CCT_SELECT_PENDING) {
        cct_console_error(&s->console, "cctrial: the selector %s answered a "
                          "change later, which it may do only for the "
                          "first selection: nothing runs",
                          s->selector->section);
        abandon(s, q);
        return -1;
    }
    if (rc == 0)
        selected_ids(q, out);
    free_selecting(q);
    return rc;
}

/* "waiting for filesystem change...", with what shapes the next runs
 * when it is not the default: smart mode and the --grep filter, which
 * would otherwise be invisible while cctrial waits. */
static void report_waiting(session *s)
{
    const char *grep = cct__session_grep(s);
    char *shown = grep ? cct__session_visible(grep) : NULL;
    const char *smart = s->workflow.smart ? "smart mode" : "";
    const char *sep = s->workflow.smart && grep ? ", " : "";
    if (!s->workflow.smart && !grep)
        cct_report_message(&s->reporters, CCT_MSG_WAITING, NULL,
                           "waiting for filesystem change...");
    else
        cct_report_message(&s->reporters, CCT_MSG_WAITING, NULL,
                           "waiting for filesystem change... (%s%s%s%s%s)",
                           smart, sep, grep ? "grep '" : "",
                           grep ? shown : "", grep ? "'" : "");
    free(shown);
}

/* The one place where the workflow's actions are carried out, and so the
 * one place where a run starts. */
void cct__session_act(session *s, const cct_actions *actions)
{
    for (size_t i = 0; i < actions->n && !s->exiting; i++) {
        const cct_action *a = &actions->items[i];
        char *shown = a->test ? display_test(s, a->test) : NULL;
        switch (a->kind) {
        case CCT_ACT_RUN:
            start_run(s, a->suite);
            break;
        case CCT_ACT_STOP:
            cct_runner_interrupt(s->run.runner); /* its end: on_run_end */
            break;
        case CCT_ACT_SELECT:
            assert(i == actions->n - 1);
            cct__session_select_changes(s);
            break;
        case CCT_ACT_NOTIFY:
            notify(s, a);
            break;
        case CCT_ACT_SHOW_LOGS:
            show_logs(s, a->test);
            break;
        case CCT_ACT_MESSAGE:
            cct_report_message(&s->reporters, a->message, a->test, "%s: %s",
                               a->message == CCT_MSG_RERUN ? "re-run"
                                                           : "please fix",
                               shown);
            break;
        case CCT_ACT_WAIT:
            report_waiting(s);
            if (s->keys.terminal)
                cct_console_printf(&s->console, "%s\n",
                                   cct__session_keys_hint);
            if (!s->waited)
                show_first_wait_hint(s);
            s->waited = 1;
            break;
        case CCT_ACT_EXIT:
            cct__session_exit(s, a->exit_code);
            break;
        }
        free(shown);
    }
}
