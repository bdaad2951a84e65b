/*
 * The `oneline` reporter: one status line that tells, during a run, the
 * current test, how far the run is and what went wrong so far.  As the
 * original cctrial drew it: the id in 70 columns, then
 *
 *        38/   38     0F          4E          0S          0T          0!
 *
 * (F failures, E errors, S skips, T expected failures, ! unexpected
 * successes; red for failures, errors and unexpected successes, blue for
 * skips and expected failures, as trial colours them).
 *
 * On a terminal the line is redrawn in place (host->status) on every test
 * start and result; the test id is shortened from the right, whole dotted
 * parts at a time, so that the line fits the terminal; each count that is
 * not zero is coloured.  When the run ends a final line is printed for
 * good (host->print), after whatever the reporters listed before this one
 * printed: what the run was and how long it took instead of the last
 * test's id, then the counts, in the same columns,
 *
 *     failed in 0.272s                 ...    38/   38     0F          4E ...
 *
 * so that no passing test stands beside the count of failures.  A run of
 * the single test the workflow is fixing leaves no final line, as in the
 * seed's screenshots: the summary and the test's logs say everything
 * about it.
 *
 * On a terminal the status line ends with the run's time so far, and,
 * when cctrial knows how long the last run of the same tests took
 * (cct_run_start.estimate), the time that should be left:
 *
 *     pkg.test_mod.T.test_x   ...     0!  0:12 ETA 0:31
 *
 * (the time left stays at 0:00 when the run takes longer than the last).
 * The time shown is that of the last redraw: the line is redrawn on every
 * test's start and result.
 *
 * Without a terminal (a pipe, a CI log) nothing is redrawn: a dot per
 * success and a full, newline-terminated status line for every other
 * result, then the final line; no cursor movement, and no colour unless
 * `color = always`.
 *
 * With `rterrors = true` (trial's -e, --rterrors) each failure's and
 * error's traceback is printed as it comes, above the status line, as
 * trial's realtime errors are: "[FAIL]" or "[ERROR]", trial's text, then
 * the test's id, which says whose traceback it is when several workers
 * run.  The summary at the end still shows them all.  Unset (the
 * default), it is on for a terminal in every run but the fix loop's run of
 * the single retry test (whose output shows at once anyway; the run's
 * suite comes with run_start), and off on a pipe; `false` turns it off.
 *
 * Colour: `color = auto` (the default) colours on a terminal unless
 * NO_COLOR is set to a non-empty value or TERM is "dumb"; `always` colours
 * even on a pipe and despite NO_COLOR (an explicit setting wins over the
 * environment, as no-color.org asks); `never` never colours.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cctrial/plugin.h"
#include "strbuf.h"
#include "visible.h"

/* The original reporter's layout: the id in 70 columns, then six fields of
 * 12 columns (run/total and the five counts), the last one unpadded. */
#define ID_COLUMNS 70
#define FIELD_COLUMNS 12
#define COUNTS_COLUMNS (FIELD_COLUMNS * 5 + 7)
/* Below this many columns for the id, the counts drop their padding. */
#define MIN_ID_COLUMNS 20

#define RED "\033[31m"
#define BLUE "\033[34m"
#define RESET "\033[0m"

typedef struct oneline {
    const cct_host *host;
    int tty;
    int color;
    size_t total;
    size_t started;  /* the highest index handed out */
    size_t finished; /* tests with at least one result */
    size_t counts[CCT_OUTCOME_COUNT];
    char *current;   /* the test started last */
    /* Per worker: a test was handed out and has no result yet.  Results of
     * one test come together, before its worker gets the next test. */
    unsigned char *awaiting;
    size_t n_awaiting;
    int dots_pending; /* a line of dots not ended yet (pipe) */
    int rterrors;     /* the option: 1, 0, or -1 when unset (auto) */
    int rterrors_now; /* this run prints tracebacks as they come */
    struct timespec began; /* run_start, for the time so far */
    double estimate;  /* seconds the run should take, or 0: unknown */
} oneline;

