/*
 * reporter_junit: a cctrial reporter that writes each run as JUnit XML, the
 * report format Jenkins, GitLab and most CI servers read.
 *
 * It is also an example of a plugin built outside cctrial's source tree: it
 * uses nothing but <cctrial/plugin.h> and the C library, and builds against
 * an installed cctrial with
 *
 *     cc -shared -fPIC -fvisibility=hidden \
 *        $(pkg-config --cflags cctrial-plugin) junit.c -o reporter_junit.so
 *
 * Select it in ~/.config/cctrial/cctrialrc (a project's .cctrialrc may
 * set plugin_path only when the user trusts the project):
 *
 *     [cctrial]
 *     reporters = summary, junit
 *     plugin_path = /directory/holding/reporter_junit.so
 *
 *     [reporter.junit]
 *     path = junit.xml
 *
 * The XML: one <testsuite> per Python module inside <testsuites>; one
 * <testcase> per test, its id split into classname (everything before the
 * last dot) and name; <failure>, <error> and <skipped> children carrying
 * trial's message, exception class and traceback; durations in seconds.
 * Counts on each element are the counts of the elements inside it.
 *
 * cctrial hands a reporter every result before the run ends, and owns the
 * memory of each event only for the length of the call; so this plugin
 * copies what it needs from each result and writes the whole file at
 * run_end, into a temporary file renamed over the old report, so that a CI
 * server never reads half a report.  The directories of `path` are made
 * when missing; a report that cannot be written is an error a `--once` run
 * exits with (host->output_failed), not a warning a CI log would bury.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cctrial/plugin.h>

/* One result, copied out of a cct_test_result event. */
typedef struct result {
    char *id;
    char *text;        /* traceback, skip reason text... may be "" */
    char *error_class; /* may be NULL */
    char *reason;      /* may be NULL */
    cct_outcome outcome;
    double duration;
    size_t seq;        /* arrival order, to keep a test's results in it */
} result;

typedef struct junit {
    const cct_host *host;
    char *path;        /* the report, absolute */
    char *tmp_path;    /* written first, then renamed to path */
    int full_only;     /* runs = full */
    result *results;
    size_t n, cap;
    char timestamp[32]; /* when the run started, ISO 8601, UTC */
    int lost;          /* results dropped for lack of memory this run */
    int failing;       /* the last write failed (said once, not per run) */
} junit;

