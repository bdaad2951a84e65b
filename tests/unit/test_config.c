/*
 * Unit tests of configuration (core/config.h, core/options.h) and the
 * command line (core/cli.h): INI files written to a temporary directory,
 * the order in which sources win, validation messages that say where and
 * what, typed settings with their defaults, where the files are looked
 * for, and every flag.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "cli.h"
#include "config.h"
#include "error.h"
#include "options.h"

static char dir[64];
static cct_config config;
static char *error;

static void setup(void)
{
    strcpy(dir, "/tmp/cct-config-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cct_config_init(&config);
    error = NULL;
}

static void teardown(void)
{
    cct_config_free(&config);
    free(error);
    scratch_remove(dir);
}

TestSuite(ini, .init = setup, .fini = teardown);
TestSuite(validate, .init = setup, .fini = teardown);
TestSuite(settings, .init = setup, .fini = teardown);
TestSuite(locations, .init = setup, .fini = teardown);
TestSuite(cli, .init = setup, .fini = teardown);

/* Writes `text` to dir/name (creating parent directories) and returns
 * the path. */
static char *write_file(const char *name, const char *text)
{
    char *path = cct_path_join(dir, name);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static void assert_contains(const char *text, const char *part)
{
    cr_assert_not_null(text, "no text, expected one containing '%s'", part);
    cr_assert_not_null(strstr(text, part), "'%s' does not contain '%s'",
                       text, part);
}

/* ---- reading INI files ------------------------------------------------ */

Test(ini, reads_sections_keys_and_where_each_came_from)
{
    char *path = write_file("rc", "; a comment\n"
                                  "[cctrial]\n"
                                  "jobs = 2\n"
                                  "# another comment\n"
                                  "reporters = summary, json\n"
                                  "\n"
                                  "[reporter.json]\n"
                                  "path = out.jsonl\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "jobs", NULL), "2");
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "reporters", NULL),
                     "summary, json");
    cr_assert_str_eq(cct_config_get(&config, "reporter.json", "path", NULL),
                     "out.jsonl");
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "path", "none"),
                     "none", "keys belong to their section");
    const cct_setting *s = cct_config_find(&config, "reporter.json", "path");
    cr_assert_not_null(s);
    cr_assert_eq(s->line, 8);
    cr_assert_str_eq(s->file, path);
    char *origin = cct_xasprintf("%s:8", path);
    cr_assert_str_eq(s->origin, origin);
    free(origin);
    cr_assert_eq(config.files.len, 1);
    cr_assert_str_eq(config.files.items[0], path);
    free(path);
}

Test(ini, lines_just_under_inih_limit_are_read_whole)
{
    /* inih's buffer holds 199 characters and the newline's place. */
    char line[256];
    int n = snprintf(line, sizeof(line), "tests = ");
    while (n < 198)
        line[n++] = 'x';
    line[n] = '\0';
    char *text = cct_xasprintf("[cctrial]\n%s\njobs = 2\n", line);
    char *path = write_file("rc", text);
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    cr_assert_eq(strlen(cct_config_get(&config, "cctrial", "tests", "")),
                 198 - strlen("tests = "));
    free(text);
    free(path);
}

