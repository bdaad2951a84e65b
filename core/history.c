/*
 * The history store (see history.h): opening the database, setting aside
 * one that cannot be used, bringing an older schema up to date, keeping a
 * run, forgetting the oldest, and the two questions the core asks of it
 * (a run's estimate, the tests' durations).
 *
 * The schema's versions, each a step from the one before (PRAGMA
 * user_version says which the file has):
 *   1  runs, and results with their run, test, outcome, duration, worker
 *      and problem key;
 *   2  a result's flaky mark, and results found by test.
 */
#include "history.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "results.h"
#include "strmap.h"

struct cct_history {
    sqlite3 *db;
    char *file;
    unsigned keep;
};

static const char *const migrations[CCT_HISTORY_SCHEMA] = {
    /* to 1 */
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
    "CREATE INDEX runs_estimate ON runs(selection, workers, whole);",
    /* to 2 (which once also made the index drop_test_index removes) */
    "ALTER TABLE results ADD COLUMN flaky INTEGER NOT NULL DEFAULT 0;",
};

/* FNV-1a of one id. */
static uint64_t hash_id(const char *id)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The ids' hashes are summed, so that the order does not matter, and
 * their number makes a collision of sums between selections of other
 * sizes impossible. */
char *cct_history_selection_key(const cct_strv *tests)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < tests->len; i++)
        sum += hash_id(tests->items[i]);
    return cct_xasprintf("%016" PRIx64 ":%zu", sum, tests->len);
}

static void set_warning(char **warning, char *text)
{
    if (!warning) {
        free(text);
        return;
    }
    free(*warning);
    *warning = text;
}

/* Renames `file` to <file>.<why>-<UTC time> (its WAL along with it, and
 * its shared-memory index removed: it describes the file that went), so
 * that it can be looked at and a new history begins.  Returns the new
 * name, malloc'ed, or NULL when it could not be renamed. */
static char *set_aside(const char *file, const char *why)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    char *aside = cct_xasprintf("%s.%s-%s", file, why, stamp);
    if (access(aside, F_OK) == 0) { /* two in one second */
        free(aside);
        aside = cct_xasprintf("%s.%s-%s-%ld", file, why, stamp,
                              (long)getpid());
    }
    if (rename(file, aside) != 0) {
        free(aside);
        return NULL;
    }
    char *wal = cct_xasprintf("%s-wal", file);
    char *wal_aside = cct_xasprintf("%s-wal", aside);
    rename(wal, wal_aside);
    char *shm = cct_xasprintf("%s-shm", file);
    remove(shm);
    free(wal);
    free(wal_aside);
    free(shm);
    return aside;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The file's schema version, or -1 with *rc the error. */
static long schema_version(sqlite3 *db, int *rc)
{
    sqlite3_stmt *st = NULL;
    long version = -1;
    *rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW) {
            version = (long)sqlite3_column_int64(st, 0);
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return version;
}

