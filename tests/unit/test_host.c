/*
 * Unit tests of host->run_program and host->stop_program (core/host.c on
 * core/capture.c and core/spawn.c), through a real instance (the quiet
 * notifier of tests/plugins) and a real loop: the output handed back, its
 * bound, the time bound killing the program and what it started, a stop
 * that kills without a callback, and the calls it refuses; and
 * host->output_failed, which marks the session and says why.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"
#include "host.h"
#include "loader.h"

#define PLUGIN_DIR CCT_TEST_PLUGIN_DIR
/* Every wait below is bounded by this. */
#define WAIT_MS 20000

static cct_strv dirs;
static uv_loop_t loop;
static cct_console console;
static cct_config config;
static cct_host_context context;
static cct_instance *instance;
static const cct_host *host;
static char tmp[64];

/* What the callback saw. */
typedef struct seen {
    int calls;
    int exit_status, term_signal, timed_out, out_truncated;
    char *out;
    size_t out_len;
    char *err;
} seen;

static void setup(void)
{
    cct_strv_init(&dirs);
    cct_strv_add(&dirs, PLUGIN_DIR);
    strcpy(tmp, "/tmp/cct-host-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    cr_assert_eq(uv_loop_init(&loop), 0);
    cct_console_init(&console, &loop);
    cct_config_init(&config);
    context = (cct_host_context){.loop = &loop, .console = &console,
                                 .config = &config, .data_dir = tmp,
                                 .project_dir = tmp};
    cct_loaded_plugin lib;
    char *error = NULL;
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_NOTIFIER, "quiet", &lib,
                                 &error), 0, "%s", error);
    cr_assert_eq(cct_instance_create(&context, &lib, &instance, &error), 0,
                 "%s", error);
    host = &instance->host;
    cr_assert(CCT_HAS_FIELD(host, cct_host, stop_program));
}

static void teardown(void)
{
    cct_instance_destroy(instance);
    cct_config_free(&config);
    cct_console_close(&console);
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_loop_close(&loop);
    cct_strv_free(&dirs);
    scratch_remove(tmp);
}

TestSuite(run_program, .init = setup, .fini = teardown);

static void on_done(void *arg, const cct_program_result *r)
{
    seen *s = arg;
    s->calls++;
    cr_assert_eq(r->struct_size, sizeof(*r));
    cr_assert_eq(r->out[r->out_len], '\0', "out is not NUL-terminated");
    cr_assert_eq(r->err[r->err_len], '\0', "err is not NUL-terminated");
    s->exit_status = r->exit_status;
    s->term_signal = r->term_signal;
    s->timed_out = r->timed_out;
    s->out_truncated = r->out_truncated;
    s->out = cct_xstrdup(r->out);
    s->out_len = r->out_len;
    s->err = cct_xstrdup(r->err);
}

static void on_tick(uv_timer_t *timer)
{
    int *ticks = timer->data;
    ++*ticks;
}

/* Runs the loop until `done` says so, looking every 10 ms (an orphan's
 * death is no event of this loop); fails after WAIT_MS saying `what`. */
static void run_until(int (*done)(void *), void *arg, const char *what)
{
    uv_timer_t tick;
    int ticks = 0;
    uv_timer_init(&loop, &tick);
    tick.data = &ticks;
    uv_timer_start(&tick, on_tick, 10, 10);
    while (!done(arg) && ticks < WAIT_MS / 10)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_assert(done(arg), "waited %d ms for %s", WAIT_MS, what);
}

static int called(void *arg)
{
    return ((seen *)arg)->calls > 0;
}

