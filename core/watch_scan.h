/*
 * Scanning a directory the watcher cannot watch (see watcher.h): a listing
 * of the entries that matter (subdirectories, and the files that count,
 * each with its modification time, size and inode), and the differences
 * between two listings of one directory.  A change of mtime, size or inode
 * is a change of the file, as an inotify event would have said.
 */
#ifndef CCT_WATCH_SCAN_H
#define CCT_WATCH_SCAN_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct cct_scan_entry {
    char *name;
    int is_dir;        /* directories carry no times: only their names */
    int64_t mtime_ns;
    int64_t size;
    uint64_t ino;
} cct_scan_entry;

typedef struct cct_scan_listing {
    cct_scan_entry *entries; /* sorted by name */
    size_t len, cap;
} cct_scan_listing;

typedef enum cct_scan_change {
    CCT_SCAN_ADDED,
    CCT_SCAN_REMOVED,
    CCT_SCAN_MODIFIED,
} cct_scan_change;

/* Which entries of `dir` a listing keeps: `path` is dir/name. */
typedef int (*cct_scan_wanted)(const char *path, const char *name,
                               int is_dir, void *arg);

/* Is the entry `e` of the open directory `d` a directory (not a link to
 * one)?  d_type says where the system fills it in (it is not POSIX's),
 * else fstatat. */
int cct_scan_is_dir(DIR *d, const struct dirent *e);
/* A stat's modification time in nanoseconds, from the field each system
 * names its own way. */
int64_t cct_scan_mtime_ns(const struct stat *st);

void cct_scan_listing_init(cct_scan_listing *l);
void cct_scan_listing_free(cct_scan_listing *l);
/* Adds one entry (a copy of `name`); the listing is sorted again by
 * cct_scan_listing_sort. */
void cct_scan_listing_add(cct_scan_listing *l, const char *name, int is_dir,
                          int64_t mtime_ns, int64_t size, uint64_t ino);
void cct_scan_listing_sort(cct_scan_listing *l);

/* Lists `dir` into `out` (emptied first).  Returns 0, or a negative errno
 * (libuv's convention) when the directory cannot be read; `out` is then
 * empty.  A file that vanishes between readdir and stat is left out. */
int cct_scan_list(const char *dir, cct_scan_wanted wanted, void *arg,
                  cct_scan_listing *out);

/* Calls `changed` for each entry added, removed or modified from `before`
 * to `after` (both sorted), in name order.  A name that turned from file
 * to directory or back is removed, then added. */
typedef void (*cct_scan_changed)(const cct_scan_entry *entry,
                                 cct_scan_change change, void *arg);
void cct_scan_diff(const cct_scan_listing *before,
                   const cct_scan_listing *after, cct_scan_changed changed,
                   void *arg);

#endif