/* The counts in the order of the line, with their letter and colour. */
static const struct {
    cct_outcome outcome;
    char letter;
    const char *color;
} fields[] = {
    {CCT_OUTCOME_FAILURE, 'F', RED},
    {CCT_OUTCOME_ERROR, 'E', RED},
    {CCT_OUTCOME_SKIP, 'S', BLUE},
    {CCT_OUTCOME_EXPECTED_FAILURE, 'T', BLUE},
    {CCT_OUTCOME_UNEXPECTED_SUCCESS, '!', RED},
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* ---- columns ------------------------------------------------------------ */

/* Columns a UTF-8 string takes, counting one per character. */
static size_t columns(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    return n;
}

/* Bytes of the first `cols` characters of s. */
static size_t prefix_bytes(const char *s, size_t cols)
{
    size_t i = 0;
    for (size_t seen = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && seen++ == cols)
            break;
    }
    return i;
}

/* ---- the line ----------------------------------------------------------- */

/* The length of id[0..len) without its last dotted part, or 0. */
static size_t drop_last_part(const char *id, size_t len)
{
    while (len > 0 && id[--len] != '.')
        ;
    return len;
}

/* text[0..len) in `width` columns: padded with blanks, or cut and ended
 * with an ellipsis when it is too long. */
static void add_field(strbuf *t, const char *text, size_t len, size_t width)
{
    size_t used = columns(text, len);
    if (used <= width) {
        strbuf_add(t, text, len);
        strbuf_repeat(t, ' ', width - used);
    } else if (width > 0) {
        strbuf_add(t, text, prefix_bytes(text, width - 1));
        strbuf_adds(t, "\xe2\x80\xa6");
    }
}

/* The id in `width` columns: whole dotted parts dropped from the right
 * while it is too long (its start says where in the project the run is,
 * as in the original reporter); a first part still too long is cut. */
static void add_id(strbuf *t, const char *id, size_t width)
{
    size_t len = strlen(id);
    while (columns(id, len) > width) {
        size_t shorter = drop_last_part(id, len);
        if (shorter == 0)
            break;
        len = shorter;
    }
    add_field(t, id, len, width);
}

/* What the run was, in `width` columns: words, not an id ("passed in
 * 0.272s" has a dot that is no part of a name). */
static void add_words(strbuf *t, const char *words, size_t width)
{
    add_field(t, words, strlen(words), width);
}

/* How the line's head (a test id, or what the run was) fills its field. */
typedef void (*add_head_fn)(strbuf *t, const char *head, size_t width);

/* " %5zuE", coloured when not zero; in the wide layout, padded to
 * FIELD_COLUMNS unless it is the last field (no trailing blanks). */
static void add_count(oneline *o, strbuf *t, size_t i, int wide, int last)
{
    size_t n = o->counts[fields[i].outcome];
    char number[48];
    int len = snprintf(number, sizeof(number), wide ? " %5zu%c" : " %zu%c",
                       n, fields[i].letter);
    if (len < 0)
        return;
    int color = o->color && n > 0;
    strbuf_add(t, number, 1);
    if (color)
        strbuf_adds(t, fields[i].color);
    strbuf_add(t, number + 1, (size_t)len - 1);
    if (color)
        strbuf_adds(t, RESET);
    if (wide && !last && (size_t)len < FIELD_COLUMNS)
        strbuf_repeat(t, ' ', FIELD_COLUMNS - (size_t)len);
}

static void add_counts(oneline *o, strbuf *t, size_t run, int wide)
{
    strbuf_addf(t, wide ? " %5zu/%5zu" : " %zu/%zu", run, o->total);
    for (size_t i = 0; i < N_FIELDS; i++)
        add_count(o, t, i, wide, i + 1 == N_FIELDS);
}

