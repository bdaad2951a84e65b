/*
 * _trial_temp's lock and marker, as trial keeps them (see trialtemp.h and
 * twisted.python.lockfile, twisted.trial.util._unusedTestDirectory).
 */
#include "trialtemp.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "error.h"
#include "util.h"

/* Is the pid a lock names still running? */
static int owner_alive(const char *target)
{
    char *end;
    long pid = strtol(target, &end, 10);
    if (*end != '\0' || pid <= 0)
        return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int cct_trial_temp_lock(cct_trial_temp *t, const char *project_dir,
                        char **error)
{
    t->dir = cct_path_join(project_dir, "_trial_temp");
    t->lock = cct_xasprintf("%s.lock", t->dir);
    t->locked = 0;
    *error = NULL;
    char pid[24];
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    for (int attempt = 0; attempt < 3; attempt++) {
        if (symlink(pid, t->lock) == 0) {
            t->locked = 1;
            return 0;
        }
        if (errno != EEXIST)
            break;
        char target[64];
        ssize_t n = readlink(t->lock, target, sizeof(target) - 1);
        if (n < 0) {
            if (errno == ENOENT)
                continue; /* released meanwhile */
            break;
        }
        target[n] = '\0';
        if (owner_alive(target)) {
            *error = cct_xasprintf(
                "%s is locked by process %s (another cctrial or trial is "
                "running in this project); stop it, or run from elsewhere",
                t->lock, target);
            return CCT_ELOCKED;
        }
        /* Its owner is gone: the lock is stale. */
        if (unlink(t->lock) < 0 && errno != ENOENT)
            break;
    }
    int code = uv_translate_sys_error(errno);
    *error = cct_xasprintf("cannot create %s: %s", t->lock, strerror(errno));
    return code;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    /* FTW_PHYS: links are removed, never followed. */
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int cct_trial_temp_clear(cct_trial_temp *t, char **error)
{
    *error = NULL;
    struct stat st;
    if (lstat(t->dir, &st) == 0) {
        char *marker = cct_path_join(t->dir, "_trial_marker");
        int marked = access(marker, F_OK) == 0;
        free(marker);
        if (!S_ISDIR(st.st_mode) || !marked) {
            *error = cct_xasprintf(
                "%s exists but is not trial's (it has no _trial_marker); "
                "cctrial will not delete it: move it away", t->dir);
            return CCT_ENOTTRIAL;
        }
        if (nftw(t->dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS) < 0) {
            int code = uv_translate_sys_error(errno);
            *error = cct_xasprintf("cannot clear %s: %s", t->dir,
                                   strerror(errno));
            return code;
        }
    }
    if (mkdir(t->dir, 0755) < 0) {
        int code = uv_translate_sys_error(errno);
        *error = cct_xasprintf("cannot create %s: %s", t->dir,
                               strerror(errno));
        return code;
    }
    char *marker = cct_path_join(t->dir, "_trial_marker");
    int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    free(marker);
    if (fd < 0) {
        int code = uv_translate_sys_error(errno);
        *error = cct_xasprintf("cannot create %s/_trial_marker: %s", t->dir,
                               strerror(errno));
        return code;
    }
    close(fd);
    return 0;
}

void cct_trial_temp_release(cct_trial_temp *t)
{
    if (t->locked) {
        /* Only our own lock: never one another process took over. */
        char target[64], pid[24];
        ssize_t n = readlink(t->lock, target, sizeof(target) - 1);
        snprintf(pid, sizeof(pid), "%ld", (long)getpid());
        if (n > 0) {
            target[n] = '\0';
            if (strcmp(target, pid) == 0)
                unlink(t->lock);
        }
        t->locked = 0;
    }
    free(t->dir);
    free(t->lock);
    t->dir = t->lock = NULL;
}
