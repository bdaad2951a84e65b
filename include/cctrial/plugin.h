/*
 * cctrial plugin interface: the whole contract between cctrial and a plugin.
 *
 * A plugin is a shared object that exports exactly one function,
 * cct_plugin_entry(), returning a constant descriptor.  The descriptor starts
 * with the ABI version the plugin was built against and its own size, so that
 * cctrial can refuse a plugin of another major version and read fields added
 * in later minor versions only when the plugin's descriptor is large enough
 * to hold them.  Everything else in a plugin should be static; build with
 * -fvisibility=hidden and mark the entry with CCT_PLUGIN_EXPORT.
 *
 * There are three kinds of plugin:
 *   - reporters see every event of a run and show it (terminal, files);
 *   - notifiers tell a person that a run passed or failed (desktop pop-ups);
 *   - selectors choose which tests a change of files should run.
 *
 * A plugin keeps all of its state in an opaque context created by init() and
 * freed by fini(); two instances of one plugin may coexist.  cctrial calls a
 * plugin from its single event-loop thread only: no locking is needed, and
 * no callback may block for long (start processes through host->spawn or
 * host->run_program, never with fork(), system() or a blocking wait).
 *
 * Memory: every pointer cctrial passes to a callback is owned by cctrial and
 * valid only for the duration of that call; copy what you need to keep.
 * Strings are UTF-8 and NUL-terminated unless a length is given.
 */
#ifndef CCTRIAL_PLUGIN_H
#define CCTRIAL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The major version changes when an existing field changes meaning or place;
 * cctrial refuses plugins of another major version.  The minor version grows
 * when fields are appended; either side reads newer fields only after
 * checking the struct's size.  Arrays of structs carry their element size
 * (from 1.2), so that their elements can grow too. */
#define CCT_PLUGIN_ABI_MAJOR 1
#define CCT_PLUGIN_ABI_MINOR 4
#define CCT_PLUGIN_ABI_VERSION \
    ((uint32_t)((CCT_PLUGIN_ABI_MAJOR << 16) | CCT_PLUGIN_ABI_MINOR))
#define CCT_PLUGIN_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)

/* The name of the one symbol every plugin exports. */
#define CCT_PLUGIN_ENTRY_SYMBOL "cct_plugin_entry"

#if defined(__GNUC__)
#define CCT_PLUGIN_EXPORT __attribute__((visibility("default")))
#define CCT_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define CCT_PLUGIN_EXPORT
#define CCT_PRINTF_LIKE(f, a)
#endif

/* Does an event or host struct (they start with `size_t struct_size`) hold
 * `field`?  Use before reading fields newer than 1.0.  (cctrial checks a
 * plugin's descriptor against its `size` itself.) */
#define CCT_HAS_FIELD(ptr, type, field)                                  \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof((ptr)->field))

/* Element `i` of an array of `type` whose elements are `stride` bytes
 * apart.  Arrays of structs carry their element size (ABI 1.2) so that the
 * struct can grow: the writer's elements may be larger than this header's
 * `type`, and indexing with `[i]` would then land between them.  Read the
 * arrays cctrial sends through the accessors below, which use this. */
#define CCT_ELEMENT(type, base, stride, i)                                \
    ((const type *)(const void *)((const char *)(base) +                 \
                                  (size_t)(i) * (size_t)(stride)))

/* ------------------------------------------------------------------------ */
/* Options: each plugin declares the keys of its configuration section.     */
/* ------------------------------------------------------------------------ */

typedef enum cct_option_type {
    CCT_OPT_STRING = 1, /* any text */
    CCT_OPT_INT,        /* a decimal integer, checked against min/max */
    CCT_OPT_BOOL,       /* true/false, yes/no, on/off, 1/0 */
    CCT_OPT_CHOICE,     /* one of the words in `choices` */
    CCT_OPT_PATH,       /* a file name; "~/" is expanded; a project's own
                           file may not point it outside the project */
    CCT_OPT_LIST        /* words separated by commas or spaces */
} cct_option_type;

