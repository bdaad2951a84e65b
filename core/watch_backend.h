/*
 * What the watcher (watcher.c) asks of a backend, and what a backend tells
 * it.  A backend watches single directories, not trees: the watcher walks
 * the tree, adds one watch per directory, and turns what the backends say
 * into change sets, so that both backends share the rules (ignores,
 * .gitignore, new and vanished directories, roots, scanning).
 *
 * A watch is a small integer the backend chooses (inotify's watch
 * descriptor; a slot of the libuv backend's table), the index of the
 * watcher's table of watched directories.
 */
#ifndef CCT_WATCH_BACKEND_H
#define CCT_WATCH_BACKEND_H

#include <uv.h>

#include "watcher.h"

/* What happened, as far as a backend knows.  inotify says precisely;
 * libuv's uv_fs_event says only "something happened to this name"
 * (CCT_WEV_UNKNOWN), and the watcher looks at the file system to tell.
 * Only inotify says when a save is over (CCT_WEV_SAVED): with libuv every
 * change set waits for the quiet period (watch_quiet.h). */
enum {
    CCT_WEV_CREATED = 1 << 0,   /* `name` appeared: created, moved in */
    CCT_WEV_REMOVED = 1 << 1,   /* `name` deleted or moved away */
    CCT_WEV_WRITTEN = 1 << 2,   /* `name` written */
    CCT_WEV_ATTRIB = 1 << 3,    /* `name`'s attributes (chmod, touch) */
    CCT_WEV_IS_DIR = 1 << 4,    /* `name` is a directory */
    CCT_WEV_SELF_GONE = 1 << 5, /* the watched directory itself went */
    CCT_WEV_ENDED = 1 << 6,     /* the watch itself is gone */
    CCT_WEV_OVERFLOW = 1 << 7,  /* events were lost (no watch, no name) */
    CCT_WEV_UNKNOWN = 1 << 8,   /* `name` (or the directory) changed */
    CCT_WEV_SAVED = 1 << 9,     /* `name` is whole: closed after writing,
                                   or moved in (a save's last step) */
};

typedef struct cct_watch_backend {
    const char *name; /* as the `watcher` key says it */
    /* Starts the backend on `loop`, delivering to `w`.  Returns 0, or a
     * negative libuv error with *error saying why. */
    int (*open)(uv_loop_t *loop, cct_watcher *w, void **state,
                char **error);
    /* Watches `dir`: returns its watch (>= 0), or a negative errno
     * (ENOSPC: the watch limit). */
    int (*add)(void *state, const char *dir);
    void (*remove)(void *state, int watch);
    /* Events flow from now on (after the first walk). */
    void (*start)(void *state);
    /* Stops everything; `closed(w)` is called once every handle is
     * closed (maybe later, from the loop). */
    void (*close)(void *state, void (*closed)(cct_watcher *w));
} cct_watch_backend;

#ifdef __linux__
extern const cct_watch_backend cct_watch_inotify;
#endif
extern const cct_watch_backend cct_watch_libuv;

/* Called by backends: `what` (CCT_WEV_*) happened to `name` (NULL: to the
 * directory itself) in the directory of `watch` (-1 for an overflow). */
void cct__watcher_event(cct_watcher *w, int watch, const char *name,
                        unsigned what);
/* A batch of events is over: say what needs saying. */
void cct__watcher_events_done(cct_watcher *w);

#endif
