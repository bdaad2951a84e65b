/*
 * Tests of the notifier plugins (plugins/notifier_notify-send and
 * plugins/notifier_terminal-notifier) at the level of one notification:
 * the real built .so files, loaded by cctrial's loader and run through
 * cctrial's real host, which spawns tests/notifiers/fake_notifier.py
 * under the name of notify-send or terminal-notifier from a temporary
 * directory put first on PATH.  The fake records its argument vector, so
 * each test compares what the program received, byte for byte, with what
 * the notification said; it can also fail or hang, as a notifier without
 * a D-Bus session or a dead daemon would.
 *
 * The workflow's notifications, end to end through the cctrial binary, are
 * tested by the Python scripts next to this file.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "console.h"
#include "host.h"
#include "loader.h"
#include "util.h"

#define PASS CCT_NOTIFY_PASS
#define FAIL CCT_NOTIFY_FAIL

/* One test's world: a temporary directory (also the current directory,
 * where a shell would have created files), the host, one plugin. */
typedef struct fixture {
    char dir[PATH_MAX];
    char *log;     /* the fake's JSON lines */
    char *err;     /* what the host logged on standard error */
    int saved_stderr;
    uv_loop_t loop;
    cct_console console;
    cct_config config;
    cct_host_context context;
    cct_instance *plugin;
} fixture;

static fixture fx;

static char *in_dir(const char *name)
{
    return cct_xasprintf("%s/%s", fx.dir, name);
}

static char *slurp(const char *path);

/* fake_notifier.py under a notifier's name, run by the test's Python
 * without site-packages (-S): it starts in milliseconds, well within the
 * 2 s a notifier may run, even on a busy machine. */
static void install_fake(const char *program)
{
    char *source = slurp(CCT_FAKE_NOTIFIER);
    char *body = strchr(source, '\n');
    cr_assert_not_null(body, "%s is empty", CCT_FAKE_NOTIFIER);
    char *path = cct_xasprintf("%s/bin/%s", fx.dir, program);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    fprintf(f, "#!%s -S%s", CCT_TEST_PYTHON, body);
    fclose(f);
    cr_assert_eq(chmod(path, 0755), 0);
    free(path);
    free(source);
}