Test(ini, indented_lines_continue_a_value)
{
    char *path = write_file("rc", "[cctrial]\n"
                                  "ignore =\n"
                                  "    build\n"
                                  "\tdist\n"
                                  "tests = pkg.a\n"
                                  "  pkg.b\n"
                                  "jobs = 3\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    const cct_setting *s = cct_config_find(&config, "cctrial", "ignore");
    cr_assert_str_eq(s->value, "build\ndist");
    cr_assert_eq(s->line, 2, "a multi-line value is where it starts");
    s = cct_config_find(&config, "cctrial", "tests");
    cr_assert_str_eq(s->value, "pkg.a\npkg.b");
    cr_assert_eq(s->line, 5);
    s = cct_config_find(&config, "cctrial", "jobs");
    cr_assert_str_eq(s->value, "3");
    cr_assert_eq(s->line, 7);
    free(path);
}

/* An inline comment on a continuation line goes, as on the key's own
 * line (Debian's inih keeps it there). */
Test(ini, a_continuation_line_drops_its_inline_comment)
{
    char *path = write_file("rc", "[cctrial]\n"
                                  "tests = pkg.a ; first\n"
                                  "    pkg.b ; old\n"
                                  "    pkg;c\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    const cct_setting *s = cct_config_find(&config, "cctrial", "tests");
    cr_assert_str_eq(s->value, "pkg.a\npkg.b\npkg;c");
    free(path);
}

/* An indented pair after a [section] header is a new pair for inih, not a
 * continuation of the same key set earlier in the file. */
Test(ini, an_indented_pair_after_a_header_replaces)
{
    char *path = write_file("rc", "[cctrial]\n"
                                  "jobs = 2\n"
                                  "[cctrial]\n"
                                  "  jobs = 3\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    const cct_setting *s = cct_config_find(&config, "cctrial", "jobs");
    cr_assert_str_eq(s->value, "3");
    cr_assert_eq(s->line, 4);
    free(path);
}

/* Regression, once a bug in core/config.c, read_line/cct_config_read_file: Debian's inih is
 * built with INI_MAX_LINE 200 and a stack buffer, so fgets hands it a line
 * longer than 199 bytes in pieces: the rest of the line is parsed as a
 * line of its own ("rc:3: not a 'key = value' line") and the line count is
 * off from there on.  A `tests` or `ignore` list passes 200 characters
 * easily. */
Test(ini, long_lines_are_read_whole)
{
    cct_buf text, value;
    cct_buf_init(&text);
    cct_buf_init(&value);
    for (int i = 0; i < 40; i++)
        cct_buf_printf(&value, "%spkg.test_module_%02d", i ? " " : "", i);
    cct_buf_printf(&text, "[cctrial]\ntests = %s\njobs = 2\n", value.data);
    char *path = write_file("rc", text.data);
    int rc = cct_config_read_file(&config, path, &error);
    cr_assert_eq(rc, 0, "%s", error);
    cct_strv want, got;
    cct_strv_init(&want);
    cct_strv_init(&got);
    cct_strv_split_words(&want, value.data);
    cct_strv_split_words(&got, cct_config_get(&config, "cctrial", "tests",
                                              ""));
    char *w = cct_strv_join(&want, " "), *g = cct_strv_join(&got, " ");
    cr_expect_str_eq(g, w, "the words of the long list");
    const cct_setting *s = cct_config_find(&config, "cctrial", "jobs");
    cr_assert_not_null(s);
    cr_expect_eq(s->line, 3, "lines are counted as in the file");
    free(w);
    free(g);
    cct_strv_free(&want);
    cct_strv_free(&got);
    free(path);
    cct_buf_free(&text);
    cct_buf_free(&value);
}

/* Regression, once a bug in core/config.c, read_line: an indented line
 * starting with '[' continues the open value for inih, as any indented
 * line does; cctrial took it for a header and replaced the value with "["
 * (found by fuzz_config; regressions/config/indented_bracket_continues). */
Test(ini, an_indented_bracket_continues_a_value)
{
    char *path = write_file("rc", "[cctrial]\n"
                                  "tests = pkg.a\n"
                                  "  [pkg.b]\n"
                                  "jobs = 2\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "tests", ""),
                     "pkg.a\n[pkg.b]");
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "jobs", ""), "2");
    free(path);
}

/* ...but right after a header, with no value open, it is a header. */
Test(ini, an_indented_header_after_a_header_is_a_header)
{
    char *path = write_file("rc", "[reporter.json]\n"
                                  "  [cctrial]\n"
                                  "jobs = 2\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "jobs", ""), "2");
    free(path);
}

/* Regression, once a bug in core/config.c, on_pair: each continuation
 * line copied the whole value so far, and each key was looked for among
 * all the others, so that a file of 200 KB took 35 s.  A value over
 * 50000 lines and 10000 sections (900 KB) now read in a fraction of a
 * second; the bound is for the old behaviour, which took minutes. */
Test(ini, a_long_multi_line_value_reads_in_linear_time, .timeout = 120)
{
    cct_buf text;
    cct_buf_init(&text);
    cct_buf_adds(&text, "[cctrial]\ntests = pkg.t0\n");
    for (int i = 1; i < 50000; i++)
        cct_buf_printf(&text, "  pkg.t%d\n", i);
    for (int i = 0; i < 10000; i++)
        cct_buf_printf(&text, "[reporter.k%d]\nk = %d\n", i, i);
    char *path = write_file("rc", text.data);
    cr_assert_eq(cct_config_read_file(&config, path, &error), 0, "%s",
                 error);
    cct_strv got;
    cct_strv_init(&got);
    cct_strv_split_words(&got, cct_config_get(&config, "cctrial", "tests",
                                              ""));
    cr_assert_eq(got.len, 50000);
    cr_assert_str_eq(got.items[49999], "pkg.t49999");
    cr_assert_str_eq(cct_config_get(&config, "reporter.k9999", "k", ""),
                     "9999");
    cct_strv_free(&got);
    cct_buf_free(&text);
    free(path);
}

/* A line or a file past the reader's bounds is refused with a message
 * that says which and where, before it is read into memory. */
Test(ini, a_line_past_the_bound_is_an_error_at_its_line)
{
    cct_buf text;
    cct_buf_init(&text);
    cct_buf_adds(&text, "[cctrial]\njobs = 2\ntests = ");
    for (int i = 0; i < 70000; i++)
        cct_buf_addc(&text, 'x');
    cct_buf_adds(&text, "\n");
    char *path = write_file("rc", text.data);
    cr_assert_eq(cct_config_read_file(&config, path, &error), CCT_ECONFIG);
    char *where = cct_xasprintf("%s:3: ", path);
    cr_assert(cct_str_starts_with(error, where), "%s", error);
    assert_contains(error, "longer than 65536 bytes");
    free(where);
    cct_buf_free(&text);
    free(path);
}

Test(ini, a_file_past_the_bound_is_an_error)
{
    cct_buf text;
    cct_buf_init(&text);
    cct_buf_adds(&text, "[cctrial]\n");
    while (text.len <= 1024 * 1024)
        cct_buf_adds(&text, "; a comment line, of no consequence\n");
    char *path = write_file("rc", text.data);
    cr_assert_eq(cct_config_read_file(&config, path, &error), CCT_ECONFIG);
    assert_contains(error, path);
    assert_contains(error, "larger than 1048576 bytes");
    cct_buf_free(&text);
    free(path);
}

/* A file that never ends (a device, a pipe) is refused at the bound. */
Test(ini, dev_zero_is_refused)
{
    cr_assert_eq(cct_config_read_file(&config, "/dev/zero", &error),
                 CCT_ECONFIG);
    assert_contains(error, "/dev/zero:1: ");
    assert_contains(error, "longer than");
}

Test(ini, a_key_outside_any_section_is_an_error_at_its_line)
{
    char *path = write_file("rc", "\njobs = 2\n[cctrial]\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), CCT_ECONFIG);
    char *where = cct_xasprintf("%s:2: ", path);
    cr_assert(cct_str_starts_with(error, where), "%s", error);
    assert_contains(error, "'jobs'");
    assert_contains(error, "[cctrial]");
    free(where);
    free(path);
}

Test(ini, a_garbage_line_is_an_error_at_its_line)
{
    char *path = write_file("rc", "[cctrial]\njobs = 2\nthis is not ini\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), CCT_ECONFIG);
    char *where = cct_xasprintf("%s:3: ", path);
    cr_assert(cct_str_starts_with(error, where), "%s", error);
    free(where);
    free(path);
}

Test(ini, an_unclosed_section_header_is_an_error)
{
    char *path = write_file("rc", "[cctrial]\njobs = 2\n[reporter.json\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), CCT_ECONFIG);
    char *where = cct_xasprintf("%s:3: ", path);
    cr_assert(cct_str_starts_with(error, where), "%s", error);
    free(where);
    free(path);
}

Test(ini, names_must_be_lower_case)
{
    char *path = write_file("rc", "[cctrial]\nJobs = 2\n");
    cr_assert_eq(cct_config_read_file(&config, path, &error), CCT_ECONFIG);
    char *where = cct_xasprintf("%s:2: ", path);
    cr_assert(cct_str_starts_with(error, where), "%s", error);
    assert_contains(error, "Jobs");
    free(where);
    free(path);
}

Test(ini, a_missing_file_is_an_errno_error_naming_it)
{
    char *path = cct_path_join(dir, "missing");
    int rc = cct_config_read_file(&config, path, &error);
    cr_assert_eq(rc, -ENOENT);
    assert_contains(error, path);
    free(path);
}

static char **split_argv(const char *line, int *argc);
static void free_argv(char **argv);

Test(ini, later_sources_win)
{
    char *user = write_file("user/cctrialrc", "[cctrial]\n"
                                              "jobs = 2\n"
                                              "timeout = 10\n");
    char *project = write_file("project/.cctrialrc", "[cctrial]\n"
                                                     "jobs = 3\n"
                                                     "debounce = 100\n");
    cr_assert_eq(cct_config_read_file(&config, user, &error), 0);
    cr_assert_eq(cct_config_read_file(&config, project, &error), 0);
    cr_assert_str_eq(cct_config_get(&config, "cctrial", "jobs", NULL), "3");

    cct_cli cli;
    int argc;
    char **argv = split_argv("cctrial -j 4 pkg.test_a pkg.test_b", &argc);
    cr_assert_eq(cct_cli_parse(&cli, argc, argv, &error), 0, "%s", error);
    cct_cli_apply(&cli, &config);
    cct_cli_free(&cli);
    free_argv(argv);

    const cct_setting *s = cct_config_find(&config, "cctrial", "jobs");
    cr_assert_str_eq(s->value, "4");
    cr_assert_str_eq(s->origin, "command line");
    cr_assert_null(s->file);
    s = cct_config_find(&config, "cctrial", "timeout");
    char *origin = cct_xasprintf("%s:3", user);
    cr_assert_str_eq(s->origin, origin, "untouched settings keep their "
                                        "origin");
    free(origin);
    s = cct_config_find(&config, "cctrial", "debounce");
    origin = cct_xasprintf("%s:3", project);
    cr_assert_str_eq(s->origin, origin);
    free(origin);
    s = cct_config_find(&config, "cctrial", "tests");
    cr_assert_str_eq(s->value, "pkg.test_a pkg.test_b");
    cr_assert_str_eq(s->origin, "command line");
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error),
                 0, "%s", error);
    free(user);
    free(project);
}

/* ---- validation -------------------------------------------------------- */

typedef struct validate_case {
    char key[24];
    char value[32];
    /* Parts the error must contain, '|'-separated; empty: valid. */
    char expected[256];
} validate_case;

ParameterizedTestParameters(validate, core_options)
{
    static validate_case cases[] = {
        {"colour", "yes",
         "rc:4: |unknown key 'colour'|[cctrial]|valid keys: tests, jobs, "
         "python, forever, smart, watch, watch_ext, ignore, debounce, "
         "reporters, notifier, selector, plugin_path, trusted_projects, "
         "timeout, discovery_timeout, grep, verbose, worker"},
        {"jobs", "abc", "rc:4: |[cctrial] jobs|'abc' is not a whole number"},
        {"jobs", "2x", "rc:4: |jobs|'2x' is not a whole number"},
        {"jobs", "", "rc:4: |jobs|not a whole number"},
        {"jobs", "0", "rc:4: |jobs|out of range|1 to 256"},
        {"jobs", "257", "rc:4: |jobs|out of range|1 to 256"},
        {"jobs", "99999999999999999999", "rc:4: |jobs"},
        {"timeout", "-1", "rc:4: |timeout|out of range|0 to 86400"},
        {"discovery_timeout", "x", "rc:4: |discovery_timeout|not a whole"},
        {"discovery_timeout", "86401", "rc:4: |discovery_timeout|0 to 86400"},
        {"debounce", "60001", "rc:4: |debounce|0 to 60000"},
        {"verbose", "4", "rc:4: |verbose|0 to 3"},
        {"forever", "maybe", "rc:4: |forever|'maybe' is not a boolean"},
        {"smart", "2", "rc:4: |smart|not a boolean"},
        {"worker", "turbo", "rc:4: |worker|'turbo' is not one of: fast, "
                            "stock"},
        {"worker", "fas", "rc:4: |worker|not one of"},
        {"jobs", "256", ""},
        {"jobs", "1", ""},
        {"jobs", "auto", ""},
        {"jobs", "Auto", "rc:4: |jobs|'Auto' is not a whole number, nor one "
                         "of: auto"},
        {"timeout", "0", ""},
        {"forever", "Yes", ""},
        {"forever", "off", ""},
        {"smart", "1", ""},
        {"smart", "FALSE", ""},
        {"worker", "fast", ""},
        {"worker", "stock", ""},
        {"reporters", "summary json", ""},
        {"python", "/usr/bin/python3", ""},
        /* trial's options */
        {"reactor", "asyncio", ""},
        {"force_gc", "true", ""},
        {"disablegc", "yes", ""},
        {"disablegc", "sometimes", "rc:4: |disablegc|not a boolean"},
        {"recursionlimit", "4321", ""},
        {"recursionlimit", "0", ""},
        {"recursionlimit", "-1", "rc:4: |recursionlimit|out of range"},
        {"recursionlimit", "many", "rc:4: |recursionlimit|not a whole"},
        {"without_module", "a.b, c", ""},
        {"coverage", "on", ""},
        {"logfile", "run.log", ""},
        {"unclean_warnings", "1", ""},
        {"tbformat", "emacs", ""},
        {"tbformat", "cgitb", ""},
        {"tbformat", "verbose", ""},
        {"tbformat", "brief", ""},
        {"tbformat", "fancy", "rc:4: |tbformat|'fancy' is not one of: "
                              "plain, emacs, cgitb, default, brief, "
                              "verbose"},
        /* The watcher's backends are this build's: inotify on Linux. */
        {"watcher", "libuv", ""},
        {"watcher", "inotify", ""},
        {"watcher", "kqueue", "rc:4: |watcher|'kqueue' is not one of: "
                              "inotify, libuv"},
    };
    return cr_make_param_array(validate_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(validate_case *c, validate, core_options)
{
    cct_config_set(&config, CCT_CORE_SECTION, c->key, c->value, NULL, "rc",
                   4);
    /* Settings of other sections are not this table's business. */
    cct_config_set(&config, "reporter.json", "anything", "x", NULL, "rc", 9);
    int rc = cct_config_validate(&config, CCT_CORE_SECTION, cct_core_options,
                                 &error);
    if (!*c->expected) {
        cr_assert_eq(rc, 0, "%s = %s: %s", c->key, c->value, error);
        cr_assert_null(error);
        return;
    }
    cr_assert_eq(rc, CCT_ECONFIG, "%s = %s should be refused", c->key,
                 c->value);
    char *parts = cct_xstrdup(c->expected), *save = NULL;
    for (char *p = strtok_r(parts, "|", &save); p;
         p = strtok_r(NULL, "|", &save))
        assert_contains(error, p);
    cr_assert(cct_str_starts_with(error, "rc:4: "), "%s", error);
    free(parts);
}

Test(validate, a_plugin_section_is_checked_against_its_own_table)
{
    static const cct_option options[] = {
        {"path", CCT_OPT_PATH, "out.jsonl", "Where.", NULL, 0, 0},
        {"style", CCT_OPT_CHOICE, "auto", "How.", "auto|always|never", 0, 0},
        {NULL, 0, NULL, NULL, NULL, 0, 0},
    };
    cct_config_set(&config, "reporter.json", "style", "sometimes", NULL,
                   "proj/.cctrialrc", 12);
    cr_assert_eq(cct_config_validate(&config, "reporter.json",
                                     CCT_OPTION_TABLE(options),
                                     &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "proj/.cctrialrc:12: [reporter.json] style: "
                            "'sometimes' is not one of: auto, always, "
                            "never");
    free(error);
    error = NULL;
    cct_config_set(&config, "reporter.json", "style", "never", NULL,
                   "proj/.cctrialrc", 12);
    cct_config_set(&config, "reporter.json", "colour", "1", NULL,
                   "proj/.cctrialrc", 13);
    cr_assert_eq(cct_config_validate(&config, "reporter.json",
                                     CCT_OPTION_TABLE(options),
                                     &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "proj/.cctrialrc:13: unknown key 'colour' in "
                            "[reporter.json]; valid keys: path, style");
}

Test(validate, a_section_without_options_accepts_no_key)
{
    cct_config_set(&config, "notifier.quiet", "x", "1", "command line",
                   NULL, 0);
    cr_assert_eq(cct_config_validate(&config, "notifier.quiet",
                                     CCT_NO_OPTIONS,
                                     &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "command line: unknown key 'x' in "
                            "[notifier.quiet]; valid keys: (none)");
}

Test(validate, a_bad_flag_is_reported_as_from_the_command_line)
{
    cct_cli cli;
    int argc;
    char **argv = split_argv("cctrial -j lots", &argc);
    cr_assert_eq(cct_cli_parse(&cli, argc, argv, &error), 0);
    cct_cli_apply(&cli, &config);
    cct_cli_free(&cli);
    free_argv(argv);
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "command line: [cctrial] jobs: 'lots' is not a "
                            "whole number, nor one of: auto");
}

Test(validate, option_values_fall_back_to_defaults)
{
    cct_config_set(&config, CCT_CORE_SECTION, "jobs", "8", NULL, "rc", 1);
    cr_assert_str_eq(cct_config_value(&config, CCT_CORE_SECTION,
                                      cct_core_options, "jobs"),
                     "8");
    cr_assert_str_eq(cct_config_value(&config, CCT_CORE_SECTION,
                                      cct_core_options, "timeout"),
                     "300");
    cr_assert_null(cct_config_value(&config, CCT_CORE_SECTION,
                                     cct_core_options, "grep"));
    cr_assert_null(cct_config_value(&config, CCT_CORE_SECTION,
                                    cct_core_options, "nonsense"));
}

Test(validate, print_config_shows_values_and_origins)
{
    cct_config_set(&config, CCT_CORE_SECTION, "jobs", "4", NULL, "rc", 2);
    cct_config_set(&config, CCT_CORE_SECTION, "ignore", "build\ndist", NULL,
                   "rc", 5);
    cct_config_set(&config, CCT_CORE_SECTION, "forever", "true",
                   "command line", NULL, 0);
    cct_buf out;
    cct_buf_init(&out);
    cct_config_print_section(&config, CCT_CORE_SECTION, cct_core_options,
                             &out);
    cr_assert(cct_str_starts_with(out.data, "[cctrial]\n"));
    assert_contains(out.data, "\njobs = 4 ; rc:2\n");
    assert_contains(out.data, "\nignore = build dist ; rc:5\n");
    assert_contains(out.data, "\nforever = true ; command line\n");
    assert_contains(out.data, "\ntimeout = 300 ; default\n");
    assert_contains(out.data, "\ngrep =  ; unset\n");
    for (const cct_option *o = cct_option_first(cct_core_options); o;
         o = cct_option_next(cct_core_options, o)) {
        char *line = cct_xasprintf("\n%s = ", o->key);
        assert_contains(out.data, line);
        free(line);
    }
    cct_buf_free(&out);
}

/* ---- typed settings ----------------------------------------------------- */

static char *joined(const cct_strv *v)
{
    return cct_strv_join(v, "|");
}

static void assert_list(const cct_strv *v, const char *expected)
{
    char *got = joined(v);
    cr_assert_str_eq(got, expected);
    free(got);
}

Test(settings, defaults)
{
    cct_settings s;
    cct_settings_load(&s, &config);
    cr_assert(s.jobs_auto);
    cr_assert_eq(s.jobs, cct_cpu_count());
    cr_assert_eq(s.timeout_s, 300);
    cr_assert_eq(s.debounce_ms, 50);
    cr_assert_eq(s.verbose, 0);
    cr_assert_eq(s.forever, 0);
    cr_assert_eq(s.smart, 0);
    cr_assert_eq(s.fast_worker, 1);
    cr_assert_null(s.python);
    cr_assert_null(s.grep);
    cr_assert_str_eq(s.notifier, "auto");
    cr_assert_str_eq(s.selector, "all");
    assert_list(&s.reporters, "summary|oneline");
    assert_list(&s.watch, "auto");
    assert_list(&s.watch_ext, ".py");
    assert_list(&s.tests, "");
    assert_list(&s.plugin_path, "");
    size_t n = 0;
    while (cct_default_ignores[n])
        n++;
    cr_assert_eq(s.ignore.len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(s.ignore.items[i], cct_default_ignores[i]);
    cct_settings_free(&s);
}

Test(settings, typed_values)
{
    static const char *const pairs[][2] = {
        {"jobs", "4"},
        {"timeout", "0"},
        {"debounce", "250"},
        {"verbose", "2"},
        {"smart", "yes"},
        {"worker", "fast"},
        {"python", "/opt/py/bin/python3"},
        {"grep", "test_login"},
        {"notifier", "none"},
        {"selector", "smart-import"},
        {"reporters", "summary, json"},
        {"watch", "src\nlib"},
        {"watch_ext", ".py .pyx"},
        {"ignore", "build, *.log"},
        {"tests", "pkg.test_a pkg.test_b"},
        {"plugin_path", "~/plugins"},
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(pairs); i++)
        cct_config_set(&config, CCT_CORE_SECTION, pairs[i][0], pairs[i][1],
                       NULL, "rc", (int)i + 2);
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error),
                 0, "%s", error);
    cct_settings s;
    cct_settings_load(&s, &config);
    cr_assert_eq(s.jobs, 4);
    cr_assert_eq(s.timeout_s, 0);
    cr_assert_eq(s.debounce_ms, 250);
    cr_assert_eq(s.verbose, 2);
    cr_assert_eq(s.smart, 1);
    cr_assert_eq(s.forever, 1, "smart mode implies forever");
    cr_assert_eq(s.fast_worker, 1);
    cr_assert_str_eq(s.python, "/opt/py/bin/python3");
    cr_assert_str_eq(s.grep, "test_login");
    cr_assert_str_eq(s.notifier, "none");
    cr_assert_str_eq(s.selector, "smart-import");
    assert_list(&s.reporters, "summary|json");
    assert_list(&s.watch, "src|lib");
    assert_list(&s.watch_ext, ".py|.pyx");
    assert_list(&s.tests, "pkg.test_a|pkg.test_b");
    assert_list(&s.plugin_path, "~/plugins");
    /* The user's globs come after the built-in ones, which stay. */
    cr_assert_str_eq(s.ignore.items[s.ignore.len - 2], "build");
    cr_assert_str_eq(s.ignore.items[s.ignore.len - 1], "*.log");
    cr_assert(cct_strv_contains(&s.ignore, ".git"));
    cr_assert(cct_strv_contains(&s.ignore, "__pycache__"));
    cct_settings_free(&s);
}

Test(settings, the_python_path_expands_the_home_directory)
{
    setenv("HOME", "/home/someone", 1);
    cct_config_set(&config, CCT_CORE_SECTION, "python", "~/venv/bin/python",
                   NULL, "rc", 2);
    cct_settings s;
    cct_settings_load(&s, &config);
    cr_assert_str_eq(s.python, "/home/someone/venv/bin/python");
    cct_settings_free(&s);
    cct_config_set(&config, CCT_CORE_SECTION, "python", "/a/~/python", NULL,
                   "rc", 2);
    cct_settings_load(&s, &config);
    cr_assert_str_eq(s.python, "/a/~/python", "only a leading ~/ expands");
    cct_settings_free(&s);
}

Test(settings, booleans_in_every_spelling)
{
    static const char *const yes[] = {"true", "True", "YES", "on", "1"};
    static const char *const no[] = {"false", "No", "OFF", "0"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(yes); i++)
        cr_assert_eq(cct_parse_bool(yes[i]), 1, "%s", yes[i]);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(no); i++)
        cr_assert_eq(cct_parse_bool(no[i]), 0, "%s", no[i]);
}

/* ---- where the files are ------------------------------------------------ */

Test(locations, the_nearest_project_file_upward)
{
    char *top = write_file("a/.cctrialrc", "[cctrial]\n");
    char *deep = cct_path_join(dir, "a/b/c");
    char *mid = cct_path_join(dir, "a/b");
    mkdir(mid, 0755);
    mkdir(deep, 0755);
    char *found = cct_config_project_file(deep);
    cr_assert_str_eq(found, top);
    free(found);

    char *nearer = write_file("a/b/.cctrialrc", "[cctrial]\n");
    found = cct_config_project_file(deep);
    cr_assert_str_eq(found, nearer);
    free(found);
    found = cct_config_project_file(mid);
    cr_assert_str_eq(found, nearer, "the directory itself counts");
    free(found);
    free(top);
    free(nearer);
    free(deep);
    free(mid);
}

Test(locations, no_project_file_below_the_temporary_directory)
{
    char *empty = cct_path_join(dir, "x/y");
    char *x = cct_path_join(dir, "x");
    mkdir(x, 0755);
    mkdir(empty, 0755);
    char *found = cct_config_project_file(empty);
    /* A .cctrialrc may exist above /tmp on this machine; none is ours. */
    if (found)
        cr_assert_not(cct_str_starts_with(found, dir), "found %s", found);
    free(found);
    free(empty);
    free(x);
}

/* A directory another user owns above the project holds nothing of the
 * project's: a shared /tmp/x, /home. */
Test(locations, the_search_stops_at_a_change_of_owner)
{
    char *top = write_file("a/.cctrialrc", "[cctrial]\n");
    char *a = cct_path_join(dir, "a");
    char *deep = cct_path_join(dir, "a/b");
    mkdir(deep, 0755);
    uid_t other = geteuid() == 65534 ? 65533 : 65534;
    if (chown(a, other, (gid_t)-1) != 0)
        cr_skip_test("cannot give %s to another user (not root)", a);
    char *found = cct_config_project_file(deep);
    cr_assert_null(found, "found %s across a change of owner", found);
    cr_assert_eq(chown(a, geteuid(), (gid_t)-1), 0);
    found = cct_config_project_file(deep);
    cr_assert_str_eq(found, top);
    free(found);
    free(top);
    free(a);
    free(deep);
}

/* Nor does the parent of $HOME, where other users' homes are. */
Test(locations, the_search_stops_at_the_parent_of_home)
{
    char *top = write_file("home/.cctrialrc", "[cctrial]\n");
    char *home = cct_path_join(dir, "home/me");
    char *project = cct_path_join(dir, "home/me/project");
    mkdir(home, 0755);
    mkdir(project, 0755);
    char *saved = getenv("HOME") ? cct_xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    char *found = cct_config_project_file(project);
    cr_expect_null(found, "found %s in the parent of $HOME", found);
    free(found);
    char *mine = write_file("home/me/.cctrialrc", "[cctrial]\n");
    found = cct_config_project_file(project);
    cr_expect_str_eq(found, mine, "$HOME itself is searched");
    free(found);
    if (saved)
        setenv("HOME", saved, 1);
    free(saved);
    free(mine);
    free(top);
    free(home);
    free(project);
}

Test(locations, the_user_file_follows_xdg_config_home_then_home)
{
    char *xdg = cct_path_join(dir, "xdg");
    char *home = cct_path_join(dir, "home");
    mkdir(xdg, 0755);
    mkdir(home, 0755);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv("HOME", home, 1);
    char *found = cct_config_user_file();
    cr_assert_null(found, "no file yet: %s", found);

    char *in_home = write_file("home/.config/cctrial/cctrialrc", "");
    found = cct_config_user_file();
    cr_assert_null(found, "XDG_CONFIG_HOME is set, so HOME is not used");
    unsetenv("XDG_CONFIG_HOME");
    found = cct_config_user_file();
    cr_assert_str_eq(found, in_home);
    free(found);
    setenv("XDG_CONFIG_HOME", "", 1);
    found = cct_config_user_file();
    cr_assert_str_eq(found, in_home, "an empty XDG_CONFIG_HOME is unset");
    free(found);

    char *in_xdg = write_file("xdg/cctrial/cctrialrc", "");
    setenv("XDG_CONFIG_HOME", xdg, 1);
    found = cct_config_user_file();
    cr_assert_str_eq(found, in_xdg);
    free(found);

    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    cr_assert_null(cct_config_user_file());
    free(in_home);
    free(in_xdg);
    free(xdg);
    free(home);
}

/* ---- the command line ---------------------------------------------------- */

/* argv from a line split on spaces, as a shell would for these cases;
 * the strings are copies, since getopt permutes argv. */
static char **split_argv(const char *line, int *argc)
{
    cct_strv words;
    cct_strv_init(&words);
    char *copy = cct_xstrdup(line), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w;
         w = strtok_r(NULL, " ", &save))
        cct_strv_add(&words, w);
    free(copy);
    *argc = (int)words.len;
    return words.items; /* NULL-terminated, owned by the caller */
}

static void free_argv(char **argv)
{
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

static const char *const command_names[] = {
    "run", "help", "version", "list_plugins", "print_config",
    "list_selected", "install_hook", "help_reporters"};

/* Everything a parse produced, as one line. */
static char *cli_text(const cct_cli *cli)
{
    cct_buf b;
    cct_buf_init(&b);
    cct_buf_printf(&b, "%s", command_names[cli->command]);
    if (cli->once)
        cct_buf_adds(&b, " once");
    if (cli->hook)
        cct_buf_adds(&b, " hook");
    if (cli->force)
        cct_buf_adds(&b, " force");
    if (cli->no_config)
        cct_buf_adds(&b, " no_config");
    if (cli->since)
        cct_buf_printf(&b, " since=%s", cli->since);
    if (cli->config_file)
        cct_buf_printf(&b, " config=%s", cli->config_file);
    for (size_t i = 0; i < cli->flags.n; i++) {
        const cct_setting *s = &cli->flags.items[i];
        if (strcmp(s->section, CCT_CORE_SECTION) == 0)
            cct_buf_printf(&b, " %s=%s", s->key, s->value);
    }
    for (size_t i = 0; i < cli->names.len; i++)
        cct_buf_printf(&b, " [%s]", cli->names.items[i]);
    return cct_buf_steal(&b);
}

typedef struct cli_case {
    char line[128];
    char expected[128];
} cli_case;

ParameterizedTestParameters(cli, parses)
{
    static cli_case cases[] = {
        {"cctrial", "run"},
        {"cctrial pkg", "run [pkg]"},
        {"cctrial -j 2", "run jobs=2"},
        {"cctrial -j2", "run jobs=2"},
        {"cctrial --jobs=3", "run jobs=3"},
        {"cctrial --jobs 3", "run jobs=3"},
        {"cctrial -f", "run forever=true"},
        {"cctrial --forever", "run forever=true"},
        {"cctrial -g login", "run grep=login"},
        {"cctrial -v", "run verbose=1"},
        {"cctrial -v -v", "run verbose=2"},
        {"cctrial -vvvvv", "run verbose=3"},
        {"cctrial -s", "run smart=true"},
        {"cctrial -c", "run watch=cwd"},
        {"cctrial -H", "run hook"},
        {"cctrial -fsc", "run forever=true smart=true watch=cwd"},
        {"cctrial --once pkg.test_a", "run once [pkg.test_a]"},
        {"cctrial --config my.ini", "run config=my.ini"},
        {"cctrial --no-config", "run no_config"},
        {"cctrial --print-config", "print_config"},
        {"cctrial --list-selected", "list_selected"},
        {"cctrial --list-plugins", "list_plugins"},
        {"cctrial -h", "help"},
        {"cctrial --help", "help"},
        {"cctrial -V", "version"},
        {"cctrial -H --since HEAD~3", "run hook since=HEAD~3"},
        {"cctrial pkg.test_a -j 3 pkg.test_b -v",
         "run jobs=3 verbose=1 [pkg.test_a] [pkg.test_b]"},
        {"cctrial pkg -- -dash", "run [pkg] [-dash]"},
        {"cctrial --python /usr/bin/python3 --reporters summary,json "
         "--notifier none --selector smart-import --timeout 10 "
         "--worker fast",
         "run python=/usr/bin/python3 reporters=summary,json notifier=none "
         "selector=smart-import timeout=10 worker=fast"},
        {"cctrial -j 2 -j 5", "run jobs=5"},
        /* trial's options, as trial spells them, with its short forms */
        {"cctrial -r asyncio --force-gc --disablegc --recursionlimit 4321",
         "run reactor=asyncio force_gc=true disablegc=true "
         "recursionlimit=4321"},
        {"cctrial --reactor=epoll --without-module=a.b,c --coverage",
         "run reactor=epoll without_module=a.b,c coverage=true"},
        {"cctrial -l run.log --unclean-warnings --tbformat=emacs pkg",
         "run logfile=run.log unclean_warnings=true tbformat=emacs [pkg]"},
        {"cctrial --logfile /tmp/x.log", "run logfile=/tmp/x.log"},
        {"cctrial --help-reporters", "help_reporters"},
        {"cctrial install-hook", "install_hook"},
        {"cctrial install-hook --force", "install_hook force"},
        {"cctrial install-hook pkg.test_a --force",
         "install_hook force [pkg.test_a]"},
        {"cctrial --temp-directory ../tmp", "run temp_directory=../tmp"},
    };
    return cr_make_param_array(cli_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(cli_case *c, cli, parses)
{
    cct_cli cli;
    int argc;
    char **argv = split_argv(c->line, &argc);
    int rc = cct_cli_parse(&cli, argc, argv, &error);
    cr_assert_eq(rc, 0, "'%s': %s", c->line, error);
    char *got = cli_text(&cli);
    cr_assert_str_eq(got, c->expected, "'%s'", c->line);
    free(got);
    cct_cli_free(&cli);
    free_argv(argv);
}

ParameterizedTestParameters(cli, refuses)
{
    static cli_case cases[] = {
        {"cctrial --bogus", "unknown option --bogus"},
        {"cctrial pkg --bogus=1", "unknown option --bogus=1"},
        {"cctrial -Q", "unknown option -Q"},
        {"cctrial -j", "option -j needs a value"},
        {"cctrial pkg -g", "option -g needs a value"},
        {"cctrial --print-config --list-selected", "cannot be combined"},
        {"cctrial --list-plugins --print-config", "cannot be combined"},
        {"cctrial --force", "--force is an option of install-hook"},
        /* trial's --reporter is not an abbreviation of --reporters */
        {"cctrial --reporter=verbose", "--reporter is trial's option"},
        {"cctrial --reporter verbose", "choose them with --reporters"},
        {"cctrial --reporter", "--reporter is trial's option"},
        /* what trial -j refuses, refused with its name */
        {"cctrial --debug", "--debug cannot work with worker processes"},
        {"cctrial -b pkg", "--debug cannot work with worker processes"},
        {"cctrial -B", "--debug-stacktraces cannot work with worker"},
        {"cctrial --profile", "--profile cannot work with worker"},
        {"cctrial --nopm", "--nopm goes with --debug"},
        {"cctrial --debugger=ipdb", "--debugger goes with --debug"},
        /* long options are taken whole */
        {"cctrial --jo 2", "unknown option --jo (long options are not "
                           "abbreviated: --jobs?)"},
        {"cctrial --reac=asyncio", "unknown option --reac "},
        {"cctrial --rea", "unknown option --rea "},
        {"cctrial --forev", "unknown option --forev "},
        {"cctrial --help-rep", "not abbreviated: --help-reporters?"},
        {"cctrial --reporte x", "unknown option --reporte"},
        {"cctrial --tbformat", "option --tbformat needs a value"},
        {"cctrial --help-reporters --list-plugins", "cannot be combined"},
        {"cctrial --once -c", "-c (--cwd) chooses what to watch, and --once "
                              "watches nothing"},
        {"cctrial -H --cwd", "-c (--cwd) chooses what to watch, and -H"},
        {"cctrial --list-selected -c", "and --list-selected watches"},
    };
    return cr_make_param_array(cli_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(cli_case *c, cli, refuses)
{
    cct_cli cli;
    int argc;
    char **argv = split_argv(c->line, &argc);
    int rc = cct_cli_parse(&cli, argc, argv, &error);
    cr_assert_eq(rc, CCT_EUSAGE, "'%s' should be refused", c->line);
    assert_contains(error, c->expected);
    cct_cli_free(&cli);
    free_argv(argv);
}

/* Regression, once a bug in core/cli.c, cct_cli_parse: a long option that needs a value and is
 * given none (--config, --python, --timeout, --since...) gives "unknown
 * option -" followed by a control character: getopt_long sets optopt to
 * the option's value (>= 256 for options without a short form), which the
 * '?' branch prints with %c. */
Test(cli, a_long_option_without_its_value_says_so)
{
    static const char *const lines[] = {"cctrial --config", "cctrial --python",
                                        "cctrial --timeout", "cctrial --since"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(lines); i++) {
        cct_cli cli;
        int argc;
        char **argv = split_argv(lines[i], &argc);
        cr_expect_eq(cct_cli_parse(&cli, argc, argv, &error), CCT_EUSAGE);
        cr_expect(error && strstr(error, "needs a value"), "'%s' gave '%s'",
                  lines[i], error);
        free(error);
        error = NULL;
        cct_cli_free(&cli);
        free_argv(argv);
    }
}

Test(cli, parsing_again_in_one_process_starts_afresh)
{
    static const char *const lines[][2] = {
        {"cctrial -j 2 pkg.a", "run jobs=2 [pkg.a]"},
        {"cctrial --once pkg.b", "run once [pkg.b]"},
        {"cctrial -v pkg.c -f", "run forever=true verbose=1 [pkg.c]"},
        {"cctrial --bogus pkg.d", NULL}, /* an error half-way */
        {"cctrial pkg.e -s", "run smart=true [pkg.e]"},
        {"cctrial", "run"},
        {"cctrial install-hook --force", "install_hook force"},
        {"cctrial -H", "run hook"},
    };
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < CCT_ARRAY_SIZE(lines); i++) {
            cct_cli cli;
            int argc;
            char **argv = split_argv(lines[i][0], &argc);
            int rc = cct_cli_parse(&cli, argc, argv, &error);
            if (lines[i][1]) {
                cr_assert_eq(rc, 0, "'%s': %s", lines[i][0], error);
                char *got = cli_text(&cli);
                cr_assert_str_eq(got, lines[i][1], "'%s'", lines[i][0]);
                free(got);
            } else {
                cr_assert_eq(rc, CCT_EUSAGE);
                free(error);
                error = NULL;
            }
            cct_cli_free(&cli);
            free_argv(argv);
        }
    }
}

Test(cli, help_text_names_every_flag)
{
    static const char *const flags[] = {
        "--jobs", "--forever", "--grep", "--smart", "--cwd", "--hook",
        "--once", "--since", "--list-selected", "--verbose", "--config",
        "--no-config", "--print-config", "--python", "--reporters",
        "--notifier", "--selector", "--timeout", "--worker",
        "--list-plugins", "--help", "--version", "install-hook",
        "--temp-directory"};
    const char *help = cct_cli_help();
    for (size_t i = 0; i < CCT_ARRAY_SIZE(flags); i++)
        assert_contains(help, flags[i]);
}

/* ---- trial's options that shape a run ------------------------------------ */

static void apply_argv(const char *line)
{
    cct_cli cli;
    int argc;
    char **argv = split_argv(line, &argc);
    cr_assert_eq(cct_cli_parse(&cli, argc, argv, &error), 0, "%s", error);
    cct_cli_apply(&cli, &config);
    cct_cli_free(&cli);
    free_argv(argv);
}

static const char *core(const char *key)
{
    return cct_config_value(&config, CCT_CORE_SECTION, cct_core_options,
                            key);
}

Test(cli, trials_run_options_become_settings)
{
    apply_argv("cctrial -x -u -z 7 --testmodule a.py --testmodule=b.py "
               "-e pkg");
    cr_assert_str_eq(core("exitfirst"), "true");
    cr_assert_str_eq(core("until_failure"), "true");
    cr_assert_str_eq(core("random"), "7");
    cr_assert_str_eq(core("testmodule"), "a.py b.py",
                     "each --testmodule adds a file");
    cr_assert_str_eq(cct_config_get(&config, "reporter.oneline", "rterrors",
                                    NULL), "true",
                     "-e is the oneline reporter's rterrors");
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error), 0, "%s",
                 error);
    cr_assert_eq(cct_settings_check(&config, &error), 0, "%s", error);
}

Test(cli, trials_long_run_options)
{
    apply_argv("cctrial --exitfirst --until-failure --order=toptobottom "
               "--rterrors pkg");
    cr_assert_str_eq(core("exitfirst"), "true");
    cr_assert_str_eq(core("until_failure"), "true");
    cr_assert_str_eq(core("order"), "toptobottom");
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error), 0, "%s",
                 error);
    cct_config_free(&config);
    cct_config_init(&config);
    apply_argv("cctrial -o bottomtotop pkg");
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "command line: [cctrial] order: 'bottomtotop' "
                            "is not one of: alphabetical, toptobottom");
}

Test(cli, random_and_order_exclude_each_other)
{
    /* As trial refuses "--random with --order". */
    char *rc = write_file("project/.cctrialrc", "[cctrial]\n"
                                                "order = alphabetical\n");
    cr_assert_eq(cct_config_read_file(&config, rc, &error), 0);
    apply_argv("cctrial -z 3 pkg");
    cr_assert_eq(cct_settings_check(&config, &error), CCT_ECONFIG);
    char *expected = cct_xasprintf("random (command line) and order (%s:2) "
                                   "cannot be used together: -z orders the "
                                   "tests itself", rc);
    cr_assert_str_eq(error, expected);
    free(expected);
    free(rc);
}

Test(cli, rterrors_needs_the_oneline_reporter)
{
    apply_argv("cctrial -e --reporters=summary pkg");
    cr_assert_eq(cct_settings_check(&config, &error), CCT_ECONFIG);
    cr_assert_str_eq(error, "-e/--rterrors prints through the oneline "
                            "reporter, which reporters does not list");
}

Test(cli, help_text_names_trials_run_options)
{
    static const char *const flags[] = {
        "-x, --exitfirst", "-u, --until-failure", "-z, --random",
        "-o, --order", "-e, --rterrors", "--testmodule"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(flags); i++)
        assert_contains(cct_cli_help(), flags[i]);
}

Test(validate, an_empty_value_leaves_a_key_without_default_unset)
{
    /* As the example configuration writes them: `random =`, `order =`. */
    cct_config_set(&config, CCT_CORE_SECTION, "random", "", NULL, "rc", 1);
    cct_config_set(&config, CCT_CORE_SECTION, "order", "", NULL, "rc", 2);
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error), 0, "%s",
                 error);
    cr_assert_eq(cct_settings_check(&config, &error), 0, "%s", error);
    cct_settings s;
    cct_settings_load(&s, &config);
    cr_assert_eq(s.random, -1);
    cr_assert_null(s.order);
    cct_settings_free(&s);
    /* A key with a default needs a value. */
    cct_config_set(&config, CCT_CORE_SECTION, "timeout", "", NULL, "rc", 3);
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error),
                 CCT_ECONFIG);
}

