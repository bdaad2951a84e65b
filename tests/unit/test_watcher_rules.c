/*
 * Unit tests of the watcher's pure rules (core/watcher.h): which names the
 * built-in ignores and the user's globs leave out, and which files count as
 * changes, with the settings cctrial loads by default; what a scan of an
 * unwatched directory reports (core/watch_scan.h) and what a listing of a
 * real directory holds, and the notice naming directories that cannot be
 * watched; when a change set goes out (core/watch_quiet.h): a save of one
 * file at once, a burst after the quiet period, as one set.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "options.h"
#include "watch_quiet.h"
#include "watch_scan.h"
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
        /* Environments, tools' caches and build output. */
        {".venv", 1, 0},
        {"venv", 1, 0},
        {".tox", 1, 0},
        {".nox", 1, 0},
        {"node_modules", 1, 0},
        {"mypkg.egg-info", 1, 0},
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

/* build and dist are ignored at the top of a watched directory only (a
 * package may be named build); !PATTERN takes a built-in one back. */
Test(watcher_rules, anchored_globs_and_taking_one_back)
{
    cct_config c;
    cct_config_init(&c);
    cct_settings s;
    cct_settings_load(&s, &c);
    cr_expect(cct_watch_path_ignored(&s.ignore, "build"));
    cr_expect(cct_watch_path_ignored(&s.ignore, "dist"));
    cr_expect_not(cct_watch_path_ignored(&s.ignore, "src/build"));
    cr_expect_not(cct_watch_path_ignored(&s.ignore, "src/dist"));
    cr_expect(cct_watch_path_ignored(&s.ignore, "a/b/.venv"));
    cr_expect_not(cct_watch_path_ignored(&s.ignore, "app/venv_tools.py"));
    cct_settings_free(&s);
    cct_config_set(&c, CCT_CORE_SECTION, "ignore", "!build, !.venv, /out",
                   NULL, "rc", 1);
    cct_settings_load(&s, &c);
    cr_expect_not(cct_watch_path_ignored(&s.ignore, "build"));
    cr_expect_not(cct_watch_path_ignored(&s.ignore, ".venv"));
    cr_expect(cct_watch_path_ignored(&s.ignore, "dist"));
    cr_expect(cct_watch_path_ignored(&s.ignore, "out"));
    cr_expect_not(cct_watch_path_ignored(&s.ignore, "x/out"));
    cr_expect(cct_watch_path_ignored(&s.ignore, ".git"));
    cct_settings_free(&s);
    cct_config_free(&c);
}

Test(watcher_rules, no_globs_ignore_nothing)
{
    cct_strv none;
    cct_strv_init(&none);
    cr_assert_not(cct_watch_ignored(&none, ".git"));
    cr_assert(cct_watch_counts(&settings.watch_ext, &none, "x.py"));
    cct_strv_free(&none);
}

/* ---- scanning unwatched directories: what changed between listings ---- */

typedef struct seen_changes {
    char text[512];
} seen_changes;

static void record(const cct_scan_entry *entry, cct_scan_change change,
                   void *arg)
{
    seen_changes *seen = arg;
    static const char *const names[] = {"+", "-", "~"};
    size_t n = strlen(seen->text);
    snprintf(seen->text + n, sizeof(seen->text) - n, "%s%s%s ",
             names[change], entry->name, entry->is_dir ? "/" : "");
}

static const char *diff(const cct_scan_listing *before,
                        const cct_scan_listing *after, seen_changes *seen)
{
    seen->text[0] = '\0';
    cct_scan_diff(before, after, record, seen);
    return seen->text;
}

Test(watcher_rules, scan_diff_says_what_was_added_removed_and_modified)
{
    cct_scan_listing before, after;
    cct_scan_listing_init(&before);
    cct_scan_listing_init(&after);
    cct_scan_listing_add(&before, "same.py", 0, 100, 10, 7);
    cct_scan_listing_add(&before, "gone.py", 0, 100, 10, 8);
    cct_scan_listing_add(&before, "sub", 1, 0, 0, 0);
    cct_scan_listing_add(&before, "longer.py", 0, 100, 10, 9);
    cct_scan_listing_add(&before, "later.py", 0, 100, 10, 10);
    cct_scan_listing_add(&before, "replaced.py", 0, 100, 10, 11);
    cct_scan_listing_sort(&before);
    /* Added in an order of its own: sorting makes them comparable. */
    cct_scan_listing_add(&after, "sub", 1, 0, 0, 0);
    cct_scan_listing_add(&after, "replaced.py", 0, 100, 10, 12);
    cct_scan_listing_add(&after, "later.py", 0, 101, 10, 10);
    cct_scan_listing_add(&after, "longer.py", 0, 100, 11, 9);
    cct_scan_listing_add(&after, "new.py", 0, 100, 10, 13);
    cct_scan_listing_add(&after, "newdir", 1, 0, 0, 0);
    cct_scan_listing_add(&after, "same.py", 0, 100, 10, 7);
    cct_scan_listing_sort(&after);
    seen_changes seen;
    /* mtime, size and inode (a rename over it) each say "modified". */
    cr_assert_str_eq(diff(&before, &after, &seen),
                     "-gone.py ~later.py ~longer.py +new.py +newdir/ "
                     "~replaced.py ");
    cr_assert_str_eq(diff(&after, &before, &seen),
                     "+gone.py ~later.py ~longer.py -new.py -newdir/ "
                     "~replaced.py ");
    cr_assert_str_eq(diff(&after, &after, &seen), "");
    cct_scan_listing_free(&before);
    cct_scan_listing_free(&after);
}

