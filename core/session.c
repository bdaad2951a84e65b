/*
 * The session (see session.h): setting up plugins, the _trial_temp lock,
 * discovery, the worker pool and the watcher; carrying out the workflow's
 * actions; tearing everything down on exit or on a signal, leaving no
 * process behind.
 */
#include "session.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "console.h"
#include "discovery.h"
#include "error.h"
#include "host.h"
#include "keys.h"
#include "loader.h"
#include "project.h"
#include "report.h"
#include "results.h"
#include "runner.h"
#include "trialtemp.h"
#include "watcher.h"
#include "workerenv.h"
#include "workflow.h"

#define EXIT_USAGE 2
/* How much of each log the retry test's report shows. */
#define LOG_LIMIT 65536

/* continuous: the workflow, on every change; once: the selected tests,
 * once; hook: what the last commit affects, once; list: print the ids. */
typedef enum mode { MODE_CONTINUOUS, MODE_ONCE, MODE_HOOK, MODE_LIST } mode;

typedef struct session {
    uv_loop_t loop;
    cct_console console;
    const cct_cli *cli;
    const cct_config *config;
    cct_settings settings;
    const cct_paths *paths;
    const cct_strv *plugin_dirs;
    mode mode;

    cct_host_context host_context;
    cct_reporters reporters;
    cct_instance *notifier;
    cct_instance *selector; /* NULL: continuous without smart mode */

    cct_trial_temp temp;
    cct_project project;
    int have_project;
    char *python;
    cct_strv names;
    cct_worker_command worker_command;
    cct_runner *runner;
    int runner_is_guess;    /* its workers run the last session's command,
                               until discovery says what this one's is */

    cct_workflow workflow;
    cct_results results;
    cct_strv run_tests;
    cct_suite run_suite;
    int run_active;
    uint64_t run_started;
    size_t run_finished; /* tests that ended, for the running counts */
    unsigned retry_worker;

    cct_watcher *watcher;
    cct_strv watch_roots;
    cct_discovery *discovery;
    int discovery_blocks_runs; /* the next run needs its result */
    int run_waits_for_discovery;
    cct_strv changes_waiting; /* changes seen while rediscovering */

    cct_keys *keys;          /* NULL unless stdin is a terminal */
    int pending_request;     /* a key's request waiting for the run to stop:
                                a cct_request, or -1 */

    uv_signal_t sigint, sigterm, sighup;
    int signals_open;
    int exit_code;
    int exiting;
} session;

static void do_actions(session *s, const cct_actions *actions);
static void on_key(int key, void *arg);

/* Shown under "waiting for filesystem change..." when keys work. */
static const char KEYS_HINT[] =
    "keys: Enter re-run, a all, f failed, s smart, p grep, c clear grep, "
    "? help, q quit";
static void start_discovery(session *s, int blocking);
static void exit_session(session *s, int code);

/* ---- small helpers --------------------------------------------------------- */

/* "test_method (pkg.module.Class)", as Python's unittest shows a test. */
static char *display_test(const session *s, const char *id)
{
    size_t index = s->have_project ? cct_project_find_test(&s->project, id)
                                   : CCT_STRMAP_MISSING;
    const char *dot = strrchr(id, '.');
    if (!dot || (index != CCT_STRMAP_MISSING &&
                 s->project.import_error[index]))
        return cct_xstrdup(id);
    return cct_xasprintf("%s (%.*s)", dot + 1, (int)(dot - id), id);
}

