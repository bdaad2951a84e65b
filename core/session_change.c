/*
 * Discovery and changes (see session_internal.h): the first discovery and
 * what it starts, re-discovery when test modules change, the watcher and
 * its change sets, and the tests a change selects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "session_internal.h"

/* Does this change set need the tests discovered again?  When a file that
 * holds tests changed, or a new file that may hold tests appeared. */
static int needs_rediscovery(session *s, const cct_strv *files, int overflow)
{
    if (overflow)
        return 1;
    for (size_t i = 0; i < files->len; i++) {
        const char *f = files->items[i];
        size_t index = cct_project_file(&s->project, f, 0);
        if (index == CCT_STRMAP_MISSING) {
            const char *base = strrchr(f, '/');
            if (cct_str_starts_with(base ? base + 1 : f, "test"))
                return 1;
            continue;
        }
        for (size_t t = 0; t < s->project.n_tests; t++)
            if (s->project.tests[t].file == index)
                return 1;
    }
    return 0;
}

static int knows_file(session *s, const cct_strv *files)
{
    for (size_t i = 0; i < files->len; i++)
        if (cct_project_file(&s->project, files->items[i], 0) !=
            CCT_STRMAP_MISSING)
            return 1;
    return 0;
}

/* Has the project directory gone (deleted, or moved away)?  Then nothing
 * can run: discovery and the workers start in it.  The session ends, saying
 * so, rather than failing later with a message about what could not start
 * there. */
int cct__session_project_gone(session *s)
{
    if (access(s->paths->project_dir, F_OK) == 0)
        return 0;
    cct__session_fail(s, "the project directory %s disappeared (deleted or "
                         "moved away): nothing left to test; start cctrial "
                         "again where the project is now",
                      s->paths->project_dir);
    return 1;
}

static void act_on_change(session *s, const cct_strv *files)
{
    cct_strv smart;
    cct_strv_init(&smart);
    int use_selector = s->workflow.smart && s->selector;
    if (use_selector && cct__session_select(s, files, &smart) < 0)
        cct_strv_clear(&smart); /* the selector said why; nothing runs */
    cct_actions actions;
    cct_workflow_change(&s->workflow, use_selector ? &smart : NULL, &actions);
    cct__session_act(s, &actions);
    cct_strv_free(&smart);
    /* A module's imports may have changed: refresh the graph for the next
     * change, without holding up this run. */
    if (use_selector && !s->discovery && !s->exiting && knows_file(s, files))
        cct__session_discover(s, 0);
}

/* The files of this change set that held tests and are gone now. */
typedef struct deleted_files {
    session *s;
    unsigned char *gone; /* by file index */
} deleted_files;

static int file_still_there(const char *id, void *arg)
{
    deleted_files *d = arg;
    size_t t = cct_project_find_test(&d->s->project, id);
    return t == CCT_STRMAP_MISSING || !d->gone[d->s->project.tests[t].file];
}

/* A deleted test module takes its tests out of the workflow at once, so
 * that they do not run (and fail as missing) before re-discovery says
 * so.  Returns whether that started a run. */
static int forget_deleted(session *s, const cct_strv *files)
{
    deleted_files d = {s, cct_xcalloc(s->project.files.len + 1, 1)};
    int any = 0;
    for (size_t i = 0; i < files->len; i++) {
        size_t index = cct_project_file(&s->project, files->items[i], 0);
        if (index != CCT_STRMAP_MISSING &&
            access(files->items[i], F_OK) < 0 && errno == ENOENT)
            any = d.gone[index] = 1;
    }
    cct_actions actions = {.n = 0};
    if (any)
        cct_workflow_forget_missing(&s->workflow, file_still_there, &d,
                                    &actions);
    free(d.gone);
    cct__session_act(s, &actions);
    return actions.n > 0;
}

