/*
 * The session (see session.h and session_internal.h): loading the
 * plugins, taking the _trial_temp lock, starting discovery, and tearing
 * everything down on exit or on a signal, leaving no process behind.
 */
#include "session.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autonotifier.h"
#include "error.h"
#include "loader.h"
#include "root.h"
#include "session_internal.h"
#include "testmodule.h"
#include "visible.h"

void cct__session_fail(session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cct_console_verror(&s->console, "cctrial: ", fmt, ap);
    va_end(ap);
    cct__session_exit(s, EXIT_USAGE);
}

char *cct__session_visible(const char *text)
{
    char *shown = visible_text(text, VISIBLE_LINE);
    if (!shown) {
        fprintf(stderr, "cctrial: out of memory\n");
        abort();
    }
    return shown;
}

int cct__session_load_plugin(session *s, cct_plugin_kind kind,
                             const char *name, cct_instance **out)
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

int cct__session_load_smart_selector(session *s)
{
    if (s->selector)
        return 0;
    const char *name = strcmp(s->settings.selector, "all") == 0
                           ? "smart-import" : s->settings.selector;
    return cct__session_load_plugin(s, CCT_PLUGIN_SELECTOR, name,
                                    &s->selector);
}

/* notifier = auto (autonotifier.h); when there is none, only -v says
 * why. */
static const char *auto_notifier(session *s)
{
    cct_desktop here = cct_desktop_here();
    char *why;
    const char *program = cct_auto_notifier(&here, &why);
    if (!program && s->settings.verbose)
        cct_console_error(&s->console, "%s", why);
    free(why);
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
        if (cct__session_load_plugin(s, CCT_PLUGIN_REPORTER,
                                     s->settings.reporters.items[i],
                                     &in) < 0)
            return -1;
        cct_reporters_add(&s->reporters, in);
    }
    const char *notifier = s->settings.notifier;
    if (strcmp(notifier, "auto") == 0)
        notifier = auto_notifier(s);
    else if (strcmp(notifier, "none") == 0)
        notifier = NULL;
    if (notifier && s->mode == MODE_CONTINUOUS &&
        cct__session_load_plugin(s, CCT_PLUGIN_NOTIFIER, notifier,
                                 &s->notifier) < 0)
        return -1;
    const char *selector = selector_name(s);
    if (selector &&
        cct__session_load_plugin(s, CCT_PLUGIN_SELECTOR, selector,
                                 &s->selector) < 0)
        return -1;
    return 0;
}

static void close_signal_handles(session *s)
{
    if (!s->signals_open)
        return;
    s->signals_open = 0;
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sighup, NULL);
    uv_close((uv_handle_t *)&s->sigtstp, NULL);
    uv_close((uv_handle_t *)&s->sigcont, NULL);
    uv_close((uv_handle_t *)&s->output_gone, NULL);
    cct__session_runs_close(s);
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
    /* Interrupted: do not wait for a notifier or helper to finish. */
    if (s->exit_code >= 128)
        uv_walk(&s->loop, kill_process, NULL);
    cct_trial_temp_release(&s->temp);
    close_signal_handles(s);
}

void cct__session_exit(session *s, int code)
{
    if (s->exiting)
        return;
    s->exiting = 1;
    s->exit_code = code;
    cct__session_cancel_select(s);
    cct__session_stop_watching(s);
    cct__session_stop_keys(s);
    cct_console_status(&s->console, NULL);
    cct__session_close_runner(s, runner_closed, s);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    session *s = handle->data;
    cct__session_exit(s, 128 + signum);
}

/* Ctrl-Z: the tests' clocks stop before cctrial does, so that a test is
 * not timed out for the time the job stood still; cctrial then stops as
 * it would have without a handler. */
static void on_stop(uv_signal_t *handle, int signum)
{
    session *s = handle->data;
    if (s->run.runner)
        cct_runner_pause_clocks(s->run.runner);
    cct_console_flush(&s->console);
    uv_signal_stop(&s->sigtstp); /* the default action again: stop */
    uv_kill(uv_os_getpid(), signum);
    /* Continued: SIGCONT is handled by on_continue. */
    uv_signal_start(&s->sigtstp, on_stop, SIGTSTP);
}