static const cct_option options[] = {
    {"path", CCT_OPT_PATH, "junit.xml",
     "The report file, replaced at the end of each run (its directories "
     "made); relative to the project directory.", NULL, 0, 0},
    {"runs", CCT_OPT_CHOICE, "all",
     "Which runs write the report: all of them, or only full (the full or "
     "smart suite, not the retries of the fixing loop).", "all|full", 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

/* ---- memory ------------------------------------------------------------- */

static char *copy(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void result_free(result *r)
{
    free(r->id);
    free(r->text);
    free(r->error_class);
    free(r->reason);
}

static void forget_results(junit *j)
{
    for (size_t i = 0; i < j->n; i++)
        result_free(&j->results[i]);
    j->n = 0;
    j->lost = 0;
}

static int grow(junit *j)
{
    if (j->n < j->cap)
        return 0;
    size_t cap = j->cap ? j->cap * 2 : 64;
    result *more = realloc(j->results, cap * sizeof(*more));
    if (!more)
        return -1;
    j->results = more;
    j->cap = cap;
    return 0;
}

/* ---- test ids ----------------------------------------------------------- */

/* "pkg.test_mod.Case.test_x": the classname is "pkg.test_mod.Case" and the
 * name "test_x".  An id without a dot is both. */
static size_t classname_len(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot ? (size_t)(dot - id) : strlen(id);
}

static const char *test_name(const char *id)
{
    const char *dot = strrchr(id, '.');
    return dot ? dot + 1 : id;
}

/* The module a test belongs to, as a length of its id: the classname
 * without its class ("pkg.test_mod").  An id of two parts is a module that
 * failed to import ("pkg.test_broken"): it goes in its package's suite. */
static size_t module_len(const char *id)
{
    size_t cls = classname_len(id);
    for (size_t i = cls; i > 0; i--)
        if (id[i - 1] == '.')
            return i - 1;
    return cls;
}

static int same_prefix(const char *a, size_t na, const char *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}

/* Sorting: by module, then test id, then arrival, so that the report is
 * the same whatever order the workers finished in. */
static int by_module_id_seq(const void *pa, const void *pb)
{
    const result *a = pa, *b = pb;
    size_t na = module_len(a->id), nb = module_len(b->id);
    int c = memcmp(a->id, b->id, na < nb ? na : nb);
    if (c == 0 && na != nb)
        c = na < nb ? -1 : 1;
    if (c == 0)
        c = strcmp(a->id, b->id);
    if (c == 0)
        c = a->seq < b->seq ? -1 : a->seq > b->seq;
    return c;
}

/* ---- XML text ----------------------------------------------------------- */

/* Decodes one UTF-8 character at s (n bytes left) into *cp and returns its
 * length; a byte that does not start a valid sequence decodes as U+FFFD, so
 * that a broken byte never makes the XML unreadable. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
                              : (s[0] & 0xf0) == 0xe0   ? 3
                              : (s[0] & 0xf8) == 0xf0   ? 4
                                                        : 0;
    *cp = 0xfffd;
    if (len == 0 || len > n)
        return 1;
    unsigned long c = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 1;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 1;
    *cp = c;
    return len;
}

/* The characters XML 1.0 allows; the others cannot even be escaped. */
static int xml_allowed(unsigned long c)
{
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
           (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* The reference a character needs, or NULL when it stands for itself.  In
 * a double-quoted attribute, line breaks and tabs need one too, or a parser
 * turns them into spaces; a carriage return always does. */
static const char *xml_entity(unsigned long c, int attr)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '\r': return "&#13;";
    case '"': return attr ? "&quot;" : NULL;
    case '\n': return attr ? "&#10;" : NULL;
    case '\t': return attr ? "&#9;" : NULL;
    default: return NULL;
    }
}

/* Writes n bytes of s escaped for element text or, with `attr`, for an
 * attribute value. */
static void xml_escape_n(FILE *f, const char *s, size_t n, int attr)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        unsigned long c;
        size_t len = utf8_next(p, n, &c);
        const char *entity = xml_entity(c, attr);
        if (entity)
            fputs(entity, f);
        else if (c == 0xfffd && len == 1)
            fputs("\xef\xbf\xbd", f); /* a broken byte */
        else if (xml_allowed(c))
            fwrite(p, 1, len, f);
        p += len;
        n -= len;
    }
}

static void xml_escape(FILE *f, const char *s, int attr)
{
    xml_escape_n(f, s, strlen(s), attr);
}

/* ---- what a result says ------------------------------------------------- */

/* The message of a failure or error: from where trial names the exception
 * at the start of a line ("builtins.ValueError: bad", or "Failure: ..."
 * for a dirty reactor) to the end, without the class; else the last line
 * that is not empty. */
static void write_message(FILE *f, const result *r)
{
    const char *text = r->text;
    const char *start = NULL;
    if (r->error_class) {
        size_t n = strlen(r->error_class);
        for (const char *p = text; (p = strstr(p, r->error_class)); p++)
            if ((p == text || p[-1] == '\n' || p[-1] == ' ') &&
                p[n] == ':' && p[n + 1] == ' ')
                start = p + n + 2;
    }
    size_t len;
    if (start) {
        len = strlen(start);
    } else {
        len = strlen(text);
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
            len--;
        start = text + len;
        while (start > text && start[-1] != '\n')
            start--;
        len = (size_t)(text + len - start);
    }
    while (len > 0 && (start[len - 1] == '\n' || start[len - 1] == ' '))
        len--;
    if (len == 0 && r->error_class) {
        start = r->error_class;
        len = strlen(start);
    }
    xml_escape_n(f, start, len, 1);
}

static void write_problem(FILE *f, const char *element, const result *r)
{
    fprintf(f, "      <%s message=\"", element);
    write_message(f, r);
    fputs("\" type=\"", f);
    xml_escape(f, r->error_class ? r->error_class : element, 1);
    fputs("\">", f);
    xml_escape(f, r->text, 0);
    fprintf(f, "</%s>\n", element);
}

/* A skip has its reason; an expected failure (trial's "todo") is reported
 * as a skip too, as JUnit has no such outcome, with trial's text. */
static void write_skip(FILE *f, const result *r, int todo)
{
    fputs("      <skipped message=\"", f);
    if (todo)
        fputs("expected failure: ", f);
    xml_escape(f, r->reason ? r->reason : r->text, 1);
    if (!todo) {
        fputs("\"/>\n", f);
        return;
    }
    fputs("\" type=\"expectedFailure\">", f);
    xml_escape(f, r->text, 0);
    fputs("</skipped>\n", f);
}

static void write_result(FILE *f, const result *r)
{
    switch (r->outcome) {
    case CCT_OUTCOME_FAILURE: write_problem(f, "failure", r); break;
    case CCT_OUTCOME_ERROR: write_problem(f, "error", r); break;
    case CCT_OUTCOME_SKIP: write_skip(f, r, 0); break;
    case CCT_OUTCOME_EXPECTED_FAILURE: write_skip(f, r, 1); break;
    case CCT_OUTCOME_UNEXPECTED_SUCCESS:
        /* It passed, which trial does not count against the run. */
        fputs("      <system-out>unexpected success: ", f);
        xml_escape(f, r->reason ? r->reason : "", 0);
        fputs("</system-out>\n", f);
        break;
    default: break;
    }
}

/* ---- the report --------------------------------------------------------- */

typedef struct counts {
    size_t tests, failures, errors, skipped;
    double time;
} counts;

/* The results [first, end) all belong to one test. */
static size_t test_end(const junit *j, size_t first)
{
    size_t end = first + 1;
    while (end < j->n && strcmp(j->results[end].id, j->results[first].id) == 0)
        end++;
    return end;
}

static size_t suite_end(const junit *j, size_t first)
{
    const char *id = j->results[first].id;
    size_t n = module_len(id);
    size_t end = first + 1;
    while (end < j->n && same_prefix(j->results[end].id,
                                     module_len(j->results[end].id), id, n))
        end++;
    return end;
}

static void count_range(const junit *j, size_t first, size_t end, counts *c)
{
    for (size_t t = first; t < end; t = test_end(j, t)) {
        double longest = 0;
        for (size_t i = t; i < test_end(j, t); i++) {
            cct_outcome o = j->results[i].outcome;
            c->failures += o == CCT_OUTCOME_FAILURE;
            c->errors += o == CCT_OUTCOME_ERROR;
            c->skipped += o == CCT_OUTCOME_SKIP ||
                          o == CCT_OUTCOME_EXPECTED_FAILURE;
            /* A test's durations all count from when it was handed out. */
            if (j->results[i].duration > longest)
                longest = j->results[i].duration;
        }
        c->tests++;
        c->time += longest;
    }
}

static void write_counts(FILE *f, const counts *c, double time)
{
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\" time=\"%.3f\"",
            c->tests, c->failures, c->errors, c->skipped, time);
}

