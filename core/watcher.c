/*
 * The recursive inotify watcher (see watcher.h).
 *
 * One inotify descriptor, polled by libuv; one watch per directory, kept in
 * a table indexed by watch descriptor.  Events only mark paths as changed
 * and (re)start the quiet-period timer; the set is delivered when the timer
 * fires.  No timer runs while nothing happens: waiting costs no wake-ups.
 */
#include "watcher.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "strmap.h"

#define DIR_EVENTS                                                        \
    (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |  \
     IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |            \
     IN_EXCL_UNLINK)
/* A burst never delays a run by more than this, however long it lasts. */
#define MAX_DELAY_MS 1000

typedef struct watch {
    char *path;     /* NULL: unused slot */
    size_t root;    /* index of its root */
    int is_root_parent; /* watches a vanished root's parent for its return */
} watch;

struct cct_watcher {
    uv_loop_t *loop;
    int fd;
    uv_poll_t poll;
    uv_timer_t timer;
    int open_handles;
    cct_watch_callbacks callbacks;
    void *arg;

    cct_strv roots;
    unsigned char *root_gone;
    cct_strv extensions;
    cct_strv ignore;
    unsigned debounce_ms;

    watch *watches; /* indexed by watch descriptor */
    size_t cap_watches;
    size_t n_watches;
    cct_strmap by_path; /* directory -> wd */

    cct_strv changed;
    cct_strmap changed_set;
    int overflow;
    uint64_t first_change_ms;
    int failed;
};

static const char limit_message[] =
    "inotify watch limit reached: cctrial watches every directory of the "
    "project, and the kernel's quota (fs.inotify.max_user_watches) is "
    "full.\nRaise it with:\n"
    "    sudo sysctl fs.inotify.max_user_watches=100000\n"
    "    sudo sh -c 'echo fs.inotify.max_user_watches=100000"
    ">>/etc/sysctl.conf'";

const char *cct_watch_limit_message(void)
{
    return limit_message;
}

/* ---- rules -------------------------------------------------------------- */

int cct_watch_ignored(const cct_strv *ignore, const char *name)
{
    for (size_t i = 0; i < ignore->len; i++)
        if (!strchr(ignore->items[i], '/') &&
            fnmatch(ignore->items[i], name, 0) == 0)
            return 1;
    return 0;
}

int cct_watch_counts(const cct_strv *extensions, const cct_strv *ignore,
                     const char *name)
{
    if (cct_watch_ignored(ignore, name))
        return 0;
    for (size_t i = 0; i < extensions->len; i++)
        if (cct_str_ends_with(name, extensions->items[i]))
            return 1;
    return 0;
}

/* Globs with a slash match the path relative to its root. */
static int path_ignored(cct_watcher *w, size_t root, const char *path)
{
    const char *base = strrchr(path, '/');
    if (cct_watch_ignored(&w->ignore, base ? base + 1 : path))
        return 1;
    size_t n = strlen(w->roots.items[root]);
    const char *rel = path + n + (path[n] == '/');
    for (size_t i = 0; i < w->ignore.len; i++)
        if (strchr(w->ignore.items[i], '/') &&
            fnmatch(w->ignore.items[i], rel, FNM_PATHNAME) == 0)
            return 1;
    return 0;
}

/* ---- the change set ----------------------------------------------------- */

static void on_quiet(uv_timer_t *timer);

static void mark_changed(cct_watcher *w, const char *path)
{
    if (cct_strmap_get(&w->changed_set, path) == CCT_STRMAP_MISSING) {
        cct_strv_add(&w->changed, path);
        /* Keys are borrowed from the vector's strings, which never move. */
        cct_strmap_put(&w->changed_set, w->changed.items[w->changed.len - 1],
                       w->changed.len - 1);
    }
}

static void touch_timer(cct_watcher *w)
{
    uint64_t now = uv_now(w->loop);
    if (!uv_is_active((uv_handle_t *)&w->timer))
        w->first_change_ms = now;
    uint64_t wait = w->debounce_ms;
    uint64_t deadline = w->first_change_ms + MAX_DELAY_MS;
    if (w->debounce_ms < MAX_DELAY_MS && now + wait > deadline)
        wait = deadline > now ? deadline - now : 0;
    uv_timer_start(&w->timer, on_quiet, wait, 0);
}

/* ---- watches ------------------------------------------------------------ */

static void forget_watch(cct_watcher *w, int wd)
{
    if (wd < 0 || (size_t)wd >= w->cap_watches || !w->watches[wd].path)
        return;
    cct_strmap_remove(&w->by_path, w->watches[wd].path);
    free(w->watches[wd].path);
    w->watches[wd].path = NULL;
    w->n_watches--;
}

