/*
 * cctrial's entry point: the command line, the configuration files, the
 * commands that only print (--help, --version, --print-config, which
 * also runs discovery without a test name to tell the interpreter,
 * --list-plugins), then a session.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "discovery.h"
#include "error.h"
#include "history_report.h"
#include "hook.h"
#include "host.h"
#include "loader.h"
#include "options.h"
#include "paths.h"
#include "python_search.h"
#include "root.h"
#include "session.h"
#include "trust.h"
#include "watcher.h"
#include "workerenv.h"

#define EXIT_USAGE 2

static int read_one(cct_config *config, const char *file, int check)
{
    char *error = check ? cct_trust_file(file, "read the configuration "
                                               "from it")
                        : NULL;
    int rc = error ? CCT_ECONFIG : cct_config_read_file(config, file, &error);
    if (rc < 0) {
        fprintf(stderr, "cctrial: %s\n", error);
        free(error);
    }
    return rc;
}

/* The user's file, then the project's (*project: its path, or NULL).
 * Files found by looking (not named with --config) must be the user's
 * own; *trusted says whether the user trusts the project (see trust.h),
 * as their own file says before the project's is read. */
static int read_config_files(const cct_cli *cli, const char *project_dir,
                             cct_config *config, char **project,
                             int *trusted)
{
    *project = NULL;
    if (cli->config_file)
        return read_one(config, cli->config_file, 0);
    if (cli->no_config)
        return 0;
    char *user = cct_config_user_file();
    int rc = user ? read_one(config, user, 1) : 0;
    free(user);
    *project = rc == 0 ? cct_config_project_file(project_dir) : NULL;
    if (!*project)
        return rc;
    *trusted = cli->trust_project ||
               cct_trust_project_listed(
                   cct_config_get(config, CCT_CORE_SECTION,
                                  "trusted_projects", NULL),
                   *project);
    return read_one(config, *project, 1);
}

/* What the command line names means what it means where it was typed:
 * a test name that is a path, the temp directory and the interpreter are
 * made to name the same from the project root (see root.h). */
static void resolve_typed_here(cct_cli *cli, const cct_paths *paths)
{
    for (size_t i = 0; i < cli->names.len; i++) {
        char *name = cct_root_test_name(paths->project_dir, paths->cwd,
                                        cli->names.items[i]);
        free(cli->names.items[i]);
        cli->names.items[i] = name;
    }
    static const char *const path_flags[] = {"temp_directory", "python"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(path_flags); i++) {
        const char *value = cct_config_get(&cli->flags, CCT_CORE_SECTION,
                                           path_flags[i], NULL);
        /* "--python=python3" is looked up on PATH: only a path moves. */
        if (!value || value[0] == '/' || value[0] == '~' ||
            (strcmp(path_flags[i], "python") == 0 && !strchr(value, '/')))
            continue;
        char *absolute = cct_path_absolute(paths->cwd, value);
        cct_config_set(&cli->flags, CCT_CORE_SECTION, path_flags[i],
                       absolute, "command line", NULL, 0);
        free(absolute);
    }
}

/* The `env` key's lines, checked where the file says it. */
static int validate_env(const cct_config *config)
{
    const cct_setting *s = cct_config_find(config, CCT_CORE_SECTION, "env");
    if (!s)
        return 0;
    cct_strv items;
    cct_strv_init(&items);
    char *error = NULL;
    int rc = cct_env_parse(s->value, &items, &error);
    cct_strv_free(&items);
    if (rc < 0) {
        fprintf(stderr, "cctrial: %s: [cctrial] env: %s\n", s->origin,
                error);
        free(error);
        return CCT_ECONFIG;
    }
    return 0;
}

static int section_kind(const char *section, cct_plugin_kind *kind,
                        const char **name)
{
    static const cct_plugin_kind kinds[] = {
        CCT_PLUGIN_REPORTER, CCT_PLUGIN_NOTIFIER, CCT_PLUGIN_SELECTOR};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(kinds); i++) {
        const char *prefix = cct_plugin_kind_name(kinds[i]);
        size_t n = strlen(prefix);
        if (strncmp(section, prefix, n) == 0 && section[n] == '.' &&
            section[n + 1]) {
            *kind = kinds[i];
            *name = section + n + 1;
            return 1;
        }
    }
    return 0;
}

