/*
 * Unit tests of the history store (core/history.h), on real SQLite files
 * in a temporary directory: the schema and its migration from an older
 * version, a damaged file and one from a newer cctrial set aside, the
 * runs kept and pruned, estimates and durations, a writer that gives up
 * on a lock held too long, and two processes writing at once.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history.h"
#include "scratch.h"

static char dir[] = "/tmp/cct_history_XXXXXX";
static char *file;

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    /* .cctrial/ does not exist yet: opening makes it. */
    file = cct_xasprintf("%s/.cctrial/history.sqlite", dir);
}

static void teardown(void)
{
    scratch_remove(dir);
    free(file);
}

TestSuite(history, .init = setup, .fini = teardown);

/* One integer a query on `path` answers. */
static long long query_int(const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
                 "%s: %s", sql, sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void exec_on(const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(db));
    sqlite3_close(db);
}

static cct_history *open_quietly(unsigned keep)
{
    char *warning = NULL;
    cct_history *h = cct_history_open(file, keep, &warning);
    cr_assert_not_null(h, "%s", warning ? warning : "");
    cr_assert_null(warning, "%s", warning);
    return h;
}

static const cct_history_result two_results[] = {
    {"p.test_a.T.test_1", CCT_OUTCOME_SUCCESS, 1.5, 0, NULL, 0},
    {"p.test_a.T.test_2", CCT_OUTCOME_FAILURE, 0.5, 1,
     "p.test_a.T.test_2|AssertionError", 0},
};

static cct_history_run a_run(const char *selection, unsigned workers,
                             double wall)
{
    return (cct_history_run){
        .start = 1700000000.0,
        .end = 1700000000.0 + wall,
        .mode = "once",
        .suite = "full",
        .selection = selection,
        .tests = 2,
        .workers = workers,
        .wall_time = wall,
        .whole = 1,
        .interpreter = "/usr/bin/python3",
        .twisted = "22.4.0",
        .verdict = "failed",
    };
}

static void record(cct_history *h, const cct_history_run *run)
{
    char *warning = NULL;
    cr_assert_eq(cct_history_record(h, run, two_results, 2, &warning), 0,
                 "%s", warning);
}

Test(history, a_new_file_has_the_current_schema_in_wal_mode)
{
    cct_history *h = open_quietly(10);
    cct_history_close(h);
    cr_assert_eq(query_int(file, "PRAGMA user_version"), CCT_HISTORY_SCHEMA);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM runs"), 0);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM sqlite_master WHERE "
                                 "name = 'results_test'"), 0);
}

Test(history, a_run_and_its_results_are_kept_and_give_estimates)
{
    cct_history *h = open_quietly(10);
    cct_strv tests;
    cct_strv_init(&tests);
    cct_strv_add(&tests, "p.test_a.T.test_2");
    cct_strv_add(&tests, "p.test_a.T.test_1");
    char *key = cct_history_selection_key(&tests);
    cct_history_run run = a_run(key, 2, 12.5);
    record(h, &run);
    /* The same tests in another order are the same selection. */
    cct_strv reordered;
    cct_strv_init(&reordered);
    cct_strv_add(&reordered, "p.test_a.T.test_1");
    cct_strv_add(&reordered, "p.test_a.T.test_2");
    char *same = cct_history_selection_key(&reordered);
    cr_assert_str_eq(key, same);
    cr_assert_float_eq(cct_history_estimate(h, same, 2), 12.5, 1e-9);
    cr_assert_eq(cct_history_estimate(h, same, 1), 0.0);
    cr_assert_eq(cct_history_estimate(h, "other:2", 2), 0.0);
    /* A run that did not run every test is no estimate. */
    cct_history_run cut = a_run(key, 2, 3.0);
    cut.whole = 0;
    record(h, &cut);
    cr_assert_float_eq(cct_history_estimate(h, same, 2), 12.5, 1e-9);
    cct_history_run again = a_run(key, 2, 8.0);
    record(h, &again);
    cr_assert_float_eq(cct_history_estimate(h, same, 2), 8.0, 1e-9);

    cct_test_duration *d;
    size_t n = cct_history_durations(h, 0, &d);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(d[0].test_id, "p.test_a.T.test_1");
    cr_assert_float_eq(d[0].seconds, 1.5, 1e-9);
    cr_assert_float_eq(cct_history_duration_of(d, n, "p.test_a.T.test_2"),
                       0.5, 1e-9);
    cr_assert_eq(cct_history_duration_of(d, n, "p.test_b.T.test_3"), -1.0);
    cct_history_durations_free(d, n);
    cct_history_close(h);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM results WHERE "
                                 "outcome = 'failure' AND group_key IS NOT "
                                 "NULL AND worker = 1"), 3);
    free(key);
    free(same);
    cct_strv_free(&tests);
    cct_strv_free(&reordered);
}

