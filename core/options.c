/*
 * The core's option table and typed settings (see options.h).
 */
#include "options.h"


#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "shard.h"
#include "watcher.h"
#include "workerenv.h"

static const cct_option core_options[] = {
    {"tests", CCT_OPT_LIST, NULL,
     "Test names to run when none are given on the command line (packages, "
     "modules, classes or methods, as trial takes them).", NULL, 0, 0},
    {"jobs", CCT_OPT_INT, "auto",
     "Number of worker processes (-j): auto, the number of cores, or a "
     "number; a run starts no more workers than it has tests.", "auto", 1,
     CCT_JOBS_MAX},
    {"python", CCT_OPT_PATH, NULL,
     "Python interpreter for discovery and workers; by default "
     "$VIRTUAL_ENV/bin/python, else the first python3 on PATH that can "
     "import twisted.trial.", NULL, 0, 0},
    {"forever", CCT_OPT_BOOL, "false",
     "Keep watching after the full suite passes (-f).", NULL, 0, 0},
    {"smart", CCT_OPT_BOOL, "false",
     "Run only the tests affected by each change; implies forever (-s).",
     NULL, 0, 0},
    {"watch", CCT_OPT_LIST, "auto",
     "What to watch: auto (the project's root and every development "
     "install on the workers' sys.path), cwd (-c: the directory cctrial "
     "was started in), or a list of paths.",
     NULL, 0, 0},
    {"watch_ext", CCT_OPT_LIST, ".py",
     "File name endings whose changes count.", NULL, 0, 0},
    {"ignore", CCT_OPT_LIST, NULL,
     "Glob patterns of files and directories to ignore, added to the "
     "built-in ones (VCS directories, __pycache__, _trial_temp*, .cctrial, "
     "*.pyc, editor swap and backup files, .venv, venv, .tox, .nox, "
     "*.egg-info, node_modules, and build and dist at the top of a watched "
     "directory) and to what .gitignore ignores; a pattern with a slash "
     "matches the path from the watched directory (a leading slash: from "
     "its top only), and !PATTERN takes a built-in one back (!build).",
     NULL, 0, 0},
    {"debounce", CCT_OPT_INT, "50",
     "Quiet period in milliseconds that turns a burst of changes into one "
     "run; a save of one file runs at once (inotify).", NULL, 0, 60000},
    {"reporters", CCT_OPT_LIST, "summary, oneline",
     "Reporter plugins, in order.", NULL, 0, 0},
    {"notifier", CCT_OPT_STRING, "auto",
     "Notifier plugin: auto (terminal-notifier on macOS, notify-send "
     "elsewhere in a desktop session, with DISPLAY or WAYLAND_DISPLAY set; "
     "either only when installed), none, or a plugin name.", NULL, 0, 0},
    {"selector", CCT_OPT_STRING, "all",
     "Selector plugin choosing the tests a change runs.", NULL, 0, 0},
    {"plugin_path", CCT_OPT_LIST, NULL,
     "Extra directories to search for plugins, before CCTRIAL_PLUGIN_PATH.",
     NULL, 0, 0},
    {"trusted_projects", CCT_OPT_LIST, NULL,
     "Project directories (or * for all) whose .cctrialrc may set "
     "plugin_path and python; only read from your own file.", NULL, 0, 0},
    {"timeout", CCT_OPT_INT, "300",
     "Seconds one test may run before its worker is killed; 0 for no "
     "limit.", NULL, 0, 86400},
    {"discovery_timeout", CCT_OPT_INT, "120",
     "Seconds test discovery may take before it is stopped, naming the "
     "module it was importing; 0 for no limit.", NULL, 0, 86400},
    {"grep", CCT_OPT_STRING, NULL,
     "Keep only the tests whose id contains this text (-g).", NULL, 0, 0},
    {"verbose", CCT_OPT_INT, "0",
     "0 normal, 1 lists the selected tests and explains choices (-v), 2 "
     "more (-vv).", NULL, 0, 3},
    {"worker", CCT_OPT_CHOICE, "fast",
     "Worker bootstrap: fast (cctrial's: the installed Twisted's own worker "
     "protocol loads, runs and reports each test, with commands read in "
     "blocks and its output written once per command) or stock (trial's "
     "own workertrial).", "fast|stock", 0, 0},
    {"template", CCT_OPT_BOOL, "true",
     "Fork the fast workers from a warm template process that has imported "
     "what a worker imports, instead of starting Python for each "
     "(--template).", NULL, 0, 0},
    {"cache", CCT_OPT_BOOL, "true",
     "Keep a discovery cache in .cctrial/ so that unchanged test modules "
     "are not imported again at start.", NULL, 0, 0},
    {"exitfirst", CCT_OPT_BOOL, "false",
     "Stop a run at its first failure or error, as trial -x does: the "
     "results so far are reported, the tests not yet run are not (-x).",
     NULL, 0, 0},
    {"until_failure", CCT_OPT_BOOL, "false",
     "Run the selected tests again and again until one fails, as trial -u "
     "does, saying each pass's number (-u).", NULL, 0, 0},
    {"random", CCT_OPT_INT, NULL,
     "Run the tests in trial's random order for this seed, as trial -z "
     "does; 0 picks a seed from the clock, printed as trial prints it "
     "(-z).", NULL, 0, LONG_MAX},
    {"order", CCT_OPT_CHOICE, NULL,
     "Run the tests in one of trial's orders: alphabetical (trial's "
     "default) or toptobottom (in the order they are defined) (-o).",
     "alphabetical|toptobottom", 0, 0},
    {"testmodule", CCT_OPT_LIST, NULL,
     "Files whose test-case-name (an Emacs-style -*- header line, as "
     "trial --testmodule reads it) names the tests to run; a test_*.py "
     "file is itself the test.  Replaces `tests`.", NULL, 0, 0},
    {"pythonpath", CCT_OPT_LIST, NULL,
     "Directories put on sys.path after the project root, before "
     "PYTHONPATH's, for discovery and the workers; relative ones are "
     "relative to the project root.", NULL, 0, 0},
    {"env", CCT_OPT_STRING, NULL,
     "Environment for discovery and the workers: one NAME=value a line "
     "(indent the lines after the first).", NULL, 0, 0},
    {"temp_directory", CCT_OPT_PATH, "_trial_temp",
     "trial's working directory for the tests (--temp-directory), "
     "relative to the project root; _trial_temp-1, -2... when another "
     "trial or cctrial holds _trial_temp, as trial does.", NULL, 0, 0},
    /* trial's options that configure its workers, passed to every worker
     * as `trial -j` passes them (its _workerFlags and _workerParameters),
     * and those that shape trial's output.  Named as trial's long options,
     * with '_' for '-'. */
    {"reactor", CCT_OPT_STRING, NULL,
     "The reactor the workers install, as trial's --reactor (-r): asyncio, "
     "epoll, poll, select...; none: Twisted's default.", NULL, 0, 0},
    {"force_gc", CCT_OPT_BOOL, "false",
     "Workers run gc.collect() before and after each test (trial's "
     "--force-gc).", NULL, 0, 0},
    {"disablegc", CCT_OPT_BOOL, "false",
     "Workers run with the garbage collector disabled (trial's "
     "--disablegc).", NULL, 0, 0},
    {"recursionlimit", CCT_OPT_INT, "0",
     "sys.setrecursionlimit() in the workers (trial's --recursionlimit); "
     "0: Python's own, as without the option.", NULL, 0, 2147483647},
    {"without_module", CCT_OPT_LIST, NULL,
     "Modules the workers make unimportable (trial's --without-module).",
     NULL, 0, 0},
    {"coverage", CCT_OPT_BOOL, "false",
     "Each worker traces line coverage with the trace module and writes "
     "it to _trial_temp/<n>/coverage/ when it exits, as trial -j's workers "
     "do (trial's --coverage).", NULL, 0, 0},
    {"logfile", CCT_OPT_STRING, "test.log",
     "Name of each worker's log in _trial_temp/<n>/ (trial's --logfile, "
     "-l); an absolute path is used as it is.", NULL, 0, 0},
    {"unclean_warnings", CCT_OPT_BOOL, "false",
     "A test's dirty-reactor error (DirtyReactorAggregateError) is shown "
     "as a warning, not counted as an error (trial's --unclean-warnings).",
     NULL, 0, 0},
    {"tbformat", CCT_OPT_CHOICE, "plain",
     "How tracebacks are shown: plain, emacs (file:line:function) or "
     "cgitb (trial's verbose form); trial's --tbformat, which also takes "
     "their Failure names default, brief and verbose.",
     "plain|emacs|cgitb|default|brief|verbose", 0, 0},
    {"first_wait_hint", CCT_OPT_STRING, NULL,
     "A line shown once, under the first \"waiting for filesystem "
     "change...\": what to do next, for whoever runs the project (the "
     "demo says which bug to fix).", NULL, 0, 0},
    {"history", CCT_OPT_BOOL, "on",
     "Keep the history of runs in .cctrial/history.sqlite: estimates of a "
     "run's time, the tests' durations for --shard, flaky tests, and "
     "`cctrial history`; off keeps none.", NULL, 0, 0},
    {"history_runs", CCT_OPT_INT, "200",
     "How many of the last runs the history keeps.", NULL, 1, 100000},
    {"shard", CCT_OPT_STRING, NULL,
     "K/N: run only part K of the selected tests split into N parts of "
     "about equal time (by the history's durations, a module's tests "
     "together), for N CI jobs that share the history (--shard).",
     NULL, 0, 0},
    {"watcher", CCT_OPT_CHOICE, CCT_WATCHER_DEFAULT,
     "How changes are watched: inotify (Linux only, the default there: "
     "knows when the kernel lost events) or libuv (libuv's uv_fs_event, "
     "one handle per directory: the portable one, the default elsewhere).",
     CCT_WATCHER_CHOICES, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

const cct_option_table cct_core_options = {core_options,
                                           sizeof(core_options[0])};

const char *const cct_default_ignores[] = {
    ".git", ".hg", ".svn", ".bzr", "_darcs", "CVS", "__pycache__",
    "_trial_temp*", ".cctrial", "*.pyc", "*.pyo", ".*.sw?", ".*.sw??",
    "*~", "#*#", ".#*", "*.tmp", "4913",
    /* Environments, tools' caches and build output: never the tests'
     * sources.  build and dist only at the top, where tools put them: a
     * package may be named build. */
    ".venv", "venv", ".tox", ".nox", "*.egg-info", "node_modules",
    "/build", "/dist", NULL,
};

/* !PATTERN takes PATTERN (and /PATTERN) out of the list. */
static void add_ignores(cct_strv *ignore, const char *text)
{
    cct_strv words;
    cct_strv_init(&words);
    cct_strv_split_words(&words, text);
    for (size_t i = 0; i < words.len; i++) {
        const char *word = words.items[i];
        if (word[0] != '!') {
            if (!cct_strv_contains(ignore, word))
                cct_strv_add(ignore, word);
            continue;
        }
        size_t kept = 0;
        for (size_t k = 0; k < ignore->len; k++) {
            const char *have = ignore->items[k];
            if (strcmp(have, word + 1) == 0 ||
                (have[0] == '/' && strcmp(have + 1, word + 1) == 0))
                free(ignore->items[k]);
            else
                ignore->items[kept++] = ignore->items[k];
        }
        ignore->len = kept;
    }
    cct_strv_free(&words);
}

static const char *value(const cct_config *c, const char *key)
{
    return cct_config_value(c, CCT_CORE_SECTION, cct_core_options, key);
}

static void load_list(cct_strv *v, const char *text);

unsigned cct_cpu_count(void)
{
#if UV_VERSION_HEX >= 0x012c00 /* 1.44 */
    unsigned n = uv_available_parallelism();
#else
    uv_cpu_info_t *cpus = NULL;
    int count = 0;
    unsigned n = uv_cpu_info(&cpus, &count) == 0 ? (unsigned)count : 1;
    uv_free_cpu_info(cpus, count);
#endif
    return n ? n : 1;
}

int cct_settings_check(const cct_config *c, char **error)
{
    *error = NULL;
    const cct_setting *random = cct_config_find(c, CCT_CORE_SECTION,
                                                "random");
    const cct_setting *order = cct_config_find(c, CCT_CORE_SECTION, "order");
    if (random && *random->value && order && *order->value) {
        /* trial refuses them together too. */
        *error = cct_xasprintf("random (%s) and order (%s) cannot be used "
                               "together: -z orders the tests itself",
                               random->origin, order->origin);
        return CCT_ECONFIG;
    }
    const cct_setting *rterrors =
        cct_config_find(c, "reporter.oneline", "rterrors");
    if (rterrors && !rterrors->file && cct_parse_bool(rterrors->value)) {
        cct_strv reporters;
        load_list(&reporters, value(c, "reporters"));
        int shown = cct_strv_contains(&reporters, "oneline");
        cct_strv_free(&reporters);
        if (!shown) {
            *error = cct_xstrdup("-e/--rterrors prints through the oneline "
                                 "reporter, which reporters does not list");
            return CCT_ECONFIG;
        }
    }
    const cct_setting *shard = cct_config_find(c, CCT_CORE_SECTION,
                                               "shard");
    if (shard && *shard->value) {
        unsigned k, n;
        char *why = NULL;
        if (cct_shard_parse(shard->value, &k, &n, &why) < 0) {
            *error = cct_xasprintf("%s: %s", shard->origin, why);
            free(why);
            return CCT_ECONFIG;
        }
    }
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? cct_xstrdup(s) : NULL;
}

static void load_list(cct_strv *v, const char *text)
{
    cct_strv_init(v);
    if (text)
        cct_strv_split_words(v, text);
}

void cct_settings_load(cct_settings *s, const cct_config *c)
{
    memset(s, 0, sizeof(*s));
    load_list(&s->tests, value(c, "tests"));
    s->jobs_auto = strcmp(value(c, "jobs"), "auto") == 0;
    s->jobs = s->jobs_auto ? cct_cpu_count()
                           : (unsigned)cct_parse_int(value(c, "jobs"));
    if (s->jobs > CCT_JOBS_MAX)
        s->jobs = CCT_JOBS_MAX; /* a machine of more cores */
    s->python = value(c, "python") && *value(c, "python")
                    ? cct_expand_home(value(c, "python")) : NULL;
    s->smart = cct_parse_bool(value(c, "smart"));
    s->forever = cct_parse_bool(value(c, "forever")) || s->smart;
    load_list(&s->watch, value(c, "watch"));
    load_list(&s->watch_ext, value(c, "watch_ext"));
    cct_strv_init(&s->ignore);
    for (const char *const *p = cct_default_ignores; *p; p++)
        cct_strv_add(&s->ignore, *p);
    if (value(c, "ignore"))
        add_ignores(&s->ignore, value(c, "ignore"));
    s->debounce_ms = (unsigned)cct_parse_int(value(c, "debounce"));
    s->watcher = cct_xstrdup(value(c, "watcher"));
    load_list(&s->reporters, value(c, "reporters"));
    s->notifier = cct_xstrdup(value(c, "notifier"));
    s->selector = cct_xstrdup(value(c, "selector"));
    load_list(&s->plugin_path, value(c, "plugin_path"));
    s->timeout_s = (unsigned)cct_parse_int(value(c, "timeout"));
    s->discovery_timeout_s =
        (unsigned)cct_parse_int(value(c, "discovery_timeout"));
    s->grep = dup_or_null(value(c, "grep"));
    s->verbose = (int)cct_parse_int(value(c, "verbose"));
    s->fast_worker = strcmp(value(c, "worker"), "fast") == 0;
    s->template = cct_parse_bool(value(c, "template"));
    s->cache = cct_parse_bool(value(c, "cache"));
    s->exitfirst = cct_parse_bool(value(c, "exitfirst"));
    s->until_failure = cct_parse_bool(value(c, "until_failure"));
    s->random = value(c, "random") && *value(c, "random")
                    ? cct_parse_int(value(c, "random"))
                    : -1;
    s->order = dup_or_null(value(c, "order"));
    load_list(&s->testmodule, value(c, "testmodule"));
    load_list(&s->pythonpath, value(c, "pythonpath"));
    cct_strv_init(&s->env);
    char *ignored = NULL; /* validated already: cct_env_check() */
    if (value(c, "env") && cct_env_parse(value(c, "env"), &s->env,
                                         &ignored) < 0)
        free(ignored);
    s->temp_directory = cct_expand_home(value(c, "temp_directory"));
    s->worker_flags.reactor = dup_or_null(value(c, "reactor"));
    s->worker_flags.force_gc = cct_parse_bool(value(c, "force_gc"));
    s->worker_flags.disablegc = cct_parse_bool(value(c, "disablegc"));
    s->worker_flags.coverage = cct_parse_bool(value(c, "coverage"));
    s->worker_flags.recursionlimit = cct_parse_int(value(c, "recursionlimit"));
    load_list(&s->worker_flags.without_module, value(c, "without_module"));
    s->logfile = cct_xstrdup(value(c, "logfile"));
    s->unclean_warnings = cct_parse_bool(value(c, "unclean_warnings"));
    /* trial's TBFORMAT_MAP */
    const char *tbformat = value(c, "tbformat");
    s->tbformat = strcmp(tbformat, "emacs") == 0 ||
                          strcmp(tbformat, "brief") == 0
                      ? CCT_TBFORMAT_EMACS
                  : strcmp(tbformat, "cgitb") == 0 ||
                          strcmp(tbformat, "verbose") == 0
                      ? CCT_TBFORMAT_CGITB
                      : CCT_TBFORMAT_PLAIN;
    s->first_wait_hint = dup_or_null(value(c, "first_wait_hint"));
    s->history = cct_parse_bool(value(c, "history"));
    s->history_runs = (unsigned)cct_parse_int(value(c, "history_runs"));
    s->shard_part = s->shard_parts = 0;
    char *ignored_error = NULL; /* checked already: cct_settings_check() */
    if (value(c, "shard") && *value(c, "shard") &&
        cct_shard_parse(value(c, "shard"), &s->shard_part, &s->shard_parts,
                        &ignored_error) < 0)
        free(ignored_error);
}

void cct_settings_free(cct_settings *s)
{
    cct_strv_free(&s->tests);
    free(s->python);
    cct_strv_free(&s->watch);
    cct_strv_free(&s->watch_ext);
    cct_strv_free(&s->ignore);
    free(s->watcher);
    cct_strv_free(&s->reporters);
    free(s->notifier);
    free(s->selector);
    cct_strv_free(&s->plugin_path);
    free(s->grep);
    free(s->first_wait_hint);
    free(s->order);
    cct_strv_free(&s->testmodule);
    cct_strv_free(&s->pythonpath);
    cct_strv_free(&s->env);
    free(s->temp_directory);
    free(s->worker_flags.reactor);
    cct_strv_free(&s->worker_flags.without_module);
    free(s->logfile);
    memset(s, 0, sizeof(*s));
}
