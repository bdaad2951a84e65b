/*
 * The report of `cctrial history` (see history_report.h): three queries of
 * the history, each turned into a JSON array, and the text made from
 * those arrays, so that both forms say the same.
 */
#include "history_report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "history.h"
#include "visible.h"

/* "2026-12-01T15:35:01.123Z", as the JSON reporter writes times. */
static json_t *iso_time(double seconds)
{
    time_t whole = (time_t)seconds; /* after 1970: truncation is floor */
    int ms = (int)((seconds - (double)whole) * 1000.0);
    struct tm tm;
    gmtime_r(&whole, &tm);
    char text[40];
    size_t n = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(text + n, sizeof(text) - n, ".%03dZ", ms);
    return json_string(text);
}

static json_t *column(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer((json_int_t)sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        return json_string((const char *)sqlite3_column_text(st, i));
    default:
        return json_null();
    }
}

/* Each row of `sql` (one parameter: the limit) as an object with the
 * given keys; keys ending in "@" are times, written as ISO 8601. */
static json_t *rows(sqlite3 *db, const char *sql, const char *const *keys,
                    unsigned limit)
{
    json_t *array = json_array();
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *row = json_object();
        for (int i = 0; keys[i]; i++) {
            size_t len = strlen(keys[i]);
            if (keys[i][len - 1] == '@') {
                char *key = cct_xstrndup(keys[i], len - 1);
                json_object_set_new(row, key,
                                    iso_time(sqlite3_column_double(st, i)));
                free(key);
            } else {
                json_object_set_new(row, keys[i], column(st, i));
            }
        }
        json_array_append_new(array, row);
    }
    sqlite3_finalize(st);
    return array;
}

static const char runs_sql[] =
    "SELECT id, start, end, mode, suite, tests, workers, wall_time, "
    "  verdict, (SELECT COUNT(DISTINCT test_id) FROM results "
    "            WHERE run_id = runs.id "
    "              AND outcome IN ('failure', 'error')), "
    "  interpreter, twisted "
    "FROM runs ORDER BY id DESC LIMIT ?";
static const char *const runs_keys[] = {
    "id", "start@", "end@", "mode", "suite", "tests", "workers",
    "wall_time", "verdict", "failed", "interpreter", "twisted", NULL};

/* A test's time in a run: its longest result's. */
static const char slowest_sql[] =
    "SELECT test_id, AVG(d), MAX(d), COUNT(*) FROM ("
    "  SELECT run_id, test_id, MAX(duration) AS d FROM results "
    "  GROUP BY run_id, test_id) "
    "GROUP BY test_id ORDER BY AVG(d) DESC, test_id LIMIT ?";
static const char *const slowest_keys[] = {"test_id", "mean", "max", "runs",
                                           NULL};

static const char flakiest_sql[] =
    "SELECT test_id, SUM(flaky) AS f, COUNT(DISTINCT run_id) "
    "FROM results GROUP BY test_id HAVING f > 0 "
    "ORDER BY f DESC, test_id LIMIT ?";
static const char *const flakiest_keys[] = {"test_id", "flaky", "runs",
                                            NULL};

static const char *text_of(json_t *row, const char *key)
{
    const char *t = json_string_value(json_object_get(row, key));
    return t ? t : "?";
}

static double number_of(json_t *row, const char *key)
{
    return json_number_value(json_object_get(row, key));
}

/* An id on one line, its control characters escaped. */
static void print_id(FILE *out, const char *id)
{
    char *shown = visible_text(id, VISIBLE_LINE);
    fputs(shown ? shown : id, out);
    free(shown);
}

static void print_text(FILE *out, const char *file, json_t *report)
{
    json_t *runs = json_object_get(report, "runs");
    json_t *slowest = json_object_get(report, "slowest");
    json_t *flakiest = json_object_get(report, "flakiest");
    size_t i;
    json_t *row;
    if (json_array_size(runs) == 0) {
        fprintf(out, "No run in the history yet (%s).\n", file);
        return;
    }
    fprintf(out, "Last runs (newest first):\n");
    json_array_foreach(runs, i, row) {
        char start[20];
        snprintf(start, sizeof(start), "%s", text_of(row, "start"));
        if (strlen(start) > 10)
            start[10] = ' '; /* 2026-12-01 15:35:01 */
        double tests = number_of(row, "tests");
        double workers = number_of(row, "workers");
        fprintf(out, "  %s  %-5s %-11s %5.0f test%s %2.0f worker%s "
                     "%8.2fs  %s",
                start, text_of(row, "mode"), text_of(row, "suite"), tests,
                tests == 1 ? " " : "s", workers, workers == 1 ? " " : "s",
                number_of(row, "wall_time"), text_of(row, "verdict"));
        if (number_of(row, "failed") > 0)
            fprintf(out, " (%.0f failed)", number_of(row, "failed"));
        fputc('\n', out);
    }
    fprintf(out, "\nSlowest tests (mean time over the runs that ran "
                 "them):\n");
    json_array_foreach(slowest, i, row) {
        fprintf(out, "  %8.3fs  ", number_of(row, "mean"));
        print_id(out, text_of(row, "test_id"));
        fprintf(out, "  (max %.3fs, %.0f runs)\n", number_of(row, "max"),
                number_of(row, "runs"));
    }
    fprintf(out, "\nFlakiest tests (passed after a failure with no change "
                 "in between):\n");
    if (json_array_size(flakiest) == 0)
        fprintf(out, "  none\n");
    json_array_foreach(flakiest, i, row) {
        fprintf(out, "  %4.0f times  ", number_of(row, "flaky"));
        print_id(out, text_of(row, "test_id"));
        fprintf(out, "  (in %.0f runs)\n", number_of(row, "runs"));
    }
}

int cct_history_report(const char *file, unsigned limit, int json,
                       FILE *out)
{
    json_t *report = json_object();
    json_object_set_new(report, "file", json_string(file));
    json_t *runs = json_array(), *slowest = json_array(),
           *flakiest = json_array();
    /* Opened as the sessions open it: a damaged file is set aside. */
    if (access(file, F_OK) == 0) {
        char *warning = NULL;
        cct_history *h = cct_history_open(file, 1, &warning);
        if (warning)
            fprintf(stderr, "cctrial: warning: %s\n", warning);
        free(warning);
        if (!h) {
            json_decref(report);
            json_decref(runs);
            json_decref(slowest);
            json_decref(flakiest);
            return 1;
        }
        sqlite3 *db = cct_history_db(h);
        json_decref(runs);
        json_decref(slowest);
        json_decref(flakiest);
        runs = rows(db, runs_sql, runs_keys, limit);
        slowest = rows(db, slowest_sql, slowest_keys, limit);
        flakiest = rows(db, flakiest_sql, flakiest_keys, limit);
        cct_history_close(h);
    }
    json_object_set_new(report, "runs", runs ? runs : json_array());
    json_object_set_new(report, "slowest", slowest ? slowest : json_array());
    json_object_set_new(report, "flakiest",
                        flakiest ? flakiest : json_array());
    if (json) {
        /* Times are measured to the microsecond: no more digits. */
        json_dumpf(report, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', out);
    } else {
        print_text(out, file, report);
    }
    json_decref(report);
    return 0;
}
