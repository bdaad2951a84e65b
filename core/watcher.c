/*
 * The recursive watcher (see watcher.h), over one of two backends
 * (watch_backend.h): inotify on Linux, libuv's uv_fs_event anywhere.
 *
 * One watch per directory, kept in a table indexed by the backend's watch
 * number.  Events mark paths as changed and (re)start the quiet-period
 * timer; the set is delivered when the timer fires, or at the end of a
 * batch of events that completed the save of the one file pending
 * (watch_quiet.h decides).  No timer runs while nothing happens: waiting
 * costs no wake-ups.
 *
 * A directory that cannot be watched once the watcher runs (the watch limit
 * is full, or it cannot be read for lack of descriptors) does not end
 * watching: it joins the unwatched list, is named once through the notice
 * callback, and is scanned every SCAN_MS (watch_scan.h) -- changes found so
 * join the change set as events do.  Each scan first tries to watch it
 * again; the scan timer runs only while the list is not empty.  A
 * directory that cannot be read (EACCES) is tried again when its
 * attributes change (an event on its parent's watch): a chmod.
 *
 * A backend that cannot say what happened (libuv) says CCT_WEV_UNKNOWN,
 * and the name is looked at: a directory not watched yet (or a new one by
 * an old name: each watch remembers its directory's device and inode) is
 * new, a watched directory no longer there is gone, a file that counts
 * changed -- which makes a chmod or touch of a file a change too.
 */
#include "watcher.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "strmap.h"
#include "watch_backend.h"
#include "watch_quiet.h"
#include "watch_scan.h"
/* Unwatched directories are scanned this often... */
#define SCAN_MS 2000
/* ...each scan stat'ing about this many entries at most (at least one
 * directory), going on where the last one stopped. */
#define SCAN_BUDGET 4096
/* A notice names this many directories at most. */
#define NOTICE_DIRS 10

/* 16 bytes: a slot per watch number, and a tree of 10,000 directories
 * has as many. */
typedef struct watch {
    char *path;     /* NULL: unused slot */
    unsigned root;  /* index of its root */
    int is_root_parent; /* watches a vanished root's parent for its return */
} watch;

/* Which directory a watch is on, kept only for the backends that do not
 * say what happened (backend_vague), which must look. */
typedef struct identity {
    dev_t dev;
    ino_t ino;
} identity;

/* A directory without a watch, scanned instead. */
typedef struct unwatched {
    char *path;
    size_t root;
    int err;       /* why (a negative errno) */
    int announced; /* named in a notice already */
    cct_scan_listing listing; /* as the last scan saw it */
} unwatched;

struct cct_watcher {
    uv_loop_t *loop;
    const cct_watch_backend *backend;
    void *backend_state;
    uv_timer_t timer;
    uv_timer_t scan_timer;
    int open_handles;
    int started; /* past the first walk: failures no longer end watching */
    int closing; /* a callback closed it: report nothing more */
    cct_watch_callbacks callbacks;
    void *arg;

    cct_strv roots;
    unsigned char *root_gone;
    cct_strv extensions;
    cct_strv ignore;
    cct_strv ignored_paths; /* exact paths (.gitignore's, from git) */
    cct_strmap ignored_set; /* path -> index in ignored_paths */
    cct_quiet quiet;        /* when the change set goes out */

    watch *watches; /* indexed by the backend's watch number */
    identity *ids;  /* the same, for a vague backend only, else NULL */
    size_t cap_watches;
    size_t n_watches;
    cct_strmap by_path; /* directory -> wd */

    cct_strv changed;
    cct_strmap changed_set;
    int overflow;
    int last_saved;  /* the last change completed a file's save */
    cct_quiet_news news; /* to be told: see watch_quiet.h */

    unwatched *unwatched;
    size_t n_unwatched, cap_unwatched;
    cct_strmap unwatched_by_path; /* directory -> index */
    size_t scan_cursor;
    int announced; /* some directory was named as unwatched */
};

static const char limit_message[] =
    "inotify watch limit reached: cctrial watches every directory of the "
    "project, and the kernel's quota (fs.inotify.max_user_watches) is "
    "full.\nRaise it with:\n"
    "    sudo sysctl fs.inotify.max_user_watches=100000\n"
    "    sudo sh -c 'echo fs.inotify.max_user_watches=100000"
    ">>/etc/sysctl.conf'";