static void on_change(const cct_strv *files, int overflow, void *arg)
{
    session *s = arg;
    if (s->exiting || cct__session_project_gone(s))
        return;
    for (size_t i = 0; s->settings.verbose && i < files->len; i++) {
        char *shown = cct__session_visible(files->items[i]);
        cct_console_error(&s->console, "changed: %s", shown);
        free(shown);
    }
    int rediscover = s->discovery || needs_rediscovery(s, files, overflow);
    if (rediscover) {
        if (!s->discovery)
            cct__session_discover(s, 1);
        else
            s->discovery_blocks_runs = 1;
    }
    if (forget_deleted(s, files))
        return; /* the workflow moved on, and that is the change's run */
    if (rediscover) {
        /* The test being fixed (or those that failed) need no discovery:
         * they run now, while it goes on; a full suite after them waits
         * for it (see cct__session_start_run).  Smart mode's selection
         * needs the new catalog first. */
        cct_suite next = cct_workflow_next_suite(&s->workflow);
        if (!s->workflow.smart && (next == CCT_SUITE_RETRY_TEST ||
                                   next == CCT_SUITE_RETRY_SUITE)) {
            act_on_change(s, files);
            return;
        }
        for (size_t i = 0; i < files->len; i++)
            if (!cct_strv_contains(&s->changes_waiting, files->items[i]))
                cct_strv_add(&s->changes_waiting, files->items[i]);
        return;
    }
    act_on_change(s, files);
}

static void on_root(const char *root, int gone, void *arg)
{
    session *s = arg;
    if (gone && strcmp(root, s->paths->project_dir) == 0 &&
        cct__session_project_gone(s))
        return;
    cct_console_error(&s->console, gone ? "watched directory %s disappeared"
                                        : "watched directory %s is back",
                      root);
}

static void on_watch_notice(const char *message, void *arg)
{
    session *s = arg;
    cct_console_error(&s->console, "%s", message);
}

static void watch_roots(session *s)
{
    const cct_strv *watch = &s->settings.watch;
    int is_auto = watch->len == 1 && strcmp(watch->items[0], "auto") == 0;
    int is_cwd = watch->len == 1 && strcmp(watch->items[0], "cwd") == 0;
    if (is_auto || is_cwd) {
        cct_strv_add(&s->watch_roots, s->paths->project_dir);
        for (size_t i = 0; is_auto && i < s->project.dev_roots.len; i++) {
            const char *root = s->project.dev_roots.items[i];
            if (!cct_str_starts_with(root, s->paths->project_dir) &&
                !cct_strv_contains(&s->watch_roots, root))
                cct_strv_add(&s->watch_roots, root);
        }
        return;
    }
    for (size_t i = 0; i < watch->len; i++) {
        char *dir = cct_expand_home(watch->items[i]);
        cct_strv_take(&s->watch_roots,
                      cct_path_absolute(s->paths->project_dir, dir));
        free(dir);
    }
}

static int start_watching(session *s)
{
    cct_watcher_config config = {
        .roots = &s->watch_roots,
        .extensions = &s->settings.watch_ext,
        .ignore = &s->settings.ignore,
        .debounce_ms = s->settings.debounce_ms,
    };
    static const cct_watch_callbacks callbacks = {
        .changed = on_change,
        .root = on_root,
        .notice = on_watch_notice,
    };
    char *error = NULL;
    int rc = cct_watcher_start(&s->loop, &config, &callbacks, s,
                               &s->watcher, &error);
    if (rc < 0) {
        cct__session_fail(s, "%s", error);
        free(error);
    }
    return rc;
}

static int test_exists(const char *id, void *arg)
{
    session *s = arg;
    return cct_project_find_test(&s->project, id) != CCT_STRMAP_MISSING;
}

static int report_unknown_names(session *s)
{
    if (s->project.unknown_names.len == 0)
        return 0;
    for (size_t i = 0; i < s->project.unknown_names.len; i++)
        cct_console_error(&s->console,
                          "no test named '%s' (%s); names are what "
                          "'python3 -m twisted.trial' takes, from %s",
                          s->project.unknown_names.items[i],
                          s->project.unknown_errors.items[i],
                          s->paths->project_dir);
    return -1;
}

static void run_selected(session *s, int status, const cct_strv *ids)
{
    if (status < 0) {
        cct__session_exit(s, EXIT_USAGE);
    } else if (s->mode == MODE_LIST) {
        for (size_t i = 0; i < ids->len; i++)
            cct_console_printf(&s->console, "%s\n", ids->items[i]);
        cct__session_exit(s, 0);
    } else if (ids->len == 0) {
        cct_report_message(&s->reporters, CCT_MSG_NO_TEST_TO_RUN, NULL,
                           "no test to run");
        cct__session_exit(s, 0);
    } else {
        cct__session_create_runner(s);
        cct__session_start_run(s, s->mode == MODE_HOOK ? CCT_SUITE_SMART
                                                       : CCT_SUITE_FULL,
                               ids);
    }
}

