/*
 * cctrial's entry point: the command line, the configuration files, the
 * commands that only print (--help, --version, --print-config,
 * --list-plugins), then a session.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "error.h"
#include "hook.h"
#include "host.h"
#include "loader.h"
#include "options.h"
#include "paths.h"
#include "session.h"
#include "trust.h"

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

/* Checks every section: [cctrial] against the core's table, a plugin's
 * section against that plugin's table. */
static int validate_config(const cct_config *config, const cct_strv *dirs)
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
            error = cct_xasprintf("%s: section [%s]: %s", s->origin,
                                  s->section, why);
            free(why);
            break;
        }
        int rc = cct_config_validate(config, s->section, lib.options,
                                     &error);
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

static int print_config(const cct_config *config, const cct_strv *dirs)
{
    cct_buf out;
    cct_buf_init(&out);
    cct_buf_adds(&out, "; files read:");
    if (config->files.len == 0)
        cct_buf_adds(&out, " none");
    for (size_t i = 0; i < config->files.len; i++)
        cct_buf_printf(&out, " %s", config->files.items[i]);
    cct_buf_adds(&out, "\n");
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

static int list_plugins(const cct_strv *dirs)
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
        printf("%-9s %-18s %s\n          %s\n",
               cct_plugin_kind_name(lib.desc->kind), lib.desc->name,
               lib.path, lib.desc->description ? lib.desc->description : "");
        cct_plugin_unload(&lib);
    }
    if (paths.len == 0) {
        char *where = cct_strv_join(dirs, ", ");
        printf("no plugins found in: %s\n", where);
        free(where);
    }
    cct_strv_free(&paths);
    return status;
}

/* trial's --help-reporters: cctrial's output is its reporter plugins. */
static int help_reporters(const cct_strv *dirs)
{
    cct_strv paths;
    cct_strv_init(&paths);
    cct_plugin_find_all(dirs, &paths); /* the first of each name */
    printf("cctrial's output comes from reporter plugins; select any of "
           "these with\n--reporters=LIST (or reporters = LIST in a "
           "configuration file):\n\n");
    int status = 0;
    size_t found = 0;
    for (size_t i = 0; i < paths.len; i++) {
        cct_loaded_plugin lib;
        char *error = NULL;
        if (cct_plugin_load_file(paths.items[i], &lib, &error) < 0) {
            fprintf(stderr, "cctrial: %s\n", error);
            free(error);
            status = 1;
            continue;
        }
        if (lib.desc->kind == CCT_PLUGIN_REPORTER) {
            found++;
            printf("    %s\t%s\n", lib.desc->name,
                   lib.desc->description ? lib.desc->description : "");
        }
        cct_plugin_unload(&lib);
    }
    if (found == 0) {
        char *where = cct_strv_join(dirs, ", ");
        printf("    (no reporter plugin found in: %s)\n", where);
        free(where);
    }
    cct_strv_free(&paths);
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
    free(project_file);
    if (rc < 0) {
        if (error)
            fprintf(stderr, "cctrial: %s\n", error);
        free(error);
        goto out;
    }

    /* The plugin path may come from the configuration: validate [cctrial]
     * first, then look for plugins. */
    if (cct_config_validate(&config, CCT_CORE_SECTION, cct_core_options,
                            &error) < 0) {
        fprintf(stderr, "cctrial: %s\n", error);
        free(error);
        goto out;
    }
    /* Installing the hook needs no plugin: it loads none. */
    if (cli.command == CCT_CMD_INSTALL_HOOK) {
        status = cct_install_hook(paths.project_dir, &cli.names, cli.force);
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
    else if (validate_config(&config, &plugin_dirs) < 0)
        status = EXIT_USAGE;
    else if (cli.command == CCT_CMD_PRINT_CONFIG)
        status = print_config(&config, &plugin_dirs);
    else
        status = cct_session_run(&cli, &config, &paths, &plugin_dirs);
    cct_strv_free(&plugin_dirs);
out:
    cct_config_free(&config);
    cct_paths_free(&paths);
    cct_cli_free(&cli);
    return status;
}