char *cct_watch_unwatched_message(const cct_strv *dirs, int err,
                                  unsigned scan_ms)
{
    assert(dirs->len > 0 && err < 0);
    cct_buf b;
    cct_buf_init(&b);
    if (dirs->len == 1)
        cct_buf_adds(&b, "cannot watch this directory");
    else
        cct_buf_printf(&b, "cannot watch %zu directories", dirs->len);
    switch (-err) {
    case ENOSPC:
        cct_buf_adds(&b, ": the inotify watch limit is reached "
                         "(fs.inotify.max_user_watches is full)");
        break;
    case EMFILE:
        cct_buf_adds(&b, ": too many open files in cctrial (EMFILE: "
                         "see ulimit -n)");
        break;
    case ENFILE:
        cct_buf_adds(&b, ": too many open files in the system (ENFILE: "
                         "see fs.file-max)");
        break;
    case ENOMEM:
        cct_buf_adds(&b, ": the kernel is out of memory for inotify "
                         "(ENOMEM)");
        break;
    default:
        cct_buf_printf(&b, ": %s", strerror(-err));
        break;
    }
    size_t shown = dirs->len < NOTICE_DIRS ? dirs->len : NOTICE_DIRS;
    for (size_t i = 0; i < shown; i++)
        cct_buf_printf(&b, "\n    %s", dirs->items[i]);
    if (shown < dirs->len)
        cct_buf_printf(&b, "\n    and %zu more", dirs->len - shown);
    cct_buf_printf(&b, "\ncctrial goes on, and scans %s every %u s for "
                       "changes instead.",
                   dirs->len == 1 ? "it" : "them", (scan_ms + 999) / 1000);
    if (err == -ENOSPC)
        cct_buf_adds(&b, "  To watch every directory, raise the limit:\n"
                         "    sudo sysctl fs.inotify.max_user_watches=100000\n"
                         "    sudo sh -c 'echo fs.inotify.max_user_watches="
                         "100000>>/etc/sysctl.conf'");
    return cct_buf_steal(&b);
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

void cct_watch_roots(const cct_strv *watch, const char *project_dir,
                     const char *cwd, const cct_strv *dev_roots,
                     cct_strv *out)
{
    int is_auto = watch->len == 1 && strcmp(watch->items[0], "auto") == 0;
    int is_cwd = watch->len == 1 && strcmp(watch->items[0], "cwd") == 0;
    if (is_auto || is_cwd) {
        /* -c: the directory cctrial was started in, maybe below the
         * root. */
        cct_strv_add(out, is_cwd ? cwd : project_dir);
        for (size_t i = 0; is_auto && dev_roots && i < dev_roots->len; i++) {
            const char *root = dev_roots->items[i];
            if (!cct_str_starts_with(root, project_dir) &&
                !cct_strv_contains(out, root))
                cct_strv_add(out, root);
        }
        return;
    }
    for (size_t i = 0; i < watch->len; i++) {
        char *dir = cct_expand_home(watch->items[i]);
        cct_strv_take(out, cct_path_absolute(project_dir, dir));
        free(dir);
    }
}

int cct_watch_path_ignored(const cct_strv *ignore, const char *rel)
{
    const char *base = strrchr(rel, '/');
    if (cct_watch_ignored(ignore, base ? base + 1 : rel))
        return 1;
    for (size_t i = 0; i < ignore->len; i++) {
        const char *glob = ignore->items[i];
        /* "/build" from the top only, as "docs/x.py" is already: fnmatch
         * takes the whole path. */
        if (strchr(glob, '/') &&
            fnmatch(glob + (glob[0] == '/'), rel, FNM_PATHNAME) == 0)
            return 1;
    }
    return 0;
}

/* Globs with a slash match the path relative to its root.  The
 * directories `path` is in are not ignored (the walk does not enter an
 * ignored one, and events come from watched directories only): only the
 * path itself is checked. */
static int path_ignored(cct_watcher *w, size_t root, const char *path)
{
    if (cct_strmap_get(&w->ignored_set, path) != CCT_STRMAP_MISSING)
        return 1;
    size_t n = strlen(w->roots.items[root]);
    assert(strncmp(path, w->roots.items[root], n) == 0);
    const char *rel = path + n + (path[n] == '/');
    return cct_watch_path_ignored(&w->ignore, rel);
}

/* ---- the change set ----------------------------------------------------- */

static void on_quiet(uv_timer_t *timer);
static void on_window_over(uv_timer_t *timer);
static void tell(cct_watcher *w, int batch);
static void send_set(cct_watcher *w, int at_once);

/* `saved`: the change completes a save of the file (closed after
 * writing, or renamed into place), as far as the backend says. */
static void mark_changed(cct_watcher *w, const char *path, int saved)
{
    w->last_saved = saved;
    if (cct_strmap_get(&w->changed_set, path) == CCT_STRMAP_MISSING) {
        cct_strv_add(&w->changed, path);
        /* Keys are borrowed from the vector's strings, which never move. */
        cct_strmap_put(&w->changed_set, w->changed.items[w->changed.len - 1],
                       w->changed.len - 1);
    }
}

static void touch_timer(cct_watcher *w)
{
    cct_quiet_news news;
    uint64_t wait = cct_quiet_change(&w->quiet, uv_now(w->loop), &news);
    if (news != CCT_QUIET_NO_NEWS)
        w->news = news;
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

/* Does the backend say what happened, or must the watcher look? */
static int backend_vague(const cct_watcher *w)
{
#ifdef __linux__
    return w->backend != &cct_watch_inotify;
#else
    (void)w;
    return 1;
#endif
}

/* Watches `path`: 0 when watched or when there is nothing to watch (gone
 * already, or not ours to read: see CCT_WEV_ATTRIB), or a negative
 * errno. */
static int add_watch(cct_watcher *w, const char *path, size_t root,
                     int is_root_parent)
{
    if (w->closing)
        return 0; /* a callback closed the watcher: its backend is gone */
    struct stat st = {0};
    if (backend_vague(w) && stat(path, &st) != 0)
        return 0; /* gone already */
    int wd = w->backend->add(w->backend_state, path);
    if (wd < 0)
        return wd == -ENOENT || wd == -ENOTDIR || wd == -EACCES ? 0 : wd;
    if ((size_t)wd >= w->cap_watches) {
        size_t old = w->cap_watches;
        CCT_GROW(w->watches, w->cap_watches, (size_t)wd + 1);
        memset(w->watches + old, 0, (w->cap_watches - old) * sizeof(watch));
        if (backend_vague(w))
            w->ids = cct_xrealloc(w->ids, w->cap_watches * sizeof(*w->ids));
    }
    if (w->watches[wd].path) { /* the same directory by another name */
        cct_strmap_remove(&w->by_path, w->watches[wd].path);
        free(w->watches[wd].path);
        w->n_watches--;
    }
    w->watches[wd].path = cct_xstrdup(path);
    assert(root < w->roots.len);
    w->watches[wd].root = (unsigned)root;
    w->watches[wd].is_root_parent = is_root_parent;
    if (w->ids)
        w->ids[wd] = (identity){st.st_dev, st.st_ino};
    w->n_watches++;
    cct_strmap_put(&w->by_path, w->watches[wd].path, (size_t)wd);
    return 0;
}

static int is_watched(cct_watcher *w, const char *dir)
{
    size_t wd = cct_strmap_get(&w->by_path, dir);
    return wd != CCT_STRMAP_MISSING && !w->watches[wd].is_root_parent;
}

/* ---- unwatched directories ---------------------------------------------- */

static void on_scan(uv_timer_t *timer);

typedef struct scan_context {
    cct_watcher *w;
    size_t root;
    const char *dir;
    int changed;
} scan_context;

static int scan_wanted(const char *path, const char *name, int is_dir,
                       void *arg)
{
    scan_context *c = arg;
    if (path_ignored(c->w, c->root, path))
        return 0;
    return is_dir || cct_watch_counts(&c->w->extensions, &c->w->ignore, name);
}

static int is_unwatched(cct_watcher *w, const char *dir)
{
    return cct_strmap_get(&w->unwatched_by_path, dir) != CCT_STRMAP_MISSING;
}

/* `dir` could not be watched (or read) for `err`: scan it from now on.
 * Its listing is taken now, so that the first scan sees what changes from
 * here on. */
static void defer(cct_watcher *w, const char *dir, size_t root, int err)
{
    assert(err < 0);
    size_t i = cct_strmap_get(&w->unwatched_by_path, dir);
    if (i != CCT_STRMAP_MISSING) {
        w->unwatched[i].err = err;
        return;
    }
    CCT_GROW(w->unwatched, w->cap_unwatched, w->n_unwatched + 1);
    i = w->n_unwatched++;
    unwatched *u = &w->unwatched[i];
    u->path = cct_xstrdup(dir);
    u->root = root;
    u->err = err;
    u->announced = 0;
    cct_scan_listing_init(&u->listing);
    cct_strmap_put(&w->unwatched_by_path, u->path, i);
    scan_context c = {.w = w, .root = root, .dir = dir};
    cct_scan_list(dir, scan_wanted, &c, &u->listing);
    if (!uv_is_active((uv_handle_t *)&w->scan_timer))
        uv_timer_start(&w->scan_timer, on_scan, SCAN_MS, SCAN_MS);
}

static void drop_unwatched(cct_watcher *w, size_t i)
{
    assert(i < w->n_unwatched);
    unwatched *u = &w->unwatched[i];
    cct_strmap_remove(&w->unwatched_by_path, u->path);
    free(u->path);
    cct_scan_listing_free(&u->listing);
    if (i != --w->n_unwatched) {
        w->unwatched[i] = w->unwatched[w->n_unwatched];
        cct_strmap_put(&w->unwatched_by_path, w->unwatched[i].path, i);
    }
    if (w->n_unwatched > 0)
        return;
    uv_timer_stop(&w->scan_timer);
    if (w->announced) {
        w->announced = 0;
        w->callbacks.notice("every watched directory has its inotify watch "
                            "again: scanning stopped", w->arg);
    }
}

/* Watches `dir` and everything below it (directories already watched are
 * walked, not watched twice).  With `report`, every file found counts as
 * changed: it may have appeared before the watch existed.  Before the
 * watcher has started, a directory that cannot be watched is an error
 * (then *error says why); after, it is scanned instead. */
static int watch_tree(cct_watcher *w, const char *dir, size_t root,
                      int report, char **error)
{
    if (!is_watched(w, dir) && !is_unwatched(w, dir)) {
        int rc = add_watch(w, dir, root, 0);
        if (rc < 0 && !w->started) {
            if (rc == -ENOSPC) {
                *error = cct_xstrdup(limit_message);
                return CCT_EWATCHLIMIT;
            }
            *error = cct_xasprintf("cannot watch %s: %s", dir,
                                   strerror(-rc));
            return uv_translate_sys_error(-rc);
        }
        if (rc < 0)
            defer(w, dir, root, rc);
    }
    DIR *d = opendir(dir);
    if (!d) {
        /* Out of descriptors: scanning reads it again later. */
        if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
            defer(w, dir, root, -errno);
        return 0;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) && rc == 0) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = cct_path_join(dir, e->d_name);
        int is_dir = cct_scan_is_dir(d, e);
        if (!path_ignored(w, root, path)) {
            if (is_dir)
                rc = watch_tree(w, path, root, report, error);
            else if (report && cct_watch_counts(&w->extensions, &w->ignore,
                                                e->d_name))
                mark_changed(w, path, 0);
        }
        free(path);
    }
    closedir(d);
    return rc;
}