static void setup(void)
{
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/cct-notifiers-XXXXXX");
    cr_assert_not_null(mkdtemp(fx.dir));
    cr_assert_eq(chdir(fx.dir), 0);
    char *bin = in_dir("bin");
    cr_assert_eq(mkdir(bin, 0755), 0);
    install_fake("notify-send");
    install_fake("terminal-notifier");
    char *path = cct_xasprintf("%s:/usr/bin:/bin", bin);
    setenv("PATH", path, 1);
    free(path);
    free(bin);
    fx.log = in_dir("calls.jsonl");
    setenv("FAKE_NOTIFIER_LOG", fx.log, 1);
    unsetenv("FAKE_NOTIFIER_MODE");
    unsetenv("FAKE_NOTIFY_SEND_HELP");

    /* The host logs on file descriptor 2: keep it in a file. */
    fx.err = in_dir("stderr.txt");
    fx.saved_stderr = dup(2);
    int fd = open(fx.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    dup2(fd, 2);
    close(fd);

    uv_loop_init(&fx.loop);
    cct_console_init(&fx.console, &fx.loop);
    cct_config_init(&fx.config);
    fx.context = (cct_host_context){
        .loop = &fx.loop,
        .console = &fx.console,
        .config = &fx.config,
        .verbose = 0,
        .data_dir = CCT_TEST_DATA_DIR,
        .project_dir = fx.dir,
    };
    fx.plugin = NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    cct_instance_destroy(fx.plugin);
    cct_console_close(&fx.console);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    uv_loop_close(&fx.loop);
    cct_config_free(&fx.config);
    dup2(fx.saved_stderr, 2);
    close(fx.saved_stderr);
    if (chdir("/") == 0)
        nftw(fx.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx.log);
    free(fx.err);
}

/* ---- driving a plugin ---------------------------------------------------- */

static void option(const char *program, const char *key, const char *value)
{
    char *section = cct_xasprintf("notifier.%s", program);
    cct_config_set(&fx.config, section, key, value, "test", NULL, 0);
    free(section);
}

static void load(const char *program)
{
    cct_strv dirs;
    cct_strv_init(&dirs);
    cct_strv_add(&dirs, CCT_TEST_PLUGIN_DIR);
    cct_loaded_plugin lib;
    char *error = NULL;
    int rc = cct_plugin_load(&dirs, CCT_PLUGIN_NOTIFIER, program, &lib,
                             &error);
    cr_assert_eq(rc, 0, "loading %s: %s", program, error ? error : "");
    rc = cct_instance_create(&fx.context, &lib, &fx.plugin, &error);
    cr_assert_eq(rc, 0, "starting %s: %s", program, error ? error : "");
    cct_strv_free(&dirs);
    /* notify-send asks the program which options it knows, and holds
     * notifications until it answers: let it, so that each test's first
     * notification starts at once, as in a session (whose first comes
     * after a whole run). */
    uv_run(&fx.loop, UV_RUN_DEFAULT);
}

static void notify(const char *title, const char *message,
                   cct_notify_status status)
{
    fx.plugin->lib.desc->notifier->notify(fx.plugin->ctx, title, message,
                                          status);
}

/* Runs the loop until every notifier process has ended (the host kills
 * them after their timeout, so this is bounded). */
static void finish(void)
{
    uv_run(&fx.loop, UV_RUN_DEFAULT);
}

/* ---- what the fake received ------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cct_xstrdup("");
    cct_buf b;
    cct_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        cct_buf_add(&b, chunk, n);
    fclose(f);
    return cct_buf_steal(&b);
}

/* The fake's calls, in order: a JSON array of {"program", "argv", "pid"}. */
static json_t *calls(void)
{
    json_t *all = json_array();
    char *text = slurp(fx.log);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_error_t error;
        json_t *call = json_loads(line, 0, &error);
        cr_assert_not_null(call, "bad line from the fake: %s", line);
        json_array_append_new(all, call);
    }
    free(text);
    return all;
}

/* Asserts that call `i` ran `program` with exactly `expected` (NULL-
 * terminated), and returns its pid. */
static long assert_call(json_t *all, size_t i, const char *program,
                        const char *const *expected)
{
    json_t *call = json_array_get(all, i);
    cr_assert_not_null(call, "call %zu never came (%zu calls)", i,
                       json_array_size(all));
    cr_assert_str_eq(json_string_value(json_object_get(call, "program")),
                     program);
    json_t *argv = json_object_get(call, "argv");
    size_t n = 0;
    while (expected[n])
        n++;
    char *got = json_dumps(argv, 0);
    cr_assert_eq(json_array_size(argv), n, "call %zu: %zu arguments, "
                 "expected %zu: %s", i, json_array_size(argv), n, got);
    for (size_t k = 0; k < n; k++)
        cr_assert_str_eq(json_string_value(json_array_get(argv, k)),
                         expected[k], "call %zu, argument %zu: %s", i, k,
                         got);
    free(got);
    return (long)json_integer_value(json_object_get(call, "pid"));
}

