/*
 * The project root and names typed beside it (see root.h).
 */
#include "root.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* The parent of $HOME, resolved: the upward search never looks there or
 * above, where other users' directories are.  NULL without a home. */
static char *home_parent(void)
{
    const char *home = getenv("HOME");
    char *real = home && *home ? realpath(home, NULL) : NULL;
    if (!real)
        return NULL;
    char *slash = strrchr(real, '/');
    if (slash)
        slash[slash == real] = '\0';
    return real;
}

char *cct_find_upward(const char *dir, const char *name)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return NULL;
    /* The project is its owner's: a directory above it that someone else
     * owns (a shared /tmp/x, /home) holds nothing of the project's. */
    uid_t owner = st.st_uid;
    char *stop = home_parent();
    char *here = cct_xstrdup(dir);
    char *found = NULL;
    for (;;) {
        if ((stop && strcmp(here, stop) == 0) || stat(here, &st) < 0 ||
            st.st_uid != owner)
            break;
        char *path = cct_path_join(here, name);
        if (lstat(path, &st) == 0) {
            found = path;
            break;
        }
        free(path);
        char *slash = strrchr(here, '/');
        if (!slash || strcmp(here, "/") == 0)
            break;
        slash[slash == here] = '\0';
    }
    free(here);
    free(stop);
    return found;
}

/* The directory holding the entry `found` names; takes `found`. */
static char *directory_of(char *found)
{
    char *slash = strrchr(found, '/');
    if (slash)
        slash[slash == found] = '\0';
    return found;
}

static int is_home(const char *dir)
{
    const char *home = getenv("HOME");
    char *real = home && *home ? realpath(home, NULL) : NULL;
    int same = real && strcmp(real, dir) == 0;
    free(real);
    return same;
}

cct_root_reason cct_root_find(const char *cwd, char **root)
{
    char *found = cct_find_upward(cwd, ".cctrialrc");
    if (found) {
        *root = directory_of(found);
        return CCT_ROOT_CONFIG;
    }
    /* A work tree's .git is a directory, a linked worktree's or a
     * submodule's a file: either marks the top. */
    found = cct_find_upward(cwd, ".git");
    if (found) {
        found = directory_of(found);
        if (!is_home(found) || strcmp(found, cwd) == 0) {
            *root = found;
            return CCT_ROOT_GIT;
        }
        free(found);
    }
    *root = cct_xstrdup(cwd);
    return CCT_ROOT_CWD;
}

const char *cct_root_reason_text(cct_root_reason reason)
{
    switch (reason) {
    case CCT_ROOT_CONFIG:
        return "where its .cctrialrc is";
    case CCT_ROOT_GIT:
        return "the top of its git work tree; no .cctrialrc found";
    case CCT_ROOT_CWD:
        break;
    }
    return "the current directory; no .cctrialrc or git work tree found";
}

int cct_path_inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *cct_root_test_name(const char *root, const char *cwd,
                         const char *name)
{
    /* trial takes a name holding a path separator for a file's path, any
     * other for a dotted name. */
    if (strcmp(root, cwd) == 0 || !strchr(name, '/'))
        return cct_xstrdup(name);
    char *path = cct_path_absolute(cwd, name);
    size_t n = strlen(root);
    if (!cct_path_inside(path, root) || path[n] == '\0' ||
        strcmp(root, "/") == 0)
        return path;
    /* Kept as typed at its end: "pkg/" stays a directory's name. */
    size_t len = strlen(name);
    int slash = len > 1 && name[len - 1] == '/';
    char *relative = cct_xasprintf("%s%s", path + n + 1, slash ? "/" : "");
    free(path);
    return relative;
}
