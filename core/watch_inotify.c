/*
 * The inotify backend of the watcher (Linux; see watch_backend.h).
 *
 * One inotify descriptor, read through libuv's uv_poll_t, with a watch per
 * directory.  inotify says what happened precisely (created, deleted,
 * written, a directory or not) and when the kernel's queue overflowed,
 * which libuv's uv_fs_event drops: this is why it is the default on Linux.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* inotify_init1's flags */
#endif
#include "watch_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "util.h"

#define DIR_EVENTS                                                        \
    (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |  \
     IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB |             \
     IN_ONLYDIR | IN_EXCL_UNLINK)

typedef struct inotify_backend {
    int fd;
    uv_poll_t poll;
    cct_watcher *w;
    void (*closed)(cct_watcher *w);
} inotify_backend;

static int open_inotify(uv_loop_t *loop, cct_watcher *w, void **state,
                        char **error)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        int code = uv_translate_sys_error(errno);
        *error = cct_xasprintf(
            "cannot start watching files: inotify_init1: %s%s",
            strerror(errno),
            errno == EMFILE ? " (too many inotify instances: raise "
                              "fs.inotify.max_user_instances)" : "");
        return code;
    }
    inotify_backend *b = cct_xcalloc(1, sizeof(*b));
    b->fd = fd;
    b->w = w;
    uv_poll_init(loop, &b->poll, fd);
    b->poll.data = b;
    *state = b;
    return 0;
}

static int add_inotify(void *state, const char *dir)
{
    inotify_backend *b = state;
    int wd = inotify_add_watch(b->fd, dir, DIR_EVENTS);
    return wd < 0 ? -errno : wd;
}

static void remove_inotify(void *state, int watch)
{
    inotify_backend *b = state;
    inotify_rm_watch(b->fd, watch);
}

static unsigned translate(uint32_t mask)
{
    unsigned what = 0;
    if (mask & IN_Q_OVERFLOW)
        what |= CCT_WEV_OVERFLOW;
    if (mask & IN_IGNORED)
        what |= CCT_WEV_ENDED;
    if (mask & (IN_DELETE_SELF | IN_MOVE_SELF))
        what |= CCT_WEV_SELF_GONE;
    if (mask & (IN_CREATE | IN_MOVED_TO))
        what |= CCT_WEV_CREATED;
    if (mask & (IN_DELETE | IN_MOVED_FROM))
        what |= CCT_WEV_REMOVED;
    if (mask & (IN_MODIFY | IN_CLOSE_WRITE))
        what |= CCT_WEV_WRITTEN;
    if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
        what |= CCT_WEV_SAVED;
    if (mask & IN_ATTRIB)
        what |= CCT_WEV_ATTRIB;
    if (mask & IN_ISDIR)
        what |= CCT_WEV_IS_DIR;
    return what;
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
    (void)events;
    inotify_backend *b = poll->data;
    if (status < 0)
        return;
    char buf[65536]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(b->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            cct__watcher_event(b->w, ev->wd, ev->len ? ev->name : NULL,
                               translate(ev->mask));
            p += sizeof(*ev) + ev->len;
        }
    }
    cct__watcher_events_done(b->w);
}

static void start_inotify(void *state)
{
    inotify_backend *b = state;
    uv_poll_start(&b->poll, UV_READABLE, on_readable);
}

static void on_poll_closed(uv_handle_t *handle)
{
    inotify_backend *b = handle->data;
    close(b->fd);
    b->closed(b->w);
    free(b);
}

static void close_inotify(void *state, void (*closed)(cct_watcher *w))
{
    inotify_backend *b = state;
    b->closed = closed;
    uv_close((uv_handle_t *)&b->poll, on_poll_closed);
}

const cct_watch_backend cct_watch_inotify = {
    .name = "inotify",
    .open = open_inotify,
    .add = add_inotify,
    .remove = remove_inotify,
    .start = start_inotify,
    .close = close_inotify,
};
