/*
 * Discovery and changes (see session_internal.h): the first discovery and
 * what it starts, re-discovery when test modules change, the watcher and
 * its change sets (without what .gitignore ignores, asked of git), and
 * the tests a change selects; whether discovery may try the project's
 * virtual environment.  Discoveries and changes are told to the
 * workflow, which decides what waits for what.
 * Writes only `changes` of the session.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "gitignore.h"
#include "python_search.h"
#include "session_internal.h"
#include "trust.h"

/* The longest a re-discovery a change asked for waits for the run going on
 * before its helper starts.  The helper's Python start competes with the
 * worker for the CPU: on 2 cores, a fix saved to a test module took 30 ms
 * to its result with both, 17 ms with the helper held.  Bounded, so that a
 * slow test holds back the new catalog little. */
#define REDISCOVERY_HOLD_MS 100

/* The project's own virtual environment, when the user trusts the
 * project; otherwise it is named, with the ways to use it. */
static void find_project_venv(session *s)
{
    int trusted = s->cli->trust_project ||
                  cct_trust_dir_listed(cct_config_get(s->config,
                                                      CCT_CORE_SECTION,
                                                      "trusted_projects",
                                                      NULL),
                                       s->paths->project_dir);
    char *notice = NULL;
    s->changes.project_venv = cct_project_venv_usable(
        s->paths->project_dir, trusted, s->settings.python, &notice);
    if (notice)
        cct_console_error(&s->console, "%s", notice);
    free(notice);
}

void cct__session_changes_init(session *s)
{
    cct_strv_init(&s->changes.watch_roots);
    cct_strv_init(&s->changes.changed_files);
    cct_strv_init(&s->changes.git_ignored);
    cct_strv_init(&s->changes.pending);
    cct_strv_init(&s->changes.checking);
    cct_strv_init(&s->changes.not_ignored);
    find_project_venv(s);
}

void cct__session_changes_free(session *s)
{
    assert(!s->changes.discovery && !s->changes.watcher &&
           !s->changes.git_job);
    if (s->changes.have_project)
        cct_project_free(&s->changes.project);
    cct_strv_free(&s->changes.watch_roots);
    cct_strv_free(&s->changes.changed_files);
    free(s->changes.python);
    free(s->changes.project_venv);
    cct_strv_free(&s->changes.git_ignored);
    cct_strv_free(&s->changes.pending);
    cct_strv_free(&s->changes.checking);
    cct_strv_free(&s->changes.not_ignored);
}

/* A discovery held for the run going on starts now when none is going
 * (the change started none). */
static void release_unless_running(session *s)
{
    if (s->changes.discovery && !s->workflow.running)
        cct_discovery_release(s->changes.discovery);
}

void cct__session_run_ended(session *s)
{
    if (s->changes.discovery)
        cct_discovery_release(s->changes.discovery);
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
    if (!s->changes.discovery && !s->exiting && knows_file(s, &files)) {
        cct__session_discover(s, 0, 1);
        release_unless_running(s);
    }
    cct_strv_free(&smart);
    cct_strv_free(&files);
}

/* Files changed: the workflow decides what runs, and in smart mode when
 * they are selected; until then they are kept in changed_files. */