/* One key of a plugin's section, e.g. [reporter.json] path = out.jsonl.
 * cctrial validates the section against this table before init() and
 * reports an unknown key or a bad value with file and line.  A table ends
 * with an entry whose key is NULL. */
typedef struct cct_option {
    const char *key;           /* lower-case, [a-z0-9_] */
    cct_option_type type;
    const char *default_value; /* as it would be written in the file; may
                                  be NULL for "unset" */
    const char *help;          /* one sentence, shown by --print-config and
                                  in the configuration reference */
    const char *choices;       /* CCT_OPT_CHOICE: "auto|always|never";
                                  CCT_OPT_INT: words it takes besides
                                  numbers ("auto"), or NULL */
    long min, max;             /* CCT_OPT_INT: inclusive bounds */
} cct_option;

/* The size of ABI 1.0's cct_option: the stride cctrial reads the options
 * table of a plugin built before 1.2 with.  Frozen: never
 * sizeof(cct_option). */
#define CCT_OPTION_SIZE_1_0 ((size_t)(offsetof(cct_option, max) + sizeof(long)))

/* ------------------------------------------------------------------------ */
/* The host: services cctrial offers a plugin, passed to init().            */
/* ------------------------------------------------------------------------ */

typedef enum cct_log_level {
    CCT_LOG_ERROR = 0,
    CCT_LOG_WARNING,
    CCT_LOG_INFO,  /* shown with -v */
    CCT_LOG_DEBUG  /* shown with -vv */
} cct_log_level;

typedef struct cct_host cct_host;

/* Called once when a spawned process has ended.  `exit_status` is its exit
 * code, or -1 when it was ended by `term_signal` (which is then non-zero);
 * `timed_out` is 1 when cctrial killed it for running too long. */
typedef void (*cct_spawn_cb)(void *arg, int exit_status, int term_signal,
                             int timed_out);

/* A program started by host->run_program (ABI 1.2), until its callback. */
typedef struct cct_program cct_program;

/* How a program run by host->run_program ended, and what it printed.
 * Valid only during the callback. */
typedef struct cct_program_result {
    size_t struct_size;
    int exit_status;       /* its exit code, or -1 when it was ended by
                              `term_signal` (then non-zero) */
    int term_signal;
    int timed_out;         /* cctrial killed it at `timeout_ms` */
    /* Its standard output, NUL-terminated (out[out_len] is 0; the output
     * itself may hold NULs), cut at `max_output` bytes, in which case
     * out_truncated is 1 and the rest was read and dropped. */
    const char *out;
    size_t out_len;
    int out_truncated;
    /* The end of its standard error (at most 4096 bytes), NUL-terminated:
     * enough for the message of a failure. */
    const char *err;
    size_t err_len;
} cct_program_result;

/* Called once when a program run by host->run_program has ended and its
 * output is read, unless host->stop_program was called first. */
typedef void (*cct_program_cb)(void *arg, const cct_program_result *result);

struct cct_host {
    size_t struct_size;   /* sizeof(cct_host) in cctrial's build */
    uint32_t abi_version; /* CCT_PLUGIN_ABI_VERSION of cctrial */
    const char *version;  /* cctrial's version, e.g. "0.1.0" */

    /* The name of the section this instance is configured from, e.g.
     * "reporter.json". */
    const char *section;

    /* Logs a message on standard error, prefixed with the plugin's name.
     * INFO and DEBUG are shown only with -v / -vv. */
    void (*log)(const cct_host *host, cct_log_level level, const char *fmt,
                ...) CCT_PRINTF_LIKE(3, 4);

    /* The value of an option of this plugin's section, after defaults:
     * NULL only when the option is unset and has no default.  Keys not
     * declared in the plugin's option table return NULL. */
    const char *(*option_string)(const cct_host *host, const char *key);
    long (*option_int)(const cct_host *host, const char *key);
    int (*option_bool)(const cct_host *host, const char *key);

