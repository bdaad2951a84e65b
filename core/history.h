/*
 * The history of runs: .cctrial/history.sqlite, an SQLite database of the
 * last runs of a project and of every result they had, for what cctrial
 * learns across sessions: a run's estimate (the status line's ETA), the
 * tests' durations (shards, longest first), the flaky tests, and
 * `cctrial history`.
 *
 * Writes never slow a run down: the session keeps a run's results in
 * memory and hands them over once, at the run's end, to be written in
 * one short transaction.  Several cctrial processes may share one file (a
 * watcher and a --once in another terminal, shards on one machine): the
 * file is in WAL mode, so that readers never wait, and a writer waits for
 * the lock at most CCT_HISTORY_BUSY_MS, after which its run is not kept
 * (a warning says so).  A file that is not a database, is damaged, or was
 * written by a newer cctrial (a higher schema version) is set aside,
 * renamed <file>.corrupt-<time> or <file>.newer-<time>, with a warning,
 * and a new one begins.  Only the last `keep` runs are kept.
 *
 * Warnings go to the caller as text (never to a terminal from here): a
 * history that cannot be kept costs estimates, never a run.
 */
#ifndef CCT_HISTORY_H
#define CCT_HISTORY_H

#include <stddef.h>

#include "cctrial/plugin.h"
#include "util.h"

/* How long a process waits for another's write before giving up. */
#define CCT_HISTORY_BUSY_MS 500

/* The schema this cctrial writes (PRAGMA user_version). */
#define CCT_HISTORY_SCHEMA 2

typedef struct cct_history cct_history;

/* One run, as kept. */
typedef struct cct_history_run {
    double start, end;        /* seconds since the epoch */
    const char *mode;         /* "watch", "once", "hook" */
    const char *suite;        /* "full", "smart", "retry-suite",
                                 "retry-test" */
    const char *selection;    /* cct_history_selection_key() of its tests */
    size_t tests;             /* how many were selected */
    unsigned workers;
    double wall_time;         /* as cct_run_end's */
    int whole;                /* ran every selected test (not interrupted,
                                 not stopped at a first failure) */
    const char *interpreter;  /* may be NULL: unknown */
    const char *twisted;      /* Twisted's version; may be NULL */
    const char *verdict;      /* "passed", "failed", "interrupted" */
} cct_history_run;

/* One result of a run, as kept. */
typedef struct cct_history_result {
    const char *test_id;
    cct_outcome outcome;
    double duration;
    unsigned worker;
    const char *group_key;    /* its problem key, NULL for a success */
    int flaky;
} cct_history_result;

/* Opens `file` (creating it and .cctrial/ as needed), keeping the last
 * `keep` runs.  Returns NULL when no history can be kept now (then
 * *warning says why); may also return a handle with *warning set (a file
 * set aside).  *warning is malloc'ed or NULL. */
cct_history *cct_history_open(const char *file, unsigned keep,
                              char **warning);
void cct_history_close(cct_history *h);

/* The name of a selection: the same tests in any order are the same
 * selection.  Malloc'ed. */
char *cct_history_selection_key(const cct_strv *tests);

/* Keeps a run and its results, in one transaction, and forgets the runs
 * beyond the last `keep`.  Returns 0, or -1 with *warning (malloc'ed)
 * saying why nothing was kept (another process held the lock too long, a
 * full disk...). */
int cct_history_record(cct_history *h, const cct_history_run *run,
                       const cct_history_result *results, size_t n,
                       char **warning);

/* The wall time of the last whole run of `selection` with `workers`
 * workers, in seconds; 0 when there is none. */
double cct_history_estimate(cct_history *h, const char *selection,
                            unsigned workers);

/* A test's recorded duration: the mean over the runs read of the time its
 * longest result took. */
typedef struct cct_test_duration {
    char *test_id;
    double seconds;
} cct_test_duration;

/* Every test with a recorded duration in the last `last_runs` runs (0:
 * every kept run), sorted by id: *out is malloc'ed (free with
 * cct_history_durations_free).  Returns the count.  Reading every run
 * reads every result kept: a second or more for a large suite. */
size_t cct_history_durations(cct_history *h, unsigned last_runs,
                             cct_test_duration **out);
void cct_history_durations_free(cct_test_duration *d, size_t n);
/* The duration of `test_id` in a list from cct_history_durations, or -1
 * when it has none. */
double cct_history_duration_of(const cct_test_duration *d, size_t n,
                               const char *test_id);

/* The database itself, for the queries of `cctrial history`
 * (history_report.c).  An sqlite3 *. */
void *cct_history_db(cct_history *h);

#endif
