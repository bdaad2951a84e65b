/*
 * Unit tests of the watcher's pure rules (core/watcher.h): which names the
 * built-in ignores and the user's globs leave out, and which files count as
 * changes, with the settings cctrial loads by default.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "config.h"
#include "options.h"
#include "watcher.h"

static cct_config config;
static cct_settings settings;

/* The settings a user gets with `ignore = build, *.log` and the default
 * watch_ext (".py"). */
static void setup(void)
{
    cct_config_init(&config);
    cct_config_set(&config, CCT_CORE_SECTION, "ignore", "build, *.log",
                   NULL, "rc", 1);
    cct_settings_load(&settings, &config);
}

static void teardown(void)
{
    cct_settings_free(&settings);
    cct_config_free(&config);
}

TestSuite(watcher_rules, .init = setup, .fini = teardown);

typedef struct name_case {
    char name[32];
    int ignored;
    int counts;
} name_case;

ParameterizedTestParameters(watcher_rules, names)
{
    static name_case cases[] = {
        /* Built-in ignores: VCS, caches, trial's and cctrial's own. */
        {".git", 1, 0},
        {".hg", 1, 0},
        {"__pycache__", 1, 0},
        {"_trial_temp", 1, 0},
        {"_trial_temp-1", 1, 0},
        {"_trial_temp.lock", 1, 0},
        {".cctrial", 1, 0},
        {"x.pyc", 1, 0},
        /* Editors' swap, backup and lock files. */
        {".foo.py.swp", 1, 0},
        {".foo.py.swo", 1, 0},
        {"foo.py~", 1, 0},
        {"#foo.py#", 1, 0},
        {".#foo.py", 1, 0},
        {"4913", 1, 0},
        /* The user's globs. */
        {"build", 1, 0},
        {"run.log", 1, 0},
        /* What counts. */
        {"foo.py", 0, 1},
        {"__init__.py", 0, 1},
        {"test_trial_temp.py", 0, 1},
        {".github", 0, 0},
        {".gitignore", 0, 0},
        {"foo.pyx", 0, 0},
        {"foo.txt", 0, 0},
        {"building.py", 0, 1},
        {"py", 0, 0},
    };
    return cr_make_param_array(name_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(name_case *c, watcher_rules, names)
{
    cr_assert_eq(cct_watch_ignored(&settings.ignore, c->name), c->ignored,
                 "'%s' should %sbe ignored", c->name,
                 c->ignored ? "" : "not ");
    cr_assert_eq(cct_watch_counts(&settings.watch_ext, &settings.ignore,
                                  c->name),
                 c->counts, "'%s' should %scount", c->name,
                 c->counts ? "" : "not ");
}

Test(watcher_rules, other_extensions_count_when_configured)
{
    cct_strv ext;
    cct_strv_init(&ext);
    cct_strv_split_words(&ext, ".py .txt");
    cr_assert(cct_watch_counts(&ext, &settings.ignore, "notes.txt"));
    cr_assert(cct_watch_counts(&ext, &settings.ignore, "foo.py"));
    cr_assert_not(cct_watch_counts(&ext, &settings.ignore, "foo.rst"));
    cr_assert_not(cct_watch_counts(&ext, &settings.ignore, "run.log"));
    cct_strv_free(&ext);
}

Test(watcher_rules, an_ignore_glob_beats_the_extension)
{
    cct_strv ignore;
    cct_strv_init(&ignore);
    cct_strv_add(&ignore, "generated_*");
    cr_assert_not(cct_watch_counts(&settings.watch_ext, &ignore,
                                   "generated_api.py"));
    cr_assert(cct_watch_counts(&settings.watch_ext, &ignore, "api.py"));
    cct_strv_free(&ignore);
}

Test(watcher_rules, globs_with_a_slash_do_not_match_single_names)
{
    /* A glob with a slash is about paths below a root, not about any
     * file named like its last part. */
    cct_strv ignore;
    cct_strv_init(&ignore);
    cct_strv_add(&ignore, "docs/*.py");
    cr_assert_not(cct_watch_ignored(&ignore, "conf.py"));
    cr_assert_not(cct_watch_ignored(&ignore, "docs"));
    cct_strv_free(&ignore);
}

Test(watcher_rules, no_globs_ignore_nothing)
{
    cct_strv none;
    cct_strv_init(&none);
    cr_assert_not(cct_watch_ignored(&none, ".git"));
    cr_assert(cct_watch_counts(&settings.watch_ext, &none, "x.py"));
    cct_strv_free(&none);
}