static void scan_changed(const cct_scan_entry *entry, cct_scan_change change,
                         void *arg)
{
    (void)change;
    scan_context *c = arg;
    if (entry->is_dir)
        return; /* new directories: see scan_one */
    char *path = cct_path_join(c->dir, entry->name);
    mark_changed(c->w, path, 0);
    c->changed = 1;
    free(path);
}

static void root_gone(cct_watcher *w, size_t root);

/* Scans the unwatched directory at `i`, after trying to watch it again.
 * Returns the entries it looked at; the directory leaves the list when it
 * is watched now, or gone. */
static size_t scan_one(cct_watcher *w, size_t i, int *kept)
{
    char *dir = cct_xstrdup(w->unwatched[i].path);
    size_t root = w->unwatched[i].root;
    int watched = is_watched(w, dir);
    if (!watched) {
        int rc = add_watch(w, dir, root, 0);
        watched = rc == 0 && is_watched(w, dir);
        if (rc < 0)
            w->unwatched[i].err = rc;
    }
    /* The listing moves out of the array, which may grow below. */
    cct_scan_listing before = w->unwatched[i].listing;
    cct_scan_listing_init(&w->unwatched[i].listing);
    cct_scan_listing now;
    cct_scan_listing_init(&now);
    scan_context c = {.w = w, .root = root, .dir = dir};
    int rc = cct_scan_list(dir, scan_wanted, &c, &now);
    size_t seen = now.len + 1;
    int gone = rc == -ENOENT || rc == -ENOTDIR || rc == -EACCES;
    if (rc < 0 && !gone) {
        /* Unreadable for now (descriptors): try again next time. */
        w->unwatched[i].err = rc;
        w->unwatched[i].listing = before;
        cct_scan_listing_free(&now);
        free(dir);
        *kept = 1;
        return seen;
    }
    /* Gone, or unreadable: its files are gone as far as tests go. */
    cct_scan_diff(&before, &now, scan_changed, &c);
    cct_scan_listing_free(&before);
    /* New directories, and those that could not be read before. */
    for (size_t k = 0; k < now.len; k++) {
        if (!now.entries[k].is_dir)
            continue;
        char *sub = cct_path_join(dir, now.entries[k].name);
        if (!is_watched(w, sub) && !is_unwatched(w, sub)) {
            size_t before_len = w->changed.len;
            watch_tree(w, sub, root, 1, NULL);
            c.changed |= w->changed.len > before_len;
        }
        free(sub);
    }
    *kept = !gone && !watched;
    if (*kept) {
        w->unwatched[i].listing = now;
    } else {
        cct_scan_listing_free(&now);
        drop_unwatched(w, i);
    }
    if (gone && rc == -ENOENT && strcmp(dir, w->roots.items[root]) == 0)
        root_gone(w, root);
    if (c.changed)
        touch_timer(w);
    free(dir);
    return seen;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names the directories not named yet, one notice per reason. */
static void announce(cct_watcher *w)
{
    for (;;) {
        int err = 0;
        cct_strv dirs;
        cct_strv_init(&dirs);
        for (size_t i = 0; i < w->n_unwatched; i++) {
            unwatched *u = &w->unwatched[i];
            if (u->announced || (err && u->err != err))
                continue;
            err = u->err;
            u->announced = 1;
            cct_strv_add(&dirs, u->path);
        }
        if (dirs.len == 0) {
            cct_strv_free(&dirs);
            return;
        }
        qsort(dirs.items, dirs.len, sizeof(char *), compare_paths);
        char *message = cct_watch_unwatched_message(&dirs, err, SCAN_MS);
        w->announced = 1;
        w->callbacks.notice(message, w->arg);
        free(message);
        cct_strv_free(&dirs);
    }
}

static void on_scan(uv_timer_t *timer)
{
    cct_watcher *w = timer->data;
    size_t budget = SCAN_BUDGET;
    size_t todo = w->n_unwatched;
    while (todo > 0 && w->n_unwatched > 0 && budget > 0 && !w->closing) {
        if (w->scan_cursor >= w->n_unwatched)
            w->scan_cursor = 0;
        int kept;
        size_t seen = scan_one(w, w->scan_cursor, &kept);
        /* A directory dropped leaves the last one in its place. */
        if (kept)
            w->scan_cursor++;
        budget = seen < budget ? budget - seen : 0;
        todo--;
    }
    tell(w, 0);
}

/* Stops watching a directory and everything below it. */
static void unwatch_tree(cct_watcher *w, const char *dir)
{
    if (w->closing)
        return; /* everything is being closed already */
    size_t n = strlen(dir);
    for (size_t wd = 0; wd < w->cap_watches; wd++) {
        const char *p = w->watches[wd].path;
        if (p && strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/')) {
            w->backend->remove(w->backend_state, (int)wd);
            forget_watch(w, (int)wd);
        }
    }
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
                add_watch(w, parent, root, 1);
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
        assert(w->started);
        watch_tree(w, w->roots.items[r], r, 1, NULL);
        w->callbacks.root(w->roots.items[r], 0, w->arg);
        touch_timer(w);
    }
}

