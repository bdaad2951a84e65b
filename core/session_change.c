/*
 * Discovery and changes (see session_internal.h): the first discovery and
 * what it starts, re-discovery when test modules change, the watcher and
 * its change sets, and the tests a change selects.  Discoveries and
 * changes are told to the workflow, which decides what waits for what.
 * Writes only `changes` of the session.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "session_internal.h"

void cct__session_changes_init(session *s)
{
    cct_strv_init(&s->changes.watch_roots);
    cct_strv_init(&s->changes.changed_files);
}

void cct__session_changes_free(session *s)
{
    assert(!s->changes.discovery && !s->changes.watcher);
    if (s->changes.have_project)
        cct_project_free(&s->changes.project);
    cct_strv_free(&s->changes.watch_roots);
    cct_strv_free(&s->changes.changed_files);
    free(s->changes.python);
}

/* Does this change set need the tests discovered again?  When a file that
 * holds tests changed, or a new file that may hold tests appeared. */
static int needs_rediscovery(session *s, const cct_strv *files, int overflow)
{
    if (overflow)
        return 1;
    for (size_t i = 0; i < files->len; i++) {
        const char *f = files->items[i];
        size_t index = cct_project_file(&s->changes.project, f, 0);
        if (index == CCT_STRMAP_MISSING) {
            const char *base = strrchr(f, '/');
            if (cct_str_starts_with(base ? base + 1 : f, "test"))
                return 1;
            continue;
        }
        for (size_t t = 0; t < s->changes.project.n_tests; t++)
            if (s->changes.project.tests[t].file == index)
                return 1;
    }
    return 0;
}