static void write_testcase(FILE *f, const junit *j, size_t first, size_t end)
{
    const char *id = j->results[first].id;
    double longest = 0;
    for (size_t i = first; i < end; i++)
        if (j->results[i].duration > longest)
            longest = j->results[i].duration;
    fputs("    <testcase classname=\"", f);
    xml_escape_n(f, id, classname_len(id), 1);
    fputs("\" name=\"", f);
    xml_escape(f, test_name(id), 1);
    fprintf(f, "\" time=\"%.3f\"", longest);
    int quiet = 1;
    for (size_t i = first; i < end; i++)
        quiet &= j->results[i].outcome == CCT_OUTCOME_SUCCESS;
    if (quiet) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    for (size_t i = first; i < end; i++)
        write_result(f, &j->results[i]);
    fputs("    </testcase>\n", f);
}

static void write_suite(FILE *f, const junit *j, size_t first, size_t end,
                        const char *hostname)
{
    counts c = {0};
    count_range(j, first, end, &c);
    const char *id = j->results[first].id;
    fputs("  <testsuite name=\"", f);
    xml_escape_n(f, id, module_len(id), 1);
    fputc('"', f);
    write_counts(f, &c, c.time);
    fprintf(f, " timestamp=\"%s\" hostname=\"", j->timestamp);
    xml_escape(f, hostname, 1);
    fputs("\">\n", f);
    for (size_t t = first; t < end; t = test_end(j, t))
        write_testcase(f, j, t, test_end(j, t));
    fputs("  </testsuite>\n", f);
}

static void write_report(FILE *f, const junit *j, double wall_time)
{
    char hostname[256] = "localhost";
    if (gethostname(hostname, sizeof(hostname)) < 0)
        strcpy(hostname, "localhost");
    hostname[sizeof(hostname) - 1] = '\0';
    counts all = {0};
    count_range(j, 0, j->n, &all);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fputs("<testsuites name=\"cctrial\"", f);
    write_counts(f, &all, wall_time);
    fputs(">\n", f);
    for (size_t s = 0; s < j->n; s = suite_end(j, s))
        write_suite(f, j, s, suite_end(j, s), hostname);
    fputs("</testsuites>\n", f);
}

/* Creates the directories the report goes in (`path = reports/junit.xml`
 * on a fresh CI checkout), as `mkdir -p` would.  Returns 0 or an errno
 * value: that of the first directory that is not there and could not be
 * made. */
static int make_parents(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return ENOMEM;
    int err = 0;
    for (char *slash = strchr(dir + 1, '/'); slash && !err;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        struct stat st;
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            err = errno;
        else if (stat(dir, &st) != 0)
            err = errno;
        else if (!S_ISDIR(st.st_mode))
            err = ENOTDIR;
        *slash = '/';
    }
    free(dir);
    return err;
}