/* Would this session use the plugin?  The reporters, the notifier and
 * the selector configured, and the selectors the modes imply (git-diff
 * for -H and --since, smart-import for smart mode). */
static int plugin_selected(const cct_config *config, const cct_cli *cli,
                           cct_plugin_kind kind, const char *name)
{
    cct_settings settings;
    cct_settings_load(&settings, config);
    int selected = 0;
    switch (kind) {
    case CCT_PLUGIN_REPORTER:
        selected = cct_strv_contains(&settings.reporters, name);
        break;
    case CCT_PLUGIN_NOTIFIER:
        selected = strcmp(settings.notifier, name) == 0;
        break;
    case CCT_PLUGIN_SELECTOR:
        selected = strcmp(settings.selector, name) == 0 ||
                   (strcmp(name, "git-diff") == 0 &&
                    (cli->hook || cli->since)) ||
                   (strcmp(name, "smart-import") == 0 && settings.smart);
        break;
    }
    cct_settings_free(&settings);
    return selected;
}

/* Checks every section: [cctrial] against the core's table, a plugin's
 * section against that plugin's table and, in a project not `trusted`,
 * that the project's file points no plugin's path outside the project
 * (trust.h).  The section of a plugin that is not found only warns when
 * the plugin is not selected: a committed .cctrialrc may configure a
 * plugin some of the team have installed (selecting one that is missing
 * fails, when it is loaded). */
static int validate_config(const cct_config *config, const cct_cli *cli,
                           const cct_strv *dirs, const char *project_file,
                           int trusted)
{
    char *error = NULL;
    if (cct_config_validate(config, CCT_CORE_SECTION, cct_core_options,
                            &error) < 0)
        goto fail;
    cct_strv checked;
    cct_strv_init(&checked);
    for (size_t i = 0; i < config->n; i++) {
        const cct_setting *s = &config->items[i];
        if (strcmp(s->section, CCT_CORE_SECTION) == 0 ||
            cct_strv_contains(&checked, s->section))
            continue;
        cct_strv_add(&checked, s->section);
        cct_plugin_kind kind;
        const char *name;
        if (!section_kind(s->section, &kind, &name)) {
            error = cct_xasprintf(
                "%s: unknown section [%s]; sections are [cctrial], "
                "[reporter.NAME], [notifier.NAME] and [selector.NAME]",
                s->origin, s->section);
            break;
        }
        cct_loaded_plugin lib;
        char *why = NULL;
        if (cct_plugin_load(dirs, kind, name, &lib, &why) < 0) {
            if (!plugin_selected(config, cli, kind, name)) {
                fprintf(stderr, "cctrial: %s: warning: section [%s] "
                        "ignored, as no %s %s is selected: %s\n",
                        s->origin, s->section, cct_plugin_kind_name(kind),
                        name, why);
                free(why);
                continue;
            }
            error = cct_xasprintf("%s: section [%s]: %s", s->origin,
                                  s->section, why);
            free(why);
            break;
        }
        int rc = cct_config_validate(config, s->section, lib.options,
                                     &error);
        if (rc == 0)
            rc = cct_trust_plugin_settings(config, s->section, lib.options,
                                           project_file, trusted, &error);
        cct_plugin_unload(&lib);
        if (rc < 0)
            break;
    }
    cct_strv_free(&checked);
    if (!error)
        return 0;
fail:
    fprintf(stderr, "cctrial: %s\n", error);
    free(error);
    return CCT_ECONFIG;
}

static void print_plugin_section(const cct_config *config,
                                 const cct_strv *dirs, cct_plugin_kind kind,
                                 const char *name, cct_buf *out)
{
    cct_loaded_plugin lib;
    char *error = NULL;
    if (cct_plugin_load(dirs, kind, name, &lib, &error) < 0) {
        cct_buf_printf(out, "\n; %s\n", error);
        free(error);
        return;
    }
    char *section = cct_plugin_section(kind, name);
    cct_buf_addc(out, '\n');
    cct_config_print_section(config, section, lib.options, out);
    free(section);
    cct_plugin_unload(&lib);
}