/* ---- events ------------------------------------------------------------- */

/* An event of a backend that does not say what happened (CCT_WEV_UNKNOWN)
 * on `name` in the directory of `wd`: look.  Events come in batches, so
 * the directory may be gone already (deleted with what it held), or be
 * another one by its name: then a file that counts is a file deleted, and
 * the directory's own event (libuv names it by its base name) ends its
 * watch -- its parent's watch sees a new one. */
static void look_at(cct_watcher *w, int wd, const char *name)
{
    assert(w->ids);
    const watch *wt = &w->watches[wd];
    size_t root = wt->root;
    char *dir = cct_xstrdup(wt->path);
    struct stat st;
    if (stat(dir, &st) != 0 || st.st_dev != w->ids[wd].dev ||
        st.st_ino != w->ids[wd].ino) {
        const char *base = strrchr(dir, '/') + 1;
        if (name && cct_watch_counts(&w->extensions, &w->ignore, name)) {
            char *path = cct_path_join(dir, name);
            if (!path_ignored(w, root, path)) {
                mark_changed(w, path, 0);
                touch_timer(w);
            }
            free(path);
        }
        if (!name || strcmp(name, base) == 0) {
            if (strcmp(dir, w->roots.items[root]) == 0)
                root_gone(w, root);
            else
                unwatch_tree(w, dir);
        }
        free(dir);
        return;
    }
    char *path = name ? cct_path_join(dir, name) : NULL;
    free(dir);
    if (!path || path_ignored(w, root, path)) {
        free(path);
        return;
    }
    size_t known = cct_strmap_get(&w->by_path, path);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        int same = known != CCT_STRMAP_MISSING &&
                   !w->watches[known].is_root_parent &&
                   w->ids[known].dev == st.st_dev &&
                   w->ids[known].ino == st.st_ino;
        /* New, made readable, or a new one by an old name; a directory
         * already watched reports its own files. */
        if (!same && !is_unwatched(w, path)) {
            if (known != CCT_STRMAP_MISSING)
                unwatch_tree(w, path);
            check_roots_back(w); /* a vanished root may be back */
            watch_tree(w, path, root, 1, NULL);
            touch_timer(w);
        }
    } else {
        if (known != CCT_STRMAP_MISSING)
            unwatch_tree(w, path); /* a watched directory went */
        const char *base = strrchr(path, '/') + 1;
        if (cct_watch_counts(&w->extensions, &w->ignore, base)) {
            mark_changed(w, path, 0);
            touch_timer(w);
        }
    }
    free(path);
}