static void fail_usage(session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail_usage(session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cct_console_verror(&s->console, "cctrial: ", fmt, ap);
    va_end(ap);
    exit_session(s, EXIT_USAGE);
}

/* ---- plugins ----------------------------------------------------------------- */

static int load_plugin(session *s, cct_plugin_kind kind, const char *name,
                       cct_instance **out)
{
    cct_loaded_plugin lib;
    char *error = NULL;
    int rc = cct_plugin_load(s->plugin_dirs, kind, name, &lib, &error);
    if (rc == 0)
        rc = cct_instance_create(&s->host_context, &lib, out, &error);
    if (rc < 0) {
        cct_console_error(&s->console, "%s", error);
        free(error);
    }
    return rc;
}

/* notifier = auto: terminal-notifier on macOS, notify-send elsewhere, when
 * the program is installed; otherwise silently none. */
static const char *auto_notifier(session *s)
{
#ifdef __APPLE__
    const char *program = "terminal-notifier";
#else
    const char *program = "notify-send";
#endif
    int found = cct_which(program);
    if (!found) {
        if (s->settings.verbose)
            cct_console_error(&s->console, "no %s on PATH: desktop "
                              "notifications are off", program);
        return NULL;
    }
    return program;
}

/* The selector a session uses: git-diff in hook mode; smart mode turns
 * the default `all` into smart-import; continuous mode without smart mode
 * runs the full suite and needs none. */
static const char *selector_name(const session *s)
{
    if (s->cli->hook ||
        (s->cli->since && strcmp(s->settings.selector, "all") == 0))
        return "git-diff";
    if (s->settings.smart && strcmp(s->settings.selector, "all") == 0)
        return "smart-import";
    if (s->mode == MODE_CONTINUOUS && !s->settings.smart)
        return NULL;
    return s->settings.selector;
}

static int load_plugins(session *s)
{
    for (size_t i = 0; i < s->settings.reporters.len; i++) {
        cct_instance *in;
        if (load_plugin(s, CCT_PLUGIN_REPORTER,
                        s->settings.reporters.items[i], &in) < 0)
            return -1;
        cct_reporters_add(&s->reporters, in);
    }
    const char *notifier = s->settings.notifier;
    if (strcmp(notifier, "auto") == 0)
        notifier = auto_notifier(s);
    else if (strcmp(notifier, "none") == 0)
        notifier = NULL;
    if (notifier && s->mode == MODE_CONTINUOUS &&
        load_plugin(s, CCT_PLUGIN_NOTIFIER, notifier, &s->notifier) < 0)
        return -1;
    const char *selector = selector_name(s);
    if (selector &&
        load_plugin(s, CCT_PLUGIN_SELECTOR, selector, &s->selector) < 0)
        return -1;
    return 0;
}

static void notify(session *s, const cct_action *a)
{
    if (!s->notifier)
        return;
    const cct_notifier_ops *ops = s->notifier->lib.desc->notifier;
    if (ops->notify)
        ops->notify(s->notifier->ctx, a->title, a->text, a->status);
}

/* ---- workers -------------------------------------------------------------------- */

/* .cctrial/<name> of the project; malloc'ed. */
static char *state_file(const session *s, const char *name)
{
    return cct_xasprintf("%s/.cctrial/%s", s->paths->project_dir, name);
}

/* Writes the modules a fast worker may import while it waits, one per
 * line, to .cctrial/preload.txt (read by core/helpers/fastworker.py). */
static void write_preload(session *s)
{
    char *path = state_file(s, "preload.txt");
    char *dir = state_file(s, "");
    mkdir(dir, 0755);
    free(dir);
    FILE *f = fopen(path, "w");
    for (size_t i = 0; f && i < s->project.preload.len; i++)
        fprintf(f, "%s\n", s->project.preload.items[i]);
    if (f)
        fclose(f); /* a preload list that cannot be written costs time only */
    free(path);
}

static void worker_command_for(session *s, const char *python,
                               const cct_strv *sys_path,
                               cct_worker_command *out)
{
    char *preload = s->settings.fast_worker
                        ? state_file(s, "preload.txt") : NULL;
    cct_worker_command_build(out, python, sys_path, s->settings.fast_worker,
                             s->paths->data_dir, preload);
    free(preload);
}

/* ---- runs ---------------------------------------------------------------------------- */

static void full_suite(session *s, cct_strv *out)
{
    for (size_t i = 0; i < s->project.n_tests; i++) {
        const char *id = s->project.tests[i].id;
        if (!s->settings.grep || strstr(id, s->settings.grep))
            cct_strv_add(out, id);
    }
}

/* Starts a run of `suite`; `ids` gives its tests when the workflow does
 * not hold them (once and hook modes). */
static void start_run(session *s, cct_suite suite, const cct_strv *ids)
{
    if (s->discovery && s->discovery_blocks_runs) {
        /* Re-discovery is under way: the run needs its result. */
        s->run_waits_for_discovery = 1;
        s->run_suite = suite;
        return;
    }
    cct_strv_clear(&s->run_tests);
    if (ids) {
        for (size_t i = 0; i < ids->len; i++)
            cct_strv_add(&s->run_tests, ids->items[i]);
    } else if (suite == CCT_SUITE_FULL) {
        full_suite(s, &s->run_tests);
    } else if (suite == CCT_SUITE_RETRY_TEST) {
        cct_strv_add(&s->run_tests, s->workflow.retry_test);
    } else {
        const cct_strv *tests = cct_workflow_tests(&s->workflow, suite);
        for (size_t i = 0; i < tests->len; i++)
            cct_strv_add(&s->run_tests, tests->items[i]);
    }
    char *error = NULL;
    if (cct_trial_temp_clear(&s->temp, &error) < 0) {
        fail_usage(s, "%s", error);
        free(error);
        return;
    }
    if (s->settings.verbose)
        for (size_t i = 0; i < s->run_tests.len; i++)
            cct_console_printf(&s->console, "%s\n", s->run_tests.items[i]);
    cct_results_reset(&s->results);
    s->run_suite = suite;
    s->run_finished = 0;
    s->run_active = 1;
    s->run_started = uv_hrtime();
    unsigned jobs = s->settings.jobs;
    cct_run_start ev = {
        .struct_size = sizeof(ev),
        .suite = suite,
        .total = s->run_tests.len,
        .workers = s->run_tests.len < jobs ? (unsigned)s->run_tests.len
                                           : jobs,
    };
    cct_report_run_start(&s->reporters, &ev);
    int rc = cct_runner_run(s->runner, &s->run_tests);
    if (rc < 0)
        fail_usage(s, "cannot start the run: %s", cct_strerror(rc));
}

static void on_test_start(const char *test_id, unsigned worker, size_t index,
                          void *arg)
{
    session *s = arg;
    if (s->run_suite == CCT_SUITE_RETRY_TEST)
        s->retry_worker = worker;
    cct_test_start ev = {
        .struct_size = sizeof(ev),
        .test_id = test_id,
        .worker = worker,
        .index = index,
        .total = s->run_tests.len,
    };
    cct_report_test_start(&s->reporters, &ev);
}

static void on_result(cct_test_result *result, void *arg)
{
    session *s = arg;
    cct_results_add(&s->results, result);
    result->total = s->run_tests.len;
    /* This result's test is not counted as ended yet: include it. */
    result->done = s->run_finished + 1;
    result->counts = s->results.counts;
    cct_report_test_result(&s->reporters, result);
}

static char *read_log(const char *dir, const char *name)
{
    char *path = cct_path_join(dir, name);
    size_t len = 0;
    int cut = 0;
    char *text = cct_read_file(path, 0, &len, NULL);
    if (text && len > LOG_LIMIT) {
        free(text);
        char *tail = cct_read_file_tail(path, LOG_LIMIT);
        text = cct_xasprintf("[cut by cctrial: the last %d KiB of %s]\n%s",
                             LOG_LIMIT / 1024, path, tail);
        free(tail);
        cut = 1;
    }
    (void)cut;
    free(path);
    if (!text)
        return cct_xstrdup("");
    char *clean = cct_utf8_sanitize(text, strlen(text));
    free(text);
    return clean;
}

static void show_logs(session *s, const char *test)
{
    const char *dir = cct_runner_worker_dir(s->runner, s->retry_worker);
    char *log = read_log(dir, "test.log");
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

static void carry_out_request(session *s, cct_request request);

static void on_run_end(int interrupted, void *arg)
{
    session *s = arg;
    s->run_active = 0;
    cct_results_group(&s->results);
    double wall = (double)(uv_hrtime() - s->run_started) / 1e9;
    cct_run_end ev = {
        .struct_size = sizeof(ev),
        .suite = s->run_suite,
        .tests_run = s->run_finished,
        .wall_time = wall,
        .passed = cct_results_passed(&s->results),
        .interrupted = interrupted,
        .n_groups = s->results.n_groups,
        .groups = s->results.groups,
    };
    memcpy(ev.counts, s->results.counts, sizeof(ev.counts));
    if (s->exiting)
        return; /* a signal: nothing more is reported */
    cct_report_run_end(&s->reporters, &ev);

    if (s->mode != MODE_CONTINUOUS) {
        exit_session(s, ev.passed ? 0 : 1);
        return;
    }
    if (interrupted && s->pending_request >= 0) {
        /* Stopped for a key: do what it asked, and nothing else. */
        cct_request request = (cct_request)s->pending_request;
        s->pending_request = -1;
        carry_out_request(s, request);
        return;
    }
    cct_strv failed;
    cct_strv_init(&failed);
    cct_results_failed_ids(&s->results, &failed);
    const cct_result_group *biggest = cct_results_biggest_problem(&s->results);
    cct_run_outcome outcome = {
        .passed = ev.passed,
        .tests_run = ev.tests_run,
        .failed = &failed,
        .biggest = biggest ? biggest->test_ids[0] : NULL,
        .interrupted = interrupted,
    };
    cct_actions actions;
    cct_workflow_run_done(&s->workflow, &outcome, &actions);
    do_actions(s, &actions);
    cct_strv_free(&failed);
}

static void on_test_end(const char *test_id, void *arg)
{
    (void)test_id;
    session *s = arg;
    s->run_finished++;
}

static void on_fatal(const char *why, void *arg)
{
    session *s = arg;
    if (s->runner_is_guess) {
        /* Only a guess that no longer works: discovery will say. */
        cct_runner_close(s->runner, NULL, NULL);
        s->runner = NULL;
        s->runner_is_guess = 0;
        return;
    }
    fail_usage(s, "the trial workers cannot run: %s", why);
}

/* ---- selection ------------------------------------------------------------------ */

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
    if (s->mode == MODE_LIST) { /* standard output holds only the ids */
        cct_console_error(&s->console, "no test detected for %s",
                          shown_path(s, file));
        return;
    }
    cct_report_message(&s->reporters, CCT_MSG_NO_TEST_FOR, file,
                       "no test detected for %s", shown_path(s, file));
}

/* Asks the selector which tests `changes` (NULL: none known yet) run;
 * `out` gets their ids in trial's order, after --grep.  Returns 0, or -1
 * when the selector failed (it said why). */
static int select_tests(session *s, const cct_strv *changes, cct_strv *out)
{
    cct_catalog catalog;
    cct_project_catalog(&s->project, &catalog);
    unsigned char *selected = cct_xcalloc(catalog.n_tests, 1);
    cct_selection selection = {
        .struct_size = sizeof(selection),
        .selected = selected,
        .unreached = on_unreached,
        .host_data = s,
    };
    cct_change_set change_set = {
        .struct_size = sizeof(change_set),
        .n_files = changes ? changes->len : 0,
        .files = changes ? (const char *const *)changes->items : NULL,
    };
    const cct_selector_ops *ops = s->selector->lib.desc->selector;
    int rc = ops->select ? ops->select(s->selector->ctx, &catalog,
                                       changes ? &change_set : NULL,
                                       &selection)
                         : -1;
    for (size_t i = 0; rc >= 0 && i < catalog.n_tests; i++) {
        const char *id = catalog.tests[i].id;
        if (selected[i] && (!s->settings.grep || strstr(id, s->settings.grep)))
            cct_strv_add(out, id);
    }
    free(selected);
    return rc < 0 ? -1 : 0;
}

/* ---- actions --------------------------------------------------------------------- */

static void do_actions(session *s, const cct_actions *actions)
{
    for (size_t i = 0; i < actions->n && !s->exiting; i++) {
        const cct_action *a = &actions->items[i];
        char *shown = a->test ? display_test(s, a->test) : NULL;
        switch (a->kind) {
        case CCT_ACT_RUN:
            start_run(s, a->suite, NULL);
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
            cct_report_message(&s->reporters, CCT_MSG_WAITING, NULL,
                               "waiting for filesystem change...");
            if (s->keys)
                cct_console_printf(&s->console, "%s\n", KEYS_HINT);
            break;
        case CCT_ACT_EXIT:
            exit_session(s, a->exit_code);
            break;
        }
        free(shown);
    }
}

/* ---- changes -------------------------------------------------------------------- */

/* Does this change set need the tests discovered again?  When a file that
 * holds tests changed, or a new file that may hold tests appeared. */
static int needs_rediscovery(session *s, const cct_strv *files, int overflow)
{
    if (overflow)
        return 1;
    for (size_t i = 0; i < files->len; i++) {
        const char *f = files->items[i];
        size_t index = cct_project_file(&s->project, f, 0);
        if (index == CCT_STRMAP_MISSING) {
            const char *base = strrchr(f, '/');
            if (cct_str_starts_with(base ? base + 1 : f, "test"))
                return 1;
            continue;
        }
        for (size_t t = 0; t < s->project.n_tests; t++)
            if (s->project.tests[t].file == index)
                return 1;
    }
    return 0;
}

static int knows_file(session *s, const cct_strv *files)
{
    for (size_t i = 0; i < files->len; i++)
        if (cct_project_file(&s->project, files->items[i], 0) !=
            CCT_STRMAP_MISSING)
            return 1;
    return 0;
}

static void act_on_change(session *s, const cct_strv *files)
{
    cct_strv smart;
    cct_strv_init(&smart);
    int use_selector = s->workflow.smart && s->selector;
    if (use_selector && select_tests(s, files, &smart) < 0)
        cct_strv_clear(&smart); /* the selector said why; nothing runs */
    cct_actions actions;
    cct_workflow_change(&s->workflow, use_selector ? &smart : NULL, &actions);
    do_actions(s, &actions);
    cct_strv_free(&smart);
    /* A module's imports may have changed: refresh the graph for the next
     * change, without holding up this run. */
    if (use_selector && !s->discovery && !s->exiting && knows_file(s, files))
        start_discovery(s, 0);
}

static void on_change(const cct_strv *files, int overflow, void *arg)
{
    session *s = arg;
    if (s->exiting)
        return;
    if (s->settings.verbose)
        for (size_t i = 0; i < files->len; i++)
            cct_console_error(&s->console, "changed: %s", files->items[i]);
    if (s->discovery || needs_rediscovery(s, files, overflow)) {
        for (size_t i = 0; i < files->len; i++)
            if (!cct_strv_contains(&s->changes_waiting, files->items[i]))
                cct_strv_add(&s->changes_waiting, files->items[i]);
        if (!s->discovery)
            start_discovery(s, 1);
        else
            s->discovery_blocks_runs = 1;
        return;
    }
    act_on_change(s, files);
}

static void on_root(const char *root, int gone, void *arg)
{
    session *s = arg;
    cct_console_error(&s->console, gone ? "watched directory %s disappeared"
                                        : "watched directory %s is back",
                      root);
}

static void on_watch_failed(int code, const char *message, void *arg)
{
    (void)code;
    fail_usage(arg, "%s", message);
}

static void watch_roots(session *s)
{
    const cct_strv *watch = &s->settings.watch;
    int is_auto = watch->len == 1 && strcmp(watch->items[0], "auto") == 0;
    int is_cwd = watch->len == 1 && strcmp(watch->items[0], "cwd") == 0;
    if (is_auto || is_cwd) {
        cct_strv_add(&s->watch_roots, s->paths->project_dir);
        for (size_t i = 0; is_auto && i < s->project.dev_roots.len; i++) {
            const char *root = s->project.dev_roots.items[i];
            if (!cct_str_starts_with(root, s->paths->project_dir) &&
                !cct_strv_contains(&s->watch_roots, root))
                cct_strv_add(&s->watch_roots, root);
        }
        return;
    }
    for (size_t i = 0; i < watch->len; i++) {
        char *dir = cct_expand_home(watch->items[i]);
        cct_strv_take(&s->watch_roots,
                      cct_path_absolute(s->paths->project_dir, dir));
        free(dir);
    }
}

static int start_watching(session *s)
{
    cct_watcher_config config = {
        .roots = &s->watch_roots,
        .extensions = &s->settings.watch_ext,
        .ignore = &s->settings.ignore,
        .debounce_ms = s->settings.debounce_ms,
    };
    static const cct_watch_callbacks callbacks = {
        .changed = on_change,
        .root = on_root,
        .failed = on_watch_failed,
    };
    char *error = NULL;
    int rc = cct_watcher_start(&s->loop, &config, &callbacks, s,
                               &s->watcher, &error);
    if (rc < 0) {
        fail_usage(s, "%s", error);
        free(error);
    }
    return rc;
}

/* ---- discovery ------------------------------------------------------------------ */

static int test_exists(const char *id, void *arg)
{
    session *s = arg;
    return cct_project_find_test(&s->project, id) != CCT_STRMAP_MISSING;
}

static int report_unknown_names(session *s)
{
    if (s->project.unknown_names.len == 0)
        return 0;
    for (size_t i = 0; i < s->project.unknown_names.len; i++)
        cct_console_error(&s->console,
                          "no test named '%s' (%s); names are what "
                          "'python3 -m twisted.trial' takes, from %s",
                          s->project.unknown_names.items[i],
                          s->project.unknown_errors.items[i],
                          s->paths->project_dir);
    return -1;
}

static void start_runner(session *s)
{
    cct_runner_config config = {
        .jobs = s->settings.jobs,
        .argv = (const char *const *)s->worker_command.argv.items,
        .env = (const char *const *)s->worker_command.env.items,
        .cwd = s->paths->project_dir,
        .temp_dir = s->temp.dir,
        .timeout_s = s->settings.timeout_s,
        .single_run = s->mode != MODE_CONTINUOUS,
    };
    static const cct_runner_events events = {
        .test_start = on_test_start,
        .result = on_result,
        .test_end = on_test_end,
        .run_end = on_run_end,
        .fatal = on_fatal,
    };
    s->runner = cct_runner_new(&s->loop, &config, &events, s);
    cct_runner_prewarm(s->runner);
}

/* Workers started before discovery, with the command the last session's
 * discovery gave (.cctrial/workers): Python's start-up and Twisted's
 * import then overlap discovery instead of following it. */
static void start_guessed_workers(session *s)
{
    if (!s->settings.cache || s->mode == MODE_LIST)
        return;
    char *memo = state_file(s, "workers");
    char *python = NULL;
    cct_strv sys_path;
    cct_strv_init(&sys_path);
    if (cct_worker_memo_read(memo, &python, &sys_path) == 0 &&
        (!s->settings.python || strcmp(s->settings.python, python) == 0)) {
        worker_command_for(s, python, &sys_path, &s->worker_command);
        start_runner(s);
        s->runner_is_guess = 1;
    }
    free(python);
    free(memo);
    cct_strv_free(&sys_path);
}

/* The workers discovery calls for: the guessed ones when they match. */
static void create_runner(session *s)
{
    if (s->settings.fast_worker)
        write_preload(s);
    cct_worker_command real;
    worker_command_for(s, s->python, &s->project.sys_path, &real);
    char *memo = state_file(s, "workers");
    if (s->settings.cache)
        cct_worker_memo_write(memo, s->python, &s->project.sys_path);
    free(memo);
    if (s->runner && cct_worker_command_equal(&real, &s->worker_command)) {
        cct_worker_command_free(&real);
        s->runner_is_guess = 0;
        return;
    }
    if (s->runner) /* the guess was wrong: its workers go */
        cct_runner_close(s->runner, NULL, NULL);
    cct_worker_command_free(&s->worker_command);
    s->worker_command = real;
    s->runner_is_guess = 0;
    start_runner(s);
}

/* Once, hook and list modes: the selector decides, with no change set. */
static void run_selected_once(session *s)
{
    cct_strv ids;
    cct_strv_init(&ids);
    if (select_tests(s, NULL, &ids) < 0) {
        exit_session(s, EXIT_USAGE);
    } else if (s->mode == MODE_LIST) {
        for (size_t i = 0; i < ids.len; i++)
            cct_console_printf(&s->console, "%s\n", ids.items[i]);
        exit_session(s, 0);
    } else if (ids.len == 0) {
        cct_report_message(&s->reporters, CCT_MSG_NO_TEST_TO_RUN, NULL,
                           "no test to run");
        exit_session(s, 0);
    } else {
        create_runner(s);
        start_run(s, s->mode == MODE_HOOK ? CCT_SUITE_SMART : CCT_SUITE_FULL,
                  &ids);
    }
    cct_strv_free(&ids);
}

static void first_discovery_done(session *s)
{
    if (report_unknown_names(s) < 0) {
        exit_session(s, EXIT_USAGE);
        return;
    }
    if (s->mode != MODE_CONTINUOUS) {
        run_selected_once(s);
        return;
    }
    create_runner(s);
    watch_roots(s);
    if (start_watching(s) < 0)
        return;
    /* Keys only with a terminal to type on; no error without one. */
    if (cct_keys_start(&s->loop, &s->console, on_key, s, &s->keys) < 0)
        s->keys = NULL;
    cct_actions actions;
    cct_workflow_start(&s->workflow, &actions);
    do_actions(s, &actions);
}

static void on_discovered(int status, cct_project *project,
                          const char *python, const char *error,
                          const char *warning, void *arg)
{
    session *s = arg;
    s->discovery = NULL;
    if (warning)
        cct_console_error(&s->console, "%s", warning);
    if (s->exiting)
        return;
    if (status < 0) {
        fail_usage(s, "%s", error);
        return;
    }
    int first = !s->have_project;
    if (s->have_project)
        cct_project_free(&s->project);
    s->project = *project;
    cct_project_init(project); /* moved out */
    s->have_project = 1;
    if (first) {
        s->python = cct_xstrdup(python);
        first_discovery_done(s);
        return;
    }
    cct_workflow_forget_missing(&s->workflow, test_exists, s);
    if (s->run_waits_for_discovery) {
        s->run_waits_for_discovery = 0;
        start_run(s, s->run_suite, NULL);
    }
    if (s->changes_waiting.len) {
        cct_strv files = s->changes_waiting;
        cct_strv_init(&s->changes_waiting);
        act_on_change(s, &files);
        cct_strv_free(&files);
    }
}

/* Runs discovery; with `blocking`, runs wait for its result. */
static void start_discovery(session *s, int blocking)
{
    s->discovery_blocks_runs = blocking;
    cct_discovery_request request = {
        .helper = NULL,
        .names = &s->names,
        .roots = s->watch_roots.len ? &s->watch_roots : NULL,
        .cwd = s->paths->project_dir,
        .python = s->python ? s->python : s->settings.python,
    };
    char *helper = cct_paths_helper(s->paths, "discover.py");
    request.helper = helper;
    char *cache = s->settings.cache
                      ? cct_path_join(s->paths->project_dir,
                                      ".cctrial/discovery.json")
                      : NULL;
    request.cache_file = cache;
    char *remember = s->settings.cache
                         ? cct_path_join(s->paths->project_dir,
                                         ".cctrial/python")
                         : NULL;
    request.remember_file = remember;
    cct_strv cwd_root;
    cct_strv_init(&cwd_root);
    if (!request.roots) {
        cct_strv_add(&cwd_root, s->paths->project_dir);
        request.roots = &cwd_root;
    }
    cct_discover(&s->loop, &request, on_discovered, s, &s->discovery);
    cct_strv_free(&cwd_root);
    free(helper);
    free(cache);
    free(remember);
}

/* ---- keys ------------------------------------------------------------------------- */

static const char KEYS_HELP[] =
    "  Enter  re-run the current suite\n"
    "  a      run the full suite\n"
    "  f      run only the tests that failed last\n"
    "  s      turn smart mode on or off (run only what a change affects)\n"
    "  p      filter tests by a text in their id (--grep)\n"
    "  c      clear that filter\n"
    "  w, ?   show these keys\n"
    "  q      quit\n";

static void carry_out_request(session *s, cct_request request)
{
    cct_actions actions;
    if (cct_workflow_request(&s->workflow, request, &actions) < 0) {
        cct_console_printf(&s->console, "no failed test to run\n");
        return;
    }
    do_actions(s, &actions);
}

/* Runs a request now, or once the run going on has stopped. */
static void request(session *s, cct_request request)
{
    if (s->run_active) {
        s->pending_request = (int)request;
        cct_runner_interrupt(s->runner);
        return;
    }
    if (s->discovery && s->discovery_blocks_runs) {
        s->run_waits_for_discovery = 1;
        return;
    }
    carry_out_request(s, request);
}

static void toggle_smart(session *s)
{
    int on = !s->workflow.smart;
    if (on && !s->selector) {
        const char *name = strcmp(s->settings.selector, "all") == 0
                               ? "smart-import" : s->settings.selector;
        if (load_plugin(s, CCT_PLUGIN_SELECTOR, name, &s->selector) < 0)
            return;
    }
    cct_workflow_set_smart(&s->workflow, on);
    cct_console_printf(&s->console, "smart mode %s\n",
                       on ? "on: each change runs the tests it affects"
                          : "off: each change runs the full suite");
}

static void on_grep_line(const char *line, void *arg)
{
    session *s = arg;
    if (!line) {
        cct_console_printf(&s->console, "grep unchanged\n");
        return;
    }
    free(s->settings.grep);
    s->settings.grep = *line ? cct_xstrdup(line) : NULL;
    request(s, CCT_REQ_ALL);
}

static void on_key(int key, void *arg)
{
    session *s = arg;
    if (s->exiting)
        return;
    switch (key) {
    case CCT_KEY_INTERRUPT:
        exit_session(s, 128 + SIGINT);
        break;
    case 'q':
        exit_session(s, 0);
        break;
    case CCT_KEY_ENTER:
        request(s, CCT_REQ_RERUN);
        break;
    case 'a':
        request(s, CCT_REQ_ALL);
        break;
    case 'f':
        request(s, CCT_REQ_FAILED);
        break;
    case 's':
        toggle_smart(s);
        break;
    case 'p':
        if (s->run_active) {
            s->pending_request = -1;
            cct_runner_interrupt(s->runner);
        }
        cct_keys_read_line(s->keys, "grep pattern (Enter to apply, Escape "
                                    "to cancel): ", on_grep_line, s);
        break;
    case 'c':
        free(s->settings.grep);
        s->settings.grep = NULL;
        cct_console_printf(&s->console, "grep cleared\n");
        request(s, CCT_REQ_ALL);
        break;
    case 'w':
    case '?':
        cct_console_printf(&s->console, "%s", KEYS_HELP);
        break;
    default:
        break;
    }
}

/* ---- signals and exit --------------------------------------------------------- */

static void close_signal_handles(session *s)
{
    if (!s->signals_open)
        return;
    s->signals_open = 0;
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sighup, NULL);
}