static int want_all(const char *path, const char *name, int is_dir,
                    void *arg)
{
    (void)path, (void)name, (void)is_dir, (void)arg;
    return 1;
}

/* The listing's portable helpers (cct_scan_is_dir, cct_scan_mtime_ns) on
 * a real directory: a file's modification time to the nanosecond, a
 * directory without times, and a link to a directory, which is not one
 * (the walk does not follow it) but is listed as the file it leads to. */
Test(watcher_rules, a_listing_of_a_real_directory)
{
    char dir[] = "/tmp/cct-scan-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char file[64], sub[64], link[64];
    snprintf(file, sizeof(file), "%s/a.py", dir);
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    snprintf(link, sizeof(link), "%s/zlink", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("X = 1\n", f);
    fclose(f);
    struct timespec times[2] = {{1000, 123456789}, {1000, 123456789}};
    cr_assert_eq(utimensat(AT_FDCWD, file, times, 0), 0);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(symlink(sub, link), 0);

    cct_scan_listing l;
    cct_scan_listing_init(&l);
    cr_assert_eq(cct_scan_list(dir, want_all, NULL, &l), 0);
    cr_assert_eq(l.len, 3);
    cr_assert_str_eq(l.entries[0].name, "a.py");
    cr_assert_not(l.entries[0].is_dir);
    cr_assert_eq(l.entries[0].mtime_ns, 1000 * 1000000000LL + 123456789);
    cr_assert_eq(l.entries[0].size, 6);
    cr_assert_str_eq(l.entries[1].name, "sub");
    cr_assert(l.entries[1].is_dir);
    cr_assert_eq(l.entries[1].mtime_ns, 0);
    cr_assert_str_eq(l.entries[2].name, "zlink");
    cr_assert_not(l.entries[2].is_dir);
    cct_scan_listing_free(&l);

    unlink(link);
    rmdir(sub);
    unlink(file);
    rmdir(dir);
}

Test(watcher_rules, scan_diff_of_a_directory_that_vanished_removes_all)
{
    cct_scan_listing before, gone;
    cct_scan_listing_init(&before);
    cct_scan_listing_init(&gone);
    cct_scan_listing_add(&before, "a.py", 0, 1, 1, 1);
    cct_scan_listing_add(&before, "b", 1, 0, 0, 0);
    seen_changes seen;
    cr_assert_str_eq(diff(&before, &gone, &seen), "-a.py -b/ ");
    cr_assert_str_eq(diff(&gone, &before, &seen), "+a.py +b/ ");
    cct_scan_listing_free(&before);
}

Test(watcher_rules, scan_diff_a_file_turned_directory_is_removed_then_added)
{
    cct_scan_listing before, after;
    cct_scan_listing_init(&before);
    cct_scan_listing_init(&after);
    cct_scan_listing_add(&before, "x.py", 0, 1, 1, 1);
    cct_scan_listing_add(&after, "x.py", 1, 0, 0, 0);
    seen_changes seen;
    cr_assert_str_eq(diff(&before, &after, &seen), "-x.py +x.py/ ");
    cct_scan_listing_free(&before);
    cct_scan_listing_free(&after);
}

/* ---- the notice for directories that cannot be watched ---------------- */

static char *unwatched_message(int err, size_t n)
{
    cct_strv dirs;
    cct_strv_init(&dirs);
    for (size_t i = 0; i < n; i++)
        cct_strv_take(&dirs, cct_xasprintf("/p/d%02zu", i));
    char *message = cct_watch_unwatched_message(&dirs, err, 2000);
    cct_strv_free(&dirs);
    return message;
}

Test(watcher_rules, the_watch_limit_notice_names_the_sysctl)
{
    char *m = unwatched_message(-ENOSPC, 1);
    cr_assert_str_eq(
        m, "cannot watch this directory: the inotify watch limit is reached "
           "(fs.inotify.max_user_watches is full)\n"
           "    /p/d00\n"
           "cctrial goes on, and scans it every 2 s for changes instead.  "
           "To watch every directory, raise the limit:\n"
           "    sudo sysctl fs.inotify.max_user_watches=100000\n"
           "    sudo sh -c 'echo fs.inotify.max_user_watches=100000"
           ">>/etc/sysctl.conf'");
    free(m);
}

Test(watcher_rules, other_reasons_say_their_limit_and_no_sysctl)
{
    char *m = unwatched_message(-EMFILE, 2);
    cr_assert(strstr(m, "cannot watch 2 directories: too many open files "
                        "in cctrial (EMFILE: see ulimit -n)\n"
                        "    /p/d00\n    /p/d01\n"),
              "%s", m);
    cr_assert(strstr(m, "scans them every 2 s"), "%s", m);
    cr_assert_null(strstr(m, "sysctl"), "%s", m);
    free(m);
    m = unwatched_message(-EIO, 1);
    cr_assert(strstr(m, ": Input/output error\n"), "%s", m);
    free(m);
}

Test(watcher_rules, a_long_list_of_directories_is_cut_short)
{
    char *m = unwatched_message(-ENOSPC, 25);
    cr_assert(strstr(m, "cannot watch 25 directories"), "%s", m);
    cr_assert(strstr(m, "    /p/d09\n    and 15 more\n"), "%s", m);
    cr_assert_null(strstr(m, "/p/d10"), "%s", m);
    free(m);
}

/* ---- when a change set goes out (watch_quiet.h) ----------------------- */

/* The quiet period of these tests: long, as a user may set it. */
#define QUIET 3000

Test(quiet, a_save_of_one_file_goes_out_without_waiting)
{
    cct_quiet q;
    cct_quiet_init(&q, QUIET);
    cct_quiet_news burst;
    /* The editor's write (the kernel's first events: the file truncated,
     * written)... */
    cr_assert_eq(cct_quiet_change(&q, 10000, &burst), QUIET);
    cr_assert_not(burst);
    cr_assert_not(cct_quiet_at_once(&q, 1, 0, 0),
                  "a file written but not closed yet waits");
    /* ...then its close, or its rename into place. */
    cr_assert_eq(cct_quiet_change(&q, 10001, &burst), QUIET);
    cr_assert(cct_quiet_at_once(&q, 1, 1, 0));
    cr_assert_not(cct_quiet_sent(&q, 1));
}

Test(quiet, what_is_not_one_saved_file_waits_for_the_quiet_period)
{
    cct_quiet q;
    cct_quiet_init(&q, QUIET);
    cct_quiet_news burst;
    cct_quiet_change(&q, 10000, &burst);
    cr_assert_not(cct_quiet_at_once(&q, 2, 1, 0), "two files: a burst");
    cr_assert_not(cct_quiet_at_once(&q, 1, 1, 1), "events were lost");
    cr_assert_not(cct_quiet_at_once(&q, 1, 0, 0), "not saved (libuv)");
}

Test(quiet, the_rest_of_a_burst_is_said_once_and_gathered_as_one_set)
{
    cct_quiet q;
    cct_quiet_init(&q, QUIET);
    cct_quiet_news burst;
    /* A checkout's first file arrives alone, and goes out at once. */
    cct_quiet_change(&q, 10000, &burst);
    cr_assert(cct_quiet_at_once(&q, 1, 1, 0));
    cct_quiet_sent(&q, 1);
    /* The next file, within the quiet period, begins the rest... */
    cr_assert_eq(cct_quiet_change(&q, 10002, &burst), QUIET);
    cr_assert_eq(burst, CCT_QUIET_BURST,
                 "the rest of a burst is said when it begins");
    /* ...which waits, even when it is one saved file, and is said once. */
    cr_assert_not(cct_quiet_at_once(&q, 1, 1, 0));
    cct_quiet_change(&q, 10003, &burst);
    cr_assert_not(burst);
    cr_assert_not(cct_quiet_at_once(&q, 1, 1, 0));
    /* The quiet period ends: the rest goes out, even when nothing is
     * left in it (the burst's end is said). */
    cr_assert(cct_quiet_sent(&q, 0));
    /* A save after that is a save again. */
    cct_quiet_change(&q, 20000, &burst);
    cr_assert_not(burst);
    cr_assert(cct_quiet_at_once(&q, 1, 1, 0));
}

Test(quiet, a_save_after_the_quiet_period_is_no_burst)
{
    cct_quiet q;
    cct_quiet_init(&q, QUIET);
    cct_quiet_news burst;
    cct_quiet_change(&q, 10000, &burst);
    cct_quiet_sent(&q, 1);
    /* The watcher's timer did not say it first (it came late): the change
     * says the last set was alone. */
    cct_quiet_change(&q, 10000 + QUIET, &burst);
    cr_assert_eq(burst, CCT_QUIET_ALONE);
    cr_assert(cct_quiet_at_once(&q, 1, 1, 0));
}

Test(quiet, the_end_of_the_window_says_a_save_was_alone_once)
{
    cct_quiet q;
    cct_quiet_init(&q, QUIET);
    cct_quiet_news news;
    cct_quiet_change(&q, 10000, &news);
    cr_assert_not(cct_quiet_burst_may_follow(&q), "nothing went out yet");
    cr_assert_eq(cct_quiet_burst_window(&q, 10000), 0);
    cct_quiet_sent(&q, 1); /* at 10001 */
    cr_assert(cct_quiet_burst_may_follow(&q));
    cr_assert_eq(cct_quiet_burst_window(&q, 10001), QUIET - 1,
                 "a burst may follow until the quiet period after the "
                 "last change");
    cr_assert_eq(cct_quiet_window_over(&q), CCT_QUIET_ALONE);
    cr_assert_not(cct_quiet_burst_may_follow(&q));
    cr_assert_eq(cct_quiet_burst_window(&q, 10002), 0);
    cr_assert_eq(cct_quiet_window_over(&q), CCT_QUIET_NO_NEWS,
                 "said once");
    cct_quiet_change(&q, 10000 + QUIET, &news);
    cr_assert_eq(news, CCT_QUIET_NO_NEWS, "said already");
}

Test(quiet, a_set_that_waited_has_no_window)
{
    cct_quiet q;
    cct_quiet_init(&q, QUIET);
    cct_quiet_news news;
    cct_quiet_change(&q, 10000, &news);
    cct_quiet_change(&q, 10001, &news);
    cct_quiet_sent(&q, 0); /* two files: after the quiet period */
    cr_assert_not(cct_quiet_burst_may_follow(&q));
    cr_assert_eq(cct_quiet_burst_window(&q, 13001), 0);
    cr_assert_eq(cct_quiet_window_over(&q), CCT_QUIET_NO_NEWS);
    cct_quiet_change(&q, 13002, &news);
    cr_assert_eq(news, CCT_QUIET_NO_NEWS);
}

Test(quiet, a_save_after_a_set_the_quiet_period_ended_goes_at_once)
{
    cct_quiet q;
    cct_quiet_init(&q, 300);
    cct_quiet_news burst;
    cct_quiet_change(&q, 10000, &burst);
    cct_quiet_change(&q, 10001, &burst); /* two files: they wait */
    cr_assert_not(cct_quiet_sent(&q, 0)); /* at 10301 */
    cct_quiet_change(&q, 10310, &burst);
    cr_assert_not(burst);
    cr_assert(cct_quiet_at_once(&q, 1, 1, 0));
}

Test(quiet, the_rest_of_a_burst_cut_at_the_longest_delay_waits_too)
{
    cct_quiet q;
    cct_quiet_init(&q, 300);
    cct_quiet_news burst;
    cct_quiet_change(&q, 10000, &burst);
    cct_quiet_change(&q, 10500, &burst);
    cr_assert_eq(cct_quiet_change(&q, 10990, &burst), 10);
    cr_assert_not(cct_quiet_sent(&q, 0)); /* at 11000, mid-burst */
    cct_quiet_change(&q, 11010, &burst);
    cr_assert_not(burst, "that set did not go out at once: nothing to say");
    cr_assert_not(cct_quiet_at_once(&q, 1, 1, 0),
                  "a file saved mid-burst joins the rest");
    cr_assert_not(cct_quiet_sent(&q, 0));
}

Test(quiet, a_long_burst_goes_out_within_the_longest_delay)
{
    cct_quiet q;
    cct_quiet_init(&q, 300);
    cct_quiet_news burst;
    cr_assert_eq(cct_quiet_change(&q, 10000, &burst), 300);
    cr_assert_eq(cct_quiet_change(&q, 10800, &burst), 200,
                 "the quiet period is cut at the longest delay");
    cr_assert_eq(cct_quiet_change(&q, 11200, &burst), 0);
    cct_quiet_init(&q, QUIET); /* longer than the longest delay: kept */
    cct_quiet_change(&q, 10000, &burst);
    cr_assert_eq(cct_quiet_change(&q, 10800, &burst), QUIET);
}