void cct__watcher_event(cct_watcher *w, int wd, const char *name,
                        unsigned what)
{
    if (w->closing)
        return;
    if (what & CCT_WEV_OVERFLOW) {
        w->overflow = 1;
        touch_timer(w);
        return;
    }
    if (wd < 0 || (size_t)wd >= w->cap_watches || !w->watches[wd].path)
        return; /* a watch we already dropped */
    watch *wt = &w->watches[wd];
    if (what & CCT_WEV_ENDED) {
        forget_watch(w, wd);
        return;
    }
    if (wt->is_root_parent) {
        if (name && (what & (CCT_WEV_CREATED | CCT_WEV_UNKNOWN)))
            check_roots_back(w);
        return;
    }
    if (what & CCT_WEV_UNKNOWN) {
        look_at(w, wd, name);
        return;
    }
    if (what & CCT_WEV_SELF_GONE) {
        size_t root = wt->root;
        if (strcmp(wt->path, w->roots.items[root]) == 0)
            root_gone(w, root);
        return;
    }
    if (!name)
        return;
    char *path = cct_path_join(wt->path, name);
    size_t root = wt->root;
    if (path_ignored(w, root, path)) {
        free(path);
        return;
    }
    if (what & CCT_WEV_IS_DIR) {
        if (what & CCT_WEV_CREATED) {
            check_roots_back(w); /* a vanished root may be back */
            watch_tree(w, path, root, 1, NULL);
            touch_timer(w);
        } else if (what & CCT_WEV_ATTRIB) {
            /* A chmod may have made an unreadable directory readable:
             * watch it, and report what it holds. */
            if (!is_watched(w, path) && !is_unwatched(w, path)) {
                watch_tree(w, path, root, 1, NULL);
                touch_timer(w);
            }
        } else if (what & CCT_WEV_REMOVED) {
            unwatch_tree(w, path);
        }
    } else if (!(what & CCT_WEV_ATTRIB) &&
               cct_watch_counts(&w->extensions, &w->ignore, name)) {
        /* A file's attributes (chmod, touch) are not a change of it. */
        mark_changed(w, path, (what & CCT_WEV_SAVED) &&
                                  !(what & CCT_WEV_REMOVED));
        touch_timer(w);
    }
    free(path);
}