    /* Terminal output.  All text for the user's terminal goes through
     * print(), so that cctrial can clear the in-place status line first and
     * nothing is garbled.  status() replaces the status line (a single line
     * without a newline) when standard output is a terminal; status(NULL)
     * removes it.  stdout_is_tty() and terminal_width() describe standard
     * output (the width is 80 when it is not a terminal). */
    void (*print)(const cct_host *host, const char *text, size_t len);
    void (*status)(const cct_host *host, const char *line);
    int (*stdout_is_tty)(const cct_host *host);
    int (*terminal_width)(const cct_host *host);

    /* Starts `argv[0]` (looked up on PATH) with the given argument vector,
     * never through a shell, with standard input from /dev/null and its
     * output discarded.  The process is killed when it runs longer than
     * `timeout_ms`.  `done` (may be NULL) is called once when it ends.
     * Returns 0, or a negative error code when it could not be started (then
     * `done` is never called). */
    int (*spawn)(const cct_host *host, const char *const *argv,
                 unsigned timeout_ms, cct_spawn_cb done, void *arg);

    /* Looks `program` up on PATH: 1 when found and executable, else 0. */
    int (*have_program)(const cct_host *host, const char *program);

    /* The directory of cctrial's shared data (icons/, helpers/):
     * <prefix>/share/cctrial once installed, build/share/cctrial when
     * cctrial runs from its build tree. */
    const char *data_dir;

    /* The project's root: the directory of its .cctrialrc, else the top
     * of its git work tree, else the directory cctrial was started in. */
    const char *project_dir;

    /* ABI 1.1 (check with CCT_HAS_FIELD): how many times -v was given
     * (0 to 3): how much the user asked to see. */
    int verbose;

    /* ABI 1.2 (check with CCT_HAS_FIELD): runs a program and hands back
     * what it printed, without blocking: `argv[0]` is looked up on PATH and
     * started with the given argument vector, never through a shell, in
     * `cwd` (NULL: the project's directory), with standard input from
     * /dev/null, in a process group of its own.  Its standard output is
     * kept up to `max_output` bytes.  When it runs longer than
     * `timeout_ms`, it and whatever it started are killed (SIGKILL) and it
     * ends with timed_out set.  `done` is called once, from cctrial's loop,
     * after run_program() has returned.  Both bounds are required (non-zero).
     * Returns 0 and sets *program (may be NULL when not wanted) to a handle
     * valid until `done` runs, or a negative error code when it could not
     * be started (then `done` is never called). */
    int (*run_program)(const cct_host *host, const char *const *argv,
                       const char *cwd, unsigned timeout_ms,
                       size_t max_output, cct_program_cb done, void *arg,
                       cct_program **program);
    /* ABI 1.2: kills a program started by run_program (and whatever it
     * started), whose `done` has not run yet; `done` will not run. */
    void (*stop_program)(const cct_host *host, cct_program *program);

    /* ABI 1.3 (check with CCT_HAS_FIELD): the plugin could not produce the
     * output it is configured for (a reporter's file: it cannot be created
     * or written), and says why, naming the file.  cctrial shows the
     * message as an error, prefixed with the plugin's section; a --once run
     * then exits with status 2 after its verdict, so that a CI job does not
     * pass without its report.  Call it for each failure worth a line
     * (cctrial repeats every message); a plugin that only warns uses log(). */
    void (*output_failed)(const cct_host *host, const char *fmt, ...)
        CCT_PRINTF_LIKE(2, 3);
};

/* ------------------------------------------------------------------------ */
/* Events shared by several kinds.                                         */
/* ------------------------------------------------------------------------ */

/* The outcome of one result.  A test may produce more than one result (a
 * failure, then an error for a dirty reactor), exactly as trial counts them. */
typedef enum cct_outcome {
    CCT_OUTCOME_SUCCESS = 0,
    CCT_OUTCOME_FAILURE,
    CCT_OUTCOME_ERROR,
    CCT_OUTCOME_SKIP,
    CCT_OUTCOME_EXPECTED_FAILURE,
    CCT_OUTCOME_UNEXPECTED_SUCCESS,
    CCT_OUTCOME_COUNT  /* the outcomes this header knows; a later minor
                          version may append more */
} cct_outcome;

