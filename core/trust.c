/*
 * Trusted files and projects (see trust.h).
 */
#include "trust.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "options.h"
#include "root.h"
#include "workerenv.h"

static char *owner_name(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);
    return pw ? cct_xasprintf("%s (uid %u)", pw->pw_name, (unsigned)uid)
              : cct_xasprintf("uid %u", (unsigned)uid);
}

/* One file or directory: its owner, and who may write it. */
static char *check_one(const char *path, const char *doing, int is_dir)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return cct_xasprintf("%s: %s", path, strerror(errno));
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        char *owner = owner_name(st.st_uid);
        char *msg = cct_xasprintf("%s is owned by %s, not by you or root; "
                                  "refusing to %s: chown it, or remove it",
                                  path, owner, doing);
        free(owner);
        return msg;
    }
    /* A sticky directory, like /tmp, keeps others from replacing our
     * files, as sudo and ssh accept. */
    if (is_dir && (st.st_mode & S_ISVTX))
        return NULL;
    int group_other = (st.st_mode & S_IWGRP) && st.st_gid != getegid();
    if ((st.st_mode & S_IWOTH) || group_other)
        return cct_xasprintf("%s is writable by other users (mode %04o); "
                             "refusing to %s: chmod go-w it", path,
                             (unsigned)(st.st_mode & 07777), doing);
    return NULL;
}

char *cct_trust_file(const char *path, const char *doing)
{
    char *problem = check_one(path, doing, 0);
    if (problem)
        return problem;
    char *dir = cct_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        slash[slash == dir] = '\0'; /* "/x" lives in "/" */
        problem = check_one(dir, doing, 1);
    }
    free(dir);
    return problem;
}

/* The directory of a file, resolved (a trusted project is named by where
 * it really is). */
static char *real_dir_of(const char *file)
{
    char *real = realpath(file, NULL);
    char *dir = real ? real : cct_xstrdup(file);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = '\0';
    return dir;
}

int cct_trust_project_listed(const char *trusted, const char *project_file)
{
    char *project = real_dir_of(project_file);
    int listed = cct_trust_dir_listed(trusted, project);
    free(project);
    return listed;
}

int cct_trust_dir_listed(const char *trusted, const char *dir)
{
    if (!trusted)
        return 0;
    char *project = realpath(dir, NULL);
    if (!project)
        project = cct_xstrdup(dir);
    cct_strv dirs;
    cct_strv_init(&dirs);
    cct_strv_split_words(&dirs, trusted);
    int listed = 0;
    for (size_t i = 0; i < dirs.len && !listed; i++) {
        if (strcmp(dirs.items[i], "*") == 0) {
            listed = 1;
            continue;
        }
        char *expanded = cct_expand_home(dirs.items[i]);
        char *real = realpath(expanded, NULL);
        listed = real && strcmp(real, project) == 0;
        free(real);
        free(expanded);
    }
    cct_strv_free(&dirs);
    free(project);
    return listed;
}

/* Keys a project's file may not set, and whether trusting it lifts that. */
static const struct {
    const char *key;
    int trust_lifts;
    const char *why;
    const char *instead; /* what the user may do instead */
} guarded[] = {
    {"plugin_path", 1, "it would load plugins from there",
     "set CCTRIAL_PLUGIN_PATH yourself"},
    {"python", 1, "it would run that interpreter",
     "choose one yourself with --python"},
    {"trusted_projects", 0, "only your own file says what you trust", NULL},
};

/* Environment variables that choose code: the interpreter's (every
 * PYTHON* variable: PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, PYTHONWARNINGS
 * imports the category it names...), the dynamic loader's, a shell's,
 * where programs are found, and the libraries that load modules named
 * in the environment. */
static const char *const code_env_prefixes[] = {"PYTHON", "LD_", "DYLD_"};
static const char *const code_env_names[] = {
    "PATH", "BASH_ENV", "ENV", "GCONV_PATH", "OPENSSL_CONF",
    "OPENSSL_ENGINES", "OPENSSL_MODULES",
};

int cct_trust_env_chooses_code(const char *name)
{
    for (size_t i = 0; i < CCT_ARRAY_SIZE(code_env_prefixes); i++)
        if (cct_str_starts_with(name, code_env_prefixes[i]))
            return 1;
    for (size_t i = 0; i < CCT_ARRAY_SIZE(code_env_names); i++)
        if (strcmp(name, code_env_names[i]) == 0)
            return 1;
    return 0;
}

/* Does `rest` ("/a/b", or "") hold a ".." component? */
static int climbs(const char *rest)
{
    for (const char *p = strstr(rest, "/.."); p; p = strstr(p + 1, "/.."))
        if (p[3] == '/' || p[3] == '\0')
            return 1;
    return 0;
}

/* Where the absolute `path` really leads, even when it does not exist yet
 * (a file a plugin will create, with its directories): its longest
 * existing prefix resolved as the kernel would, links followed, then the
 * rest.  NULL when the rest climbs with "..", which only the directories
 * it would create could settle. */
static char *real_location(const char *path)
{
    char *prefix = cct_xstrdup(path);
    char *found = NULL;
    for (;;) {
        char *real = realpath(prefix, NULL);
        if (real) {
            const char *rest = path + strlen(prefix);
            if (!climbs(rest))
                found = cct_xasprintf("%s%s", real, rest);
            free(real);
            break;
        }
        char *slash = strrchr(prefix, '/');
        if (!slash || slash == prefix)
            break;
        *slash = '\0';
    }
    free(prefix);
    return found;
}