/* Asserts that no call started while the one before it still ran. */
static void assert_one_at_a_time(json_t *all)
{
    for (size_t i = 0; i < json_array_size(all); i++)
        cr_assert(!json_is_true(json_object_get(json_array_get(all, i),
                                                "overlapped")),
                  "call %zu started while call %zu still ran", i, i - 1);
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p;
         p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *icon(const char *file)
{
    return cct_xasprintf("%s/icons/%s", CCT_TEST_DATA_DIR, file);
}

/* Strings a shell would act on; a newline; a leading dash. */
static const char title_with_metacharacters[] =
    "$(touch pwned) `touch pwned` 'single' \"double\"";
static const char message_with_metacharacters[] =
    "-x line one\nline two; touch pwned | cat > out & $HOME \\ *";

static void assert_no_shell_ran(void)
{
    cr_assert_neq(access("pwned", F_OK), 0, "a shell ran the title");
    cr_assert_neq(access("out", F_OK), 0, "a shell ran the message");
}

/* ---- notify-send ------------------------------------------------------------ */

TestSuite(notify_send, .init = setup, .fini = teardown, .timeout = 60);

Test(notify_send, pass_and_fail_with_icon_and_urgency)
{
    load("notify-send");
    notify("3 tests run", "everything good!", PASS);
    notify("3 tests run", "2 tests broken!", FAIL);
    finish();

    json_t *all = calls();
    cr_assert_eq(json_array_size(all), 2);
    char *pass_icon = cct_xasprintf("--icon=%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    char *fail_icon = cct_xasprintf("--icon=%s/icons/fail.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", pass_icon, "--", "3 tests run",
        "everything good!", NULL});
    /* It replaces the first, by the id the first printed. */
    assert_call(all, 1, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", "--replace-id=101", fail_icon,
        "--urgency=critical", "--", "3 tests run", "2 tests broken!", NULL});
    char *err = slurp(fx.err);
    cr_assert_str_empty(err, "nothing is logged when all is well: %s", err);
    free(err);
    free(pass_icon);
    free(fail_icon);
    json_decref(all);
}

Test(notify_send, shell_metacharacters_arrive_as_text)
{
    load("notify-send");
    notify(title_with_metacharacters, message_with_metacharacters, FAIL);
    finish();

    json_t *all = calls();
    char *fail_icon = cct_xasprintf("--icon=%s/icons/fail.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", fail_icon, "--urgency=critical",
        "--", title_with_metacharacters, message_with_metacharacters,
        NULL});
    assert_no_shell_ran();
    free(fail_icon);
    json_decref(all);
}

Test(notify_send, options_icons_and_urgency)
{
    char *mine = in_dir("mine.png");
    FILE *f = fopen(mine, "wb");
    cr_assert_not_null(f);
    fputs("\x89PNG\r\n\x1a\n", f);
    fclose(f);
    char *missing = in_dir("missing.png");
    option("notify-send", "icon_pass", mine);
    option("notify-send", "icon_fail", missing);
    option("notify-send", "urgency", "normal");
    load("notify-send");
    notify("1 tests run", "everything good!", PASS);
    notify("Still broken!", "pkg.test_m.T.test_x", FAIL);
    finish();

    json_t *all = calls();
    char *mine_icon = cct_xasprintf("--icon=%s", mine);
    assert_call(all, 0, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", mine_icon, "--", "1 tests run",
        "everything good!", NULL});
    /* An icon that cannot be read is left out, after a warning. */
    assert_call(all, 1, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", "--replace-id=101",
        "--urgency=normal", "--", "Still broken!", "pkg.test_m.T.test_x",
        NULL});
    char *err = slurp(fx.err);
    cr_assert(strstr(err, "cannot read the icon") && strstr(err, missing),
              "no warning about the missing icon: %s", err);
    free(err);
    free(mine_icon);
    free(mine);
    free(missing);
    json_decref(all);
}

/* Every notification of a session replaces the first: the fake prints,
 * as notify-send does, the id it was asked to replace. */
