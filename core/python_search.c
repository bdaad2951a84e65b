/*
 * Which interpreters to try, and why each (see python_search.h).  Only
 * the file system is looked at: no interpreter runs here.
 */
#include "python_search.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory holding pyvenv.cfg for `python`: its own directory or the
 * one above it, as Python itself looks (PEP 405), resolved; NULL when
 * `python` is not a virtual environment's. */
static char *venv_of(const char *python)
{
    char *dir = cct_xstrdup(python);
    char *result = NULL;
    for (int up = 0; up < 2 && !result; up++) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            break;
        *(slash == dir ? slash + 1 : slash) = '\0';
        char *cfg = cct_path_join(dir, "pyvenv.cfg");
        if (access(cfg, F_OK) == 0)
            result = realpath(dir, NULL);
        free(cfg);
        if (slash == dir)
            break;
    }
    free(dir);
    return result;
}

char *cct_python_environment(const char *python)
{
    char *real = realpath(python, NULL);
    if (!real)
        return NULL;
    char *venv = venv_of(python);
    char *key = cct_xasprintf("%s\n%s", real, venv ? venv : "");
    free(venv);
    free(real);
    return key;
}

char *cct_project_venv(const char *project_dir)
{
    static const char *const names[] = {".venv", "venv"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(names); i++) {
        char *venv = cct_path_join(project_dir, names[i]);
        char *cfg = cct_path_join(venv, "pyvenv.cfg");
        char *python = cct_path_join(venv, "bin/python");
        int found = access(cfg, F_OK) == 0 && access(python, X_OK) == 0;
        free(cfg);
        free(venv);
        if (found)
            return python;
        free(python);
    }
    return NULL;
}

/* Adds `python` unless an interpreter of the same environment is there;
 * one that is not there only when `even_missing` (so that the error
 * names it). */
static void add(const char *python, const char *why, int even_missing,
                cct_strv *seen, cct_strv *out, cct_strv *reasons)
{
    char *key = cct_python_environment(python);
    int usable = key && access(python, X_OK) == 0;
    if ((!usable && !even_missing) || (key && cct_strv_contains(seen, key)) ||
        cct_strv_contains(out, python)) {
        free(key);
        return;
    }
    if (key)
        cct_strv_take(seen, key);
    cct_strv_add(out, python);
    if (reasons)
        cct_strv_add(reasons, why);
}

void cct_python_candidates(const cct_python_search *search, cct_strv *out,
                           cct_strv *reasons)
{
    if (search->configured) {
        /* The user's choice is tried as given, even when it is not there:
         * the error then names it. */
        cct_strv_add(out, search->configured);
        if (reasons)
            cct_strv_add(reasons, "chosen with --python or python =");
        return;
    }
    cct_strv seen;
    cct_strv_init(&seen);
    const char *venv = getenv("VIRTUAL_ENV");
    if (venv && *venv) {
        char *python = cct_path_join(venv, "bin/python");
        add(python, "the activated virtual environment ($VIRTUAL_ENV)", 1,
            &seen, out, reasons);
        free(python);
    }
    if (search->project_venv)
        add(search->project_venv, "the project's virtual environment", 0,
            &seen, out, reasons);
    const char *path = getenv("PATH");
    char *copy = cct_xstrdup(path ? path : ""), *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        char *python = cct_path_join(*dir ? dir : ".", "python3");
        add(python, "a python3 on PATH", 0, &seen, out, reasons);
        free(python);
    }
    free(copy);
    cct_strv_free(&seen);
}

char *cct_project_venv_usable(const char *project_dir, int trusted,
                              const char *configured, char **notice)
{
    *notice = NULL;
    char *venv = cct_project_venv(project_dir);
    if (!venv || trusted)
        return venv;
    const char *active = getenv("VIRTUAL_ENV");
    char *active_python = active && *active
                              ? cct_path_join(active, "bin/python") : NULL;
    char *active_env = active_python
                           ? cct_python_environment(active_python) : NULL;
    char *venv_env = cct_python_environment(venv);
    int is_active = active_env && venv_env &&
                    strcmp(active_env, venv_env) == 0;
    if (!configured && !is_active)
        *notice = cct_xasprintf(
            "found the project's virtual environment %s but did not use "
            "it: the project is not one you trust, and its repository could "
            "bring any program there.  To use it, trust the project "
            "(trusted_projects = %s under [cctrial] in your own "
            "configuration file, or --trust-project), activate it, or "
            "choose it with --python",
            venv, project_dir);
    free(active_python);
    free(active_env);
    free(venv_env);
    free(venv);
    return NULL;
}
