/*
 * Fault injection for the watcher's tests, loaded into cctrial with
 * LD_PRELOAD: the kernel's answers that are hard to bring about on demand.
 *
 *   CCT_FAULT_WATCH_LIMIT=N       inotify_add_watch fails with ENOSPC (the
 *                                 watch limit) after N watches
 *   CCT_FAULT_WATCH_LIMIT_WHILE=PATH  ...but only while PATH exists (the
 *                                 user raised the limit once it is gone)
 *   CCT_FAULT_OVERFLOW_FILE=PATH  when PATH exists, the next read of the
 *                                 inotify descriptor returns the kernel's
 *                                 queue-overflow event first (PATH is then
 *                                 removed)
 *
 * Nothing else changes: every call goes on to the real function.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static int inotify_fd = -1;

int inotify_init1(int flags)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "inotify_init1");
    int fd = real(flags);
    inotify_fd = fd;
    return fd;
}

int inotify_add_watch(int fd, const char *path, uint32_t mask)
{
    static int added;
    int (*real)(int, const char *, uint32_t) =
        (int (*)(int, const char *, uint32_t))dlsym(RTLD_NEXT,
                                                     "inotify_add_watch");
    const char *limit = getenv("CCT_FAULT_WATCH_LIMIT");
    const char *while_file = getenv("CCT_FAULT_WATCH_LIMIT_WHILE");
    if (limit && added >= atoi(limit) &&
        (!while_file || access(while_file, F_OK) == 0)) {
        errno = ENOSPC;
        return -1;
    }
    int wd = real(fd, path, mask);
    if (wd >= 0)
        added++;
    return wd;
}

ssize_t read(int fd, void *buf, size_t n)
{
    ssize_t (*real)(int, void *, size_t) =
        (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    const char *trigger = getenv("CCT_FAULT_OVERFLOW_FILE");
    if (fd == inotify_fd && fd >= 0 && trigger &&
        n >= sizeof(struct inotify_event) && access(trigger, F_OK) == 0) {
        unlink(trigger);
        struct inotify_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.wd = -1;
        ev.mask = IN_Q_OVERFLOW;
        memcpy(buf, &ev, sizeof(ev));
        return (ssize_t)sizeof(ev);
    }
    return real(fd, buf, n);
}