static int add_watch(cct_watcher *w, const char *path, size_t root,
                     int is_root_parent, char **error)
{
    int wd = inotify_add_watch(w->fd, path, DIR_EVENTS);
    if (wd < 0) {
        if (errno == ENOSPC) {
            if (error)
                *error = cct_xstrdup(limit_message);
            return CCT_EWATCHLIMIT;
        }
        /* Gone already, or not ours to read: nothing to watch. */
        if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
            return 0;
        if (error)
            *error = cct_xasprintf("cannot watch %s: %s", path,
                                   strerror(errno));
        return uv_translate_sys_error(errno);
    }
    if ((size_t)wd >= w->cap_watches) {
        size_t old = w->cap_watches;
        CCT_GROW(w->watches, w->cap_watches, (size_t)wd + 1);
        memset(w->watches + old, 0, (w->cap_watches - old) * sizeof(watch));
    }
    if (w->watches[wd].path) { /* the same directory by another name */
        cct_strmap_remove(&w->by_path, w->watches[wd].path);
        free(w->watches[wd].path);
        w->n_watches--;
    }
    w->watches[wd].path = cct_xstrdup(path);
    w->watches[wd].root = root;
    w->watches[wd].is_root_parent = is_root_parent;
    w->n_watches++;
    cct_strmap_put(&w->by_path, w->watches[wd].path, (size_t)wd);
    return 0;
}

static int is_watched(cct_watcher *w, const char *dir)
{
    size_t wd = cct_strmap_get(&w->by_path, dir);
    return wd != CCT_STRMAP_MISSING && !w->watches[wd].is_root_parent;
}

/* Watches `dir` and everything below it (directories already watched are
 * walked, not watched twice).  With `report`, every file found counts as
 * changed: it may have appeared before the watch existed. */
static int watch_tree(cct_watcher *w, const char *dir, size_t root,
                      int report, char **error)
{
    int rc = is_watched(w, dir) ? 0 : add_watch(w, dir, root, 0, error);
    if (rc < 0)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && rc == 0) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = cct_path_join(dir, e->d_name);
        int is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            is_dir = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (!path_ignored(w, root, path)) {
            if (is_dir)
                rc = watch_tree(w, path, root, report, error);
            else if (report && cct_watch_counts(&w->extensions, &w->ignore,
                                                e->d_name))
                mark_changed(w, path);
        }
        free(path);
    }
    closedir(d);
    return rc;
}

/* Stops watching a directory and everything below it. */
static void unwatch_tree(cct_watcher *w, const char *dir)
{
    size_t n = strlen(dir);
    for (size_t wd = 0; wd < w->cap_watches; wd++) {
        const char *p = w->watches[wd].path;
        if (p && strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/')) {
            inotify_rm_watch(w->fd, (int)wd);
            forget_watch(w, (int)wd);
        }
    }
}

static void fail(cct_watcher *w, int code, const char *message)
{
    if (w->failed)
        return;
    w->failed = 1;
    w->callbacks.failed(code, message, w->arg);
}

/* A root vanished: say so, and watch its parent for its return. */
static void root_gone(cct_watcher *w, size_t root)
{
    if (w->root_gone[root])
        return;
    w->root_gone[root] = 1;
    unwatch_tree(w, w->roots.items[root]);
    w->callbacks.root(w->roots.items[root], 1, w->arg);
    char *parent = cct_xstrdup(w->roots.items[root]);
    for (;;) {
        char *slash = strrchr(parent, '/');
        if (!slash)
            break;
        *(slash == parent ? slash + 1 : slash) = '\0';
        if (access(parent, F_OK) == 0) {
            if (cct_strmap_get(&w->by_path, parent) == CCT_STRMAP_MISSING)
                add_watch(w, parent, root, 1, NULL);
            break;
        }
        if (slash == parent)
            break;
    }
    free(parent);
}

static void check_roots_back(cct_watcher *w)
{
    for (size_t r = 0; r < w->roots.len; r++) {
        if (!w->root_gone[r] || access(w->roots.items[r], F_OK) != 0)
            continue;
        w->root_gone[r] = 0;
        char *error = NULL;
        int rc = watch_tree(w, w->roots.items[r], r, 1, &error);
        if (rc < 0) {
            fail(w, rc, error);
            free(error);
            return;
        }
        w->callbacks.root(w->roots.items[r], 0, w->arg);
        touch_timer(w);
    }
}

/* ---- events ------------------------------------------------------------- */

