/*
 * Command-line parsing with getopt_long (see cli.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "options.h"

enum {
    OPT_ONCE = 256,
    OPT_SINCE,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_PRINT_CONFIG,
    OPT_LIST_PLUGINS,
    OPT_LIST_SELECTED,
    OPT_PYTHON,
    OPT_REPORTERS,
    OPT_NOTIFIER,
    OPT_SELECTOR,
    OPT_TIMEOUT,
    OPT_WORKER,
    OPT_TEMPLATE,
    OPT_FORCE,
    OPT_TRUST_PROJECT,
    OPT_TESTMODULE,
    OPT_TEMP_DIRECTORY,
    OPT_WATCHER,
    /* trial's options for its workers and its output */
    OPT_FORCE_GC,
    OPT_DISABLEGC,
    OPT_RECURSIONLIMIT,
    OPT_WITHOUT_MODULE,
    OPT_COVERAGE,
    OPT_UNCLEAN_WARNINGS,
    OPT_TBFORMAT,
    OPT_HELP_REPORTERS,
    /* trial's options that cctrial refuses (see refusal()) */
    OPT_TRIAL_REPORTER,
    OPT_DEBUG_STACKTRACES,
    OPT_PROFILE,
    OPT_NOPM,
    OPT_DEBUGGER,
    /* sharding and the history */
    OPT_SHARD,
    OPT_JSON,
    OPT_LIMIT,
};

static const struct option long_options[] = {
    {"jobs", required_argument, NULL, 'j'},
    {"forever", no_argument, NULL, 'f'},
    {"grep", required_argument, NULL, 'g'},
    {"verbose", no_argument, NULL, 'v'},
    {"smart", no_argument, NULL, 's'},
    {"cwd", no_argument, NULL, 'c'},
    {"hook", no_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"once", no_argument, NULL, OPT_ONCE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"print-config", no_argument, NULL, OPT_PRINT_CONFIG},
    {"list-plugins", no_argument, NULL, OPT_LIST_PLUGINS},
    {"list-selected", no_argument, NULL, OPT_LIST_SELECTED},
    {"python", required_argument, NULL, OPT_PYTHON},
    {"reporters", required_argument, NULL, OPT_REPORTERS},
    {"notifier", required_argument, NULL, OPT_NOTIFIER},
    {"selector", required_argument, NULL, OPT_SELECTOR},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"worker", required_argument, NULL, OPT_WORKER},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"force", no_argument, NULL, OPT_FORCE},
    {"trust-project", no_argument, NULL, OPT_TRUST_PROJECT},
    {"exitfirst", no_argument, NULL, 'x'},
    {"until-failure", no_argument, NULL, 'u'},
    {"random", required_argument, NULL, 'z'},
    {"order", required_argument, NULL, 'o'},
    {"rterrors", no_argument, NULL, 'e'},
    {"testmodule", required_argument, NULL, OPT_TESTMODULE},
    {"temp-directory", required_argument, NULL, OPT_TEMP_DIRECTORY},
    {"watcher", required_argument, NULL, OPT_WATCHER},
    /* trial's, with trial's meaning */
    {"reactor", required_argument, NULL, 'r'},
    {"force-gc", no_argument, NULL, OPT_FORCE_GC},
    {"disablegc", no_argument, NULL, OPT_DISABLEGC},
    {"recursionlimit", required_argument, NULL, OPT_RECURSIONLIMIT},
    {"without-module", required_argument, NULL, OPT_WITHOUT_MODULE},
    {"coverage", no_argument, NULL, OPT_COVERAGE},
    {"logfile", required_argument, NULL, 'l'},
    {"unclean-warnings", no_argument, NULL, OPT_UNCLEAN_WARNINGS},
    {"tbformat", required_argument, NULL, OPT_TBFORMAT},
    {"help-reporters", no_argument, NULL, OPT_HELP_REPORTERS},
    /* trial's, refused; optional_argument so that even without their
     * value they say why */
    {"reporter", optional_argument, NULL, OPT_TRIAL_REPORTER},
    {"debug", no_argument, NULL, 'b'},
    {"debug-stacktraces", no_argument, NULL, 'B'},
    {"profile", no_argument, NULL, OPT_PROFILE},
    {"nopm", no_argument, NULL, OPT_NOPM},
    {"debugger", optional_argument, NULL, OPT_DEBUGGER},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"json", no_argument, NULL, OPT_JSON},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {NULL, 0, NULL, 0},
};