Test(history, durations_of_the_last_runs_only)
{
    cct_history *h = open_quietly(10);
    static const cct_history_result slow[] = {
        {"p.test_a.T.test_1", CCT_OUTCOME_SUCCESS, 9.0, 0, NULL, 0},
        {"p.test_old.T.test_9", CCT_OUTCOME_SUCCESS, 1.0, 0, NULL, 0},
    };
    cct_history_run run = a_run("s:2", 1, 1.0);
    char *warning = NULL;
    cr_assert_eq(cct_history_record(h, &run, slow, 2, &warning), 0, "%s",
                 warning);
    record(h, &run); /* test_1 1.5 s, test_2 0.5 s */
    record(h, &run);
    cct_test_duration *d;
    size_t n = cct_history_durations(h, 2, &d);
    cr_assert_eq(n, 2, "the first run's test_old is not among the last 2");
    cr_assert_float_eq(cct_history_duration_of(d, n, "p.test_a.T.test_1"),
                       1.5, 1e-9);
    cct_history_durations_free(d, n);
    n = cct_history_durations(h, 3, &d);
    cr_assert_eq(n, 3);
    cr_assert_float_eq(cct_history_duration_of(d, n, "p.test_a.T.test_1"),
                       4.0, 1e-9);
    cct_history_durations_free(d, n);
    n = cct_history_durations(h, 0, &d);
    cr_assert_eq(n, 3, "0: every kept run");
    cct_history_durations_free(d, n);
    cct_history_close(h);
}

Test(history, a_run_counts_the_longest_of_a_tests_results)
{
    cct_history *h = open_quietly(10);
    /* A failure, then an error for a dirty reactor, in one run. */
    static const cct_history_result twice[] = {
        {"p.test_z.T.test_9", CCT_OUTCOME_FAILURE, 0.5, 0, NULL, 0},
        {"p.test_a.T.test_1", CCT_OUTCOME_SUCCESS, 2.0, 1, NULL, 0},
        {"p.test_z.T.test_9", CCT_OUTCOME_ERROR, 3.0, 0, NULL, 0},
    };
    static const cct_history_result once[] = {
        {"p.test_z.T.test_9", CCT_OUTCOME_SUCCESS, 1.0, 0, NULL, 0},
    };
    cct_history_run run = a_run("s:3", 1, 1.0);
    char *warning = NULL;
    cr_assert_eq(cct_history_record(h, &run, twice, 3, &warning), 0);
    cr_assert_eq(cct_history_record(h, &run, once, 1, &warning), 0);
    cct_test_duration *d;
    size_t n = cct_history_durations(h, 0, &d);
    cr_assert_eq(n, 2);
    /* Sorted by id, for cct_history_duration_of's search. */
    cr_expect_str_eq(d[0].test_id, "p.test_a.T.test_1");
    cr_expect_str_eq(d[1].test_id, "p.test_z.T.test_9");
    cr_expect_float_eq(d[0].seconds, 2.0, 1e-9);
    cr_expect_float_eq(d[1].seconds, (3.0 + 1.0) / 2, 1e-9,
                       "the mean over runs of each run's longest");
    cct_history_durations_free(d, n);
    cct_history_close(h);
}

Test(history, only_the_last_runs_are_kept)
{
    cct_history *h = open_quietly(3);
    for (int i = 0; i < 5; i++) {
        char selection[16];
        snprintf(selection, sizeof(selection), "s%d:2", i);
        cct_history_run run = a_run(selection, 1, 1.0 + i);
        record(h, &run);
    }
    cct_history_close(h);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM runs"), 3);
    cr_assert_eq(query_int(file, "SELECT MIN(selection = 's2:2') FROM runs "
                                 "WHERE id = (SELECT MIN(id) FROM runs)"),
                 1);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM results"), 6);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM results WHERE "
                                 "run_id NOT IN (SELECT id FROM runs)"), 0);
}

