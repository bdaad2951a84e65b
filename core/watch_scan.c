/*
 * Listings of unwatched directories and their differences (see
 * watch_scan.h).  Only stat(2) is used: no file is opened or read, so a
 * scan costs one readdir and one stat per file that counts.
 */
#include "watch_scan.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int cct_scan_is_dir(DIR *d, const struct dirent *e)
{
#ifdef DT_DIR
    if (e->d_type != DT_UNKNOWN)
        return e->d_type == DT_DIR;
#endif
    struct stat st;
    return fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(st.st_mode);
}

int64_t cct_scan_mtime_ns(const struct stat *st)
{
#ifdef __APPLE__
    const struct timespec *t = &st->st_mtimespec;
#else
    const struct timespec *t = &st->st_mtim; /* POSIX 2008 */
#endif
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

void cct_scan_listing_init(cct_scan_listing *l)
{
    memset(l, 0, sizeof(*l));
}

void cct_scan_listing_free(cct_scan_listing *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->entries[i].name);
    free(l->entries);
    cct_scan_listing_init(l);
}

void cct_scan_listing_add(cct_scan_listing *l, const char *name, int is_dir,
                          int64_t mtime_ns, int64_t size, uint64_t ino)
{
    CCT_GROW(l->entries, l->cap, l->len + 1);
    l->entries[l->len++] = (cct_scan_entry){
        .name = cct_xstrdup(name),
        .is_dir = is_dir,
        .mtime_ns = is_dir ? 0 : mtime_ns,
        .size = is_dir ? 0 : size,
        .ino = is_dir ? 0 : ino,
    };
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const cct_scan_entry *)a)->name,
                  ((const cct_scan_entry *)b)->name);
}

void cct_scan_listing_sort(cct_scan_listing *l)
{
    if (l->len > 1)
        qsort(l->entries, l->len, sizeof(*l->entries), compare_entries);
}

int cct_scan_list(const char *dir, cct_scan_wanted wanted, void *arg,
                  cct_scan_listing *out)
{
    cct_scan_listing_free(out);
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        int is_dir = cct_scan_is_dir(d, e);
        char *path = cct_path_join(dir, e->d_name);
        /* Files are stat'ed through symbolic links: the content is what
         * changes. */
        if (wanted(path, e->d_name, is_dir, arg) &&
            (is_dir || fstatat(dirfd(d), e->d_name, &st, 0) == 0))
            cct_scan_listing_add(
                out, e->d_name, is_dir,
                is_dir ? 0 : cct_scan_mtime_ns(&st),
                is_dir ? 0 : (int64_t)st.st_size,
                is_dir ? 0 : (uint64_t)st.st_ino);
        free(path);
    }
    closedir(d);
    cct_scan_listing_sort(out);
    return 0;
}

static int same_file(const cct_scan_entry *a, const cct_scan_entry *b)
{
    return a->mtime_ns == b->mtime_ns && a->size == b->size &&
           a->ino == b->ino;
}

void cct_scan_diff(const cct_scan_listing *before,
                   const cct_scan_listing *after, cct_scan_changed changed,
                   void *arg)
{
    size_t i = 0, j = 0;
    while (i < before->len || j < after->len) {
        int cmp = i == before->len  ? 1
                  : j == after->len ? -1
                                    : strcmp(before->entries[i].name,
                                             after->entries[j].name);
        if (cmp < 0) {
            changed(&before->entries[i++], CCT_SCAN_REMOVED, arg);
        } else if (cmp > 0) {
            changed(&after->entries[j++], CCT_SCAN_ADDED, arg);
        } else {
            const cct_scan_entry *a = &before->entries[i++];
            const cct_scan_entry *b = &after->entries[j++];
            assert(strcmp(a->name, b->name) == 0);
            if (a->is_dir != b->is_dir) {
                changed(a, CCT_SCAN_REMOVED, arg);
                changed(b, CCT_SCAN_ADDED, arg);
            } else if (!a->is_dir && !same_file(a, b)) {
                changed(b, CCT_SCAN_MODIFIED, arg);
            }
        }
    }
}