static void handle_event(cct_watcher *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        w->overflow = 1;
        touch_timer(w);
        return;
    }
    if (ev->wd < 0 || (size_t)ev->wd >= w->cap_watches ||
        !w->watches[ev->wd].path) {
        return; /* a watch we already dropped */
    }
    watch *wt = &w->watches[ev->wd];
    if (ev->mask & IN_IGNORED) {
        forget_watch(w, ev->wd);
        return;
    }
    if (wt->is_root_parent) {
        if (ev->len && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
            check_roots_back(w);
        return;
    }
    if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        size_t root = wt->root;
        if (strcmp(wt->path, w->roots.items[root]) == 0)
            root_gone(w, root);
        return;
    }
    if (!ev->len)
        return;
    char *path = cct_path_join(wt->path, ev->name);
    size_t root = wt->root;
    if (path_ignored(w, root, path)) {
        free(path);
        return;
    }
    if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
            check_roots_back(w); /* a vanished root may be back */
            char *error = NULL;
            int rc = watch_tree(w, path, root, 1, &error);
            if (rc < 0)
                fail(w, rc, error);
            free(error);
            touch_timer(w);
        } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
            unwatch_tree(w, path);
        }
    } else if (cct_watch_counts(&w->extensions, &w->ignore, ev->name)) {
        mark_changed(w, path);
        touch_timer(w);
    }
    free(path);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
    (void)events;
    cct_watcher *w = poll->data;
    if (status < 0)
        return;
    char buf[65536]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            handle_event(w, ev);
            p += sizeof(*ev) + ev->len;
        }
    }
}

/* After an overflow: every file counts as changed, and directories whose
 * creation was lost get their watches. */
static void collect_all(cct_watcher *w)
{
    for (size_t r = 0; r < w->roots.len && !w->failed; r++) {
        if (w->root_gone[r])
            continue;
        char *error = NULL;
        int rc = watch_tree(w, w->roots.items[r], r, 1, &error);
        if (rc < 0)
            fail(w, rc, error);
        free(error);
    }
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void on_quiet(uv_timer_t *timer)
{
    cct_watcher *w = timer->data;
    int overflow = w->overflow;
    if (overflow)
        collect_all(w);
    w->overflow = 0;
    if (w->changed.len == 0 && !overflow)
        return;
    cct_strv files = w->changed;
    cct_strv_init(&w->changed);
    cct_strmap_clear(&w->changed_set);
    if (files.len > 1)
        qsort(files.items, files.len, sizeof(char *), compare_paths);
    w->callbacks.changed(&files, overflow, w->arg);
    cct_strv_free(&files);
}

/* ---- public ------------------------------------------------------------- */

static void on_closed(uv_handle_t *handle)
{
    cct_watcher *w = handle->data;
    if (--w->open_handles > 0)
        return;
    close(w->fd);
    for (size_t i = 0; i < w->cap_watches; i++)
        free(w->watches[i].path);
    free(w->watches);
    free(w->root_gone);
    cct_strmap_free(&w->by_path);
    cct_strmap_free(&w->changed_set);
    cct_strv_free(&w->changed);
    cct_strv_free(&w->roots);
    cct_strv_free(&w->extensions);
    cct_strv_free(&w->ignore);
    free(w);
}

int cct_watcher_start(uv_loop_t *loop, const cct_watcher_config *config,
                      const cct_watch_callbacks *callbacks, void *arg,
                      cct_watcher **out, char **error)
{
    *error = NULL;
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
    cct_watcher *w = cct_xcalloc(1, sizeof(*w));
    w->loop = loop;
    w->fd = fd;
    w->callbacks = *callbacks;
    w->arg = arg;
    w->debounce_ms = config->debounce_ms;
    cct_strv_init(&w->roots);
    cct_strv_init(&w->extensions);
    cct_strv_init(&w->ignore);
    cct_strv_init(&w->changed);
    cct_strmap_init(&w->by_path);
    cct_strmap_init(&w->changed_set);
    for (size_t i = 0; i < config->roots->len; i++)
        cct_strv_add(&w->roots, config->roots->items[i]);
    for (size_t i = 0; i < config->extensions->len; i++)
        cct_strv_add(&w->extensions, config->extensions->items[i]);
    for (size_t i = 0; i < config->ignore->len; i++)
        cct_strv_add(&w->ignore, config->ignore->items[i]);
    w->root_gone = cct_xcalloc(w->roots.len ? w->roots.len : 1, 1);

    uv_poll_init(loop, &w->poll, fd);
    uv_timer_init(loop, &w->timer);
    w->poll.data = w->timer.data = w;
    w->open_handles = 2;

    int rc = 0;
    for (size_t r = 0; r < w->roots.len && rc == 0; r++) {
        if (access(w->roots.items[r], F_OK) != 0) {
            root_gone(w, r);
            continue;
        }
        rc = watch_tree(w, w->roots.items[r], r, 0, error);
    }
    if (rc < 0) {
        cct_watcher_close(w);
        return rc;
    }
    uv_poll_start(&w->poll, UV_READABLE, on_readable);
    *out = w;
    return 0;
}

void cct_watcher_close(cct_watcher *w)
{
    uv_close((uv_handle_t *)&w->poll, on_closed);
    uv_close((uv_handle_t *)&w->timer, on_closed);
}

size_t cct_watcher_count(const cct_watcher *w)
{
    return w->n_watches;
}