Test(cli, jobs_takes_a_number_or_auto)
{
    apply_argv("cctrial -j1 pkg");
    cct_settings s;
    cct_settings_load(&s, &config);
    cr_assert(!s.jobs_auto);
    cr_assert_eq(s.jobs, 1);
    cct_settings_free(&s);
    apply_argv("cctrial --jobs=auto pkg");
    cr_assert_eq(cct_config_validate(&config, CCT_CORE_SECTION,
                                     cct_core_options, &error), 0, "%s",
                 error);
    cct_settings_load(&s, &config);
    cr_assert(s.jobs_auto);
    cr_assert_eq(s.jobs, cct_cpu_count());
    cr_assert_geq(s.jobs, 1);
    cct_settings_free(&s);
}

/* --shard and `cctrial history` (issue 20). */
Test(cli, shard_becomes_the_settings_part_and_parts)
{
    apply_argv("cctrial --once --shard=2/4 pkg");
    cr_assert_str_eq(core("shard"), "2/4");
    cr_assert_eq(cct_settings_check(&config, &error), 0, "%s", error);
    cct_settings s;
    cct_settings_load(&s, &config);
    cr_assert_eq(s.shard_part, 2);
    cr_assert_eq(s.shard_parts, 4);
    cr_assert_eq(s.history, 1, "the history is on by default");
    cr_assert_eq(s.history_runs, 200);
    cct_settings_free(&s);
}