/* Gone, or a zombie: dead either way. */
static int is_dead(pid_t pid)
{
    char path[64], stat[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *state = strrchr(stat, ')');
    return state && state[1] == ' ' && state[2] == 'Z';
}

static int pid_dead(void *arg)
{
    return is_dead(*(pid_t *)arg);
}

static void free_seen(seen *s)
{
    free(s->out);
    free(s->err);
}

Test(run_program, hands_back_output_and_status)
{
    const char *argv[] = {"sh", "-c", "printf 'a\\0b'; echo oops >&2; "
                          "exit 3", NULL};
    seen s = {0};
    cct_program *program = NULL;
    cr_assert_eq(host->run_program(host, argv, NULL, WAIT_MS, 1024, on_done,
                                   &s, &program), 0);
    cr_assert_not_null(program);
    cr_assert_eq(s.calls, 0, "the callback ran inside run_program()");
    run_until(called, &s, "the program's end");
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(s.exit_status, 3);
    cr_assert_eq(s.term_signal, 0);
    cr_assert_eq(s.timed_out, 0);
    cr_assert_eq(s.out_len, 3);
    cr_assert_eq(s.out_truncated, 0);
    cr_assert_str_eq(s.err, "oops\n");
    free_seen(&s);
}

Test(run_program, runs_in_the_project_directory_by_default)
{
    const char *argv[] = {"pwd", NULL};
    seen s = {0};
    cr_assert_eq(host->run_program(host, argv, NULL, WAIT_MS, 1024, on_done,
                                   &s, NULL), 0);
    run_until(called, &s, "pwd's end");
    char *expected = cct_xasprintf("%s\n", tmp);
    cr_assert_str_eq(s.out, expected);
    free(expected);
    free_seen(&s);
}

Test(run_program, cuts_the_output_at_its_bound)
{
    /* 200000 bytes, far more than a pipe holds: it is read to the end and
     * dropped, so the program is not held up writing it. */
    const char *argv[] = {"sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x; "
                          "echo finished >&2", NULL};
    seen s = {0};
    cr_assert_eq(host->run_program(host, argv, NULL, WAIT_MS, 1000, on_done,
                                   &s, NULL), 0);
    run_until(called, &s, "the program's end");
    cr_assert_eq(s.out_len, 1000);
    cr_assert_eq(s.out_truncated, 1);
    cr_assert_eq(strspn(s.out, "x"), 1000);
    cr_assert_eq(s.exit_status, 0);
    cr_assert_eq(s.timed_out, 0);
    cr_assert_str_eq(s.err, "finished\n");
    free_seen(&s);
}

Test(run_program, kills_it_and_its_children_at_the_time_bound)
{
    /* The child keeps standard output open: without the group killed and
     * the pipes let go, the end would wait for it. */
    const char *argv[] = {"sh", "-c", "sleep 600 & echo $!; exec sleep 600",
                          NULL};
    seen s = {0};
    cr_assert_eq(host->run_program(host, argv, NULL, 200, 1024, on_done, &s,
                                   NULL), 0);
    run_until(called, &s, "the program killed at its time bound");
    cr_assert_eq(s.timed_out, 1);
    cr_assert_eq(s.term_signal, SIGKILL);
    cr_assert_eq(s.exit_status, -1);
    pid_t child = (pid_t)atoi(s.out);
    cr_assert_gt(child, 0, "no pid printed: '%s'", s.out);
    run_until(pid_dead, &child, "the program's child to die");
    free_seen(&s);
}

Test(run_program, stop_kills_it_without_a_callback)
{
    char *pid_file = cct_xasprintf("%s/pid", tmp);
    char *script = cct_xasprintf("echo $$ > '%s.new' && mv '%s.new' '%s' && "
                                 "exec sleep 600", pid_file, pid_file,
                                 pid_file);
    const char *argv[] = {"sh", "-c", script, NULL};
    seen s = {0};
    cct_program *program = NULL;
    cr_assert_eq(host->run_program(host, argv, NULL, WAIT_MS, 1024, on_done,
                                   &s, &program), 0);
    pid_t pid = 0;
    for (int i = 0; i < WAIT_MS / 10 && pid == 0; i++) {
        FILE *f = fopen(pid_file, "r");
        if (f) {
            if (fscanf(f, "%d", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid == 0)
            usleep(10000);
    }
    cr_assert_gt(pid, 0, "the program never wrote its pid");
    host->stop_program(host, program);
    run_until(pid_dead, &pid, "the stopped program to die");
    /* Its end is reaped and its pipes closed: the loop empties. */
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_assert_eq(s.calls, 0, "the callback ran after stop_program()");
    free(script);
    free(pid_file);
}

Test(run_program, refuses_unbounded_calls_and_missing_programs)
{
    const char *argv[] = {"true", NULL};
    seen s = {0};
    cr_assert_eq(host->run_program(host, argv, NULL, 0, 1024, on_done, &s,
                                   NULL), UV_EINVAL);
    cr_assert_eq(host->run_program(host, argv, NULL, 1000, 0, on_done, &s,
                                   NULL), UV_EINVAL);
    const char *missing[] = {"cct-no-such-program-here", NULL};
    cr_assert_eq(host->run_program(host, missing, NULL, 1000, 1024, on_done,
                                   &s, NULL), UV_ENOENT);
    uv_run(&loop, UV_RUN_NOWAIT); /* what the failed spawn opened closes */
    cr_assert_eq(s.calls, 0);
}

/* ---- host->output_failed (ABI 1.3) ------------------------------------- */

static void setup_capturing_stderr(void)
{
    cr_redirect_stderr();
    setup();
}

TestSuite(output_failed, .init = setup_capturing_stderr, .fini = teardown);

/* The session reads the mark to fail a --once run (exit 2); the message is
 * an error (no "warning: "), under the plugin's section. */
Test(output_failed, marks_the_session_and_says_why)
{
    cr_assert(CCT_HAS_FIELD(host, cct_host, output_failed));
    cr_assert_eq(context.output_failed, 0);
    host->output_failed(host, "cannot write %s: %s", "/r/junit.xml",
                        strerror(ENOTDIR));
    cr_assert_eq(context.output_failed, 1);
    fflush(stderr);
    cr_assert_stderr_eq_str("cctrial: notifier.quiet: cannot write "
                            "/r/junit.xml: Not a directory\n");
}