static const char help_text[] =
    "Usage: cctrial [OPTION]... [TEST_NAME]...\n"
    "       cctrial install-hook [--force] [TEST_NAME]...\n"
    "       cctrial history [--json] [--limit=N]\n"
    "Run Twisted's trial continuously: the whole suite, then the test whose\n"
    "failure is most common until it passes, then everything that failed,\n"
    "then the whole suite again, on every change of a source file.\n"
    "\n"
    "TEST_NAME is what trial takes: a package, module, class or method.\n"
    "\n"
    "Mandatory arguments to long options are mandatory for short options "
    "too.\n"
    "\n"
    "Workflow:\n"
    "  -j, --jobs=N|auto     run N worker processes; auto (the default):\n"
    "                        as many as cores, never more than tests\n"
    "  -f, --forever         keep watching after the full suite passes\n"
    "  -g, --grep=TEXT       keep only tests whose id contains TEXT\n"
    "  -s, --smart           run only the tests affected by each change;\n"
    "                        implies --forever, waits for the first change\n"
    "  -c, --cwd             watch only the current directory\n"
    "  -H, --hook            run the tests the last commit affects, once\n"
    "      --since=REF       the tests the changes since REF affect\n"
    "                        (REF...HEAD), not the last commit's\n"
    "      --once            run the selected tests once and exit\n"
    "      --list-selected   print the ids that would run, run nothing\n"
    "      --shard=K/N       only part K of the selected tests split into N\n"
    "                        parts of about equal time (CI jobs; with\n"
    "                        --once, -H or --list-selected)\n"
    "  -v, --verbose         print each selected test; twice for more\n"
    "\n"
    "trial's options that shape a run:\n"
    "  -x, --exitfirst       stop a run at its first failure or error\n"
    "  -u, --until-failure   run the tests again until they fail\n"
    "  -z, --random=SEED     trial's random order for SEED (0: any)\n"
    "  -o, --order=ORDER     alphabetical or toptobottom\n"
    "  -e, --rterrors        print each failure's traceback at once\n"
    "      --testmodule=FILE the tests FILE's test-case-name names\n"
    "\n"
    "Configuration (flags win over files):\n"
    "      --config=FILE     read only FILE, not the usual files\n"
    "      --no-config       read no configuration file\n"
    "      --trust-project   let the project's .cctrialrc set plugin_path,\n"
    "                        python, and env and pythonpath that add code\n"
    "                        (see trusted_projects)\n"
    "      --print-config    print the merged settings and their origins\n"
    "      --python=PATH     the interpreter for discovery and workers\n"
    "      --reporters=LIST  reporter plugins (default: summary,oneline)\n"
    "      --notifier=NAME   notifier plugin, auto or none\n"
    "      --selector=NAME   selector plugin (default: all)\n"
    "      --timeout=SECONDS per-test limit (default 300, 0 for none)\n"
    "      --worker=KIND     fast (the default) or stock worker bootstrap\n"
    "      --temp-directory=DIR  trial's working directory for the tests\n"
    "                        (default _trial_temp, or _trial_temp-N when\n"
    "                        another trial holds it)\n"
    "      --watcher=KIND    inotify (Linux's default) or libuv (the\n"
    "                        portable one)\n"
    "      --template=BOOL   fork fast workers from a warm template\n"
    "                        (default true)\n"
    "      --list-plugins    print every plugin found and exit\n"
    "\n"
    "history: the last runs, the slowest tests and the flakiest, from\n"
    ".cctrial/history.sqlite:\n"
    "      --json            as one JSON document\n"
    "      --limit=N         N rows in each list (default 10)\n"
    "\n"
    "trial's options, with trial's meaning (passed to every worker as\n"
    "trial -j passes them, or shaping the output):\n"
    "  -r, --reactor=NAME    the reactor the workers install (asyncio...)\n"
    "      --force-gc        gc.collect() before and after each test\n"
    "      --disablegc       workers run without the garbage collector\n"
    "      --recursionlimit=N  sys.setrecursionlimit(N) in the workers\n"
    "      --without-module=MODULES  make these modules (comma-separated)\n"
    "                        unimportable, in workers and discovery\n"
    "      --coverage        each worker writes line coverage to\n"
    "                        _trial_temp/<n>/coverage/, as trial -j's do\n"
    "  -l, --logfile=NAME    each worker's log in _trial_temp/<n>/\n"
    "                        (default test.log)\n"
    "      --unclean-warnings  a dirty reactor is a warning, not an error\n"
    "      --tbformat=FORMAT plain, emacs or cgitb tracebacks\n"
    "      --help-reporters  list the reporter plugins and exit\n"
    "trial's debugger and profiler options cannot work with worker\n"
    "processes and are refused, as trial -j refuses them; its reporter\n"
    "option too (use --reporters).  Long options are never abbreviated.\n"
    "\n"
    "  -h, --help            print this help and exit\n"
    "  -V, --version         print the version and exit\n"
    "\n"
    "Files: $XDG_CONFIG_HOME/cctrial/cctrialrc "
    "(~/.config/cctrial/cctrialrc),\n"
    "then the nearest .cctrialrc upward from the current directory.\n"
    "The project root is that file's directory, else the top of the git\n"
    "work tree, else the current directory: discovery and the workers run\n"
    "there; a TEST_NAME that is a path is one from the current "
    "directory.\n"
    "Environment: CCTRIAL_PLUGIN_PATH, XDG_CONFIG_HOME, VIRTUAL_ENV, "
    "NO_COLOR.\n"
    "\n"
    "Exit status: 0 all passed, 1 a test failed, 2 usage or configuration\n"
    "error, 5 --once selected no test, 130 interrupted (SIGINT), 143\n"
    "terminated (SIGTERM).  With CI set and no terminal on standard input,\n"
    "cctrial runs once as with --once.\n"
    "\n"
    "Full documentation: man cctrial, man cctrialrc.\n";