static void kill_process(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (handle->type == UV_PROCESS && !uv_is_closing(handle))
        uv_process_kill((uv_process_t *)handle, SIGKILL);
}

static void runner_closed(void *arg)
{
    session *s = arg;
    s->runner = NULL;
    /* Interrupted: do not wait for a notifier or helper to finish. */
    if (s->exit_code >= 128)
        uv_walk(&s->loop, kill_process, NULL);
    cct_trial_temp_release(&s->temp);
    close_signal_handles(s);
}

static void exit_session(session *s, int code)
{
    if (s->exiting)
        return;
    s->exiting = 1;
    s->exit_code = code;
    if (s->discovery)
        cct_discovery_cancel(s->discovery);
    if (s->watcher) {
        cct_watcher_close(s->watcher);
        s->watcher = NULL;
    }
    if (s->keys) {
        cct_keys_stop(s->keys);
        s->keys = NULL;
    }
    cct_console_status(&s->console, NULL);
    if (s->runner) {
        if (s->run_active)
            cct_runner_interrupt(s->runner);
        cct_runner_close(s->runner, runner_closed, s);
    } else {
        runner_closed(s);
    }
}

static void on_signal(uv_signal_t *handle, int signum)
{
    session *s = handle->data;
    exit_session(s, 128 + signum);
}

