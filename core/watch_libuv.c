/*
 * The portable backend of the watcher (see watch_backend.h): one libuv
 * uv_fs_event_t per directory, whatever the platform (inotify on Linux,
 * FSEvents on macOS, kqueue on the BSDs, as libuv chooses).
 *
 * uv_fs_event says only that something happened to a name (UV_RENAME or
 * UV_CHANGE), so every event is passed on as CCT_WEV_UNKNOWN and the
 * watcher looks at the file system to tell a new directory from a deleted
 * file.  It says nothing when the kernel loses events (inotify's queue
 * overflow is dropped inside libuv): with this backend a lost event stays
 * lost.  Not recursive: on macOS UV_FS_EVENT_RECURSIVE could watch a whole
 * tree with one handle, but the per-directory way is the one tested (on
 * Linux), so it is the one used everywhere.
 */
#include "watch_backend.h"

#include <assert.h>
#include <stdlib.h>

#include "util.h"

typedef struct libuv_backend libuv_backend;

/* A handle knows its watch: events name it without a search. */
typedef struct dir_handle {
    uv_fs_event_t handle;
    libuv_backend *b; /* NULL once closing */
    int watch;
} dir_handle;

struct libuv_backend {
    uv_loop_t *loop;
    cct_watcher *w;
    dir_handle **handles; /* indexed by watch; NULL: free */
    size_t cap;
    size_t lowest_free; /* no free slot below */
};

static int open_libuv(uv_loop_t *loop, cct_watcher *w, void **state,
                      char **error)
{
    (void)error;
    libuv_backend *b = cct_xcalloc(1, sizeof(*b));
    b->loop = loop;
    b->w = w;
    *state = b;
    return 0;
}

static void on_fs_event(uv_fs_event_t *handle, const char *filename,
                        int events, int status)
{
    (void)events; /* UV_RENAME or UV_CHANGE: too vague to trust */
    dir_handle *h = handle->data;
    if (status < 0 || !h->b)
        return;
    assert(h->b->handles[h->watch] == h);
    /* The event may close this handle, or the whole watcher (whose
     * memory outlives this callback: its timers close later). */
    cct_watcher *w = h->b->w;
    cct__watcher_event(w, h->watch, filename, CCT_WEV_UNKNOWN);
    cct__watcher_events_done(w);
}

static void free_handle(uv_handle_t *handle)
{
    free(handle->data);
}

static void close_handle(dir_handle *h)
{
    h->b = NULL;
    uv_close((uv_handle_t *)&h->handle, free_handle);
}

static int add_libuv(void *state, const char *dir)
{
    libuv_backend *b = state;
    dir_handle *h = cct_xcalloc(1, sizeof(*h));
    uv_fs_event_init(b->loop, &h->handle);
    h->handle.data = h;
    int rc = uv_fs_event_start(&h->handle, on_fs_event, dir, 0);
    if (rc < 0) {
        close_handle(h);
        return rc; /* libuv's errors are negative errnos on Unix */
    }
    size_t slot = b->lowest_free;
    while (slot < b->cap && b->handles[slot])
        slot++;
    if (slot >= b->cap) {
        size_t old = b->cap;
        CCT_GROW(b->handles, b->cap, slot + 1);
        for (size_t i = old; i < b->cap; i++)
            b->handles[i] = NULL;
    }
    h->b = b;
    h->watch = (int)slot;
    b->handles[slot] = h;
    b->lowest_free = slot + 1;
    return (int)slot;
}

static void remove_libuv(void *state, int watch)
{
    libuv_backend *b = state;
    assert(watch >= 0 && (size_t)watch < b->cap && b->handles[watch]);
    close_handle(b->handles[watch]);
    b->handles[watch] = NULL;
    if ((size_t)watch < b->lowest_free)
        b->lowest_free = (size_t)watch;
}

static void start_libuv(void *state)
{
    (void)state; /* each handle reports from its start */
}

static void close_libuv(void *state, void (*closed)(cct_watcher *w))
{
    libuv_backend *b = state;
    for (size_t i = 0; i < b->cap; i++)
        if (b->handles[i])
            close_handle(b->handles[i]);
    /* The handles free themselves once closed: nothing here waits. */
    cct_watcher *w = b->w;
    free(b->handles);
    free(b);
    closed(w);
}

const cct_watch_backend cct_watch_libuv = {
    .name = "libuv",
    .open = open_libuv,
    .add = add_libuv,
    .remove = remove_libuv,
    .start = start_libuv,
    .close = close_libuv,
};