/* What a change or the end of the window says of the set sent at once. */
static void tell_news(cct_watcher *w, cct_quiet_news news)
{
    if (news == CCT_QUIET_BURST)
        w->callbacks.burst(w->arg);
    else if (news == CCT_QUIET_ALONE)
        w->callbacks.alone(w->arg);
}

/* After a batch of events or a scan: what needs saying.  A save of one
 * file goes out now (see watch_quiet.h); the rest of a burst is said
 * first, so that what the set sent at once began can be stopped before
 * the next set comes. */
static void tell(cct_watcher *w, int batch)
{
    announce(w);
    cct_quiet_news news = w->news;
    w->news = CCT_QUIET_NO_NEWS;
    if (!w->closing)
        tell_news(w, news);
    if (batch && !w->closing &&
        cct_quiet_at_once(&w->quiet, w->changed.len, w->last_saved,
                          w->overflow)) {
        uv_timer_stop(&w->timer);
        send_set(w, 1);
    }
}

void cct__watcher_events_done(cct_watcher *w)
{
    if (!w->closing)
        tell(w, 1);
}

/* After an overflow: every file counts as changed, and directories whose
 * creation was lost get their watches. */
static void collect_all(cct_watcher *w)
{
    for (size_t r = 0; r < w->roots.len; r++)
        if (!w->root_gone[r])
            watch_tree(w, w->roots.items[r], r, 1, NULL);
    announce(w);
}