static void kill_stragglers(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (handle->type == UV_PROCESS && !uv_is_closing(handle))
        uv_process_kill((uv_process_t *)handle, SIGKILL);
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

/* ---- the session --------------------------------------------------------------- */

int cct_session_run(const cct_cli *cli, const cct_config *config,
                    const cct_paths *paths, const cct_strv *plugin_dirs)
{
    session *s = cct_xcalloc(1, sizeof(*s));
    uv_loop_init(&s->loop);
    cct_console_init(&s->console, &s->loop);
    s->cli = cli;
    s->config = config;
    s->paths = paths;
    s->plugin_dirs = plugin_dirs;
    cct_settings_load(&s->settings, config);
    s->mode = cli->command == CCT_CMD_LIST_SELECTED ? MODE_LIST
              : cli->hook                           ? MODE_HOOK
              : cli->once                           ? MODE_ONCE
                                                    : MODE_CONTINUOUS;
    cct_workflow_init(&s->workflow, s->settings.forever, s->settings.smart);
    cct_results_init(&s->results);
    cct_strv_init(&s->names);
    cct_strv_init(&s->worker_command.argv);
    cct_strv_init(&s->worker_command.env);
    cct_strv_init(&s->run_tests);
    cct_strv_init(&s->watch_roots);
    cct_strv_init(&s->changes_waiting);
    s->host_context = (cct_host_context){
        .loop = &s->loop,
        .console = &s->console,
        .config = config,
        .verbose = s->settings.verbose,
        .data_dir = paths->data_dir,
        .project_dir = paths->project_dir,
    };
    for (size_t i = 0; i < s->settings.tests.len; i++)
        cct_strv_add(&s->names, s->settings.tests.items[i]);

    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sighup);
    s->sigint.data = s->sigterm.data = s->sighup.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sighup, on_signal, SIGHUP);
    s->pending_request = -1;
    s->signals_open = 1;

    char *error = NULL;
    if (s->names.len == 0) {
        fail_usage(s, "no test names: give them on the command line (as "
                      "for trial: cctrial mypackage) or set tests = in "
                      ".cctrialrc");
    } else if (load_plugins(s) < 0) {
        exit_session(s, EXIT_USAGE);
    } else if (s->mode != MODE_LIST &&
               cct_trial_temp_lock(&s->temp, paths->project_dir, &error) <
                   0) {
        fail_usage(s, "%s", error);
    } else {
        start_guessed_workers(s);
        start_discovery(s, 1);
    }
    free(error);

    uv_run(&s->loop, UV_RUN_DEFAULT);
    cct_console_close(&s->console);
    /* Anything still open is a bug; end it rather than leave a process. */
    uv_walk(&s->loop, kill_stragglers, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    uv_loop_close(&s->loop);

    int code = s->exit_code;
    cct_reporters_destroy(&s->reporters);
    cct_instance_destroy(s->notifier);
    cct_instance_destroy(s->selector);
    if (s->have_project)
        cct_project_free(&s->project);
    cct_trial_temp_release(&s->temp);
    cct_workflow_free(&s->workflow);
    cct_results_free(&s->results);
    cct_settings_free(&s->settings);
    cct_strv_free(&s->names);
    cct_worker_command_free(&s->worker_command);
    cct_strv_free(&s->run_tests);
    cct_strv_free(&s->watch_roots);
    cct_strv_free(&s->changes_waiting);
    free(s->python);
    free(s);
    return code;
}
