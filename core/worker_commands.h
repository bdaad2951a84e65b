/*
 * Reading what a trial worker sends us, apart from the worker's process:
 * the results of its test (AddSuccess, AddFailure, ... in either protocol
 * generation: texts inline before Twisted 22.10, in streams from 22.10),
 * the lines it logs (TestWrite), and the streams themselves (StreamOpen,
 * StreamWrite).
 *
 * A reader keeps what lasts from one command to the next (the open
 * streams, the names the Run's results came under); each command box
 * becomes a cct_worker_request that says what to do: hand a result on,
 * write a line to test.log, send an answer.  The worker carries it out
 * (worker_commands.c, cct__worker_handle_command); nothing here touches a
 * process or a pipe, so that it can be tested alone.
 */
#ifndef CCT_WORKER_COMMANDS_H
#define CCT_WORKER_COMMANDS_H

#include <stddef.h>

#include "amp.h"
#include "result.h"
#include "traceback.h"
#include "util.h"

/* The most text kept in memory for one failure, stream or message. */
#define CCT_MAX_TEXT (1u << 20)
/* Streams (22.10+): how many may be open at once; what all open streams
 * keep together, first come first kept; beyond that, each stream's
 * beginning only, up to a hard total (see may_keep()). */
#define MAX_STREAMS 4096
#define STREAMS_KEPT (4 * CCT_MAX_TEXT)
#define STREAM_HEAD 65536
#define STREAMS_MAX (16 * CCT_MAX_TEXT)

typedef struct cct_stream_chunk {
    char *data;
    size_t len;
} cct_stream_chunk;

/* A stream of the 22.10+ protocol: the chunks written to it so far. */
typedef struct cct_worker_stream {
    long long id;
    cct_stream_chunk *chunks;
    size_t n, cap;
    size_t kept;  /* bytes in chunks */
    size_t total; /* bytes written to it */
    int cut;      /* chunks were dropped: kept < total */
} cct_worker_stream;

typedef struct cct_worker_reader {
    cct_source_cache *sources; /* for formatting tracebacks; not owned */
    cct_tbformat tbformat;     /* trial's --tbformat; set after init */
    unsigned failures;         /* failures formatted: their number */
    cct_worker_stream *streams;
    size_t n_streams, cap_streams;
    long long next_stream;
    size_t streams_kept; /* bytes kept by all open streams */
    /* The tests the Run has reported on: results under a name other than
     * the previous one's (a test's results come together). */
    size_t n_tests;
    char *last_name;
} cct_worker_reader;

void cct_worker_reader_init(cct_worker_reader *rd, cct_source_cache *sources);
void cct_worker_reader_free(cct_worker_reader *rd);
/* A new Run begins: the tests it runs are counted afresh. */
void cct_worker_reader_new_run(cct_worker_reader *rd);

/* The test a result is of: the one the worker is running. */
typedef struct cct_running_test {
    const char *id;  /* as it was handed out; NULL when none runs */
    unsigned worker; /* the worker's number */
    double duration; /* seconds since it began (see take_elapsed) */
} cct_running_test;

/* The one place a worker's result is filled: `test`'s, whatever name the
 * worker gave it.  The strings are borrowed (`text` NULL for ""). */
cct_result cct_worker_result(const cct_running_test *test,
                             cct_outcome outcome, const char *text,
                             const char *error_class, const char *reason);

/* What a command's answer holds. */
enum { ANSWER_SUCCESS, ANSWER_EMPTY, ANSWER_FIELDS };

typedef enum cct_worker_request_kind {
    CCT_REQUEST_RESULT, /* hand `result` on */
    CCT_REQUEST_LOG,    /* write `log` and a newline to test.log */
    CCT_REQUEST_STREAM, /* about a stream: only the answer is to send */
    CCT_REQUEST_UNKNOWN /* not trial's: answered with an UNHANDLED error */
} cct_worker_request_kind;

typedef struct cct_worker_request {
    cct_worker_request_kind kind;
    int answer;            /* ANSWER_*; not for CCT_REQUEST_UNKNOWN */
    cct_buf answer_fields; /* ANSWER_FIELDS: the answer's pairs */
    cct_result result;     /* CCT_REQUEST_RESULT; strings in `owned` */
    const char *log;       /* CCT_REQUEST_LOG: points into the box */
    size_t log_len;
    char *owned[4];        /* the strings `result` points to */
} cct_worker_request;

/* Reads one command box (it has a _command) sent while `test` runs.
 * Returns 0 and fills *out (free it with cct_worker_request_free), or -1
 * and sets *error (malloc'ed) to how the box breaks trial's protocol. */
int cct_worker_read_command(cct_worker_reader *rd, const cct_amp_box *box,
                            const cct_running_test *test,
                            cct_worker_request *out, char **error);
void cct_worker_request_free(cct_worker_request *c);

/* The value of `key` as text (UTF-8 repaired), or NULL; malloc'ed. */
char *cct__worker_box_text(const cct_amp_box *box, const char *key);

#endif