const char *cct_cli_help(void)
{
    return help_text;
}

/* "option --config needs a value", for a short or a long option. */
static char *missing_value(int option)
{
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == option && option >= 256)
            return cct_xasprintf("option --%s needs a value", o->name);
    return cct_xasprintf("option -%c needs a value", option);
}

static void flag(cct_cli *cli, const char *key, const char *value)
{
    cct_config_set(&cli->flags, CCT_CORE_SECTION, key, value,
                   "command line", NULL, 0);
}

/* --testmodule may be given more than once, as trial takes it. */
static void add_testmodule(cct_cli *cli, const char *file)
{
    const char *before = cct_config_get(&cli->flags, CCT_CORE_SECTION,
                                        "testmodule", NULL);
    cct_strv files;
    cct_strv_init(&files);
    if (before)
        cct_strv_split_words(&files, before);
    cct_strv_add(&files, file);
    char *joined = cct_strv_join_words(&files);
    flag(cli, "testmodule", joined);
    free(joined);
    cct_strv_free(&files);
}

/* trial's options that cannot work here: why, and what to do instead. */
static char *refusal(int option)
{
    const char *name = "";
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == option)
            name = o->name;
    if (option == OPT_TRIAL_REPORTER)
        return cct_xstrdup("--reporter is trial's option: cctrial's output "
                           "comes from its reporter plugins; choose them "
                           "with --reporters=LIST (see --help-reporters)");
    if (option == OPT_NOPM || option == OPT_DEBUGGER)
        return cct_xasprintf("--%s goes with --debug, which cannot work "
                             "with worker processes (trial -j refuses it "
                             "too): run the test under `python3 -m "
                             "twisted.trial --debug TEST_NAME`", name);
    return cct_xasprintf("--%s cannot work with worker processes (trial -j "
                         "refuses it too): run the test under "
                         "`python3 -m twisted.trial --%s TEST_NAME`", name,
                         name);
}