/* The change set goes out, at once or at the end of the quiet period. */
static void send_set(cct_watcher *w, int at_once)
{
    int rest_of_burst = cct_quiet_sent(&w->quiet, at_once);
    w->last_saved = 0;
    int overflow = w->overflow;
    if (overflow)
        collect_all(w);
    w->overflow = 0;
    if (w->changed.len == 0 && !overflow && !rest_of_burst)
        return;
    cct_strv files = w->changed;
    cct_strv_init(&w->changed);
    cct_strmap_clear(&w->changed_set);
    if (files.len > 1)
        qsort(files.items, files.len, sizeof(char *), compare_paths);
    /* A set sent at once: the end of its quiet period says it was alone,
     * unless a change comes first (touch_timer takes the timer over). */
    if (at_once)
        uv_timer_start(&w->timer, on_window_over,
                       cct_quiet_burst_window(&w->quiet, uv_now(w->loop)),
                       0);
    w->callbacks.changed(&files, overflow, w->arg);
    cct_strv_free(&files);
}

static void on_quiet(uv_timer_t *timer)
{
    send_set(timer->data, 0);
}

static void on_window_over(uv_timer_t *timer)
{
    cct_watcher *w = timer->data;
    if (!w->closing)
        tell_news(w, cct_quiet_window_over(&w->quiet));
}

/* ---- public ------------------------------------------------------------- */

static void add_ignored_paths(cct_watcher *w, const cct_strv *paths)
{
    for (size_t i = 0; i < paths->len; i++) {
        if (cct_strmap_get(&w->ignored_set, paths->items[i]) !=
            CCT_STRMAP_MISSING)
            continue;
        cct_strv_add(&w->ignored_paths, paths->items[i]);
        /* Keys are borrowed from the vector's strings, which never move. */
        cct_strmap_put(&w->ignored_set,
                       w->ignored_paths.items[w->ignored_paths.len - 1],
                       w->ignored_paths.len - 1);
    }
}

int cct_watcher_burst_may_follow(const cct_watcher *w)
{
    /* A news gathered and not told yet is still to come. */
    return cct_quiet_burst_may_follow(&w->quiet) ||
           w->news == CCT_QUIET_BURST;
}

