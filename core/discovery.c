/*
 * Choosing the interpreter and running the discovery helper (see
 * discovery.h).
 */
#include "discovery.h"

#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "python_search.h"

/* The helper's exit status when it cannot import Twisted. */
#define NO_TWISTED 3
#define OUTPUT_LIMIT (256u << 20)
#define ERROR_LIMIT 16384
/* The helper's first line on standard output, once the interpreter runs
 * it: an interpreter that has not said it within PROBE_MS is refused. */
#define READY_LINE "cctrial-discover: ready\n"
#define PROBE_MS 10000
/* Then, before each test module it imports, a line
 * "cctrial-discover: progress IMPORTED CACHED WANTED MODULE", and last the
 * JSON document. */
#define PROGRESS_PREFIX "cctrial-discover: progress "
/* The helper stops itself at the discovery timeout, naming the module it
 * was importing; it is killed this much later if it could not. */
#define KILL_GRACE_MS 5000

enum { NOT_TIMED_OUT, PROBE_TIMED_OUT, DISCOVERY_TIMED_OUT };

struct cct_discovery {
    uv_loop_t *loop;
    cct_strv candidates;
    cct_strv reasons;        /* why each candidate is one */
    size_t current;
    int configured;          /* python was set: no fallback */
    char *remember_file;
    char *project_venv;      /* the search's, for remember_file's key */
    int remembered;          /* candidates[0] came from remember_file */
    cct_strv refusals;       /* "<python>: why", one per candidate tried */
    cct_strv args;           /* the helper's arguments after the python */
    cct_strv env;            /* its environment; empty: cctrial's */
    char *cwd;
    cct_template *(*template_for)(const char *python, void *arg);
    int cache_exists;        /* the helper may answer from its cache */
    cct_capture *capture;
    uv_timer_t *timer;       /* the probe's bound, then discovery's */
    unsigned timeout_s;      /* discovery's bound; 0: none */
    int ready;               /* the helper has said READY_LINE */
    size_t read;             /* output read: its ready and progress lines */
    cct_discovery_progress_cb progress;
    int timed_out;           /* NOT_TIMED_OUT, PROBE_ or DISCOVERY_ */
    int held;                /* the helper waits for the timer to start */
    int forked;              /* this helper was asked of a template */
    int cancelled;
    cct_discovery_cb done;
    void *arg;
};

/* The key a remembered interpreter is valid for: what the search
 * depends on. */
static char *remember_key(const char *project_venv)
{
    const char *path = getenv("PATH");
    const char *venv = getenv("VIRTUAL_ENV");
    return cct_xasprintf("PATH=%s\nVIRTUAL_ENV=%s\nproject_venv=%s\n",
                         path ? path : "", venv ? venv : "",
                         project_venv ? project_venv : "");
}

static char *recall_python(const char *file, const char *project_venv)
{
    char *text = cct_read_file(file, 65536, NULL, NULL);
    char *key = remember_key(project_venv);
    char *python = NULL;
    if (text && cct_str_starts_with(text, key)) {
        const char *line = text + strlen(key);
        if (cct_str_starts_with(line, "python=")) {
            python = cct_xstrdup(line + strlen("python="));
            python[strcspn(python, "\n")] = '\0';
        }
    }
    free(text);
    free(key);
    return python;
}

static void remember_python(const char *file, const char *python,
                            const char *project_venv)
{
    char *dir = cct_xstrdup(file);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    free(dir);
    FILE *f = fopen(file, "w");
    if (!f)
        return; /* only a lost shortcut */
    char *key = remember_key(project_venv);
    fprintf(f, "%spython=%s\n", key, python);
    free(key);
    fclose(f);
}

static void free_handle(uv_handle_t *handle);

