/*
 * Locating cctrial's plugins and data, and the project (see paths.h).  CCT_BUILD_DIR,
 * CCT_REL_PLUGIN_DIR and CCT_REL_DATA_DIR come from CMake.
 */
#include "paths.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "root.h"
#include "util.h"

static char *real_or_copy(const char *path)
{
    char *real = realpath(path, NULL);
    return real ? real : cct_xstrdup(path);
}

int cct_paths_init(cct_paths *p)
{
    memset(p, 0, sizeof(*p));
    char exe[PATH_MAX];
    size_t size = sizeof(exe);
    int rc = uv_exepath(exe, &size);
    if (rc < 0)
        return rc;
    char *real = real_or_copy(exe);
    char *slash = strrchr(real, '/');
    if (slash)
        *slash = '\0';
    p->exe_dir = real;

    char *build = real_or_copy(CCT_BUILD_DIR);
    p->in_build_tree = strcmp(build, p->exe_dir) == 0;
    free(build);
    if (p->in_build_tree) {
        p->plugin_dir = cct_path_join(CCT_BUILD_DIR, "plugins");
        p->data_dir = cct_path_join(CCT_BUILD_DIR, "share/cctrial");
    } else {
        char *plugins = cct_path_join(p->exe_dir, CCT_REL_PLUGIN_DIR);
        char *data = cct_path_join(p->exe_dir, CCT_REL_DATA_DIR);
        p->plugin_dir = real_or_copy(plugins);
        p->data_dir = real_or_copy(data);
        free(plugins);
        free(data);
    }
    char cwd[PATH_MAX];
    size = sizeof(cwd);
    rc = uv_cwd(cwd, &size);
    if (rc < 0)
        return rc;
    p->cwd = cct_xstrdup(cwd);
    p->root_reason = cct_root_find(p->cwd, &p->project_dir);
    return 0;
}

void cct_paths_free(cct_paths *p)
{
    free(p->exe_dir);
    free(p->plugin_dir);
    free(p->data_dir);
    free(p->project_dir);
    free(p->cwd);
    memset(p, 0, sizeof(*p));
}

char *cct_paths_helper(const cct_paths *p, const char *name)
{
    return cct_xasprintf("%s/helpers/%s", p->data_dir, name);
}