static int knows_file(session *s, const cct_strv *files)
{
    for (size_t i = 0; i < files->len; i++)
        if (cct_project_file(&s->changes.project, files->items[i], 0) !=
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

/* The workflow asks which tests the files changed since the last
 * selection affect (CCT_ACT_SELECT). */
void cct__session_select_changes(session *s)
{
    assert(s->workflow.smart && s->selector);
    cct_strv files = s->changes.changed_files;
    cct_strv_init(&s->changes.changed_files);
    cct_strv smart;
    cct_strv_init(&smart);
    if (cct__session_select(s, &files, &smart) < 0)
        cct_strv_clear(&smart); /* the selector said why; nothing runs */
    cct_actions actions;
    cct_workflow_selected(&s->workflow, &smart, &actions);
    cct__session_act(s, &actions);
    /* A module's imports may have changed: refresh the graph for the next
     * change, without holding up this run. */
    if (!s->changes.discovery && !s->exiting && knows_file(s, &files))
        cct__session_discover(s, 0);
    cct_strv_free(&smart);
    cct_strv_free(&files);
}

/* Files changed: the workflow decides what runs, and in smart mode when
 * they are selected; until then they are kept in changed_files. */
static void changed(session *s, const cct_strv *files)
{
    for (size_t i = 0; i < files->len; i++)
        if (!cct_strv_contains(&s->changes.changed_files, files->items[i]))
            cct_strv_add(&s->changes.changed_files, files->items[i]);
    cct_actions actions;
    cct_workflow_change(&s->workflow, &actions);
    cct__session_act(s, &actions);
    if (!s->workflow.selection_waits)
        cct_strv_clear(&s->changes.changed_files);
}

/* The files of this change set that held tests and are gone now. */
typedef struct deleted_files {
    session *s;
    unsigned char *gone; /* by file index */
} deleted_files;

static int file_still_there(const char *id, void *arg)
{
    deleted_files *d = arg;
    const cct_project *project = &d->s->changes.project;
    size_t t = cct_project_find_test(project, id);
    return t == CCT_STRMAP_MISSING || !d->gone[project->tests[t].file];
}

/* A deleted test module takes its tests out of the workflow at once, so
 * that they do not run (and fail as missing) before re-discovery says
 * so.  Returns whether that started a run. */
static int forget_deleted(session *s, const cct_strv *files)
{
    deleted_files d = {s, cct_xcalloc(s->changes.project.files.len + 1, 1)};
    int any = 0;
    for (size_t i = 0; i < files->len; i++) {
        size_t index =
            cct_project_file(&s->changes.project, files->items[i], 0);
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
    /* A discovery going on may have missed these files: the runs that
     * need its catalog wait for it, as for a new one. */
    if (s->changes.discovery)
        cct_workflow_discovery_begins(&s->workflow, CCT_DISCOVERY_BLOCKING);
    else if (needs_rediscovery(s, files, overflow))
        cct__session_discover(s, 1);
    if (forget_deleted(s, files))
        return; /* the workflow moved on, and that is the change's run */
    changed(s, files);
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
        cct_strv_add(&s->changes.watch_roots, s->paths->project_dir);
        const cct_strv *dev_roots = &s->changes.project.dev_roots;
        for (size_t i = 0; is_auto && i < dev_roots->len; i++) {
            const char *root = dev_roots->items[i];
            if (!cct_str_starts_with(root, s->paths->project_dir) &&
                !cct_strv_contains(&s->changes.watch_roots, root))
                cct_strv_add(&s->changes.watch_roots, root);
        }
        return;
    }
    for (size_t i = 0; i < watch->len; i++) {
        char *dir = cct_expand_home(watch->items[i]);
        cct_strv_take(&s->changes.watch_roots,
                      cct_path_absolute(s->paths->project_dir, dir));
        free(dir);
    }
}

static int start_watching(session *s)
{
    cct_watcher_config config = {
        .roots = &s->changes.watch_roots,
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
                               &s->changes.watcher, &error);
    if (rc < 0) {
        cct__session_fail(s, "%s", error);
        free(error);
    }
    return rc;
}

static int test_exists(const char *id, void *arg)
{
    session *s = arg;
    return cct_project_find_test(&s->changes.project, id) !=
           CCT_STRMAP_MISSING;
}

static int report_unknown_names(session *s)
{
    if (s->changes.project.unknown_names.len == 0)
        return 0;
    for (size_t i = 0; i < s->changes.project.unknown_names.len; i++)
        cct_console_error(&s->console,
                          "no test named '%s' (%s); names are what "
                          "'python3 -m twisted.trial' takes, from %s",
                          s->changes.project.unknown_names.items[i],
                          s->changes.project.unknown_errors.items[i],
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
        cct_actions actions;
        cct_workflow_start_once(&s->workflow,
                                s->mode == MODE_HOOK ? CCT_SUITE_SMART
                                                     : CCT_SUITE_FULL,
                                ids, &actions);
        cct__session_act(s, &actions);
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
    cct__session_start_keys(s);
    cct_actions actions;
    cct_workflow_start(&s->workflow, &actions);
    cct__session_act(s, &actions);
}

static void on_discovered(int status, cct_project *project,
                          const char *python, const char *error,
                          const char *warning, void *arg)
{
    session *s = arg;
    s->changes.discovery = NULL;
    if (warning)
        cct_console_error(&s->console, "%s", warning);
    if (s->exiting)
        return;
    if (status < 0) {
        if (!cct__session_project_gone(s))
            cct__session_fail(s, "%s", error);
        return;
    }
    int first = !s->changes.have_project;
    if (s->changes.have_project)
        cct_project_free(&s->changes.project);
    s->changes.project = *project;
    cct_project_init(project); /* moved out */
    s->changes.have_project = 1;
    /* What waited for the new catalog goes on (a key's request, a run, a
     * selection); tests that are gone are forgotten. */
    cct_actions actions;
    cct_workflow_discovery_done(&s->workflow, test_exists, s, &actions);
    if (first) {
        assert(actions.n == 0); /* nothing could wait: nothing ran yet */
        s->changes.python = cct_xstrdup(python);
        first_discovery_done(s);
        return;
    }
    cct__session_act(s, &actions);
}

void cct__session_stop_watching(session *s)
{
    if (s->changes.discovery)
        cct_discovery_cancel(s->changes.discovery);
    if (s->changes.watcher) {
        cct_watcher_close(s->changes.watcher);
        s->changes.watcher = NULL;
    }
}

/* Runs discovery; with `blocking`, the runs that need its catalog wait
 * for it (the workflow decides which). */
void cct__session_discover(session *s, int blocking)
{
    assert(!s->changes.discovery);
    cct_workflow_discovery_begins(&s->workflow,
                                  blocking ? CCT_DISCOVERY_BLOCKING
                                           : CCT_DISCOVERY_BACKGROUND);
    cct_discovery_request request = {
        .helper = NULL,
        .names = &s->names,
        .roots = s->changes.watch_roots.len ? &s->changes.watch_roots : NULL,
        .cwd = s->paths->project_dir,
        .python = s->changes.python ? s->changes.python : s->settings.python,
        .timeout_s = s->settings.discovery_timeout_s,
        .without_module = &s->settings.worker_flags.without_module,
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
    cct_discover(&s->loop, &request, on_discovered, s, &s->changes.discovery);
    cct_strv_free(&cwd_root);
    free(helper);
    free(cache);
    free(remember);
}