Test(notify_send, each_notification_replaces_the_last)
{
    load("notify-send");
    notify("4 tests run", "3 tests broken!", FAIL);
    notify("1 test failure to fix", "pkg.test_m.T.test_x", FAIL);
    notify("4 tests run", "everything good!", PASS);
    finish();

    json_t *all = calls();
    cr_assert_eq(json_array_size(all), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *argv = json_object_get(json_array_get(all, i), "argv");
        cr_assert_str_eq(json_string_value(json_array_get(argv, 1)),
                         "--print-id", "call %zu", i);
        const char *replace = json_string_value(json_array_get(argv, 2));
        if (i == 0)
            cr_assert(strncmp(replace, "--replace-id", 12) != 0,
                      "the first notification replaces %s", replace);
        else
            cr_assert_str_eq(replace, "--replace-id=101", "call %zu", i);
    }
    json_decref(all);
}

/* A notify-send older than libnotify 0.7.9 knows neither option: the
 * notifications go as before, each a new one. */
Test(notify_send, older_notify_send_without_print_id)
{
    setenv("FAKE_NOTIFY_SEND_HELP", "old", 1);
    load("notify-send");
    notify("4 tests run", "1 test broken!", FAIL);
    notify("4 tests run", "everything good!", PASS);
    finish();

    json_t *all = calls();
    char *pass_icon = cct_xasprintf("--icon=%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    char *fail_icon = cct_xasprintf("--icon=%s/icons/fail.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "notify-send", (const char *[]){
        "--app-name=cctrial", fail_icon, "--urgency=critical", "--",
        "4 tests run", "1 test broken!", NULL});
    assert_call(all, 1, "notify-send", (const char *[]){
        "--app-name=cctrial", pass_icon, "--", "4 tests run",
        "everything good!", NULL});
    char *err = slurp(fx.err);
    cr_assert_str_empty(err, "nothing is logged: %s", err);
    free(err);
    free(pass_icon);
    free(fail_icon);
    json_decref(all);
}

Test(notify_send, default_icons_are_pngs)
{
    static const char *const files[] = {"pass.png", "fail.png"};
    for (size_t i = 0; i < 2; i++) {
        char *path = icon(files[i]);
        char *data = slurp(path);
        cr_assert(strncmp(data, "\x89PNG\r\n\x1a\n", 8) == 0,
                  "%s is not a PNG file", path);
        free(data);
        free(path);
    }
}

/* ---- terminal-notifier --------------------------------------------------- */

TestSuite(terminal_notifier, .init = setup, .fini = teardown,
          .timeout = 60);

Test(terminal_notifier, pass_and_fail_in_one_group)
{
    load("terminal-notifier");
    notify("3 tests run", "everything good!", PASS);
    notify("1 fixed", "2 tests failures to fix", FAIL);
    finish();

    json_t *all = calls();
    cr_assert_eq(json_array_size(all), 2);
    char *pass_icon = cct_xasprintf("\\%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    char *fail_icon = cct_xasprintf("\\%s/icons/fail.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "terminal-notifier", (const char *[]){
        "-title", "\\3 tests run", "-message", "\\everything good!",
        "-appIcon", pass_icon, "-group", "\\cctrial", NULL});
    assert_call(all, 1, "terminal-notifier", (const char *[]){
        "-title", "\\1 fixed", "-message", "\\2 tests failures to fix",
        "-appIcon", fail_icon, "-group", "\\cctrial", NULL});
    free(pass_icon);
    free(fail_icon);
    json_decref(all);
}

/* terminal-notifier drops one leading backslash from each value, so the
 * escaped value it receives means exactly the text sent: a leading "-",
 * "[" or "\" is not taken for an option, a property list or an escape. */
Test(terminal_notifier, metacharacters_and_leading_specials_escaped)
{
    load("terminal-notifier");
    notify(title_with_metacharacters, message_with_metacharacters, FAIL);
    notify("[brackets]", "\\backslash", PASS);
    finish();

    json_t *all = calls();
    char *title = cct_xasprintf("\\%s", title_with_metacharacters);
    char *message = cct_xasprintf("\\%s", message_with_metacharacters);
    char *fail_icon = cct_xasprintf("\\%s/icons/fail.png",
                                    CCT_TEST_DATA_DIR);
    char *pass_icon = cct_xasprintf("\\%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "terminal-notifier", (const char *[]){
        "-title", title, "-message", message, "-appIcon", fail_icon,
        "-group", "\\cctrial", NULL});
    assert_call(all, 1, "terminal-notifier", (const char *[]){
        "-title", "\\[brackets]", "-message", "\\\\backslash", "-appIcon",
        pass_icon, "-group", "\\cctrial", NULL});
    assert_no_shell_ran();
    free(title);
    free(message);
    free(fail_icon);
    free(pass_icon);
    json_decref(all);
}

