/*
 * A file's missing directories (see parents.h).
 */
#include "parents.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int make_parents(const char *path)
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