/* The outcomes of ABI 1.0: the entries of cct_run_end.counts.  Frozen. */
#define CCT_OUTCOME_COUNT_1_0 6

/* Which suite a run is (see the workflow in docs/): the full suite, the
 * tests affected by a change (smart mode, hook mode), the tests that failed
 * in the last big run, or the single test being fixed. */
typedef enum cct_suite {
    CCT_SUITE_FULL = 0,
    CCT_SUITE_SMART,
    CCT_SUITE_RETRY_SUITE,
    CCT_SUITE_RETRY_TEST
} cct_suite;

/* A run is about to start. */
typedef struct cct_run_start {
    size_t struct_size;
    cct_suite suite;
    size_t total;          /* tests that will run */
    unsigned workers;      /* worker processes in use */
    /* ABI 1.3 (check with CCT_HAS_FIELD): how long the run should take, in
     * seconds, as the run_end's wall_time counts it: the time the last
     * whole run of the same tests with as many workers took (kept in
     * .cctrial/history.sqlite), or 0 when there was none. */
    double estimate;
} cct_run_start;

/* A test was handed to a worker. */
typedef struct cct_test_start {
    size_t struct_size;
    const char *test_id;   /* e.g. "pkg.test_mod.TestCase.test_method" */
    unsigned worker;       /* worker number, as in _trial_temp/<worker> */
    size_t index;          /* 1-based: the n-th test begun in the run */
    size_t total;
} cct_test_start;

/* One result of a test. */
typedef struct cct_test_result {
    size_t struct_size;
    const char *test_id;
    cct_outcome outcome;
    double duration;       /* seconds since the test was handed out */
    unsigned worker;
    /* The text trial prints for this result, ending with a newline (empty
     * for a success): the formatted traceback of a failure or error, the
     * reason of a skip, "Reason: 'todo'\n<message>\n" for an expected
     * failure, "Reason: 'todo'\n" for an unexpected success.  Results that
     * show one problem form one group (see cct_run_end). */
    const char *text;
    /* The exception class of a failure or error ("builtins.ValueError"),
     * else NULL. */
    const char *error_class;
    /* The skip reason or the todo reason, else NULL. */
    const char *reason;
    /* Running counts for the whole run so far, this result included. */
    size_t done;           /* tests finished (a test counts once) */
    size_t total;
    /* One entry per outcome, indexed by cct_outcome: n_counts entries (1.0
     * and 1.1 sent CCT_OUTCOME_COUNT_1_0).  Read with
     * cct_test_result_count(). */
    const size_t *counts;
    /* ABI 1.2: the entries of counts, one per outcome cctrial knows. */
    size_t n_counts;
    /* ABI 1.4 (check with CCT_HAS_FIELD): 1 when this result is a success
     * of a test that failed or erred in an earlier run of this session
     * and not in this one, with no watched file changed in between: the
     * test is flaky. */
    int flaky;
} cct_test_result;

/* The logs of one test's worker, sent only while the workflow is fixing
 * that one test.  Each text may be empty; each may have been cut to a
 * bounded size, in which case it says so where it was cut. */
typedef struct cct_test_log {
    size_t struct_size;
    const char *test_id;
    const char *log;       /* test.log: trial's log of the test */
    const char *out;       /* the test's standard output (out.log) */
    const char *err;       /* the test's standard error (err.log) */
} cct_test_log;

/* Results of one outcome that show one problem: the same exception and
 * message raised at the same place, whichever test reached it and however
 * (docs/grouping.md says how cctrial decides).  An element of
 * cct_run_end.groups: read it with cct_run_end_group(). */
typedef struct cct_result_group {
    cct_outcome outcome;
    const char *text;      /* the text of the group's first result */
    size_t n_tests;
    const char *const *test_ids; /* sorted; a test with two results of one
                                    problem is there twice */
} cct_result_group;

/* The size of ABI 1.0's cct_result_group: the stride of groups when
 * cct_run_end has no group_size.  Frozen. */