Test(terminal_notifier, empty_group_option_sends_no_group)
{
    option("terminal-notifier", "group", "");
    load("terminal-notifier");
    notify("3 tests run", "everything good!", PASS);
    finish();

    json_t *all = calls();
    char *pass_icon = cct_xasprintf("\\%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "terminal-notifier", (const char *[]){
        "-title", "\\3 tests run", "-message", "\\everything good!",
        "-appIcon", pass_icon, NULL});
    free(pass_icon);
    json_decref(all);
}

/* ---- failures, both plugins ------------------------------------------------ */

TestSuite(failures, .init = setup, .fini = teardown, .timeout = 60);

/* Parameters are indexes: Criterion may run a test in a fresh process,
 * where a pointer taken in the parent would mean nothing. */
static const char *const programs[] = {"notify-send", "terminal-notifier"};
static int both[] = {0, 1};

ParameterizedTestParameters(failures, non_zero_exit_warned_once)
{
    return cr_make_param_array(int, both, 2);
}

ParameterizedTest(int *which, failures, non_zero_exit_warned_once)
{
    const char *const *program = &programs[*which];
    setenv("FAKE_NOTIFIER_MODE", "fail", 1);
    load(*program);
    for (int i = 0; i < 3; i++)
        notify("4 tests run", "1 tests broken!", FAIL);
    finish();

    json_t *all = calls();
    cr_assert_eq(json_array_size(all), 3, "a failure stopped the next "
                 "notifications: %zu calls", json_array_size(all));
    char *err = slurp(fx.err);
    cr_assert_eq(count(err, "warning"), 1, "not warned exactly once: %s",
                 err);
    char *expected = cct_xasprintf("%s exited with status 1", *program);
    cr_assert(strstr(err, expected), "no '%s' in: %s", expected, err);
    free(expected);
    free(err);
    json_decref(all);
}

ParameterizedTestParameters(failures, hanging_notifier_killed)
{
    return cr_make_param_array(int, both, 2);
}

/* Each hanging process is killed after its timeout (2 s by default), the
 * next notification then runs, and the loop ends: nothing waits for the
 * 60 s sleep. */
ParameterizedTest(int *which, failures, hanging_notifier_killed)
{
    const char *const *program = &programs[*which];
    setenv("FAKE_NOTIFIER_MODE", "hang", 1);
    load(*program); /* with the default timeout, 2000 ms */
    notify("4 tests run", "1 tests broken!", FAIL);
    notify("Still broken!", "pkg.test_m.T.test_x", FAIL);
    finish();

    json_t *all = calls();
    cr_assert_eq(json_array_size(all), 2, "the second notification did not "
                 "run after the first was killed: %zu calls",
                 json_array_size(all));
    assert_one_at_a_time(all);
    for (size_t i = 0; i < 2; i++) {
        pid_t pid = (pid_t)json_integer_value(
            json_object_get(json_array_get(all, i), "pid"));
        cr_assert_eq(kill(pid, 0), -1, "notifier %d still runs", pid);
        cr_assert_eq(errno, ESRCH);
    }
    char *err = slurp(fx.err);
    cr_assert_eq(count(err, "warning"), 1, "not warned exactly once: %s",
                 err);
    char *expected = cct_xasprintf("%s did not finish within 2000 ms and "
                                   "was killed", *program);
    cr_assert(strstr(err, expected), "no '%s' in: %s", expected, err);
    free(expected);
    free(err);
    json_decref(all);
}