/* Writes the temporary file and renames it over the report.  Returns 0 or
 * an errno value. */
static int save(junit *j, double wall_time)
{
    int made = make_parents(j->path);
    if (made)
        return made;
    FILE *f = fopen(j->tmp_path, "w");
    if (!f)
        return errno;
    write_report(f, j, wall_time);
    int failed = ferror(f);
    int err = failed ? EIO : 0;
    if (fclose(f) != 0 && !err)
        err = errno;
    if (!err && rename(j->tmp_path, j->path) != 0)
        err = errno;
    if (err)
        remove(j->tmp_path);
    return err;
}

/* ---- callbacks ---------------------------------------------------------- */

static void run_start(void *ctx, const cct_run_start *ev)
{
    junit *j = ctx;
    (void)ev;
    forget_results(j);
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(j->timestamp, sizeof(j->timestamp), "%Y-%m-%dT%H:%M:%S",
                 &tm);
}

static void test_result(void *ctx, const cct_test_result *ev)
{
    junit *j = ctx;
    if (grow(j) < 0) {
        j->lost++;
        return;
    }
    result *r = &j->results[j->n];
    r->id = copy(ev->test_id);
    r->text = copy(ev->text ? ev->text : "");
    r->error_class = copy(ev->error_class);
    r->reason = copy(ev->reason);
    r->outcome = ev->outcome;
    r->duration = ev->duration;
    r->seq = j->n;
    if (!r->id || !r->text || (ev->error_class && !r->error_class) ||
        (ev->reason && !r->reason)) {
        result_free(r);
        j->lost++;
        return;
    }
    j->n++;
}

/* The report could not be written: a cctrial of ABI 1.3 or later is told,
 * so that `cctrial --once` fails (exit status 2) rather than let a CI job
 * pass without its report; an older one only shows a warning. */
static void report_lost(const junit *j, const char *why)
{
    const cct_host *host = j->host;
    if (CCT_HAS_FIELD(host, cct_host, output_failed))
        host->output_failed(host, "cannot write %s: %s", j->path, why);
    else
        host->log(host, CCT_LOG_WARNING, "cannot write %s: %s", j->path,
                  why);
}

static void run_end(void *ctx, const cct_run_end *ev)
{
    junit *j = ctx;
    if (j->full_only && ev->suite != CCT_SUITE_FULL &&
        ev->suite != CCT_SUITE_SMART)
        return;
    if (j->lost)
        j->host->log(j->host, CCT_LOG_WARNING,
                     "out of memory: %d results are missing from %s",
                     j->lost, j->path);
    qsort(j->results, j->n, sizeof(*j->results), by_module_id_seq);
    int err = save(j, ev->wall_time);
    if (err && !j->failing)
        report_lost(j, strerror(err));
    else if (!err)
        j->host->log(j->host, CCT_LOG_DEBUG, "wrote %s", j->path);
    j->failing = err != 0;
}

/* ---- life cycle --------------------------------------------------------- */

static char *join_path(const char *dir, const char *path)
{
    if (path[0] == '/' || !dir)
        return strdup(path);
    size_t n = strlen(dir) + strlen(path) + 2;
    char *joined = malloc(n);
    if (joined)
        snprintf(joined, n, "%s/%s", dir, path);
    return joined;
}

static void fini(void *ctx)
{
    junit *j = ctx;
    if (!j)
        return;
    forget_results(j);
    free(j->results);
    free(j->path);
    free(j->tmp_path);
    free(j);
}

static int init(const cct_host *host, void **ctx)
{
    junit *j = calloc(1, sizeof(*j));
    if (!j) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    j->host = host;
    const char *path = host->option_string(host, "path");
    const char *runs = host->option_string(host, "runs");
    if (!path || !*path) {
        host->log(host, CCT_LOG_ERROR, "path is empty: set the report's "
                                       "file name in [%s]", host->section);
        fini(j);
        return -1;
    }
    j->full_only = runs && strcmp(runs, "full") == 0;
    j->path = join_path(host->project_dir, path);
    size_t n = j->path ? strlen(j->path) + sizeof(".tmp") : 0;
    j->tmp_path = n ? malloc(n) : NULL;
    if (!j->tmp_path) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        fini(j);
        return -1;
    }
    snprintf(j->tmp_path, n, "%s.tmp", j->path);
    *ctx = j;
    return 0;
}

static const cct_reporter_ops ops = {
    .run_start = run_start,
    .test_result = test_result,
    .run_end = run_end,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "junit",
    .description = "JUnit XML report of each run, for CI servers",
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