int cct_trust_path_in_project(const char *root, const char *entry)
{
    char *expanded = cct_expand_home(entry);
    /* Joined, not normalized: the kernel takes "link/.." to the parent of
     * where the link leads, not back into the project. */
    char *path = expanded[0] == '/' ? cct_xstrdup(expanded)
                                    : cct_path_join(root, expanded);
    free(expanded);
    char *real = real_location(path);
    char *real_root = realpath(root, NULL);
    int inside = real && real_root && cct_path_inside(real, real_root);
    free(real);
    free(real_root);
    free(path);
    return inside;
}

/* What an untrusted project's `env` and `pythonpath` may not hold: NULL,
 * or what they hold that adds code (malloc'ed). */
static char *code_in_value(const cct_setting *s, const char *root)
{
    char *found = NULL;
    cct_strv items;
    cct_strv_init(&items);
    if (strcmp(s->key, "env") == 0) {
        char *ignored = NULL; /* validated before: see cct_env_parse */
        if (cct_env_parse(s->value, &items, &ignored) < 0)
            free(ignored);
        for (size_t i = 0; i < items.len && !found; i++) {
            char *name = cct_xstrndup(items.items[i],
                                      strcspn(items.items[i], "="));
            if (cct_trust_env_chooses_code(name))
                found = name;
            else
                free(name);
        }
    } else {
        cct_strv_split_words(&items, s->value);
        for (size_t i = 0; i < items.len && !found; i++)
            if (!cct_trust_path_in_project(root, items.items[i]))
                found = cct_xstrdup(items.items[i]);
    }
    cct_strv_free(&items);
    return found;
}

/* Keys whose values an untrusted project may set in part. */
static const struct {
    const char *key;
    const char *what;
    const char *instead;
} guarded_values[] = {
    {"env", "a variable that chooses code to run (the interpreter's "
            "PYTHON*, the loader's LD_*, PATH...)",
     "set it yourself in your environment"},
    {"pythonpath", "a directory outside the project",
     "set it in your own configuration file"},
};

static int check_values(const cct_config *c, const char *project_file,
                        char **error)
{
    char *root = real_dir_of(project_file);
    int rc = 0;
    for (size_t i = 0; i < CCT_ARRAY_SIZE(guarded_values) && !rc; i++) {
        const cct_setting *s = cct_config_find(c, CCT_CORE_SECTION,
                                               guarded_values[i].key);
        if (!s || !s->file || strcmp(s->file, project_file) != 0)
            continue;
        char *found = code_in_value(s, root);
        if (!found)
            continue;
        *error = cct_xasprintf(
            "%s: a project's .cctrialrc may set %s to %s ('%s') only when "
            "you trust the project: add 'trusted_projects = %s' under "
            "[cctrial] in your own configuration file, run with "
            "--trust-project, or %s",
            s->origin, guarded_values[i].key, guarded_values[i].what, found,
            root, guarded_values[i].instead);
        free(found);
        rc = CCT_ECONFIG;
    }
    free(root);
    return rc;
}

int cct_trust_project_settings(const cct_config *c, const char *project_file,
                               int trusted, char **error)
{
    *error = NULL;
    if (!trusted && check_values(c, project_file, error) < 0)
        return CCT_ECONFIG;
    for (size_t i = 0; i < CCT_ARRAY_SIZE(guarded); i++) {
        const cct_setting *s = cct_config_find(c, CCT_CORE_SECTION,
                                               guarded[i].key);
        if (!s || !s->file || strcmp(s->file, project_file) != 0)
            continue;
        if (guarded[i].trust_lifts && trusted)
            continue;
        if (!guarded[i].trust_lifts) {
            *error = cct_xasprintf(
                "%s: %s may only be set in your own configuration file "
                "(%s); remove it from the project's", s->origin,
                guarded[i].key, guarded[i].why);
            return CCT_ECONFIG;
        }
        char *dir = real_dir_of(project_file);
        *error = cct_xasprintf(
            "%s: a project's .cctrialrc may set %s only when you trust the "
            "project (%s): add 'trusted_projects = %s' under [cctrial] in "
            "your own configuration file, run with --trust-project, or %s",
            s->origin, guarded[i].key, guarded[i].why, dir,
            guarded[i].instead);
        free(dir);
        return CCT_ECONFIG;
    }
    return 0;
}

int cct_trust_plugin_settings(const cct_config *c, const char *section,
                              cct_option_table options,
                              const char *project_file, int trusted,
                              char **error)
{
    *error = NULL;
    if (trusted || !project_file)
        return 0;
    char *root = real_dir_of(project_file);
    int rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const cct_setting *s = &c->items[i];
        if (strcmp(s->section, section) != 0 || !s->file ||
            strcmp(s->file, project_file) != 0)
            continue;
        const cct_option *o = cct_option_find(options, s->key);
        if (!o || o->type != CCT_OPT_PATH || !*s->value ||
            cct_trust_path_in_project(root, s->value))
            continue;
        *error = cct_xasprintf(
            "%s: a project's .cctrialrc may set [%s] %s to a path outside "
            "the project ('%s') only when you trust the project: add "
            "'trusted_projects = %s' under [cctrial] in your own "
            "configuration file, run with --trust-project, or set it in "
            "your own configuration file",
            s->origin, section, s->key, s->value, root);
        rc = CCT_ECONFIG;
    }
    free(root);
    return rc;
}
