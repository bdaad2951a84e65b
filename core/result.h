/*
 * One result of a test, as cctrial's core knows it.
 *
 * A result is filled once, where it is made: where a worker's command is
 * decoded (worker_commands.c), or where the runner gives a test an error of
 * its own (a worker that died, a Run answered without any result).  It is
 * read unchanged by everything after: the run's results keep a copy
 * (results.c), and report.c turns it into the plugins' cct_test_result,
 * which is the ABI's and may grow as the ABI does; this one is core's and
 * changes with core.  The outcomes are the ABI's (cct_outcome): they are
 * trial's, and the plugins count by them.
 */
#ifndef CCT_RESULT_H
#define CCT_RESULT_H

#include "cctrial/plugin.h"

typedef struct cct_result {
    /* The name the runner handed out, whatever name the worker reported
     * the result under (a module or class handed out by its name reports
     * each of its tests under the test's own), as trial's manager does. */
    const char *test_id;
    cct_outcome outcome;
    /* The text trial prints for it (see cct_test_result): never NULL, ""
     * for a success. */
    const char *text;
    const char *error_class; /* of a failure or error, else NULL */
    const char *message;     /* of a failure or error from the worker: the
                                exception's text, else NULL */
    const char *reason;      /* of a skip or a todo, else NULL */
    unsigned worker;         /* the worker's number (_trial_temp/<n>) */
    double duration;         /* seconds since the test was handed out (to
                                a worker ready to run it); 0 for the
                                runner's own errors */
} cct_result;

/* Where results go as they are made.  The result and its strings are
 * valid during the call only. */
typedef void (*cct_result_cb)(const cct_result *result, void *arg);

#endif