/* Schema version 1, as the first cctrial with a history wrote it. */
static const char schema_1[] =
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  start REAL NOT NULL, end REAL NOT NULL,"
    "  mode TEXT NOT NULL, suite TEXT NOT NULL,"
    "  selection TEXT NOT NULL, tests INTEGER NOT NULL,"
    "  workers INTEGER NOT NULL, wall_time REAL NOT NULL,"
    "  whole INTEGER NOT NULL,"
    "  interpreter TEXT, twisted TEXT, verdict TEXT NOT NULL);"
    "CREATE TABLE results ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  test_id TEXT NOT NULL, outcome TEXT NOT NULL,"
    "  duration REAL NOT NULL, worker INTEGER NOT NULL,"
    "  group_key TEXT);"
    "CREATE INDEX results_run ON results(run_id);"
    "CREATE INDEX runs_estimate ON runs(selection, workers, whole);"
    "INSERT INTO runs VALUES (1, 1.0, 2.0, 'once', 'full', 'old:1', 1, 1,"
    "  4.0, 1, NULL, NULL, 'passed');"
    "INSERT INTO results VALUES (1, 'p.test_old.T.test', 'success', 4.0, 0,"
    "  NULL);"
    "PRAGMA user_version = 1;";

Test(history, an_older_schema_is_migrated_and_its_runs_kept)
{
    char *state = cct_xasprintf("%s/.cctrial", dir);
    cr_assert_eq(mkdir(state, 0755), 0);
    free(state);
    exec_on(file, schema_1);
    cct_history *h = open_quietly(10);
    cr_assert_float_eq(cct_history_estimate(h, "old:1", 1), 4.0, 1e-9);
    cct_history_run run = a_run("new:2", 1, 1.0);
    record(h, &run); /* writes the flaky column, new in version 2 */
    cct_history_close(h);
    cr_assert_eq(query_int(file, "PRAGMA user_version"), CCT_HISTORY_SCHEMA);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM results WHERE "
                                 "test_id = 'p.test_old.T.test' AND "
                                 "flaky = 0"), 1);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM runs"), 2);
}

Test(history, the_index_of_results_by_test_is_removed)
{
    char *state = cct_xasprintf("%s/.cctrial", dir);
    cr_assert_eq(mkdir(state, 0755), 0);
    free(state);
    /* What schema 2 was first written as. */
    exec_on(file, schema_1);
    exec_on(file, "ALTER TABLE results ADD COLUMN flaky INTEGER NOT NULL "
                  "DEFAULT 0;"
                  "CREATE INDEX results_test ON results(test_id);"
                  "PRAGMA user_version = 2;");
    const char *has_index = "SELECT COUNT(*) FROM sqlite_master WHERE "
                            "name = 'results_test'";
    cr_assert_eq(query_int(file, has_index), 1);
    cct_history *h = open_quietly(10);
    cct_history_run run = a_run("new:2", 1, 1.0);
    record(h, &run);
    cct_history_close(h);
    cr_expect_eq(query_int(file, has_index), 0);
    cr_expect_eq(query_int(file, "PRAGMA user_version"), CCT_HISTORY_SCHEMA);
    cr_expect_eq(query_int(file, "SELECT COUNT(*) FROM runs"), 2);
}

/* The one file in .cctrial/ whose name starts with history.sqlite.<why>-,
 * malloc'ed, or NULL. */
static char *set_aside_file(const char *why)
{
    char *state = cct_xasprintf("%s/.cctrial", dir);
    char *prefix = cct_xasprintf("history.sqlite.%s-", why);
    DIR *d = opendir(state);
    cr_assert_not_null(d);
    char *found = NULL;
    struct dirent *e;
    while ((e = readdir(d)))
        if (cct_str_starts_with(e->d_name, prefix) &&
            !cct_str_ends_with(e->d_name, "-wal")) {
            cr_assert_null(found, "two files set aside as %s", why);
            found = cct_xasprintf("%s/%s", state, e->d_name);
        }
    closedir(d);
    free(prefix);
    free(state);
    return found;
}

Test(history, a_damaged_file_is_set_aside_with_a_warning_naming_it)
{
    cct_history *h = open_quietly(10);
    cct_history_close(h);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("this is not an SQLite database, whatever its name says\n", f);
    fclose(f);
    char *warning = NULL;
    h = cct_history_open(file, 10, &warning);
    cr_assert_not_null(h, "%s", warning);
    cr_assert_not_null(warning);
    char *aside = set_aside_file("corrupt");
    cr_assert_not_null(aside, "no history.sqlite.corrupt-* in .cctrial/");
    cr_assert(strstr(warning, file), "%s", warning);
    cr_assert(strstr(warning, aside), "%s", warning);
    free(warning);
    /* What was there is kept, and a new history works. */
    int cut = 0;
    char *kept = cct_read_file(aside, 4096, NULL, &cut);
    cr_assert(kept && strstr(kept, "not an SQLite database"));
    free(kept);
    cct_history_run run = a_run("s:2", 1, 2.0);
    record(h, &run);
    cct_history_close(h);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM runs"), 1);
    free(aside);
}