static void changed(session *s, const cct_strv *files)
{
    cct__session_history_changed(s);
    cct_strv_add_missing(&s->changes.changed_files, files);
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

/* A change set, without what .gitignore ignores. */
static void handle_change(session *s, const cct_strv *files, int overflow)
{
    /* The rest of a burst, even with nothing left in it, ends the wait of
     * the run stopped for it. */
    if (files->len == 0 && !overflow && !s->workflow.burst_waits)
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
        cct__session_discover(s, 1, 1);
    /* The workflow may move on at once (a deleted test module), and that
     * is the change's run; else the change is the workflow's. */
    if (!forget_deleted(s, files))
        changed(s, files);
    release_unless_running(s);
}

/* ---- .gitignore ------------------------------------------------------- */

static void check_ignored(session *s);

static int is_gitignore(const char *path)
{
    const char *base = strrchr(path, '/');
    return strcmp(base ? base + 1 : path, ".gitignore") == 0;
}

/* The most files remembered as not ignored: a session saves a handful of
 * files again and again, a checkout touches thousands once. */
#define NOT_IGNORED_MAX 1024

/* git said these changed files are not ignored: the next save of one of
 * them (the fix loop saves the same file again and again) need not ask,
 * and a git process each time is milliseconds between the save and its
 * run.  What git ignores changes with a .gitignore, which forgets them all
 * (see on_change). */
static void remember_not_ignored(session *s, const cct_strv *files)
{
    for (size_t i = 0; i < files->len; i++) {
        if (cct_strv_contains(&s->changes.not_ignored, files->items[i]))
            continue;
        if (s->changes.not_ignored.len >= NOT_IGNORED_MAX)
            cct_strv_clear(&s->changes.not_ignored);
        cct_strv_add(&s->changes.not_ignored, files->items[i]);
    }
}

/* Whether `path` or a directory it is in is one of `ignored`: a lookup
 * per level, not a comparison with each ignored path (a checkout brings
 * thousands of files). */
static int ignored_or_under(const cct_strmap *ignored, const char *path)
{
    char *prefix = cct_xstrdup(path);
    int found = cct_strmap_get(ignored, prefix) != CCT_STRMAP_MISSING;
    for (char *slash = strrchr(prefix, '/'); slash && !found;
         slash = strrchr(prefix, '/')) {
        *slash = '\0';
        found = cct_strmap_get(ignored, prefix) != CCT_STRMAP_MISSING;
    }
    free(prefix);
    return found;
}

/* git said which of the files asked about (and of the directories they
 * are in) are ignored: the directories are no longer watched, and the
 * rest of the change set goes on. */
static void on_checked(int status, const cct_strv *ignored, void *arg)
{
    session *s = arg;
    s->changes.git_job = NULL;
    cct_strv files = s->changes.checking;
    cct_strv_init(&s->changes.checking);
    if (status == 0 && ignored->len > 0) {
        /* The directories among them (asked about as the files' parents)
         * are not watched from now on; files are asked about each time. */
        cct_strmap asked_files, ignored_paths;
        cct_strmap_init(&asked_files);
        cct_strmap_init(&ignored_paths);
        cct_strmap_index(&asked_files, &files);
        cct_strmap_index(&ignored_paths, ignored);
        cct_strv dirs;
        cct_strv_init(&dirs);
        for (size_t k = 0; k < ignored->len; k++)
            if (cct_strmap_get(&asked_files, ignored->items[k]) ==
                CCT_STRMAP_MISSING)
                cct_strv_add(&dirs, ignored->items[k]);
        if (s->changes.watcher && dirs.len > 0)
            cct_watcher_ignore_paths(s->changes.watcher, &dirs);
        cct_strv_free(&dirs);
        cct_strv kept;
        cct_strv_init(&kept);
        for (size_t i = 0; i < files.len; i++) {
            const char *f = files.items[i];
            int out = ignored_or_under(&ignored_paths, f);
            if (out && s->settings.verbose) {
                char *shown = cct__session_visible(f);
                cct_console_error(&s->console, "changed, ignored by "
                                  ".gitignore: %s", shown);
                free(shown);
            }
            if (!out)
                cct_strv_add(&kept, f);
        }
        cct_strv_free(&files);
        files = kept;
        cct_strmap_free(&asked_files);
        cct_strmap_free(&ignored_paths);
    }
    if (status == 0)
        remember_not_ignored(s, &files);
    if (!s->exiting && !cct__session_project_gone(s))
        handle_change(s, &files, 0);
    cct_strv_free(&files);
    if (!s->exiting && s->changes.pending.len > 0)
        check_ignored(s);
}

/* Asks git about the change sets waiting (one question at a time, so
 * that change sets keep their order): the files, and the directories
 * between them and the project (a build/ made since the start). */
static void check_ignored(session *s)
{
    assert(!s->changes.git_job && s->changes.checking.len == 0);
    s->changes.checking = s->changes.pending;
    cct_strv_init(&s->changes.pending);
    const char *top = s->paths->project_dir;
    size_t n = strlen(top);
    cct_strset ask;
    cct_strset_init(&ask);
    for (size_t i = 0; i < s->changes.checking.len; i++) {
        const char *f = s->changes.checking.items[i];
        if (strncmp(f, top, n) != 0 || f[n] != '/')
            continue; /* not in the project's repository */
        for (const char *slash = strchr(f + n + 1, '/'); slash;
             slash = strchr(slash + 1, '/')) {
            char *dir = cct_xstrndup(f, (size_t)(slash - f));
            cct_strset_add(&ask, dir);
            free(dir);
        }
        cct_strset_add(&ask, f);
    }
    if (ask.items.len == 0 ||
        cct_gitignore_check(&s->loop, top, &ask.items, on_checked, s,
                            &s->changes.git_job) < 0) {
        cct_strset_free(&ask);
        on_checked(-1, NULL, s);
        return;
    }
    cct_strset_free(&ask);
}

static void on_change(const cct_strv *files, int overflow, void *arg)
{
    session *s = arg;
    if (s->exiting || cct__session_project_gone(s))
        return;
    /* Everything changed (the kernel lost events): no question to ask. */
    if (s->changes.git != GIT_REPOSITORY || overflow) {
        handle_change(s, files, overflow);
        return;
    }
    /* A .gitignore is watched only to say that git's answers may have
     * changed (start_watching): they are forgotten, and it is no change
     * to run tests for. */
    cct_strv rest;
    cct_strv_init(&rest);
    for (size_t i = 0; i < files->len; i++) {
        if (is_gitignore(files->items[i]))
            cct_strv_clear(&s->changes.not_ignored);
        else
            cct_strv_add(&rest, files->items[i]);
    }
    /* Nor is git asked when it has said of each file that it does not
     * ignore it, and no change set waits for git before this one (they
     * keep their order). */
    int known = !s->changes.git_job && s->changes.pending.len == 0;
    for (size_t i = 0; i < rest.len && known; i++)
        known = cct_strv_contains(&s->changes.not_ignored, rest.items[i]);
    if (known) {
        handle_change(s, &rest, 0);
    } else {
        cct_strv_add_missing(&s->changes.pending, &rest);
        if (!s->changes.git_job)
            check_ignored(s);
    }
    cct_strv_free(&rest);
}

/* The change set sent at once was the first file of a burst: what it
 * began starts again with the rest of the burst, the next change set.
 * While git is still asked about it, it goes back to wait for the rest;
 * else the run it started is stopped (the workflow decides). */
static void on_burst(void *arg)
{
    session *s = arg;
    if (s->exiting)
        return;
    if (s->changes.git_job && s->changes.checking.len > 0) {
        cct_gitignore_cancel(s->changes.git_job);
        s->changes.git_job = NULL;
        cct_strv_add_missing(&s->changes.checking, &s->changes.pending);
        cct_strv_free(&s->changes.pending);
        s->changes.pending = s->changes.checking;
        cct_strv_init(&s->changes.checking);
        return;
    }
    cct_actions actions;
    cct_workflow_burst(&s->workflow, &actions);
    cct__session_act(s, &actions);
    if (!s->workflow.burst_waits) /* the run goes on: it can be shown */
        cct__session_announce_run(s);
}

/* The change set sent at once was alone: what it began goes on, and can
 * be shown. */
static void on_alone(void *arg)
{
    session *s = arg;
    if (!s->exiting)
        cct__session_announce_run(s);
}

int cct__session_burst_may_stop(const session *s)
{
    return s->changes.watcher && s->workflow.change_began &&
           cct_watcher_burst_may_follow(s->changes.watcher);
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
    cct_watch_roots(&s->settings.watch, s->paths->project_dir, s->paths->cwd,
                    &s->changes.project.dev_roots, &s->changes.watch_roots);
    if (!s->settings.verbose)
        return;
    char *roots = cct_strv_join(&s->changes.watch_roots, ", ");
    cct_console_error(&s->console, "watching: %s", roots);
    free(roots);
}

static int start_watching(session *s)
{
    /* In a git repository, a .gitignore changed says that git's answers
     * about changed files may have changed too (see on_change). */
    cct_strv extensions;
    cct_strv_init(&extensions);
    for (size_t i = 0; i < s->settings.watch_ext.len; i++)
        cct_strv_add(&extensions, s->settings.watch_ext.items[i]);
    if (s->changes.git == GIT_REPOSITORY)
        cct_strv_add(&extensions, ".gitignore");
    cct_watcher_config config = {
        .roots = &s->changes.watch_roots,
        .extensions = &extensions,
        .ignore = &s->settings.ignore,
        .ignored_paths = &s->changes.git_ignored,
        .debounce_ms = s->settings.debounce_ms,
        .backend = s->settings.watcher,
    };
    static const cct_watch_callbacks callbacks = {
        .changed = on_change,
        .root = on_root,
        .notice = on_watch_notice,
        .burst = on_burst,
        .alone = on_alone,
    };
    char *error = NULL;
    int rc = cct_watcher_start(&s->loop, &config, &callbacks, s,
                               &s->changes.watcher, &error);
    cct_strv_free(&extensions);
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

/* Names that load nothing stop a session that watches or lists; --once
 * runs them as trial does (see run_selected). */
static int report_unknown_names(session *s)
{
    if (s->changes.project.unknown_names.len == 0 || s->mode == MODE_ONCE)
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

/* Why a --once run selected nothing, as a hint of what to change. */
static void explain_no_test(session *s)
{
    size_t n = s->changes.project.n_tests;
    const char *grep = cct__session_grep(s);
    const char *selector = s->selector ? s->selector->lib.desc->name : "all";
    if (n == 0)
        cct_console_error(&s->console, "no test to run: the names given "
                          "hold no test");
    else if (strcmp(selector, "smart-import") == 0)
        cct_console_error(&s->console, "no test to run: smart mode selects "
                          "the tests a change affects, and --once has no "
                          "change; --since=REF selects those a branch "
                          "affects");
    else if (grep && strcmp(selector, "all") == 0) {
        char *shown = cct__session_visible(grep);
        cct_console_error(&s->console, "no test to run: --grep '%s' keeps "
                          "none of the %zu tests", shown, n);
        free(shown);
    } else
        cct_console_error(&s->console, "no test to run: the selector %s%s "
                          "selected none of the %zu tests", selector,
                          grep ? " with --grep" : "", n);
}

static void run_selected(session *s, int status, const cct_strv *given)
{
    /* --once runs a name that loads nothing as trial does: trial's loader
     * makes it a test that errs (its ErrorHolder), through the workers
     * and the reporters like any other, and the known names still run. */
    cct_strv with_unknown, sharded;
    cct_strv_init(&with_unknown);
    cct_strv_init(&sharded);
    const cct_strv *ids = given;
    const cct_strv *unknown = &s->changes.project.unknown_names;
    if (status == 0 && s->mode == MODE_ONCE && unknown->len) {
        for (size_t i = 0; i < given->len; i++)
            cct_strv_add(&with_unknown, given->items[i]);
        for (size_t i = 0; i < unknown->len; i++)
            cct_strv_add(&with_unknown, unknown->items[i]);
        ids = &with_unknown;
    }
    /* --shard: this machine's part of the selection. */
    size_t selected = ids->len;
    if (status == 0 && s->settings.shard_parts) {
        cct__session_history_shard(s, ids, &sharded);
        ids = &sharded;
    }
    if (status < 0) {
        cct__session_exit(s, EXIT_USAGE);
    } else if (s->mode == MODE_LIST) {
        for (size_t i = 0; i < ids->len; i++)
            cct_console_printf(&s->console, "%s\n", ids->items[i]);
        cct__session_exit(s, 0);
    } else if (ids->len == 0 && ids == &sharded && selected) {
        /* More parts than modules: this machine has nothing to do, and
         * that is no failure of its CI job. */
        cct_report_message(&s->reporters, CCT_MSG_NO_TEST_TO_RUN, NULL,
                           "no test to run: shard %u/%u holds none of the "
                           "%zu selected tests",
                           s->settings.shard_part, s->settings.shard_parts,
                           selected);
        cct__session_exit(s, 0);
    } else if (ids->len == 0) {
        cct_report_message(&s->reporters, CCT_MSG_NO_TEST_TO_RUN, NULL,
                           "no test to run");
        /* A hook after a commit that touched no test has nothing to say;
         * --once asked for tests and got none. */
        if (s->mode == MODE_ONCE)
            explain_no_test(s);
        cct__session_exit(s, s->mode == MODE_ONCE ? EXIT_NO_TESTS : 0);
    } else {
        cct__session_create_runner(s, ids->len);
        cct_actions actions;
        cct_workflow_start_once(&s->workflow,
                                s->mode == MODE_HOOK ? CCT_SUITE_SMART
                                                     : CCT_SUITE_FULL,
                                ids, &actions);
        cct__session_act(s, &actions);
    }
    cct_strv_free(&with_unknown);
    cct_strv_free(&sharded);
}

/* Once, hook and list modes: the selector decides, with no change set,
 * maybe later (git-diff waits for git without holding up the loop). */
static void run_selected_once(session *s)
{
    cct__session_select_first(s, run_selected);
}

/* Continuous mode, once discovery and git have answered: the workers, the
 * watcher, the keys and the first run. */
static void begin_watching(session *s)
{
    cct__session_create_runner(s, s->changes.project.n_tests);
    watch_roots(s);
    if (start_watching(s) < 0)
        return;
    cct__session_start_keys(s);
    cct_actions actions;
    cct_workflow_start(&s->workflow, &actions);
    cct__session_act(s, &actions);
}

/* git listed what .gitignore ignores (or could not): the watcher leaves
 * it out from the start. */
static void on_listed(int status, const cct_strv *ignored, const char *why,
                      void *arg)
{
    session *s = arg;
    s->changes.git_job = NULL;
    s->changes.git = status == 0 ? GIT_REPOSITORY : GIT_NONE;
    for (size_t i = 0; status == 0 && i < ignored->len; i++)
        cct_strv_add(&s->changes.git_ignored, ignored->items[i]);
    if (s->settings.verbose && status == 0)
        cct_console_error(&s->console, "%zu paths that .gitignore ignores "
                          "are not watched", ignored->len);
    else if (s->settings.verbose)
        cct_console_error(&s->console, ".gitignore not consulted: %s", why);
    if (s->changes.watch_waits && !s->exiting) {
        s->changes.watch_waits = 0;
        begin_watching(s);
    }
}

/* Continuous mode asks git, while discovery runs, what the watcher is to
 * leave out. */
static void ask_git(session *s)
{
    if (s->mode != MODE_CONTINUOUS)
        return;
    s->changes.git = GIT_ASKING;
    int rc = cct_gitignore_list(&s->loop, s->paths->project_dir, on_listed,
                                s, &s->changes.git_job);
    if (rc < 0) {
        s->changes.git = GIT_NONE;
        if (s->settings.verbose)
            cct_console_error(&s->console, ".gitignore not consulted: "
                              "cannot run git: %s", uv_strerror(rc));
    }
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
    if (s->changes.git == GIT_ASKING) {
        s->changes.watch_waits = 1; /* for git's list: see on_listed */
        return;
    }
    begin_watching(s);
}

/* -v: which interpreter, why, and its Twisted. */
static void say_interpreter(session *s, const char *python, const char *why)
{
    if (!s->settings.verbose)
        return;
    const cct_project *p = &s->changes.project;
    cct_console_error(&s->console, "python: %s (%s): Python %s, Twisted %s",
                      python, why, p->python_version, p->twisted_version);
}

/* A blocking discovery's progress on the status line (a terminal's: the
 * console shows no status line on a pipe), so that a start-up spent
 * importing test modules does not leave the screen blank (the console
 * cuts it to the terminal's width). */
static void on_discovery_progress(size_t imported, size_t cached,
                                  size_t wanted, const char *module,
                                  void *arg)
{
    session *s = arg;
    char *shown = cct__session_visible(module);
    char *line = cct_xasprintf("discovering tests: %zu of %zu modules "
                               "imported, %zu from the cache: %s",
                               imported, wanted, cached, shown);
    cct_console_status(&s->console, line);
    free(line);
    free(shown);
}

static void on_discovered(int status, cct_project *project,
                          const char *python, const char *why,
                          const char *error, const char *warning, void *arg)
{
    session *s = arg;
    s->changes.discovery = NULL;
    /* The progress, if any was shown, makes way for the run. */
    cct_console_status(&s->console, NULL);
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
        if (s->changes.project.src_dir && s->settings.verbose)
            cct_console_error(&s->console,
                              "src/ layout: the tests import only from %s, "
                              "so it is on sys.path (set pythonpath to "
                              "choose yourself)",
                              s->changes.project.src_dir);
        s->changes.python = cct_xstrdup(python);
        say_interpreter(s, python, why);
        first_discovery_done(s);
        return;
    }
    cct__session_act(s, &actions);
}

void cct__session_stop_watching(session *s)
{
    if (s->changes.git_job) {
        cct_gitignore_cancel(s->changes.git_job);
        s->changes.git_job = NULL;
    }
    if (s->changes.discovery)
        cct_discovery_cancel(s->changes.discovery);
    if (s->changes.watcher) {
        cct_watcher_close(s->changes.watcher);
        s->changes.watcher = NULL;
    }
}

static cct_template *template_for(const char *python, void *arg)
{
    return cct__session_template_for(arg, python);
}

void cct__session_discover(session *s, int blocking, int after_run)
{
    assert(!s->changes.discovery);
    if (s->changes.git == GIT_UNASKED)
        ask_git(s);
    cct_workflow_discovery_begins(&s->workflow,
                                  blocking ? CCT_DISCOVERY_BLOCKING
                                           : CCT_DISCOVERY_BACKGROUND);
    cct_discovery_request request = {
        .helper = NULL,
        .names = &s->names,
        .roots = s->changes.watch_roots.len ? &s->changes.watch_roots : NULL,
        .cwd = s->paths->project_dir,
        .python = s->changes.python ? s->changes.python : s->settings.python,
        .project_venv = s->changes.project_venv,
        .timeout_s = s->settings.discovery_timeout_s,
        .order = s->settings.order,
        .random = s->settings.random,
        .without_module = &s->settings.worker_flags.without_module,
        /* A discovery in the background may overlap a run, whose status
         * line is the reporters'. */
        .progress = blocking ? on_discovery_progress : NULL,
        .hold_ms = after_run ? REDISCOVERY_HOLD_MS : 0,
        .template_for = template_for,
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
    /* The project's pythonpath and env, for discovery as for the workers
     * (which get the sys.path discovery saw). */
    cct_strv pythonpath, env;
    cct_strv_init(&pythonpath);
    cct_strv_init(&env);
    for (size_t i = 0; i < s->settings.pythonpath.len; i++) {
        char *dir = cct_expand_home(s->settings.pythonpath.items[i]);
        cct_strv_take(&pythonpath,
                      cct_path_absolute(s->paths->project_dir, dir));
        free(dir);
    }
    request.pythonpath = &pythonpath;
    if (s->settings.env.len) {
        cct_env_build(&s->settings.env, NULL, &env);
        request.env = (const char *const *)env.items;
        request.env_set = &s->settings.env;
    }
    cct_discover(&s->loop, &request, on_discovered, s, &s->changes.discovery);
    cct_strv_free(&pythonpath);
    cct_strv_free(&env);
    cct_strv_free(&cwd_root);
    free(helper);
    free(cache);
    free(remember);
}