/* Once, hook and list modes: the selector decides, with no change set,
 * maybe later (git-diff waits for git without holding up the loop). */
static void run_selected_once(session *s)
{
    cct__session_select_first(s, run_selected);
}

static void first_discovery_done(session *s)
{
    if (report_unknown_names(s) < 0) {
        cct__session_exit(s, EXIT_USAGE);
        return;
    }
    if (s->mode != MODE_CONTINUOUS) {
        run_selected_once(s);
        return;
    }
    cct__session_create_runner(s);
    watch_roots(s);
    if (start_watching(s) < 0)
        return;
    /* Keys only with a terminal to type on; no error without one. */
    if (cct_keys_start(&s->loop, &s->console, cct__session_on_key, s,
                       &s->keys) < 0)
        s->keys = NULL;
    cct_actions actions;
    cct_workflow_start(&s->workflow, &actions);
    cct__session_act(s, &actions);
}

static void on_discovered(int status, cct_project *project,
                          const char *python, const char *error,
                          const char *warning, void *arg)
{
    session *s = arg;
    s->discovery = NULL;
    if (warning)
        cct_console_error(&s->console, "%s", warning);
    if (s->exiting)
        return;
    if (status < 0) {
        if (!cct__session_project_gone(s))
            cct__session_fail(s, "%s", error);
        return;
    }
    int first = !s->have_project;
    if (s->have_project)
        cct_project_free(&s->project);
    s->project = *project;
    cct_project_init(project); /* moved out */
    s->have_project = 1;
    if (first) {
        s->python = cct_xstrdup(python);
        first_discovery_done(s);
        return;
    }
    cct_actions actions;
    cct_workflow_forget_missing(&s->workflow, test_exists, s, &actions);
    cct__session_act(s, &actions);
    if (s->pending_request >= 0) {
        /* A key pressed during discovery: it replaces the run that waited
         * for discovery.  A run that began meanwhile (the test being
         * fixed) stops first; its end carries the request out. */
        s->run_waits_for_discovery = 0;
        if (s->run_active) {
            cct_runner_interrupt(s->runner);
        } else {
            cct_request request = (cct_request)s->pending_request;
            s->pending_request = -1;
            cct__session_request_now(s, request);
        }
    } else if (s->run_waits_for_discovery) {
        s->run_waits_for_discovery = 0;
        cct__session_start_run(s, s->run_suite, NULL);
    }
    if (s->changes_waiting.len) {
        cct_strv files = s->changes_waiting;
        cct_strv_init(&s->changes_waiting);
        act_on_change(s, &files);
        cct_strv_free(&files);
    }
}

/* Runs discovery; with `blocking`, runs wait for its result. */
void cct__session_discover(session *s, int blocking)
{
    s->discovery_blocks_runs = blocking;
    cct_discovery_request request = {
        .helper = NULL,
        .names = &s->names,
        .roots = s->watch_roots.len ? &s->watch_roots : NULL,
        .cwd = s->paths->project_dir,
        .python = s->python ? s->python : s->settings.python,
        .timeout_s = s->settings.discovery_timeout_s,
    };
    char *helper = cct_paths_helper(s->paths, "discover.py");
    request.helper = helper;
    char *cache = s->settings.cache
                      ? cct_path_join(s->paths->project_dir,
                                      ".cctrial/discovery.json")
                      : NULL;
    request.cache_file = cache;
    char *remember = s->settings.cache
                         ? cct_path_join(s->paths->project_dir,
                                         ".cctrial/python")
                         : NULL;
    request.remember_file = remember;
    cct_strv cwd_root;
    cct_strv_init(&cwd_root);
    if (!request.roots) {
        cct_strv_add(&cwd_root, s->paths->project_dir);
        request.roots = &cwd_root;
    }
    cct_discover(&s->loop, &request, on_discovered, s, &s->discovery);
    cct_strv_free(&cwd_root);
    free(helper);
    free(cache);
    free(remember);
}