/* Each line of `text` as a comment. */
static void add_comment(cct_buf *out, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        cct_buf_printf(out, "; %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

typedef struct described {
    const cct_settings *settings;
    const cct_paths *paths;
    cct_buf *out;
} described;

static void on_described(int status, cct_project *project,
                         const char *python, const char *why,
                         const char *error, const char *warning, void *arg)
{
    described *d = arg;
    if (warning)
        add_comment(d->out, warning);
    cct_strv roots;
    cct_strv_init(&roots);
    if (status == 0) {
        char *line = cct_xasprintf("python: %s (%s): Python %s, Twisted %s",
                                   python, why, project->python_version,
                                   project->twisted_version);
        add_comment(d->out, line);
        free(line);
    } else {
        char *line = cct_xasprintf("python: %s", error);
        add_comment(d->out, line);
        free(line);
    }
    cct_watch_roots(&d->settings->watch, d->paths->project_dir,
                    d->paths->cwd,
                    status == 0 ? &project->dev_roots : NULL, &roots);
    char *list = cct_strv_join(&roots, ", ");
    char *line = cct_xasprintf("watching: %s", list);
    add_comment(d->out, line);
    free(line);
    free(list);
    cct_strv_free(&roots);
}

/* Which interpreter a run would use, why, and its Twisted; the
 * directories it would watch; the ignores in effect: what discovery
 * learns without a test name. */
static void describe_run(const cct_config *config, const cct_cli *cli,
                         const cct_paths *paths, cct_buf *out)
{
    cct_settings settings;
    cct_settings_load(&settings, config);
    int trusted = cli->trust_project ||
                  cct_trust_dir_listed(cct_config_get(config,
                                                      CCT_CORE_SECTION,
                                                      "trusted_projects",
                                                      NULL),
                                       paths->project_dir);
    char *notice = NULL;
    char *venv = cct_project_venv_usable(paths->project_dir, trusted,
                                         settings.python, &notice);
    if (notice)
        add_comment(out, notice);
    free(notice);
    cct_strv no_names;
    cct_strv_init(&no_names);
    char *helper = cct_paths_helper(paths, "discover.py");
    cct_strv roots;
    cct_strv_init(&roots);
    cct_strv_add(&roots, paths->project_dir);
    cct_discovery_request request = {
        .helper = helper,
        .names = &no_names,
        .roots = &roots,
        .cwd = paths->project_dir,
        .python = settings.python,
        .project_venv = venv,
        .timeout_s = settings.discovery_timeout_s,
    };
    described d = {&settings, paths, out};
    uv_loop_t loop;
    uv_loop_init(&loop);
    cct_discover(&loop, &request, on_described, &d, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    char *ignore = cct_strv_join(&settings.ignore, " ");
    char *line = cct_xasprintf("ignoring: %s, and what .gitignore ignores",
                               ignore);
    add_comment(out, line);
    free(line);
    if (settings.jobs_auto) {
        line = cct_xasprintf("jobs = auto: %u workers here (the cores), "
                             "or one per test when a run has fewer",
                             settings.jobs);
        add_comment(out, line);
        free(line);
    }
    free(ignore);
    free(helper);
    free(venv);
    cct_strv_free(&roots);
    cct_strv_free(&no_names);
    cct_settings_free(&settings);
}

static int print_config(const cct_config *config, const cct_strv *dirs,
                        const cct_cli *cli, const cct_paths *paths)
{
    cct_buf out;
    cct_buf_init(&out);
    cct_buf_adds(&out, "; files read:");
    if (config->files.len == 0)
        cct_buf_adds(&out, " none");
    for (size_t i = 0; i < config->files.len; i++)
        cct_buf_printf(&out, " %s", config->files.items[i]);
    cct_buf_adds(&out, "\n");
    describe_run(config, cli, paths, &out);
    cct_buf_printf(&out, "; project root: %s (%s)\n", paths->project_dir,
                   cct_root_reason_text(paths->root_reason));
    cct_config_print_section(config, CCT_CORE_SECTION, cct_core_options,
                             &out);
    cct_settings settings;
    cct_settings_load(&settings, config);
    for (size_t i = 0; i < settings.reporters.len; i++)
        print_plugin_section(config, dirs, CCT_PLUGIN_REPORTER,
                             settings.reporters.items[i], &out);
    if (strcmp(settings.notifier, "auto") != 0 &&
        strcmp(settings.notifier, "none") != 0)
        print_plugin_section(config, dirs, CCT_PLUGIN_NOTIFIER,
                             settings.notifier, &out);
    print_plugin_section(config, dirs, CCT_PLUGIN_SELECTOR,
                         settings.selector, &out);
    cct_settings_free(&settings);
    fputs(out.data, stdout);
    cct_buf_free(&out);
    return 0;
}

/* Loads each plugin found in `dirs` (the first of each name) and shows it
 * to `visit`; a file that does not load is said on stderr.  Returns 0, or
 * 1 when one did not load. */
static int each_plugin(const cct_strv *dirs,
                       void (*visit)(const cct_loaded_plugin *lib,
                                     size_t *shown),
                       size_t *shown)
{
    cct_strv paths;
    cct_strv_init(&paths);
    cct_plugin_find_all(dirs, &paths);
    int status = 0;
    for (size_t i = 0; i < paths.len; i++) {
        cct_loaded_plugin lib;
        char *error = NULL;
        if (cct_plugin_load_file(paths.items[i], &lib, &error) < 0) {
            fprintf(stderr, "cctrial: %s\n", error);
            free(error);
            status = 1;
            continue;
        }
        visit(&lib, shown);
        cct_plugin_unload(&lib);
    }
    cct_strv_free(&paths);
    return status;
}

static void show_plugin(const cct_loaded_plugin *lib, size_t *shown)
{
    (*shown)++;
    printf("%-9s %-18s %s\n          %s\n",
           cct_plugin_kind_name(lib->desc->kind), lib->desc->name, lib->path,
           lib->desc->description ? lib->desc->description : "");
}

static int list_plugins(const cct_strv *dirs)
{
    size_t shown = 0;
    int status = each_plugin(dirs, show_plugin, &shown);
    if (shown == 0 && status == 0) {
        char *where = cct_strv_join(dirs, ", ");
        printf("no plugins found in: %s\n", where);
        free(where);
    }
    return status;
}

static void show_reporter(const cct_loaded_plugin *lib, size_t *shown)
{
    if (lib->desc->kind != CCT_PLUGIN_REPORTER)
        return;
    (*shown)++;
    printf("    %s\t%s\n", lib->desc->name,
           lib->desc->description ? lib->desc->description : "");
}

/* trial's --help-reporters: cctrial's output is its reporter plugins. */
static int help_reporters(const cct_strv *dirs)
{
    printf("cctrial's output comes from reporter plugins; select any of "
           "these with\n--reporters=LIST (or reporters = LIST in a "
           "configuration file):\n\n");
    size_t shown = 0;
    int status = each_plugin(dirs, show_reporter, &shown);
    if (shown == 0) {
        char *where = cct_strv_join(dirs, ", ");
        printf("    (no reporter plugin found in: %s)\n", where);
        free(where);
    }
    return status;
}

/* cctrial history: the project's .cctrial/history.sqlite. */
static int show_history(const cct_config *config, const cct_cli *cli,
                        const cct_paths *paths)
{
    cct_settings settings;
    cct_settings_load(&settings, config);
    if (!settings.history)
        fprintf(stderr, "cctrial: history = off: runs are not kept; this "
                        "is what was kept before\n");
    cct_settings_free(&settings);
    char *file = cct_xasprintf("%s/.cctrial/history.sqlite",
                               paths->project_dir);
    int status = cct_history_report(file, cli->limit ? cli->limit : 10,
                                    cli->json, stdout);
    free(file);
    return status;
}

int main(int argc, char **argv)
{
    /* A worker that closes its command pipe must not kill us: writing to
     * it then fails with EPIPE, which the worker code handles.  Children
     * start with the default again (uv_spawn resets every signal). */
    signal(SIGPIPE, SIG_IGN);
    cct_cli cli;
    char *error = NULL;
    if (cct_cli_parse(&cli, argc, argv, &error) < 0) {
        fprintf(stderr, "cctrial: %s\nTry 'cctrial --help' for more "
                        "information.\n", error);
        free(error);
        cct_cli_free(&cli);
        return EXIT_USAGE;
    }
    if (cli.command == CCT_CMD_HELP) {
        fputs(cct_cli_help(), stdout);
        cct_cli_free(&cli);
        return 0;
    }
    if (cli.command == CCT_CMD_VERSION) {
        printf("cctrial %s (plugin ABI %d.%d)\n", CCT_VERSION,
               CCT_PLUGIN_ABI_MAJOR, CCT_PLUGIN_ABI_MINOR);
        cct_cli_free(&cli);
        return 0;
    }

    cct_paths paths;
    int rc = cct_paths_init(&paths);
    if (rc < 0) {
        fprintf(stderr, "cctrial: cannot locate its own files: %s\n",
                cct_strerror(rc));
        cct_cli_free(&cli);
        return EXIT_USAGE;
    }
    resolve_typed_here(&cli, &paths);
    cct_config config;
    cct_config_init(&config);
    int status = EXIT_USAGE;
    char *project_file = NULL;
    int trusted = 0;
    rc = read_config_files(&cli, paths.project_dir, &config, &project_file,
                           &trusted);
    if (rc == 0) {
        cct_cli_apply(&cli, &config); /* a flag may stand for the project */
        if (project_file)
            rc = cct_trust_project_settings(&config, project_file, trusted,
                                            &error);
    }
    if (rc < 0) {
        if (error)
            fprintf(stderr, "cctrial: %s\n", error);
        free(error);
        goto out;
    }

    /* The plugin path may come from the configuration: validate [cctrial]
     * first, then look for plugins. */
    if (cct_config_validate(&config, CCT_CORE_SECTION, cct_core_options,
                            &error) < 0 ||
        cct_settings_check(&config, &error) < 0) {
        fprintf(stderr, "cctrial: %s\n", error);
        free(error);
        goto out;
    }
    if (validate_env(&config) < 0)
        goto out;
    /* Installing the hook needs no plugin: it loads none. */
    if (cli.command == CCT_CMD_INSTALL_HOOK) {
        status = cct_install_hook(paths.project_dir, &cli.names, cli.force);
        goto out;
    }
    /* Nor does reading the history. */
    if (cli.command == CCT_CMD_HISTORY) {
        status = show_history(&config, &cli, &paths);
        goto out;
    }
    cct_strv plugin_dirs;
    cct_strv_init(&plugin_dirs);
    cct_strv config_dirs;
    cct_strv_init(&config_dirs);
    const char *extra = cct_config_get(&config, CCT_CORE_SECTION,
                                       "plugin_path", NULL);
    if (extra) {
        cct_strv words;
        cct_strv_init(&words);
        cct_strv_split_words(&words, extra);
        for (size_t i = 0; i < words.len; i++) {
            char *dir = cct_expand_home(words.items[i]);
            cct_strv_take(&config_dirs,
                          cct_path_absolute(paths.project_dir, dir));
            free(dir);
        }
        cct_strv_free(&words);
    }
    cct_plugin_search_path(&plugin_dirs,
                           paths.in_build_tree ? paths.plugin_dir : NULL,
                           paths.in_build_tree ? NULL : paths.plugin_dir,
                           &config_dirs, getenv("CCTRIAL_PLUGIN_PATH"));
    cct_strv_free(&config_dirs);

    if (cli.command == CCT_CMD_LIST_PLUGINS)
        status = list_plugins(&plugin_dirs);
    else if (cli.command == CCT_CMD_HELP_REPORTERS)
        status = help_reporters(&plugin_dirs);
    else if (validate_config(&config, &cli, &plugin_dirs, project_file,
                             trusted) < 0)
        status = EXIT_USAGE;
    else if (cli.command == CCT_CMD_PRINT_CONFIG)
        status = print_config(&config, &plugin_dirs, &cli, &paths);
    else
        status = cct_session_run(&cli, &config, &paths, &plugin_dirs);
    cct_strv_free(&plugin_dirs);
out:
    free(project_file);
    cct_config_free(&config);
    cct_paths_free(&paths);
    cct_cli_free(&cli);
    return status;
}