#define CCT_RESULT_GROUP_SIZE_1_0                                         \
    ((size_t)(offsetof(cct_result_group, test_ids) +                      \
              sizeof(const char *const *)))

/* More about one group (ABI 1.1): group_details[i] in cct_run_end
 * describes groups[i].  A pointer per group, so that it can grow. */
typedef struct cct_group_detail {
    size_t struct_size;
    /* What the group's results have in common, as cctrial compared them:
     * the exception, its message and the frames that place the problem,
     * volatile parts replaced (docs/grouping.md). */
    const char *key;
    /* texts[j] is the exact text of the result of test_ids[j]: each may
     * differ from the group's text in addresses, line numbers, the frames
     * of the test's own code... */
    const char *const *texts;
} cct_group_detail;

/* The run ended. */
typedef struct cct_run_end {
    size_t struct_size;
    cct_suite suite;
    size_t tests_run;      /* "Ran N tests": as trial counts them, so a
                              module or class re-run by its name counts
                              each test it ran */
    /* The counts of ABI 1.0's outcomes, indexed by cct_outcome.  Frozen at
     * that many entries, where the struct cannot grow: read counts with
     * cct_run_end_count(), which knows the outcomes added since. */
    size_t counts[CCT_OUTCOME_COUNT_1_0];
    double wall_time;      /* seconds from the first test's start to the
                              end, as trial's "in X.XXXs": the workers'
                              start-up is not in it */
    int passed;            /* no failures and no errors, as trial decides */
    int interrupted;       /* stopped before every test ran (a key,
                              a signal: every run ends) */
    /* Every outcome but success, grouped by problem, smallest group first
     * so that the biggest problem ends last.  Between groups of one size,
     * skips, todos and unexpected successes come first (in that order),
     * then failures and errors; then the group whose first result came
     * last, so that of equal problems the one met first is the biggest. */
    size_t n_groups;
    const cct_result_group *groups; /* group_size bytes apart: read them
                                       with cct_run_end_group() */
    /* ABI 1.1 (check with CCT_HAS_FIELD): n_groups entries. */
    const cct_group_detail *const *group_details;
    /* ABI 1.2, read through the accessors below. */
    size_t group_size;           /* the stride of groups */
    size_t n_counts;             /* the entries of all_counts */
    const size_t *all_counts;    /* the count of every outcome cctrial
                                    knows, indexed by cct_outcome */
} cct_run_end;

/* The i-th group of a run (i < ev->n_groups), whatever the version of the
 * cctrial that sent it. */
static inline const cct_result_group *
cct_run_end_group(const cct_run_end *ev, size_t i)
{
    size_t stride = CCT_HAS_FIELD(ev, cct_run_end, group_size)
                        ? ev->group_size
                        : CCT_RESULT_GROUP_SIZE_1_0;
    return CCT_ELEMENT(cct_result_group, ev->groups, stride, i);
}

/* The count of `outcome` in a run: 0 for an outcome the sender does not
 * know. */
static inline size_t cct_run_end_count(const cct_run_end *ev,
                                       cct_outcome outcome)
{
    if (CCT_HAS_FIELD(ev, cct_run_end, all_counts) && ev->all_counts)
        return (size_t)outcome < ev->n_counts ? ev->all_counts[outcome] : 0;
    return (size_t)outcome < CCT_OUTCOME_COUNT_1_0 ? ev->counts[outcome] : 0;
}

/* The running count of `outcome` given with a result: 0 for an outcome
 * the sender does not know, or when the result carries no counts. */
static inline size_t cct_test_result_count(const cct_test_result *ev,
                                           cct_outcome outcome)
{
    size_t n = CCT_HAS_FIELD(ev, cct_test_result, n_counts)
                   ? ev->n_counts
                   : CCT_OUTCOME_COUNT_1_0;
    return ev->counts && (size_t)outcome < n ? ev->counts[outcome] : 0;
}