static void on_continue(uv_signal_t *handle, int signum)
{
    (void)signum;
    session *s = handle->data;
    if (s->run.runner)
        cct_runner_resume_clocks(s->run.runner);
}

static void end_without_output(uv_timer_t *timer)
{
    session *s = timer->data;
    cct__session_exit(s, EXIT_OUTPUT_GONE);
}

/* Standard output's reader has gone (`cctrial | head -1`): a watching
 * session would go on for ever with no one to see it, so it ends, quietly,
 * out of the write that noticed.  A --once run goes on to its verdict,
 * which its exit status still tells. */
static void on_output_gone(void *arg)
{
    session *s = arg;
    if (s->mode == MODE_CONTINUOUS && s->signals_open)
        uv_timer_start(&s->output_gone, end_without_output, 0, 0);
}

static void kill_stragglers(uv_handle_t *handle, void *arg)
{
    kill_process(handle, arg);
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

/* Is this a CI job that would wait for ever?  CI set (as every CI service
 * sets it, to anything but "false" or "0"), no terminal on standard input
 * to type keys on, and no -f or -s on the command line asking to watch:
 * a watching session would wait for a change no one will make. */
static int ci_without_terminal(const cct_cli *cli)
{
    const char *ci = getenv("CI");
    if (!ci || !*ci || strcmp(ci, "false") == 0 || strcmp(ci, "0") == 0)
        return 0;
    if (isatty(0))
        return 0;
    return !cct_config_get(&cli->flags, CCT_CORE_SECTION, "forever", NULL) &&
           !cct_config_get(&cli->flags, CCT_CORE_SECTION, "smart", NULL);
}

static mode choose_mode(session *s)
{
    const cct_cli *cli = s->cli;
    if (cli->command == CCT_CMD_LIST_SELECTED)
        return MODE_LIST;
    if (cli->hook)
        return MODE_HOOK;
    if (cli->once)
        return MODE_ONCE;
    if (!ci_without_terminal(cli))
        return MODE_CONTINUOUS;
    /* The project's smart = true is for watching: once, the full suite. */
    s->settings.smart = 0;
    cct_console_error(&s->console, "CI is set and standard input is not a "
                      "terminal: running the tests once, as --once does "
                      "(-f or -s keep watching)");
    return MODE_ONCE;
}

/* The test names: `tests`, or with --testmodule (testmodule) the names
 * on the command line and those the files give, as trial takes them. */
static void add_names(session *s)
{
    if (!s->settings.testmodule.len) {
        for (size_t i = 0; i < s->settings.tests.len; i++)
            cct_strv_add(&s->names, s->settings.tests.items[i]);
        return;
    }
    for (size_t i = 0; i < s->cli->names.len; i++)
        cct_strv_add(&s->names, s->cli->names.items[i]);
    for (size_t i = 0; i < s->settings.testmodule.len; i++) {
        const char *file = s->settings.testmodule.items[i];
        size_t before = s->names.len;
        char *warning = NULL;
        if (cct_testmodule_names(file, &s->names, &warning) < 0) {
            cct_console_error(&s->console, "%s", warning);
            free(warning);
        } else if (s->names.len == before && s->settings.verbose) {
            cct_console_printf(&s->console, "%s names no test: no "
                               "test-case-name in its first two lines\n",
                               file);
        }
    }
}

/* The tests' working directory taken: say where it is when that is not
 * where it was asked for, and keep the watcher out of one the defaults do
 * not ignore (a test writing a .py file there is no change). */
static void use_temp_directory(session *s)
{
    if (s->temp.passed_over && s->settings.verbose)
        cct_console_error(&s->console,
                          "%s is in use (process %ld holds its lock): the "
                          "tests run in %s, as trial's would",
                          s->settings.temp_directory, s->temp.base_owner,
                          s->temp.dir);
    const char *root = s->paths->project_dir;
    if (cct_path_inside(s->temp.dir, root) &&
        strcmp(s->temp.dir, root) != 0 && strcmp(root, "/") != 0)
        cct_strv_add(&s->settings.ignore, s->temp.dir + strlen(root) + 1);
}

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
    s->mode = choose_mode(s);
    unsigned cpus = cct_cpu_count();
    if (s->settings.jobs > 4 * cpus)
        cct_console_error(&s->console,
                          "warning: -j %u is more than 4 times the %u CPUs "
                          "here: the workers will mostly wait for each "
                          "other", s->settings.jobs, cpus);
    cct_workflow_init(&s->workflow, s->settings.forever, s->settings.smart);
    cct_workflow_set_until_failure(&s->workflow, s->settings.until_failure);
    cct_strv_init(&s->names);
    cct__session_runs_init(s);
    cct__session_history_init(s);
    cct__session_changes_init(s);
    s->host_context = (cct_host_context){
        .loop = &s->loop,
        .console = &s->console,
        .config = config,
        .verbose = s->settings.verbose,
        .data_dir = paths->data_dir,
        .project_dir = paths->project_dir,
    };
    add_names(s);
    if (s->settings.random == 0) {
        /* trial's -z 0: a seed from the clock, in hundredths of seconds. */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        s->settings.random = (long)now.tv_sec * 100 + now.tv_nsec / 10000000;
    }
    if (s->settings.random > 0 && s->mode != MODE_LIST)
        cct_console_printf(&s->console, "Running tests shuffled with seed "
                           "%ld\n\n", s->settings.random);
    if (s->settings.verbose)
        cct_console_error(&s->console, "project root: %s (%s)",
                          paths->project_dir,
                          cct_root_reason_text(paths->root_reason));
    if (s->settings.verbose && s->mode != MODE_LIST)
        cct_console_error(&s->console, "jobs = %s%u%s: a run starts as "
                          "many workers, or one per test when it has fewer",
                          s->settings.jobs_auto ? "auto (the cores: " : "",
                          s->settings.jobs,
                          s->settings.jobs_auto ? ")" : "");

    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sighup);
    s->sigint.data = s->sigterm.data = s->sighup.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sighup, on_signal, SIGHUP);
    uv_signal_init(&s->loop, &s->sigtstp);
    uv_signal_init(&s->loop, &s->sigcont);
    s->sigtstp.data = s->sigcont.data = s;
    uv_signal_start(&s->sigtstp, on_stop, SIGTSTP);
    uv_signal_start(&s->sigcont, on_continue, SIGCONT);
    uv_timer_init(&s->loop, &s->output_gone);
    s->output_gone.data = s;
    s->console.on_out_broken = on_output_gone;
    s->console.on_out_broken_arg = s;
    s->signals_open = 1;

    char *error = NULL;
    if (s->names.len == 0 && s->settings.testmodule.len) {
        cct__session_fail(s, "no test names: the --testmodule files name "
                             "none (test_*.py, or a test-case-name in a "
                             "-*- line among the first two)");
    } else if (s->names.len == 0) {
        cct__session_fail(s, "no test names: give them on the command line "
                             "(as for trial: cctrial mypackage) or set "
                             "tests = in .cctrialrc");
    } else if (load_plugins(s) < 0) {
        cct__session_exit(s, EXIT_USAGE);
    } else if (s->mode != MODE_LIST &&
               cct_trial_temp_lock(&s->temp, paths->project_dir,
                                   s->settings.temp_directory, &error) < 0) {
        cct__session_fail(s, "%s", error);
    } else {
        if (s->mode != MODE_LIST)
            use_temp_directory(s);
        cct__session_guess_workers(s);
        cct__session_discover(s, 1, 0);
        cct__session_prewarm_guess(s);
    }
    free(error);

    uv_run(&s->loop, UV_RUN_DEFAULT);
    cct_console_close(&s->console);
    /* Anything still open is a bug; end it rather than leave a process. */
    uv_walk(&s->loop, kill_stragglers, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    uv_loop_close(&s->loop);

    int code = s->exit_code;
    /* A --once run whose report is missing (a reporter said so, with the
     * file and why) must not pass in CI: its verdict becomes 2. */
    if (s->mode == MODE_ONCE && s->host_context.output_failed && code < 2)
        code = EXIT_OUTPUT_FAILED;
    cct_reporters_destroy(&s->reporters);
    cct_instance_destroy(s->notifier);
    cct_instance_destroy(s->selector);
    cct_trial_temp_release(&s->temp);
    cct_workflow_free(&s->workflow);
    cct__session_runs_free(s);
    cct__session_changes_free(s);
    cct__session_keys_free(s);
    cct__session_history_free(s);
    cct_settings_free(&s->settings);
    cct_strv_free(&s->names);
    free(s);
    return code;
}