/* Columns the counts take in the compact layout (colour takes none). */
static size_t compact_columns(oneline *o, size_t run)
{
    char buf[64];
    size_t n = (size_t)snprintf(buf, sizeof(buf), " %zu/%zu", run, o->total);
    for (size_t i = 0; i < N_FIELDS; i++)
        n += (size_t)snprintf(buf, sizeof(buf), " %zu%c",
                              o->counts[fields[i].outcome], fields[i].letter);
    return n;
}

/* The whole line: `head` (a test id, or what the run was), then the
 * counts.  `width` is the columns available, or 0 for no limit (a pipe:
 * the head is shown whole).  The original layout when it fits, with a
 * narrower id field down to MIN_ID_COLUMNS, then counts without padding
 * so that a narrow terminal still shows most of the head. */
static void build_line(oneline *o, strbuf *t, const char *head,
                       add_head_fn add_head, size_t run, size_t width,
                       const strbuf *tail)
{
    size_t id_columns = ID_COLUMNS;
    int wide = 1;
    /* The tail (a terminal's only) goes first when the terminal is too
     * narrow for it and the counts. */
    assert(!tail || width);
    if (tail) {
        size_t tail_columns = columns(tail->data, tail->len);
        if (width > tail_columns + compact_columns(o, run))
            width -= tail_columns;
        else
            tail = NULL;
    }
    if (!width) {
        size_t n = columns(head, strlen(head));
        if (n > id_columns)
            id_columns = n;
    } else if (width < MIN_ID_COLUMNS + COUNTS_COLUMNS) {
        size_t counts = compact_columns(o, run);
        wide = 0;
        id_columns = width > counts ? width - counts : 0;
    } else if (width < ID_COLUMNS + COUNTS_COLUMNS) {
        id_columns = width - COUNTS_COLUMNS;
    }
    add_head(t, head, id_columns);
    add_counts(o, t, run, wide);
    if (tail)
        strbuf_add(t, tail->data, tail->len);
}