/* getopt_long takes any unambiguous prefix of a long option.  cctrial
 * takes its long options whole: it accepts trial's option names too, and
 * a prefix of one of its own can be one of trial's (--reporter is a
 * prefix of --reporters), or become one when an option is added; an
 * abbreviation would then quietly change meaning.  `text` is the argument
 * getopt_long read the option from. */
static char *abbreviation(const char *text, const struct option *o)
{
    const char *name = text + 2;
    size_t len = strcspn(name, "=");
    if (len == strlen(o->name) && strncmp(name, o->name, len) == 0)
        return NULL;
    return cct_xasprintf("unknown option --%.*s (long options are not "
                         "abbreviated: --%s?)", (int)len, name, o->name);
}

static int set_command(cct_cli *cli, cct_command command, char **error)
{
    if (cli->command != CCT_CMD_RUN && cli->command != command) {
        *error = cct_xstrdup("--print-config, --list-plugins, "
                             "--help-reporters and --list-selected cannot "
                             "be combined");
        return CCT_EUSAGE;
    }
    cli->command = command;
    return 0;
}

/* Flags that only a mode other than the chosen one uses are refused
 * rather than silently ignored: a script that says -f or --since expects
 * them to do something.  Only flags count: a configuration file serves
 * every mode (its forever = true is for watching, and ignored otherwise). */
static int check_mode_flags(const cct_cli *cli, char **error)
{
    int one_run = cli->once || cli->hook ||
                  cli->command == CCT_CMD_LIST_SELECTED;
    const char *mode = cli->once ? "--once"
                       : cli->hook ? "-H"
                                   : "--list-selected";
    const char *notifier =
        cct_config_get(&cli->flags, CCT_CORE_SECTION, "notifier", NULL);
    int smart = cct_config_get(&cli->flags, CCT_CORE_SECTION, "smart",
                               NULL) != NULL;
    if (one_run && cct_config_get(&cli->flags, CCT_CORE_SECTION, "forever",
                                  NULL))
        *error = cct_xasprintf("-f (--forever) keeps watching, %s runs the "
                               "tests once: give one or the other", mode);
    else if (cli->since && !one_run)
        *error = cct_xstrdup("--since selects the tests a branch affects, "
                             "for one run: use it with --once, -H or "
                             "--list-selected");
    else if (smart && (cli->hook || cli->since))
        *error = cct_xasprintf("-s (--smart) selects the tests each change "
                               "affects while watching; %s selects those "
                               "a commit affects: give one or the other",
                               cli->since ? "--since" : "-H");
    else if (!one_run &&
             cct_config_get(&cli->flags, CCT_CORE_SECTION, "shard", NULL))
        *error = cct_xstrdup("--shard splits one run's tests between "
                             "machines: use it with --once, -H or "
                             "--list-selected");
    else if (one_run && notifier && strcmp(notifier, "none") != 0)
        *error = cct_xasprintf("--notifier: notifications are sent only "
                               "while watching, not with %s", mode);
    else if (one_run &&
             cct_config_get(&cli->flags, CCT_CORE_SECTION, "watch", NULL))
        *error = cct_xasprintf("-c (--cwd) chooses what to watch, and %s "
                               "watches nothing: give one or the other",
                               mode);
    return *error ? CCT_EUSAGE : 0;
}