/* Messages of the workflow, for the user. */
typedef enum cct_message_kind {
    CCT_MSG_RERUN = 0,     /* "re-run: <test>": the biggest problem runs */
    CCT_MSG_PLEASE_FIX,    /* "please fix: <test>": it still fails */
    CCT_MSG_WAITING,       /* "waiting for filesystem change..." */
    CCT_MSG_NO_TEST_FOR,   /* "no test detected for <file>" */
    CCT_MSG_NO_TEST_TO_RUN,/* "no test to run" */
    CCT_MSG_INFO           /* anything else worth a line */
} cct_message_kind;

typedef struct cct_message {
    size_t struct_size;
    cct_message_kind kind;
    const char *text;      /* the whole line, without a newline */
    const char *subject;   /* the test id or file name it is about, or
                              NULL */
} cct_message;

/* ------------------------------------------------------------------------ */
/* Kind-specific callbacks.  Any callback may be NULL.                      */
/* ------------------------------------------------------------------------ */

typedef struct cct_reporter_ops {
    void (*run_start)(void *ctx, const cct_run_start *ev);
    void (*test_start)(void *ctx, const cct_test_start *ev);
    void (*test_result)(void *ctx, const cct_test_result *ev);
    void (*test_log)(void *ctx, const cct_test_log *ev);
    void (*run_end)(void *ctx, const cct_run_end *ev);
    void (*message)(void *ctx, const cct_message *ev);
} cct_reporter_ops;

typedef enum cct_notify_status {
    CCT_NOTIFY_PASS = 0,
    CCT_NOTIFY_FAIL
} cct_notify_status;

typedef struct cct_notifier_ops {
    /* Shows one notification; must return at once (use host->spawn). */
    void (*notify)(void *ctx, const char *title, const char *message,
                   cct_notify_status status);
} cct_notifier_ops;

/* What selectors read: the tests and the import graph of the project.
 * An element of cct_catalog.tests: read it with cct_catalog_test_at(). */
typedef struct cct_catalog_test {
    const char *id;        /* "pkg.test_mod.TestCase.test_method" */
    const char *module;    /* "pkg.test_mod" */
    size_t file;           /* index into cct_catalog.files, or
                              CCT_NO_FILE */
} cct_catalog_test;

#define CCT_NO_FILE ((size_t)-1)

/* The size of ABI 1.0's cct_catalog_test: the stride of tests when
 * cct_catalog has no test_size.  Frozen. */
#define CCT_CATALOG_TEST_SIZE_1_0                                         \
    ((size_t)(offsetof(cct_catalog_test, file) + sizeof(size_t)))

typedef struct cct_catalog {
    size_t struct_size;
    size_t n_tests;
    const cct_catalog_test *tests; /* test_size bytes apart: read them with
                                      cct_catalog_test_at() */
    /* Absolute paths of the project's Python files that discovery loaded. */
    size_t n_files;
    const char *const *files;
    /* The import graph: for file i, imports[i] lists (n_imports[i] entries)
     * the indexes of the project files it imports. */
    const size_t *n_imports;
    const size_t *const *imports;
    /* ABI 1.2: the stride of tests. */
    size_t test_size;
} cct_catalog;

/* The i-th test of the catalog (i < catalog->n_tests), whatever the
 * version of the cctrial that sent it. */
static inline const cct_catalog_test *
cct_catalog_test_at(const cct_catalog *catalog, size_t i)
{
    size_t stride = CCT_HAS_FIELD(catalog, cct_catalog, test_size)
                        ? catalog->test_size
                        : CCT_CATALOG_TEST_SIZE_1_0;
    return CCT_ELEMENT(cct_catalog_test, catalog->tests, stride, i);
}

/* The files that changed (absolute paths).  A file may no longer exist. */
typedef struct cct_change_set {
    size_t struct_size;
    size_t n_files;
    const char *const *files;
} cct_change_set;

/* The selector's answer: set selected[i] to 1 for each test i to run (the
 * array has catalog->n_tests entries, all 0 on entry); call
 * unreached(sel, file) for a changed file that selects no test. */