/* ---- time --------------------------------------------------------------- */

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) +
           (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* " 1:05" or " 1:02:05": whole seconds, rounded down for a time gone
 * by, up for a time left (so that "0:00" left means done). */
static void add_duration(strbuf *t, double seconds, int round_up)
{
    unsigned long s = seconds > 0 ? (unsigned long)seconds : 0;
    if (round_up && seconds > (double)s)
        s++;
    if (s >= 3600)
        strbuf_addf(t, " %lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        strbuf_addf(t, " %lu:%02lu", s / 60, s % 60);
}

/* The status line's tail: the time so far, then what should be left. */
static void add_times(oneline *o, strbuf *t)
{
    double elapsed = seconds_since(&o->began);
    strbuf_adds(t, " ");
    add_duration(t, elapsed, 0);
    if (o->estimate > 0) {
        strbuf_adds(t, " ETA");
        add_duration(t, o->estimate - elapsed, 1);
    }
}

/* ---- showing it --------------------------------------------------------- */

/* The columns the status line may use: never the last one, where a
 * terminal would wrap and the line could no longer be redrawn. */
static size_t status_width(oneline *o)
{
    int width = o->host->terminal_width(o->host);
    return width > 1 ? (size_t)width - 1 : 1;
}

static void show_status(oneline *o)
{
    if (!o->current)
        return;
    strbuf t = {0}, times = {0};
    add_times(o, &times);
    build_line(o, &t, o->current, add_id, o->started, status_width(o),
               times.failed ? NULL : &times);
    if (!t.failed)
        o->host->status(o->host, t.data);
    strbuf_free(&t);
    strbuf_free(&times);
}

/* Prints a whole line (the final line, or a pipe's line). */
static void print_line(oneline *o, const char *head, add_head_fn add_head,
                       size_t run)
{
    strbuf t = {0};
    build_line(o, &t, head, add_head, run, o->tty ? status_width(o) : 0,
               NULL);
    strbuf_add(&t, "\n", 1);
    if (!t.failed)
        o->host->print(o->host, t.data, t.len);
    strbuf_free(&t);
}

static void end_dots(oneline *o)
{
    if (o->dots_pending) {
        o->host->print(o->host, "\n", 1);
        o->dots_pending = 0;
    }
}

/* ---- state -------------------------------------------------------------- */

static int wants_color(const cct_host *host, int tty)
{
    const char *choice = host->option_string(host, "color");
    if (choice && strcmp(choice, "always") == 0)
        return 1;
    if (choice && strcmp(choice, "never") == 0)
        return 0;
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return tty && !(no_color && *no_color) &&
           !(term && strcmp(term, "dumb") == 0);
}

static int init(const cct_host *host, void **ctx)
{
    oneline *o = calloc(1, sizeof(*o));
    if (!o) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    o->host = host;
    o->tty = host->stdout_is_tty(host);
    o->color = wants_color(host, o->tty);
    /* Unset is not false: it lets each run decide (run_start).  The host
     * checked the value is a boolean. */
    const char *rterrors = host->option_string(host, "rterrors");
    o->rterrors = rterrors && *rterrors ? host->option_bool(host, "rterrors")
                                        : -1;
    *ctx = o;
    return 0;
}

static void fini(void *ctx)
{
    oneline *o = ctx;
    free(o->current);
    free(o->awaiting);
    free(o);
}

/* Marks that worker `w` waits for the first result of its test.  Out of
 * memory, the mark is lost: the pipe's dots then end with the run. */
static void set_awaiting(oneline *o, unsigned w)
{
    if (w >= o->n_awaiting) {
        size_t n = (size_t)w + 1;
        unsigned char *a = realloc(o->awaiting, n);
        if (!a)
            return;
        memset(a + o->n_awaiting, 0, n - o->n_awaiting);
        o->awaiting = a;
        o->n_awaiting = n;
    }
    o->awaiting[w] = 1;
}

/* ---- events ------------------------------------------------------------- */

static void run_start(void *ctx, const cct_run_start *ev)
{
    oneline *o = ctx;
    o->total = ev->total;
    o->started = o->finished = 0;
    memset(o->counts, 0, sizeof(o->counts));
    if (o->awaiting)
        memset(o->awaiting, 0, o->n_awaiting);
    free(o->current);
    o->current = NULL;
    o->dots_pending = 0;
    o->rterrors_now = o->rterrors >= 0
                          ? o->rterrors
                          : o->tty && ev->suite != CCT_SUITE_RETRY_TEST;
    clock_gettime(CLOCK_MONOTONIC, &o->began);
    o->estimate = CCT_HAS_FIELD(ev, cct_run_start, estimate) &&
                          ev->estimate > 0
                      ? ev->estimate
                      : 0.0;
}

static void test_start(void *ctx, const cct_test_start *ev)
{
    oneline *o = ctx;
    if (ev->index > o->started)
        o->started = ev->index;
    set_awaiting(o, ev->worker);
    /* Kept as shown: a test's id is the test's text, escapes and all. */
    char *id = visible_text(ev->test_id, VISIBLE_LINE);
    if (id) {
        free(o->current);
        o->current = id;
    }
    if (o->tty)
        show_status(o);
}

/* Is this the first result of its test?  A test may have several (a
 * failure, then an error for a dirty reactor); it finishes once. */
static int first_result(oneline *o, unsigned worker)
{
    if (worker >= o->n_awaiting || !o->awaiting[worker])
        return 0;
    o->awaiting[worker] = 0;
    return 1;
}

static void pipe_result(oneline *o, const cct_test_result *ev)
{
    if (ev->outcome != CCT_OUTCOME_SUCCESS) {
        end_dots(o);
        char *id = visible_text(ev->test_id, VISIBLE_LINE);
        if (id)
            print_line(o, id, add_id, o->started);
        free(id);
        return;
    }
    o->host->print(o->host, ".", 1);
    o->dots_pending = 1;
    /* The last test: end the dots now, before the reporters listed first
     * print their end of run. */
    if (o->finished == o->total)
        end_dots(o);
}

/* A failure's or an error's text, at once (rterrors). */
static void print_traceback(oneline *o, const cct_test_result *ev)
{
    int failure = ev->outcome == CCT_OUTCOME_FAILURE;
    if (!failure && ev->outcome != CCT_OUTCOME_ERROR)
        return;
    end_dots(o);
    char *text = visible_text(ev->text ? ev->text : "", VISIBLE_TEXT);
    char *id = visible_text(ev->test_id, VISIBLE_LINE);
    strbuf t = {0};
    if (text && id) {
        size_t n = strlen(text);
        strbuf_addf(&t, "%s\n%s%s%s\n", failure ? "[FAIL]" : "[ERROR]",
                    text, n && text[n - 1] == '\n' ? "" : "\n", id);
    }
    if (t.len && !t.failed)
        o->host->print(o->host, t.data, t.len);
    strbuf_free(&t);
    free(text);
    free(id);
}

static void test_result(void *ctx, const cct_test_result *ev)
{
    oneline *o = ctx;
    if (ev->counts)
        for (int i = 0; i < CCT_OUTCOME_COUNT; i++)
            o->counts[i] = cct_test_result_count(ev, (cct_outcome)i);
    else if ((unsigned)ev->outcome < CCT_OUTCOME_COUNT)
        o->counts[ev->outcome]++;
    if (first_result(o, ev->worker))
        o->finished++;
    if (o->rterrors_now)
        print_traceback(o, ev);
    if (o->tty)
        show_status(o);
    else
        pipe_result(o, ev);
}

/* The line a run ends with says what the run was, not which test ran
 * last: "failed in 0.272s", "passed in ...", "interrupted after ...",
 * then the counts.  (A test's name there read as the one that failed.) */
static void print_final_line(oneline *o, const cct_run_end *ev)
{
    const char *verdict = ev->interrupted ? "interrupted after"
                          : ev->passed    ? "passed in"
                                          : "failed in";
    char head[64];
    snprintf(head, sizeof(head), "%s %.3fs", verdict, ev->wall_time);
    print_line(o, head, add_words, ev->tests_run);
}

static void run_end(void *ctx, const cct_run_end *ev)
{
    oneline *o = ctx;
    for (int i = 0; i < CCT_OUTCOME_COUNT; i++)
        o->counts[i] = cct_run_end_count(ev, (cct_outcome)i);
    end_dots(o);
    if (o->tty)
        o->host->status(o->host, NULL);
    if (o->started > 0 && ev->suite != CCT_SUITE_RETRY_TEST)
        print_final_line(o, ev);
}

static const cct_option options[] = {
    {"color", CCT_OPT_CHOICE, "auto",
     "Colour the counts that are not zero: auto (on a terminal, unless "
     "NO_COLOR is set or TERM is dumb), always (even on a pipe, despite "
     "NO_COLOR) or never.", "auto|always|never", 0, 0},
    {"rterrors", CCT_OPT_BOOL, NULL,
     "Print each failure's and error's traceback as it happens, above the "
     "status line, as trial -e does (-e, --rterrors). Unset: on a "
     "terminal, for every run but the fix loop's retry of one test; off on "
     "a pipe.", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const cct_reporter_ops ops = {
    .run_start = run_start,
    .test_start = test_start,
    .test_result = test_result,
    .run_end = run_end,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "oneline",
    .description = "one status line: the current test, run/total and the "
                   "counts of problems, updated in place on a terminal",
    .options = options,
    .option_size = sizeof(cct_option),
    .init = init,
    .fini = fini,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