Test(cli, a_bad_shard_is_refused_naming_its_origin)
{
    apply_argv("cctrial --once --shard=5/4 pkg");
    cr_assert_eq(cct_settings_check(&config, &error), CCT_ECONFIG);
    cr_assert_str_eq(error, "command line: shard '5/4': the part must be 1 "
                            "to 4");
}

Test(cli, history_takes_json_and_a_limit)
{
    cct_cli cli;
    int argc;
    char **argv = split_argv("cctrial history --json --limit=3", &argc);
    cr_assert_eq(cct_cli_parse(&cli, argc, argv, &error), 0, "%s", error);
    cr_assert_eq(cli.command, CCT_CMD_HISTORY);
    cr_assert_eq(cli.json, 1);
    cr_assert_eq(cli.limit, 3);
    cct_cli_free(&cli);
    free_argv(argv);
}

Test(cli, shard_and_history_flags_out_of_place_are_refused)
{
    static const char *const cases[][2] = {
        {"cctrial --shard=1/2 pkg", "--shard splits one run's tests between "
                                    "machines: use it with --once"},
        {"cctrial --once --json pkg", "--json is an option of cctrial "
                                      "history"},
        {"cctrial --limit=3", "--limit is an option of cctrial history"},
        {"cctrial history --limit=0", "--limit '0': a number of rows"},
        {"cctrial history --limit=x", "--limit 'x': a number of rows"},
        {"cctrial history pkg", "cctrial history takes no test name"},
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(cases); i++) {
        cct_cli cli;
        int argc;
        char **argv = split_argv(cases[i][0], &argc);
        cr_expect_eq(cct_cli_parse(&cli, argc, argv, &error), CCT_EUSAGE,
                     "'%s' should be refused", cases[i][0]);
        cr_expect(error && strstr(error, cases[i][1]), "'%s' gave '%s'",
                  cases[i][0], error);
        free(error);
        error = NULL;
        cct_cli_free(&cli);
        free_argv(argv);
    }
}
