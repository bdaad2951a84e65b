/*
 * Unit tests of where the project is (core/root.h), of what its
 * configuration may add to the tests' environment (core/workerenv.h's
 * `env` parsing, core/trust.h's rules for an untrusted project) and of
 * _trial_temp's numbered fallback (core/trialtemp.h): real directories in
 * a temporary directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch.h"
#include "config.h"
#include "error.h"
#include "root.h"
#include "trialtemp.h"
#include "trust.h"
#include "workerenv.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/cct-root-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    scratch_remove(dir);
}

TestSuite(root, .init = setup, .fini = teardown);
TestSuite(names);
TestSuite(env);
TestSuite(trust_env, .init = setup, .fini = teardown);
TestSuite(trial_temp, .init = setup, .fini = teardown);

/* dir/relative, created with its parents; malloc'ed. */
static char *make_dir(const char *relative)
{
    char *path = cct_path_join(dir, relative);
    for (char *p = path + strlen(dir) + 1;; p++) {
        p = strchr(p, '/');
        if (p)
            *p = '\0';
        mkdir(path, 0755);
        if (!p)
            break;
        *p = '/';
    }
    return path;
}

static void touch(const char *relative)
{
    char *path = cct_path_join(dir, relative);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fclose(f);
    free(path);
}

/* ---- the root ---------------------------------------------------------- */

Test(root, the_directory_of_the_nearest_cctrialrc)
{
    char *top = make_dir("p");
    char *deep = make_dir("p/pkg/test");
    make_dir("p/.git");
    touch("p/.cctrialrc");
    char *root = NULL;
    cr_assert_eq(cct_root_find(deep, &root), CCT_ROOT_CONFIG);
    cr_assert_str_eq(root, top);
    free(root);
    free(top);
    free(deep);
}

Test(root, else_the_top_of_the_git_work_tree)
{
    char *top = make_dir("p");
    char *deep = make_dir("p/pkg/test");
    touch("p/.git"); /* a linked worktree's or a submodule's: a file */
    char *root = NULL;
    cr_assert_eq(cct_root_find(deep, &root), CCT_ROOT_GIT);
    cr_assert_str_eq(root, top);
    free(root);
    free(top);
    free(deep);
}

Test(root, else_the_current_directory)
{
    char *deep = make_dir("p/pkg");
    char *root = NULL;
    cct_root_reason why = cct_root_find(deep, &root);
    /* Something above /tmp may hold a .cctrialrc or .git on this
     * machine; nothing of ours does. */
    if (why == CCT_ROOT_CWD)
        cr_assert_str_eq(root, deep);
    else
        cr_assert_not(cct_str_starts_with(root, dir), "found %s", root);
    free(root);
    free(deep);
}

/* A home directory kept in git (dotfiles) is no project: its projects
 * without a .git of their own are rooted where cctrial starts. */
Test(root, a_git_work_tree_at_home_is_not_a_project)
{
    char *home = make_dir("home/me");
    char *project = make_dir("home/me/src/proj");
    make_dir("home/me/.git");
    char *saved = getenv("HOME") ? cct_xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    char *root = NULL;
    cr_expect_eq(cct_root_find(project, &root), CCT_ROOT_CWD);
    cr_expect_str_eq(root, project);
    free(root);
    cr_expect_eq(cct_root_find(home, &root), CCT_ROOT_GIT,
                 "started at home itself, home is the work tree's top");
    free(root);
    if (saved)
        setenv("HOME", saved, 1);
    else
        unsetenv("HOME");
    free(saved);
    free(home);
    free(project);
}

Test(root, every_reason_is_said)
{
    const cct_root_reason reasons[] = {CCT_ROOT_CONFIG, CCT_ROOT_GIT,
                                       CCT_ROOT_CWD};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(reasons); i++)
        cr_assert_not_null(strstr(cct_root_reason_text(reasons[i]),
                                  i == 0 ? ".cctrialrc"
                                  : i == 1 ? "git" : "current"));
}

/* ---- names typed below the root ----------------------------------------- */

static void expect_name(const char *root, const char *cwd, const char *name,
                        const char *expected)
{
    char *got = cct_root_test_name(root, cwd, name);
    cr_expect_str_eq(got, expected, "%s typed in %s (root %s)", name, cwd,
                     root);
    free(got);
}

Test(names, dotted_names_are_trials_from_the_root)
{
    expect_name("/p", "/p/pkg", "pkg.test.test_a", "pkg.test.test_a");
    expect_name("/p", "/p/pkg", "test_a", "test_a");
}

