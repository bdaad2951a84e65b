/*
 * _trial_temp's lock and marker, as trial keeps them (see trialtemp.h and
 * twisted.python.lockfile, twisted.trial.util._unusedTestDirectory).
 */
#include "trialtemp.h"

#include <dirent.h>
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

/* Takes the lock of `dir`: 0, 1 when a live process holds it (its pid in
 * *owner), or a negative error with *error explaining. */
static int lock_one(const char *dir, long *owner, char **error)
{
    char *lock = cct_xasprintf("%s.lock", dir);
    char pid[24];
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    for (int attempt = 0; attempt < 3; attempt++) {
        if (symlink(pid, lock) == 0) {
            free(lock);
            return 0;
        }
        if (errno != EEXIST)
            break;
        char target[64];
        ssize_t n = readlink(lock, target, sizeof(target) - 1);
        if (n < 0) {
            if (errno == ENOENT)
                continue; /* released meanwhile */
            break;
        }
        target[n] = '\0';
        if (owner_alive(target)) {
            *owner = strtol(target, NULL, 10);
            free(lock);
            return 1;
        }
        /* Its owner is gone: the lock is stale. */
        if (unlink(lock) < 0 && errno != ENOENT)
            break;
    }
    int code = uv_translate_sys_error(errno);
    *error = cct_xasprintf("cannot create %s: %s", lock, strerror(errno));
    free(lock);
    return code;
}

/* Creates the directories above `dir`, as trial's makedirs does. */
static void make_parents(const char *dir)
{
    char *path = cct_xstrdup(dir);
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        mkdir(path, 0755); /* an error shows when the lock is taken */
        *p = '/';
    }
    free(path);
}

int cct_trial_temp_lock(cct_trial_temp *t, const char *project_dir,
                        const char *directory, char **error)
{
    memset(t, 0, sizeof(*t));
    *error = NULL;
    char *base = cct_path_absolute(project_dir, directory);
    const char *name = strrchr(base, '/');
    /* trial numbers only the directory it chooses itself: one the user
     * named is theirs, and busy is an error (util._unusedTestDirectory). */
    int numbered = strcmp(name ? name + 1 : base, "_trial_temp") == 0;
    make_parents(base);
    for (unsigned counter = 0;; counter++) {
        char *dir = counter ? cct_xasprintf("%s-%u", base, counter)
                            : cct_xstrdup(base);
        long owner = 0;
        int rc = lock_one(dir, &owner, error);
        if (rc == 0) {
            t->dir = dir;
            t->lock = cct_xasprintf("%s.lock", dir);
            t->locked = 1;
            free(base);
            return 0;
        }
        if (rc == 1 && counter == 0)
            t->base_owner = owner;
        if (rc == 1 && numbered) {
            t->passed_over++;
            free(dir);
            continue;
        }
        if (rc == 1)
            *error = cct_xasprintf(
                "%s.lock is locked by process %ld (another cctrial or trial "
                "is running with this temp_directory); stop it, or choose "
                "another one (--temp-directory)", dir, owner);
        free(dir);
        free(base);
        return rc == 1 ? CCT_ELOCKED : rc;
    }
}

/* nftw's callback for a tree deeper than remove_tree_at allows: removes
 * everything below the directory but its _trial_marker. */
static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level == 0 ||
        (ftw->level == 1 && strcmp(path + ftw->base, "_trial_marker") == 0))
        return 0;
    /* FTW_PHYS: links are removed, never followed. */
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* 1 if the entry of the directory open as `dir_fd` is a directory (a link
 * is not), 0 if not, -1 with errno set if it cannot be known.  readdir's
 * d_type (not POSIX) says it without a system call where there is one. */
static int entry_is_dir(int dir_fd, const struct dirent *entry)
{
#ifdef DT_DIR
    if (entry->d_type != DT_UNKNOWN)
        return entry->d_type == DT_DIR;
#endif
    struct stat st;
    if (fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    return S_ISDIR(st.st_mode) != 0;
}

static int remove_tree_at(int parent, const char *name);

/* Removes everything in the directory `name` of the directory `parent`
 * but the entry named `keep` (when not NULL).  A run of Twisted's own
 * tests leaves hundreds of directories in _trial_temp, cleared before
 * each run: each entry's type comes from readdir, so that a file costs
 * one unlinkat() and a directory no stat or failed unlink (nftw's
 * remove() costs a file two system calls and a directory ten).  Links
 * are removed, never followed.  Returns 0, or -1 with errno set; one
 * descriptor is open per level (see cct_trial_temp_clear for a tree
 * deeper than that allows). */
static int empty_dir_at(int parent, const char *name, const char *keep)
{
    int fd = openat(parent, name,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (errno = 0, entry = readdir(dir)) != NULL) {
        const char *n = entry->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
            (keep && strcmp(n, keep) == 0))
            continue;
        int is_dir = entry_is_dir(fd, entry);
        if (is_dir < 0) {
            if (errno != ENOENT)
                rc = -1;
            continue;
        }
        if (is_dir)
            rc = remove_tree_at(fd, n);
        else if (unlinkat(fd, n, 0) < 0 && errno != ENOENT)
            rc = -1;
    }
    if (rc == 0 && errno != 0)
        rc = -1; /* readdir failed */
    int saved = errno;
    closedir(dir);
    errno = saved;
    return rc;
}

/* Removes `name` in the directory `parent` and everything in it.
 * Returns 0, or -1 with errno set. */
static int remove_tree_at(int parent, const char *name)
{
    for (int scan = 0; scan < 2; scan++) {
        if (empty_dir_at(parent, name, NULL) < 0)
            return -1;
        if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
            return 0;
        /* Entries made while it was read (a straggler process): once
         * more. */
        if (errno != ENOTEMPTY && errno != EEXIST)
            return -1;
    }
    return -1;
}

/* Creates the directory and its marker, as trial does when there is
 * none. */
static int create_marked(const cct_trial_temp *t, char **error)
{
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

/* The directory and its marker stay: trial removes and creates them again
 * before each run, but cctrial does it before each of its many runs, and
 * killed between the two (a user's Ctrl-C just after a verdict, as the
 * next run starts) it left a _trial_temp without its marker, which trial
 * then refuses to touch.  Only the first run, finding none, creates them,
 * with trial's own window between the two. */
int cct_trial_temp_clear(cct_trial_temp *t, char **error)
{
    *error = NULL;
    struct stat st;
    if (lstat(t->dir, &st) < 0)
        return create_marked(t, error);
    char *marker = cct_path_join(t->dir, "_trial_marker");
    int marked = access(marker, F_OK) == 0;
    free(marker);
    if (!S_ISDIR(st.st_mode) || !marked) {
        *error = cct_xasprintf(
            "%s exists but is not trial's (it has no _trial_marker); "
            "cctrial will not delete it: move it away", t->dir);
        return CCT_ENOTTRIAL;
    }
    /* nftw() reuses its descriptors: for a tree deeper than ours allow. */
    if (empty_dir_at(AT_FDCWD, t->dir, "_trial_marker") < 0 &&
        ((errno != EMFILE && errno != ENFILE) ||
         nftw(t->dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS) < 0)) {
        int code = uv_translate_sys_error(errno);
        *error = cct_xasprintf("cannot clear %s: %s", t->dir,
                               strerror(errno));
        return code;
    }
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
    t->passed_over = 0;
}