void cct_watcher_ignore_paths(cct_watcher *w, const cct_strv *paths)
{
    add_ignored_paths(w, paths);
    for (size_t i = 0; i < paths->len; i++) {
        unwatch_tree(w, paths->items[i]);
        size_t u = cct_strmap_get(&w->unwatched_by_path, paths->items[i]);
        if (u != CCT_STRMAP_MISSING)
            drop_unwatched(w, u);
    }
}

/* The timers and the backend are closed, each in its time. */
static void closed_one(cct_watcher *w)
{
    if (--w->open_handles > 0)
        return;
    for (size_t i = 0; i < w->cap_watches; i++)
        free(w->watches[i].path);
    free(w->watches);
    free(w->ids);
    for (size_t i = 0; i < w->n_unwatched; i++) {
        free(w->unwatched[i].path);
        cct_scan_listing_free(&w->unwatched[i].listing);
    }
    free(w->unwatched);
    cct_strmap_free(&w->unwatched_by_path);
    free(w->root_gone);
    cct_strmap_free(&w->by_path);
    cct_strmap_free(&w->changed_set);
    cct_strv_free(&w->changed);
    cct_strv_free(&w->roots);
    cct_strv_free(&w->extensions);
    cct_strv_free(&w->ignore);
    cct_strmap_free(&w->ignored_set);
    cct_strv_free(&w->ignored_paths);
    free(w);
}

static void on_timer_closed(uv_handle_t *handle)
{
    closed_one(handle->data);
}

static const cct_watch_backend *find_backend(const char *name)
{
#ifdef __linux__
    if (!name || strcmp(name, cct_watch_inotify.name) == 0)
        return &cct_watch_inotify;
#endif
    if (!name || strcmp(name, cct_watch_libuv.name) == 0)
        return &cct_watch_libuv;
    return NULL;
}

int cct_watcher_start(uv_loop_t *loop, const cct_watcher_config *config,
                      const cct_watch_callbacks *callbacks, void *arg,
                      cct_watcher **out, char **error)
{
    *error = NULL;
    const cct_watch_backend *backend = find_backend(config->backend);
    /* The choices of the `watcher` key are this build's backends. */
    assert(backend);
    cct_watcher *w = cct_xcalloc(1, sizeof(*w));
    int rc = backend->open(loop, w, &w->backend_state, error);
    if (rc < 0) {
        free(w);
        return rc;
    }
    w->loop = loop;
    w->backend = backend;
    w->callbacks = *callbacks;
    w->arg = arg;
    cct_quiet_init(&w->quiet, config->debounce_ms);
    cct_strv_init(&w->roots);
    cct_strv_init(&w->extensions);
    cct_strv_init(&w->ignore);
    cct_strv_init(&w->ignored_paths);
    cct_strmap_init(&w->ignored_set);
    cct_strv_init(&w->changed);
    cct_strmap_init(&w->by_path);
    cct_strmap_init(&w->changed_set);
    cct_strmap_init(&w->unwatched_by_path);
    for (size_t i = 0; i < config->roots->len; i++)
        cct_strv_add(&w->roots, config->roots->items[i]);
    for (size_t i = 0; i < config->extensions->len; i++)
        cct_strv_add(&w->extensions, config->extensions->items[i]);
    for (size_t i = 0; i < config->ignore->len; i++)
        cct_strv_add(&w->ignore, config->ignore->items[i]);
    if (config->ignored_paths)
        add_ignored_paths(w, config->ignored_paths);
    w->root_gone = cct_xcalloc(w->roots.len ? w->roots.len : 1, 1);

    uv_timer_init(loop, &w->timer);
    uv_timer_init(loop, &w->scan_timer);
    w->timer.data = w->scan_timer.data = w;
    w->open_handles = 3; /* the timers and the backend */

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
    w->started = 1;
    backend->start(w->backend_state);
    announce(w);
    *out = w;
    return 0;
}

void cct_watcher_close(cct_watcher *w)
{
    w->closing = 1;
    w->backend->close(w->backend_state, closed_one);
    uv_close((uv_handle_t *)&w->timer, on_timer_closed);
    uv_close((uv_handle_t *)&w->scan_timer, on_timer_closed);
}