Test(names, paths_are_from_where_they_were_typed)
{
    expect_name("/p", "/p/pkg", "test/test_a.py", "pkg/test/test_a.py");
    expect_name("/p", "/p/pkg/test", "./test_a.py", "pkg/test/test_a.py");
    expect_name("/p", "/p/pkg/test", "../", "pkg/");
    expect_name("/p", "/p/pkg", "../other/test/", "other/test/");
    expect_name("/p", "/p/pkg", "/elsewhere/test_b.py",
                "/elsewhere/test_b.py");
    expect_name("/p", "/p/pkg", "../../q/test_c.py", "/q/test_c.py");
    expect_name("/p", "/p/pkg", "..", ".."); /* no '/': a dotted name */
}

Test(names, at_the_root_nothing_changes)
{
    expect_name("/p", "/p", "./pkg/test/", "./pkg/test/");
    expect_name("/p", "/p", "pkg", "pkg");
}

Test(names, inside_means_a_whole_component)
{
    cr_expect(cct_path_inside("/p/a", "/p"));
    cr_expect(cct_path_inside("/p", "/p"));
    cr_expect_not(cct_path_inside("/pa/b", "/p"));
    cr_expect(cct_path_inside("/x", "/"));
}

/* ---- env ------------------------------------------------------------------ */

Test(env, one_name_value_a_line)
{
    cct_strv items;
    cct_strv_init(&items);
    char *error = NULL;
    cr_assert_eq(cct_env_parse("A=1\n  B_2=two words \n\nA=again\nC=", &items,
                               &error), 0);
    cr_assert_null(error);
    cr_assert_eq(items.len, 3);
    cr_expect_str_eq(items.items[0], "A=again", "the last value counts");
    cr_expect_str_eq(items.items[1], "B_2=two words");
    cr_expect_str_eq(items.items[2], "C=");
    cct_strv_free(&items);
}

Test(env, a_line_that_is_not_name_value_is_named)
{
    const char *const bad[] = {"JUSTNAME", "1A=x", "A-B=x", "=x", "A B=x"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(bad); i++) {
        cct_strv items;
        cct_strv_init(&items);
        char *error = NULL;
        cr_expect_lt(cct_env_parse(bad[i], &items, &error), 0, "%s", bad[i]);
        cr_expect_not_null(error && strstr(error, bad[i]), "%s: %s", bad[i],
                           error);
        free(error);
        cct_strv_free(&items);
    }
}

Test(env, added_to_the_environment_replacing_and_without)
{
    setenv("CCT_ROOT_TEST_A", "old", 1);
    setenv("CCT_ROOT_TEST_GONE", "x", 1);
    cct_strv extra, out;
    cct_strv_init(&extra);
    cct_strv_init(&out);
    cct_strv_add(&extra, "CCT_ROOT_TEST_A=new");
    cct_strv_add(&extra, "CCT_ROOT_TEST_B=b");
    cct_env_build(&extra, "CCT_ROOT_TEST_GONE", &out);
    cr_expect(cct_strv_contains(&out, "CCT_ROOT_TEST_A=new"));
    cr_expect_not(cct_strv_contains(&out, "CCT_ROOT_TEST_A=old"));
    cr_expect(cct_strv_contains(&out, "CCT_ROOT_TEST_B=b"));
    cr_expect_not(cct_strv_contains(&out, "CCT_ROOT_TEST_GONE=x"));
    cct_strv_free(&extra);
    cct_strv_free(&out);
}

Test(env, variables_that_choose_code)
{
    const char *const code[] = {"PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME",
                                "PYTHONWARNINGS", "LD_PRELOAD",
                                "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES",
                                "PATH", "BASH_ENV", "ENV", "OPENSSL_CONF"};
    const char *const data[] = {"DJANGO_SETTINGS_MODULE", "TZ", "LANG",
                                "MYAPP_PATH", "PYTHON_IS_NOT_A_PREFIX_HERE"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(code); i++)
        cr_expect(cct_trust_env_chooses_code(code[i]), "%s", code[i]);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(data) - 1; i++)
        cr_expect_not(cct_trust_env_chooses_code(data[i]), "%s", data[i]);
    /* Every PYTHON* is Python's own, now or in a later version. */
    cr_expect(cct_trust_env_chooses_code(data[CCT_ARRAY_SIZE(data) - 1]));
}

/* ---- what an untrusted project may set ------------------------------------ */