/* The warning promises that later failures show with -vv. */
Test(failures, later_failures_shown_with_vv)
{
    setenv("FAKE_NOTIFIER_MODE", "fail", 1);
    fx.context.verbose = 2;
    load("notify-send");
    notify("4 tests run", "1 tests broken!", FAIL);
    notify("Still broken!", "pkg.test_m.T.test_x", FAIL);
    finish();

    char *err = slurp(fx.err);
    cr_assert_eq(count(err, "warning"), 1, "not warned exactly once: %s",
                 err);
    cr_assert_eq(count(err, "notify-send exited with status 1"), 2,
                 "the second failure is not shown with -vv: %s", err);
    free(err);
}

Test(failures, program_missing_from_path_warned_once)
{
    char *empty = in_dir("empty");
    cr_assert_eq(mkdir(empty, 0755), 0);
    setenv("PATH", empty, 1);
    load("notify-send");
    notify("4 tests run", "1 tests broken!", FAIL);
    notify("Still broken!", "pkg.test_m.T.test_x", FAIL);
    finish();

    char *err = slurp(fx.err);
    cr_assert_eq(count(err, "warning"), 1, "not warned exactly once: %s",
                 err);
    cr_assert(strstr(err, "could not start notify-send: No such file or "
                          "directory"), "%s", err);
    free(err);
    free(empty);
}

/* ---- order ------------------------------------------------------------------- */

TestSuite(order, .init = setup, .fini = teardown, .timeout = 60);

/* Notifications never overlap (with -group an older one finishing late
 * would replace a newer one): they run in order, one at a time, and when
 * a slow notifier lets more than four wait, the oldest waiting ones go. */
Test(order, one_at_a_time_oldest_waiting_dropped)
{
    static const char *const titles[] = {"1", "2", "3", "4", "5", "6"};
    load("notify-send");
    for (size_t i = 0; i < 6; i++)
        notify(titles[i], "everything good!", PASS);
    finish();

    json_t *all = calls();
    static const char *const delivered[] = {"1", "3", "4", "5", "6"};
    cr_assert_eq(json_array_size(all), 5);
    char *pass_icon = cct_xasprintf("--icon=%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    assert_call(all, 0, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", pass_icon, "--", delivered[0],
        "everything good!", NULL});
    for (size_t i = 1; i < 5; i++)
        assert_call(all, i, "notify-send", (const char *[]){
            "--app-name=cctrial", "--print-id", "--replace-id=101",
            pass_icon, "--", delivered[i], "everything good!", NULL});
    assert_one_at_a_time(all);
    free(pass_icon);
    json_decref(all);
}

/* Once a notifier had to be killed, only the newest waiting notification
 * is kept: the others would most likely hang too, each for its timeout,
 * and cctrial's exit would wait for them all. */
Test(order, after_a_kill_only_the_newest_waiting_runs)
{
    setenv("FAKE_NOTIFIER_MODE", "hang", 1);
    load("notify-send");
    static const char *const titles[] = {"1", "2", "3", "4"};
    for (size_t i = 0; i < 4; i++)
        notify(titles[i], "everything good!", PASS);
    finish();

    json_t *all = calls();
    cr_assert_eq(json_array_size(all), 2);
    char *pass_icon = cct_xasprintf("--icon=%s/icons/pass.png",
                                    CCT_TEST_DATA_DIR);
    /* What a killed notifier printed is not read: no id to replace. */
    assert_call(all, 0, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", pass_icon, "--", "1",
        "everything good!", NULL});
    assert_call(all, 1, "notify-send", (const char *[]){
        "--app-name=cctrial", "--print-id", pass_icon, "--", "4",
        "everything good!", NULL});
    assert_one_at_a_time(all);
    free(pass_icon);
    json_decref(all);
}