int cct_cli_parse(cct_cli *cli, int argc, char **argv, char **error)
{
    memset(cli, 0, sizeof(*cli));
    cct_strv_init(&cli->names);
    cct_config_init(&cli->flags);
    *error = NULL;
    int verbose = 0;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "install-hook") == 0) {
        cli->command = CCT_CMD_INSTALL_HOOK;
        first = 2;
    } else if (argc > 1 && strcmp(argv[1], "history") == 0) {
        cli->command = CCT_CMD_HISTORY;
        first = 2;
    }
    /* Skip the subcommand; getopt_long permutes the rest so that options
     * may follow test names.  optind = 0 makes GNU getopt start afresh
     * (this parser may run more than once in a process, as in tests). */
    argv += first - 1;
    argc -= first - 1;
    optind = 0;
    opterr = 0;
    int c;
    int index = -1;
    /* A leading ':' makes a missing value ':' rather than '?'. */
    while ((c = getopt_long(argc, argv, ":j:fg:vscHhVxuz:o:er:l:bB",
                            long_options, &index)) != -1) {
        int rc = 0;
        if (index >= 0 && c != '?' && c != ':') {
            /* Its value, if separate, is the last argument read. */
            int at = optarg && optarg == argv[optind - 1] ? optind - 2
                                                           : optind - 1;
            *error = abbreviation(argv[at], &long_options[index]);
            if (*error)
                return CCT_EUSAGE;
        }
        index = -1;
        switch (c) {
        case 'j': flag(cli, "jobs", optarg); break;
        case 'f': flag(cli, "forever", "true"); break;
        case 'g': flag(cli, "grep", optarg); break;
        case 'v': verbose++; break;
        case 's': flag(cli, "smart", "true"); break;
        case 'c': flag(cli, "watch", "cwd"); break;
        case 'H': cli->hook = 1; break;
        case 'h': rc = set_command(cli, CCT_CMD_HELP, error); break;
        case 'V': rc = set_command(cli, CCT_CMD_VERSION, error); break;
        case OPT_ONCE: cli->once = 1; break;
        case OPT_SINCE:
            free(cli->since);
            cli->since = cct_xstrdup(optarg);
            cct_config_set(&cli->flags, "selector.git-diff", "since", optarg,
                           "command line", NULL, 0);
            break;
        case OPT_CONFIG:
            free(cli->config_file);
            cli->config_file = cct_xstrdup(optarg);
            break;
        case OPT_NO_CONFIG: cli->no_config = 1; break;
        case OPT_PRINT_CONFIG:
            rc = set_command(cli, CCT_CMD_PRINT_CONFIG, error);
            break;
        case OPT_LIST_PLUGINS:
            rc = set_command(cli, CCT_CMD_LIST_PLUGINS, error);
            break;
        case OPT_LIST_SELECTED:
            rc = set_command(cli, CCT_CMD_LIST_SELECTED, error);
            break;
        case OPT_PYTHON: flag(cli, "python", optarg); break;
        case OPT_REPORTERS: flag(cli, "reporters", optarg); break;
        case OPT_NOTIFIER: flag(cli, "notifier", optarg); break;
        case OPT_SELECTOR: flag(cli, "selector", optarg); break;
        case OPT_TIMEOUT: flag(cli, "timeout", optarg); break;
        case OPT_WORKER: flag(cli, "worker", optarg); break;
        case 'x': flag(cli, "exitfirst", "true"); break;
        case 'u': flag(cli, "until_failure", "true"); break;
        case 'z': flag(cli, "random", optarg); break;
        case 'o': flag(cli, "order", optarg); break;
        case 'e':
            /* The oneline reporter prints them (see its rterrors). */
            cct_config_set(&cli->flags, "reporter.oneline", "rterrors",
                           "true", "command line", NULL, 0);
            break;
        case OPT_TESTMODULE: add_testmodule(cli, optarg); break;
        case OPT_TEMPLATE: flag(cli, "template", optarg); break;
        case OPT_FORCE: cli->force = 1; break;
        case OPT_TRUST_PROJECT: cli->trust_project = 1; break;
        case OPT_TEMP_DIRECTORY: flag(cli, "temp_directory", optarg); break;
        case OPT_WATCHER: flag(cli, "watcher", optarg); break;
        case 'r': flag(cli, "reactor", optarg); break;
        case OPT_FORCE_GC: flag(cli, "force_gc", "true"); break;
        case OPT_DISABLEGC: flag(cli, "disablegc", "true"); break;
        case OPT_RECURSIONLIMIT: flag(cli, "recursionlimit", optarg); break;
        case OPT_WITHOUT_MODULE: flag(cli, "without_module", optarg); break;
        case OPT_COVERAGE: flag(cli, "coverage", "true"); break;
        case 'l': flag(cli, "logfile", optarg); break;
        case OPT_UNCLEAN_WARNINGS:
            flag(cli, "unclean_warnings", "true");
            break;
        case OPT_TBFORMAT: flag(cli, "tbformat", optarg); break;
        case OPT_HELP_REPORTERS:
            rc = set_command(cli, CCT_CMD_HELP_REPORTERS, error);
            break;
        case OPT_SHARD: flag(cli, "shard", optarg); break;
        case OPT_JSON: cli->json = 1; break;
        case OPT_LIMIT: {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n < 1 ||
                n > 100000) {
                *error = cct_xasprintf("--limit '%s': a number of rows, 1 "
                                       "to 100000", optarg);
                return CCT_EUSAGE;
            }
            cli->limit = (unsigned)n;
            break;
        }
        case OPT_TRIAL_REPORTER:
        case 'b':
        case 'B':
        case OPT_PROFILE:
        case OPT_NOPM:
        case OPT_DEBUGGER:
            *error = refusal(c);
            return CCT_EUSAGE;
        case ':':
            /* An abbreviation may lack its value too: say the first. */
            for (const struct option *o = long_options; o->name; o++)
                if (o->val == optopt &&
                    strncmp(argv[optind - 1], "--", 2) == 0 &&
                    (*error = abbreviation(argv[optind - 1], o)))
                    return CCT_EUSAGE;
            *error = missing_value(optopt);
            return CCT_EUSAGE;
        case '?':
        default:
            if (optopt && optopt < 256)
                *error = cct_xasprintf("unknown option -%c", optopt);
            else
                *error = cct_xasprintf("unknown option %s",
                                       argv[optind - 1]);
            return CCT_EUSAGE;
        }
        if (rc < 0)
            return rc;
    }
    /* GNU getopt moved every name after the options (and dropped "--"). */
    while (optind < argc)
        cct_strv_add(&cli->names, argv[optind++]);
    if (verbose) {
        char text[16];
        snprintf(text, sizeof(text), "%d", verbose > 3 ? 3 : verbose);
        flag(cli, "verbose", text);
    }
    if (cli->force && cli->command != CCT_CMD_INSTALL_HOOK) {
        *error = cct_xstrdup("--force is an option of install-hook");
        return CCT_EUSAGE;
    }
    if ((cli->json || cli->limit) && cli->command != CCT_CMD_HISTORY) {
        *error = cct_xasprintf("--%s is an option of cctrial history",
                               cli->json ? "json" : "limit");
        return CCT_EUSAGE;
    }
    if (cli->command == CCT_CMD_HISTORY && cli->names.len) {
        *error = cct_xstrdup("cctrial history takes no test name");
        return CCT_EUSAGE;
    }
    if (cli->command == CCT_CMD_RUN || cli->command == CCT_CMD_LIST_SELECTED)
        return check_mode_flags(cli, error);
    return 0;
}

void cct_cli_free(cct_cli *cli)
{
    free(cli->since);
    free(cli->config_file);
    cct_strv_free(&cli->names);
    cct_config_free(&cli->flags);
}

void cct_cli_apply(const cct_cli *cli, cct_config *config)
{
    for (size_t i = 0; i < cli->flags.n; i++) {
        const cct_setting *s = &cli->flags.items[i];
        cct_config_set(config, s->section, s->key, s->value, s->origin,
                       NULL, 0);
    }
    if (cli->names.len) {
        /* Quoted as needed: a name may hold a space ("my tests/x.py"). */
        char *names = cct_strv_join_words(&cli->names);
        cct_config_set(config, CCT_CORE_SECTION, "tests", names,
                       "command line", NULL, 0);
        free(names);
    }
}