/* A plugin section whose `path` option is a CCT_OPT_PATH. */
static const cct_option plugin_options[] = {
    {"path", CCT_OPT_PATH, "-", "where the plugin writes", NULL, 0, 0},
    {"title", CCT_OPT_STRING, NULL, "any text", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

/* The project's .cctrialrc holding `text`, read; 0 or the code of the
 * trust check of the core's settings, or (`plugin`) of [reporter.json]
 * as a section of plugin_options. */
static int check_file(const char *text, int plugin, int trusted,
                      char **error)
{
    char *file = cct_path_join(dir, ".cctrialrc");
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    cct_config c;
    cct_config_init(&c);
    cr_assert_eq(cct_config_read_file(&c, file, error), 0, "%s", *error);
    int rc = plugin ? cct_trust_plugin_settings(
                          &c, "reporter.json",
                          CCT_OPTION_TABLE(plugin_options), file, trusted,
                          error)
                    : cct_trust_project_settings(&c, file, trusted, error);
    cct_config_free(&c);
    free(file);
    return rc;
}

static int check_project(const char *text, int trusted, char **error)
{
    return check_file(text, 0, trusted, error);
}

static int check_plugin_path(const char *text, int trusted, char **error)
{
    return check_file(text, 1, trusted, error);
}

Test(trust_env, an_untrusted_project_sets_data_not_code)
{
    char *error = NULL;
    cr_expect_eq(check_project("[cctrial]\nenv = TZ=UTC\n  MODE=test\n", 0,
                               &error), 0, "%s", error);
    free(error);
    const char *const refused[] = {
        "[cctrial]\nenv = TZ=UTC\n  PYTHONSTARTUP=x.py\n",
        "[cctrial]\nenv = LD_PRELOAD=./evil.so\n",
        "[cctrial]\nenv = PATH=./bin\n",
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(refused); i++) {
        error = NULL;
        cr_expect_eq(check_project(refused[i], 0, &error), CCT_ECONFIG,
                     "%s", refused[i]);
        cr_expect_not_null(error && strstr(error, ".cctrialrc:"), "%s",
                           error);
        cr_expect_not_null(error && strstr(error, "--trust-project"), "%s",
                           error);
        free(error);
        error = NULL;
        cr_expect_eq(check_project(refused[i], 1, &error), 0,
                     "trusted: %s", error);
        free(error);
    }
}

Test(trust_env, an_untrusted_pythonpath_stays_in_the_project)
{
    char *error = NULL;
    free(make_dir("src"));
    cr_expect_eq(check_project("[cctrial]\npythonpath = src lib .\n", 0,
                               &error), 0, "%s", error);
    free(error);
    char *link = cct_path_join(dir, "src/escape");
    cr_assert_eq(symlink("/usr/lib", link), 0);
    const char *const refused[] = {
        "[cctrial]\npythonpath = ..\n",
        "[cctrial]\npythonpath = src ../x\n",
        "[cctrial]\npythonpath = /usr/lib/python3\n",
        "[cctrial]\npythonpath = ~/lib\n",
        "[cctrial]\npythonpath = src/escape\n",
        "[cctrial]\npythonpath = src/escape/not-yet\n",
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(refused); i++) {
        error = NULL;
        cr_expect_eq(check_project(refused[i], 0, &error), CCT_ECONFIG,
                     "%s", refused[i]);
        free(error);
        error = NULL;
        cr_expect_eq(check_project(refused[i], 1, &error), 0,
                     "trusted: %s", error);
        free(error);
    }
    free(link);
}

Test(trust_env, an_untrusted_plugin_path_stays_in_the_project)
{
    free(make_dir("out"));
    char *link = cct_path_join(dir, "out/escape");
    cr_assert_eq(symlink("/usr/lib", link), 0);
    const char *const allowed[] = {
        "[reporter.json]\npath = events.jsonl\n",
        "[reporter.json]\npath = out/new/dirs/events.jsonl\n",
        "[reporter.json]\npath = -\n",
        "[reporter.json]\ntitle = /etc/passwd\n", /* not a path option */
        "[reporter.summary]\npath = /etc/passwd\n", /* another section */
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(allowed); i++) {
        char *error = NULL;
        cr_expect_eq(check_plugin_path(allowed[i], 0, &error), 0, "%s: %s",
                     allowed[i], error);
        free(error);
    }
    const char *const refused[] = {
        "[reporter.json]\npath = ~/.bashrc\n",
        "[reporter.json]\npath = /tmp/events.jsonl\n",
        "[reporter.json]\npath = ../events.jsonl\n",
        /* Through a link out of the project, to a file not yet there. */
        "[reporter.json]\npath = out/escape/new/events.jsonl\n",
        /* The link's parent, as the kernel resolves "..", not the
         * project. */
        "[reporter.json]\npath = out/escape/../events.jsonl\n",
        /* Directories it would create, then up out of the project. */
        "[reporter.json]\npath = new/../../events.jsonl\n",
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(refused); i++) {
        char *error = NULL;
        cr_expect_eq(check_plugin_path(refused[i], 0, &error), CCT_ECONFIG,
                     "%s", refused[i]);
        cr_expect_not_null(error && strstr(error, ".cctrialrc:2: "), "%s",
                           error);
        cr_expect_not_null(error && strstr(error, "[reporter.json] path"),
                           "%s", error);
        cr_expect_not_null(error && strstr(error, "--trust-project"), "%s",
                           error);
        free(error);
        error = NULL;
        cr_expect_eq(check_plugin_path(refused[i], 1, &error), 0,
                     "trusted: %s", error);
        free(error);
    }
    free(link);
}

/* ---- _trial_temp-N --------------------------------------------------------- */

/* A live process other than this one holds `lock`: this test's parent. */
static void hold(const char *name)
{
    char *lock = cct_path_join(dir, name);
    char *pid = cct_xasprintf("%ld", (long)getppid());
    cr_assert_eq(symlink(pid, lock), 0);
    free(pid);
    free(lock);
}

Test(trial_temp, a_held_trial_temp_is_passed_over_as_trial_does)
{
    hold("_trial_temp.lock");
    hold("_trial_temp-1.lock");
    cct_trial_temp t;
    char *error = NULL;
    cr_assert_eq(cct_trial_temp_lock(&t, dir, "_trial_temp", &error), 0,
                 "%s", error);
    char *expected = cct_path_join(dir, "_trial_temp-2");
    cr_expect_str_eq(t.dir, expected);
    cr_expect_eq(t.passed_over, 2);
    cr_expect_eq(t.base_owner, (long)getppid());
    cct_trial_temp_release(&t);
    char *lock = cct_xasprintf("%s.lock", expected);
    cr_expect_eq(access(lock, F_OK), -1, "released");
    free(lock);
    free(expected);
}

Test(trial_temp, a_named_directory_held_is_an_error)
{
    hold("mine.lock");
    cct_trial_temp t;
    char *error = NULL;
    cr_expect_eq(cct_trial_temp_lock(&t, dir, "mine", &error), CCT_ELOCKED);
    cr_expect_not_null(error && strstr(error, "mine.lock"), "%s", error);
    free(error);
    cct_trial_temp_release(&t);
    /* Absolute, and below directories that do not exist yet. */
    char *deep = cct_path_join(dir, "a/b/_trial_temp");
    cr_assert_eq(cct_trial_temp_lock(&t, "/nonexistent", deep, &error), 0,
                 "%s", error);
    cr_expect_str_eq(t.dir, deep);
    cct_trial_temp_release(&t);
    free(deep);
}

Test(trial_temp, clearing_removes_the_tree_and_follows_no_link)
{
    cct_trial_temp t;
    char *error = NULL;
    cr_assert_eq(cct_trial_temp_lock(&t, dir, "_trial_temp", &error), 0,
                 "%s", error);
    cr_assert_eq(cct_trial_temp_clear(&t, &error), 0, "%s", error);
    /* What a run leaves: nested directories, files, an empty directory,
     * and links to a directory and a file outside, which must survive. */
    free(make_dir("_trial_temp/0/twisted.test.test_x/T/test_a/sub"));
    free(make_dir("_trial_temp/0/empty"));
    free(make_dir("outside"));
    touch("_trial_temp/0/test.log");
    touch("_trial_temp/0/twisted.test.test_x/T/test_a/sub/data");
    touch("outside/kept");
    char *outside = cct_path_join(dir, "outside");
    char *kept = cct_path_join(dir, "outside/kept");
    char *dir_link = cct_path_join(dir, "_trial_temp/0/to_dir");
    char *file_link = cct_path_join(dir, "_trial_temp/0/T_file");
    cr_assert_eq(symlink(outside, dir_link), 0);
    cr_assert_eq(symlink(kept, file_link), 0);

    char *marker = cct_path_join(dir, "_trial_temp/_trial_marker");
    struct stat dir_before, marker_before, dir_after, marker_after;
    cr_assert_eq(stat(t.dir, &dir_before), 0);
    cr_assert_eq(stat(marker, &marker_before), 0);
    cr_assert_eq(cct_trial_temp_clear(&t, &error), 0, "%s", error);
    char *zero = cct_path_join(dir, "_trial_temp/0");
    cr_expect_eq(access(zero, F_OK), -1, "the tree is gone");
    /* Never removed, so that cctrial killed while it clears leaves a
     * directory trial still takes for its own. */
    cr_assert_eq(stat(t.dir, &dir_after), 0);
    cr_assert_eq(stat(marker, &marker_after), 0);
    cr_expect_eq(dir_after.st_ino, dir_before.st_ino, "the directory stays");
    cr_expect_eq(marker_after.st_ino, marker_before.st_ino,
                 "the marker stays");
    cr_expect_eq(access(kept, F_OK), 0, "a link's target is kept");
    cct_trial_temp_release(&t);
    free(outside);
    free(kept);
    free(dir_link);
    free(file_link);
    free(zero);
    free(marker);
}