static void finish(cct_discovery *d, int status, cct_project *project,
                   const char *error)
{
    const char *python = d->current < d->candidates.len
                             ? d->candidates.items[d->current] : NULL;
    const char *why = python ? d->reasons.items[d->current] : NULL;
    char *warning = NULL;
    /* Falling back from an activated virtualenv deserves a word. */
    if (status == 0 && d->refusals.len > 0 && getenv("VIRTUAL_ENV") &&
        !d->remembered)
        warning = cct_xasprintf("%s; using %s instead",
                                d->refusals.items[0], python);
    if (status == 0 && d->remember_file && !d->configured &&
        !(d->remembered && d->current == 0))
        remember_python(d->remember_file, python, d->project_venv);
    d->done(status, project, python, why, error, warning, d->arg);
    free(warning);
    uv_close((uv_handle_t *)d->timer, free_handle);
    cct_strv_free(&d->candidates);
    cct_strv_free(&d->reasons);
    cct_strv_free(&d->refusals);
    cct_strv_free(&d->args);
    cct_strv_free(&d->env);
    free(d->remember_file);
    free(d->project_venv);
    free(d->cwd);
    free(d);
}

static int try_next(cct_discovery *d);

static void on_timeout(uv_timer_t *timer)
{
    cct_discovery *d = timer->data;
    d->timed_out = d->ready ? DISCOVERY_TIMED_OUT : PROBE_TIMED_OUT;
    if (d->capture)
        cct_capture_kill(d->capture);
}

/* Reads the whole progress lines after d->read, telling the request's
 * progress callback when `tell`; stops at the document. */
static void read_progress(cct_discovery *d, const cct_buf *out, int tell)
{
    size_t prefix = strlen(PROGRESS_PREFIX);
    for (;;) {
        const char *line = out->data + d->read;
        size_t left = out->len - d->read;
        const char *nl = memchr(line, '\n', left);
        if (left < prefix || memcmp(line, PROGRESS_PREFIX, prefix) != 0 ||
            !nl)
            return;
        char *text = cct_xstrndup(line + prefix, (size_t)(nl - line) - prefix);
        unsigned long imported, cached, wanted;
        int module_at = 0;
        if (tell && d->progress &&
            sscanf(text, "%lu %lu %lu %n", &imported, &cached, &wanted,
                   &module_at) == 3 && module_at > 0)
            d->progress(imported, cached, wanted, text + module_at, d->arg);
        free(text);
        d->read = (size_t)(nl - out->data) + 1;
    }
}

static void on_output(const cct_buf *out, void *arg)
{
    cct_discovery *d = arg;
    if (!d->ready) {
        if (out->len < strlen(READY_LINE) ||
            memcmp(out->data, READY_LINE, strlen(READY_LINE)) != 0)
            return;
        d->ready = 1;
        d->read = strlen(READY_LINE);
        uv_timer_stop(d->timer);
        if (d->timeout_s)
            uv_timer_start(d->timer, on_timeout,
                           (uint64_t)d->timeout_s * 1000 + KILL_GRACE_MS, 0);
    }
    read_progress(d, out, 1);
}

/* The innermost module being imported in a traceback Python's
 * faulthandler printed ("File "x.py", line 3 in <module>", most recent
 * call first), as "x.py, line 3"; NULL when there is none. */