typedef struct cct_selection {
    size_t struct_size;
    unsigned char *selected;
    void (*unreached)(struct cct_selection *sel, const char *file);
    void *host_data;       /* cctrial's own; do not touch */
    /* ABI 1.2 (check with CCT_HAS_FIELD): how a selector whose select()
     * returned CCT_SELECT_PENDING answers, once, later, from one of
     * cctrial's callbacks (the end of a program it ran): `status` is what
     * select() would have returned (0, or negative after logging why).  The
     * selection, its `selected` array and the catalog stay valid until
     * complete() is called or the selection is cancelled. */
    void (*complete)(struct cct_selection *sel, int status);
} cct_selection;

/* select() returns this (ABI 1.2) when it answers later through
 * sel->complete(), e.g. after running git with host->run_program.  Only
 * when `changes` is NULL: with a change set cctrial needs the answer at
 * once (it decides what runs on every change), and takes a pending answer
 * there for a failure.  cctrial has at most one selection pending. */
#define CCT_SELECT_PENDING 1

typedef struct cct_selector_ops {
    /* Returns 0, or a negative value when it could not decide (the error is
     * logged through host->log by the selector); then cctrial runs nothing.
     * `changes` is NULL for the first run of a session: a selector that
     * finds its changes itself (git-diff) does so then, and may take its
     * time: it returns CCT_SELECT_PENDING and completes later. */
    int (*select)(void *ctx, const cct_catalog *catalog,
                  const cct_change_set *changes, cct_selection *out);
    /* ABI 1.2: cctrial no longer waits for the selection left pending
     * (the session ends): stop what it started (host->stop_program) and
     * never call sel->complete().  Required of a selector that returns
     * CCT_SELECT_PENDING; read only from plugins built against 1.2 or
     * later (the descriptor's abi_version). */
    void (*cancel)(void *ctx, cct_selection *sel);
} cct_selector_ops;

/* ------------------------------------------------------------------------ */
/* The descriptor.                                                          */
/* ------------------------------------------------------------------------ */

typedef enum cct_plugin_kind {
    CCT_PLUGIN_REPORTER = 1,
    CCT_PLUGIN_NOTIFIER,
    CCT_PLUGIN_SELECTOR
} cct_plugin_kind;

typedef struct cct_plugin {
    uint32_t abi_version;      /* CCT_PLUGIN_ABI_VERSION */
    uint32_t size;             /* sizeof(cct_plugin) */
    cct_plugin_kind kind;
    const char *name;          /* e.g. "summary"; [a-z0-9_-] */
    const char *description;   /* one line, for --list-plugins */
    const cct_option *options; /* may be NULL: no options; else
                                  option_size bytes apart */

    /* Creates the plugin's context in *ctx.  `host` stays valid until
     * fini().  Returns 0, or a negative value after logging why through
     * host->log; cctrial then stops with that message. */
    int (*init)(const cct_host *host, void **ctx);
    /* Frees the context; may be NULL. */
    void (*fini)(void *ctx);

    /* The callbacks of the plugin's kind; the others are NULL. */
    const cct_reporter_ops *reporter;
    const cct_notifier_ops *notifier;
    const cct_selector_ops *selector;

    /* ABI 1.2: sizeof(cct_option), the stride of `options`; required with
     * options (cctrial refuses a plugin whose option_size is smaller than
     * ABI 1.0's cct_option).  A descriptor without the field (built
     * before 1.2) has its table read with CCT_OPTION_SIZE_1_0. */
    size_t option_size;
} cct_plugin;

/* The size of ABI 1.0's descriptor, which every plugin's is at least:
 * later minor versions only append fields, which cctrial reads only when
 * a plugin's `size` covers them.  Frozen: never sizeof(cct_plugin). */
#define CCT_PLUGIN_SIZE_1_0                    \
    ((uint32_t)(offsetof(cct_plugin, selector) + \
                sizeof(const cct_selector_ops *)))

/* The one function a plugin exports.  Define it as:
 *
 *   CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
 *   {
 *       return &my_plugin;
 *   }
 */
typedef const cct_plugin *(*cct_plugin_entry_fn)(void);
CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* CCTRIAL_PLUGIN_H */