Test(history, a_file_from_a_newer_cctrial_is_set_aside)
{
    cct_history *h = open_quietly(10);
    cct_history_run run = a_run("s:2", 1, 2.0);
    record(h, &run);
    cct_history_close(h);
    char *sql = cct_xasprintf("PRAGMA user_version = %d",
                              CCT_HISTORY_SCHEMA + 1);
    exec_on(file, sql);
    free(sql);
    char *warning = NULL;
    h = cct_history_open(file, 10, &warning);
    cr_assert_not_null(h);
    cr_assert(warning && strstr(warning, "newer cctrial"), "%s", warning);
    char *aside = set_aside_file("newer");
    cr_assert_not_null(aside);
    cr_assert(strstr(warning, aside), "%s", warning);
    free(warning);
    cr_assert_eq(cct_history_estimate(h, "s:2", 1), 0.0);
    cct_history_close(h);
    cr_assert_eq(query_int(aside, "PRAGMA user_version"),
                 CCT_HISTORY_SCHEMA + 1);
    cr_assert_eq(query_int(aside, "SELECT COUNT(*) FROM runs"), 1);
    free(aside);
}

Test(history, a_write_gives_up_on_a_lock_held_too_long)
{
    cct_history *h = open_quietly(10);
    sqlite3 *other;
    cr_assert_eq(sqlite3_open(file, &other), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                 SQLITE_OK);
    cct_history_run run = a_run("s:2", 1, 2.0);
    char *warning = NULL;
    cr_assert_lt(cct_history_record(h, &run, two_results, 2, &warning), 0);
    cr_assert(warning && strstr(warning, "another cctrial held it"), "%s",
              warning);
    cr_assert(strstr(warning, file), "%s", warning);
    free(warning);
    /* Reading does not wait for the writer (WAL). */
    cr_assert_eq(cct_history_estimate(h, "s:2", 1), 0.0);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    record(h, &run); /* the lock is free again */
    cct_history_close(h);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM runs"), 1);
}

/* A process that keeps `runs` runs of 50 results each: exits with the
 * number it could not keep (the other held the lock longer than the busy
 * timeout: slow machines, valgrind). */
static int writer(int id, int runs)
{
    char *warning = NULL;
    cct_history *h = cct_history_open(file, 1000, &warning);
    if (!h)
        return runs;
    cct_history_result results[50];
    char ids[50][48];
    for (int i = 0; i < 50; i++) {
        snprintf(ids[i], sizeof(ids[i]), "p.test_w%d.T.test_%d", id, i);
        results[i] = (cct_history_result){ids[i], CCT_OUTCOME_SUCCESS,
                                          0.01 * i, 0, NULL, 0};
    }
    int failed = 0;
    for (int r = 0; r < runs; r++) {
        char selection[32];
        snprintf(selection, sizeof(selection), "w%d-%d:50", id, r);
        cct_history_run run = a_run(selection, 1, 1.0);
        if (cct_history_record(h, &run, results, 50, &warning) < 0) {
            free(warning);
            warning = NULL;
            failed++;
        }
    }
    cct_history_close(h);
    return failed;
}

Test(history, two_processes_write_at_once_without_damage)
{
    /* The file exists first: both then open one database. */
    cct_history_close(open_quietly(1000));
    enum { RUNS = 30 };
    pid_t pids[2];
    for (int w = 0; w < 2; w++) {
        pids[w] = fork();
        cr_assert_neq(pids[w], -1);
        if (pids[w] == 0)
            _exit(writer(w, RUNS));
    }
    int lost = 0;
    for (int w = 0; w < 2; w++) {
        int status;
        cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
        cr_assert(WIFEXITED(status), "writer %d did not exit", w);
        cr_assert_lt(WEXITSTATUS(status), RUNS, "writer %d kept nothing", w);
        lost += WEXITSTATUS(status);
    }
    /* Each run kept is whole, and none is kept that a writer gave up.
     * How many were given up is the machine's speed, not asserted. */
    long long runs = query_int(file, "SELECT COUNT(*) FROM runs");
    cr_assert_eq(runs, 2 * RUNS - lost, "%lld runs, %d lost", runs, lost);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM results"), 50 * runs);
    cr_assert_eq(query_int(file, "SELECT COUNT(*) FROM (SELECT run_id FROM "
                                 "results GROUP BY run_id HAVING "
                                 "COUNT(*) != 50)"), 0);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
}