static char *module_being_imported(const cct_buf *err)
{
    const char *p = err->data, *end = err->data + err->len;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
        char *line = cct_xstrndup(p, len);
        char *file = strstr(line, "File \"");
        char *tail = strstr(line, " in <module>");
        if (file && tail && !strstr(line, "File \"<")) {
            *tail = '\0';
            file += strlen("File \"");
            char *quote = strstr(file, "\", ");
            if (quote) {
                *quote = '\0';
                char *where = cct_xasprintf("%s, %s", file, quote + 3);
                free(line);
                return where;
            }
        }
        free(line);
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

/* Did the helper stop itself at the discovery timeout?  Python's
 * faulthandler then prints "Timeout (0:02:00)!" and the main thread's
 * stack; stderr's kept tail holds them, whatever the tests printed. */
static int faulthandler_timeout(const cct_buf *err)
{
    const char *text = err->data ? err->data : "";
    const char *at = strstr(text, "Timeout (");
    return at && (at == text || at[-1] == '\n') &&
           strstr(at, "(most recent call first):") != NULL;
}

static void discovery_timed_out(cct_discovery *d, const char *python,
                                const cct_buf *err)
{
    char *where = module_being_imported(err);
    char *msg = cct_xasprintf(
        "test discovery with %s did not finish within %u s "
        "(discovery_timeout)%s%s.\nFix what hangs, or raise "
        "discovery_timeout in .cctrialrc (0: no limit).%s%s",
        python, d->timeout_s, where ? "; it was importing " : "",
        where ? where : "", err->len ? "\nIt said:\n" : "",
        err->len ? err->data : "");
    finish(d, CCT_EDISCOVERY, NULL, msg);
    free(msg);
    free(where);
}

static char *last_line(const cct_buf *err)
{
    size_t n = err->len;
    while (n > 0 && (err->data[n - 1] == '\n' || err->data[n - 1] == '\r'))
        n--;
    size_t start = n;
    while (start > 0 && err->data[start - 1] != '\n')
        start--;
    return n > start ? cct_xstrndup(err->data + start, n - start)
                     : cct_xstrdup("no message");
}

static void no_interpreter(cct_discovery *d)
{
    cct_buf msg;
    cct_buf_init(&msg);
    if (d->candidates.len == 0) {
        cct_buf_adds(&msg, "no python3 found on PATH; install Python 3 and "
                           "Twisted (apt-get install python3-twisted) or "
                           "set python = /path/to/python in .cctrialrc");
    } else {
        cct_buf_adds(&msg, "no usable Python interpreter: none of these can "
                           "import twisted.trial:");
        for (size_t i = 0; i < d->refusals.len; i++)
            cct_buf_printf(&msg, "\n  %s", d->refusals.items[i]);
        cct_buf_adds(&msg, "\nInstall Twisted for one of them (Debian: "
                           "apt-get install python3-twisted), or choose one "
                           "with --python or python = in .cctrialrc");
    }
    d->current = d->candidates.len;
    finish(d, CCT_EPYTHON, NULL, msg.data);
    cct_buf_free(&msg);
}

static void on_helper_done(cct_capture_result *res, void *arg)
{
    cct_discovery *d = arg;
    d->capture = NULL;
    uv_timer_stop(d->timer);
    const char *python = d->candidates.items[d->current];
    if (d->cancelled) {
        finish(d, CCT_EDISCOVERY, NULL, "discovery was interrupted");
        return;
    }
    if (d->forked && res->term_signal == SIGKILL &&
        d->timed_out == NOT_TIMED_OUT && !d->template_for(python, d->arg)) {
        /* The template was lost, and the helper died with it: the same
         * interpreter's helper starts afresh. */
        if (try_next(d) < 0)
            no_interpreter(d);
        return;
    }
    if (d->timed_out == PROBE_TIMED_OUT) {
        cct_strv_take(&d->refusals,
                      cct_xasprintf("%s: did not start cctrial's discovery "
                                    "helper within %d s (is it a Python "
                                    "interpreter?)", python, PROBE_MS / 1000));
        d->current++;
        if (d->configured || try_next(d) < 0)
            no_interpreter(d);
        return;
    }
    if (d->timed_out == DISCOVERY_TIMED_OUT ||
        (res->exit_status != 0 && faulthandler_timeout(&res->err))) {
        discovery_timed_out(d, python, &res->err);
        return;
    }
    if (res->exit_status == NO_TWISTED && !res->term_signal) {
        char *why = last_line(&res->err);
        cct_strv_take(&d->refusals, cct_xasprintf("%s: %s", python, why));
        free(why);
        d->current++;
        if (d->configured || try_next(d) < 0)
            no_interpreter(d);
        return;
    }
    if (res->exit_status != 0 || res->term_signal) {
        char *msg = cct_xasprintf(
            "test discovery with %s failed (%s %d); it said:\n%s", python,
            res->term_signal ? "signal" : "exit status",
            res->term_signal ? res->term_signal : (int)res->exit_status,
            res->err.len ? res->err.data : "(nothing)");
        finish(d, CCT_EDISCOVERY, NULL, msg);
        free(msg);
        return;
    }
    cct_project project;
    cct_project_init(&project);
    char *error = NULL;
    if (res->out_truncated) {
        finish(d, CCT_EDISCOVERY, NULL, "discovery printed more than 256 MiB");
        return;
    }
    /* The document follows the helper's READY_LINE and progress lines. */
    if (d->ready)
        read_progress(d, &res->out, 0);
    size_t skip = d->ready ? d->read : 0;
    if (cct_project_parse(&project, res->out.data ? res->out.data + skip : "",
                          res->out.len - skip, &error) < 0) {
        finish(d, CCT_EDISCOVERY, NULL, error);
        free(error);
        return;
    }
    finish(d, 0, &project, NULL);
    /* The callback may have moved the project out; free what is left. */
    cct_project_free(&project);
}

/* Starts the helper with the next candidate that can be spawned. */
static int try_next(cct_discovery *d)
{
    while (d->current < d->candidates.len) {
        const char *python = d->candidates.items[d->current];
        cct_strv argv;
        cct_strv_init(&argv);
        cct_strv_add(&argv, python);
        for (size_t i = 0; i < d->args.len; i++)
            cct_strv_add(&argv, d->args.items[i]);
        cct_capture_options options = {
            .argv = (const char *const *)argv.items,
            .env = d->env.len ? (const char *const *)d->env.items : NULL,
            .cwd = d->cwd,
            .out_limit = OUTPUT_LIMIT,
            .err_limit = ERROR_LIMIT,
            .on_output = on_output,
        };
        if (d->template_for)
            options.template = d->template_for(python, d->arg);
        /* A discovery its cache may answer is little more than Python's
         * start (0.1 s): it does not wait for a template still starting
         * (0.4 s).  One that imports the test modules saves more than it
         * waits. */
        if (options.template && d->cache_exists &&
            !cct_template_ready(options.template))
            options.template = NULL;
        d->forked = options.template != NULL;
        d->ready = 0;
        d->read = 0;
        d->timed_out = NOT_TIMED_OUT;
        int rc = cct_capture_start(d->loop, &options, on_helper_done, d,
                                   &d->capture);
        cct_strv_free(&argv);
        if (rc == 0) {
            uv_timer_start(d->timer, on_timeout, PROBE_MS, 0);
            return 0;
        }
        cct_strv_take(&d->refusals,
                      cct_xasprintf("%s: %s", python, uv_strerror(rc)));
        d->current++;
        if (d->configured)
            break;
    }
    return CCT_EPYTHON;
}

/* A "no interpreter" report from inside cct_discover must not call back
 * synchronously: defer it to the loop. */
static void free_handle(uv_handle_t *handle)
{
    free(handle);
}

static void report_later(uv_idle_t *idle)
{
    cct_discovery *d = idle->data;
    uv_close((uv_handle_t *)idle, free_handle);
    no_interpreter(d);
}

/* The end of a hold: the helper starts (the probe's bound then takes
 * the timer). */
static void on_hold_over(uv_timer_t *timer)
{
    cct_discovery *d = timer->data;
    assert(d->held);
    d->held = 0;
    if (d->cancelled)
        finish(d, CCT_EDISCOVERY, NULL, "discovery was interrupted");
    else if (try_next(d) < 0)
        no_interpreter(d);
}

int cct_discover(uv_loop_t *loop, const cct_discovery_request *request,
                 cct_discovery_cb done, void *arg, cct_discovery **out)
{
    cct_discovery *d = cct_xcalloc(1, sizeof(*d));
    d->loop = loop;
    d->done = done;
    d->arg = arg;
    d->configured = request->python != NULL;
    d->cwd = cct_xstrdup(request->cwd);
    d->template_for = request->template_for;
    d->timeout_s = request->timeout_s;
    d->progress = request->progress;
    if (request->project_venv)
        d->project_venv = cct_xstrdup(request->project_venv);
    d->timer = cct_xmalloc(sizeof(*d->timer));
    uv_timer_init(loop, d->timer);
    d->timer->data = d;
    cct_strv_init(&d->candidates);
    cct_strv_init(&d->reasons);
    cct_strv_init(&d->refusals);
    cct_strv_init(&d->args);
    cct_strv_init(&d->env);
    for (size_t i = 0; request->env && request->env[i]; i++)
        cct_strv_add(&d->env, request->env[i]);
    char *recalled = !request->python && request->remember_file
                         ? recall_python(request->remember_file,
                                         request->project_venv)
                         : NULL;
    cct_strv search, reasons;
    cct_strv_init(&search);
    cct_strv_init(&reasons);
    cct_python_search how = {request->python, request->project_venv};
    cct_python_candidates(&how, &search, &reasons);
    /* The file is in the project, where a checkout may bring one along:
     * it may only reorder the search, never add to it. */
    for (size_t i = 0; recalled && i < search.len; i++) {
        if (strcmp(search.items[i], recalled) != 0)
            continue;
        /* Tried first; the rest of the search follows if it no longer
         * works. */
        cct_strv_add(&d->candidates, recalled);
        cct_strv_take(&d->reasons,
                      cct_xasprintf("%s, remembered in .cctrial/python",
                                    reasons.items[i]));
        d->remembered = 1;
    }
    free(recalled);
    if (request->remember_file)
        d->remember_file = cct_xstrdup(request->remember_file);
    for (size_t i = 0; i < search.len; i++) {
        if (cct_strv_contains(&d->candidates, search.items[i]))
            continue;
        cct_strv_add(&d->candidates, search.items[i]);
        cct_strv_add(&d->reasons, reasons.items[i]);
    }
    cct_strv_free(&search);
    cct_strv_free(&reasons);
    cct_strv_add(&d->args, request->helper);
    for (size_t i = 0; request->roots && i < request->roots->len; i++) {
        cct_strv_add(&d->args, "--root");
        cct_strv_add(&d->args, request->roots->items[i]);
    }
    if (request->cache_file && !request->order && request->random <= 0) {
        cct_strv_add(&d->args, "--cache");
        cct_strv_add(&d->args, request->cache_file);
        d->cache_exists = access(request->cache_file, F_OK) == 0;
    }
    for (size_t i = 0; request->pythonpath && i < request->pythonpath->len;
         i++) {
        cct_strv_add(&d->args, "--path");
        cct_strv_add(&d->args, request->pythonpath->items[i]);
    }
    for (size_t i = 0; request->env_set && i < request->env_set->len; i++) {
        const char *item = request->env_set->items[i];
        cct_strv_add(&d->args, "--env");
        cct_strv_take(&d->args,
                      cct_xstrndup(item, strcspn(item, "=")));
    }
    if (request->timeout_s) {
        cct_strv_add(&d->args, "--timeout");
        cct_strv_take(&d->args, cct_xasprintf("%u", request->timeout_s));
    }
    if (request->order) {
        cct_strv_add(&d->args, "--order");
        cct_strv_add(&d->args, request->order);
    }
    if (request->random > 0) {
        cct_strv_add(&d->args, "--random");
        cct_strv_take(&d->args, cct_xasprintf("%ld", request->random));
    }
    if (request->without_module && request->without_module->len) {
        cct_strv_add(&d->args, "--without-module");
        cct_strv_take(&d->args, cct_strv_join(request->without_module, ","));
    }
    cct_strv_add(&d->args, "--");
    for (size_t i = 0; i < request->names->len; i++)
        cct_strv_add(&d->args, request->names->items[i]);
    if (out)
        *out = d;
    if (request->hold_ms) {
        d->held = 1;
        uv_timer_start(d->timer, on_hold_over, request->hold_ms, 0);
        return 0;
    }
    if (try_next(d) < 0) {
        uv_idle_t *idle = cct_xmalloc(sizeof(*idle));
        uv_idle_init(loop, idle);
        idle->data = d;
        uv_idle_start(idle, report_later);
        if (out)
            *out = NULL;
    }
    return 0;
}

void cct_discovery_cancel(cct_discovery *d)
{
    d->cancelled = 1;
    if (d->capture)
        cct_capture_kill(d->capture);
    cct_discovery_release(d);
}

void cct_discovery_release(cct_discovery *d)
{
    if (d->held)
        uv_timer_start(d->timer, on_hold_over, 0, 0);
}