static int is_damage(int rc)
{
    rc &= 0xff; /* the primary code of an extended one */
    return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

/* Brings the schema from `version` to CCT_HISTORY_SCHEMA, in one
 * transaction taken before the version is read again: of two processes
 * opening an old file at once, the second finds it done. */
static int migrate(sqlite3 *db)
{
    int rc = exec(db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return rc;
    long version = schema_version(db, &rc);
    for (long v = version; rc == SQLITE_OK && v < CCT_HISTORY_SCHEMA; v++)
        rc = exec(db, migrations[v]);
    if (rc == SQLITE_OK && version < CCT_HISTORY_SCHEMA) {
        char *set = cct_xasprintf("PRAGMA user_version = %d",
                                  CCT_HISTORY_SCHEMA);
        rc = exec(db, set);
        free(set);
    }
    if (rc == SQLITE_OK)
        rc = exec(db, "COMMIT");
    if (rc != SQLITE_OK)
        exec(db, "ROLLBACK");
    return rc;
}

/* Schema 2 as first written indexed the results by test id.  Each run
 * then wrote to nearly every page of that index, a test's new entry going
 * beside its entries of the runs before: with 200 runs of 1,500 tests
 * kept, a run's record took 46 ms of CPU against 5 ms without it, and
 * the file was 70% larger.  No query of cctrial's uses it (`cctrial
 * history` reads every result either way), and cctrials of either kind
 * read and write a file with or without it: it is removed, not a new
 * schema.  Failing (another cctrial holds the file) costs only time. */
static void drop_test_index(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int found = sqlite3_prepare_v2(db,
                                   "SELECT 1 FROM sqlite_master WHERE "
                                   "type = 'index' AND name = 'results_test'",
                                   -1, &st, NULL) == SQLITE_OK &&
                sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (found)
        exec(db, "DROP INDEX IF EXISTS results_test");
}

/* Opens the file as it is: SQLITE_OK with *db ready, or an error with
 * *newer set when the file's schema is newer than this cctrial's. */
static int open_as_is(const char *file, sqlite3 **db, int *newer)
{
    *newer = 0;
    int rc = sqlite3_open_v2(file, db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_busy_timeout(*db, CCT_HISTORY_BUSY_MS);
    /* The file comes with the project's directory, maybe from someone
     * else: its schema (views, triggers) may call no function with side
     * effects, and no write may damage it beyond repair. */
    sqlite3_db_config(*db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    long version = schema_version(*db, &rc);
    if (rc != SQLITE_OK)
        return rc;
    if (version > CCT_HISTORY_SCHEMA) {
        *newer = 1;
        return SQLITE_ERROR;
    }
    /* WAL: readers never wait for the writer, nor it for them. */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(*db, "PRAGMA journal_mode = WAL", -1, &st,
                            NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        rc = SQLITE_OK;
    sqlite3_finalize(st);
    /* In WAL mode NORMAL cannot damage the file, only lose the last runs
     * to a power cut, and spares each run's commit an fsync: the lock is
     * held for less. */
    if (rc == SQLITE_OK)
        rc = exec(*db, "PRAGMA synchronous = NORMAL");
    if (rc == SQLITE_OK && version < CCT_HISTORY_SCHEMA)
        rc = migrate(*db);
    if (rc == SQLITE_OK)
        drop_test_index(*db);
    return rc;
}

static void make_parent_dir(const char *file)
{
    char *dir = cct_xstrdup(file);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    free(dir);
}

cct_history *cct_history_open(const char *file, unsigned keep,
                              char **warning)
{
    assert(keep > 0);
    if (warning)
        *warning = NULL;
    make_parent_dir(file);
    sqlite3 *db = NULL;
    int newer = 0;
    int rc = open_as_is(file, &db, &newer);
    if (rc != SQLITE_OK && (newer || is_damage(rc))) {
        sqlite3_close(db);
        db = NULL;
        const char *why = newer ? "newer" : "corrupt";
        char *aside = set_aside(file, why);
        if (!aside) {
            set_warning(warning, cct_xasprintf(
                "%s is %s and cannot be set aside (%s): no history is kept",
                file, newer ? "from a newer cctrial" : "damaged",
                strerror(errno)));
            return NULL;
        }
        set_warning(warning, cct_xasprintf(
            "%s %s: set aside as %s; a new history begins", file,
            newer ? "was written by a newer cctrial (its schema is newer)"
                  : "is not a usable database",
            aside));
        free(aside);
        rc = open_as_is(file, &db, &newer);
    }
    if (rc != SQLITE_OK) {
        set_warning(warning, cct_xasprintf(
            "%s: %s: no history is kept now", file,
            db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
        sqlite3_close(db);
        return NULL;
    }
    cct_history *h = cct_xcalloc(1, sizeof(*h));
    h->db = db;
    h->file = cct_xstrdup(file);
    h->keep = keep;
    return h;
}

void cct_history_close(cct_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h->file);
    free(h);
}

void *cct_history_db(cct_history *h)
{
    return h->db;
}

static void bind_text(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int insert_run(sqlite3 *db, const cct_history_run *run)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db,
        "INSERT INTO runs (start, end, mode, suite, selection, tests, "
        "workers, wall_time, whole, interpreter, twisted, verdict) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_double(st, 1, run->start);
    sqlite3_bind_double(st, 2, run->end);
    bind_text(st, 3, run->mode);
    bind_text(st, 4, run->suite);
    bind_text(st, 5, run->selection);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)run->tests);
    sqlite3_bind_int64(st, 7, run->workers);
    sqlite3_bind_double(st, 8, run->wall_time);
    sqlite3_bind_int(st, 9, run->whole != 0);
    bind_text(st, 10, run->interpreter);
    bind_text(st, 11, run->twisted);
    bind_text(st, 12, run->verdict);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int insert_results(sqlite3 *db, sqlite3_int64 run_id,
                          const cct_history_result *results, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db,
        "INSERT INTO results (run_id, test_id, outcome, duration, worker, "
        "group_key, flaky) VALUES (?, ?, ?, ?, ?, ?, ?)",
        -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        const cct_history_result *r = &results[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, run_id);
        bind_text(st, 2, r->test_id);
        bind_text(st, 3, cct_outcome_name(r->outcome));
        sqlite3_bind_double(st, 4, r->duration);
        sqlite3_bind_int64(st, 5, r->worker);
        bind_text(st, 6, r->group_key);
        sqlite3_bind_int(st, 7, r->flaky != 0);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Forgets the runs before the last `keep`, and their results. */
static int prune(sqlite3 *db, unsigned keep)
{
    static const char *const sql[] = {
        "DELETE FROM results WHERE run_id <= (SELECT id FROM runs "
        "ORDER BY id DESC LIMIT 1 OFFSET ?)",
        "DELETE FROM runs WHERE id <= (SELECT id FROM runs "
        "ORDER BY id DESC LIMIT 1 OFFSET ?)",
    };
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < 2; i++) {
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
        if (rc != SQLITE_OK)
            break;
        sqlite3_bind_int64(st, 1, keep);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
        sqlite3_finalize(st);
    }
    return rc;
}

int cct_history_record(cct_history *h, const cct_history_run *run,
                       const cct_history_result *results, size_t n,
                       char **warning)
{
    assert(run->mode && run->suite && run->selection && run->verdict);
    /* IMMEDIATE: the write lock is taken now, waiting at most the busy
     * timeout, rather than halfway through. */
    int rc = exec(h->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK) {
        rc = insert_run(h->db, run);
        if (rc == SQLITE_OK)
            rc = insert_results(h->db, sqlite3_last_insert_rowid(h->db),
                                results, n);
        if (rc == SQLITE_OK)
            rc = prune(h->db, h->keep);
        if (rc == SQLITE_OK)
            rc = exec(h->db, "COMMIT");
        if (rc != SQLITE_OK)
            exec(h->db, "ROLLBACK");
    }
    if (rc == SQLITE_OK)
        return 0;
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        set_warning(warning, cct_xasprintf(
            "%s: another cctrial held it for over %d ms: this run is not "
            "kept in the history", h->file, CCT_HISTORY_BUSY_MS));
    else
        set_warning(warning, cct_xasprintf(
            "%s: %s: this run is not kept in the history", h->file,
            sqlite3_errmsg(h->db)));
    return -1;
}

double cct_history_estimate(cct_history *h, const char *selection,
                            unsigned workers)
{
    sqlite3_stmt *st = NULL;
    double seconds = 0.0;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT wall_time FROM runs WHERE selection = ? "
                           "AND workers = ? AND whole = 1 "
                           "ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, selection, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, workers);
        if (sqlite3_step(st) == SQLITE_ROW)
            seconds = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    return seconds > 0 ? seconds : 0.0;
}

/* A test's durations as the results are read: the longest of its results
 * in the run being read (`run`), and the sum of those of the runs before. */
typedef struct duration_sum {
    sqlite3_int64 run;
    double run_longest;
    double sum;
    unsigned runs;
} duration_sum;

static int by_test_id(const void *a, const void *b)
{
    return strcmp(((const cct_test_duration *)a)->test_id,
                  ((const cct_test_duration *)b)->test_id);
}

size_t cct_history_durations(cct_history *h, unsigned last_runs,
                             cct_test_duration **out)
{
    *out = NULL;
    sqlite3_stmt *st = NULL;
    /* The last runs are found by results_run, reading only their
     * results, a run's after the one before (the index's order: ORDER BY
     * costs nothing), as the sums below need.  The averages are made here:
     * SQL's two GROUP BYs (by run and test, then by test) each sorted
     * every result in a temporary B-tree, three times the time (73 ms
     * against 25 for 10 runs of 5,000 tests), at each run's start. */
    if (sqlite3_prepare_v2(h->db,
                           "SELECT run_id, test_id, duration FROM results "
                           "WHERE run_id >= ("
                           "  SELECT COALESCE(MIN(id), 0) FROM ("
                           "    SELECT id FROM runs ORDER BY id DESC "
                           "    LIMIT ?1)) "
                           "ORDER BY run_id",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return 0;
    }
    /* LIMIT -1: no limit. */
    sqlite3_bind_int64(st, 1, last_runs ? (sqlite3_int64)last_runs : -1);
    cct_test_duration *found = NULL;
    duration_sum *sums = NULL;
    size_t n = 0, cap = 0;
    cct_strmap index;
    cct_strmap_init(&index);
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 run = sqlite3_column_int64(st, 0);
        const char *id = (const char *)sqlite3_column_text(st, 1);
        double seconds = sqlite3_column_double(st, 2);
        if (!id)
            continue;
        size_t i = cct_strmap_get(&index, id);
        if (i == CCT_STRMAP_MISSING) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                found = cct_xrealloc(found, cap * sizeof(*found));
                sums = cct_xrealloc(sums, cap * sizeof(*sums));
            }
            i = n++;
            found[i].test_id = cct_xstrdup(id);
            sums[i] = (duration_sum){.run = run, .run_longest = seconds};
            /* The map borrows the copy, which stays where it is when
             * `found` grows. */
            cct_strmap_put(&index, found[i].test_id, i);
            continue;
        }
        duration_sum *sum = &sums[i];
        if (sum->run != run) {
            /* A test with several results in a run (a failure, then an
             * error for a dirty reactor) took as long as its longest. */
            sum->sum += sum->run_longest;
            sum->runs++;
            sum->run = run;
            sum->run_longest = seconds;
        } else if (seconds > sum->run_longest) {
            sum->run_longest = seconds;
        }
    }
    sqlite3_finalize(st);
    cct_strmap_free(&index);
    for (size_t i = 0; i < n; i++)
        found[i].seconds = (sums[i].sum + sums[i].run_longest) /
                           (sums[i].runs + 1);
    free(sums);
    if (n > 0)
        qsort(found, n, sizeof(*found), by_test_id);
    *out = found;
    return n;
}

void cct_history_durations_free(cct_test_duration *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(d[i].test_id);
    free(d);
}

double cct_history_duration_of(const cct_test_duration *d, size_t n,
                               const char *test_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d[mid].test_id, test_id);
        if (c == 0)
            return d[mid].seconds;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1.0;
}
