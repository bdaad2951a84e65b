/*
 * The `git-diff` selector: the tests a commit (or a branch) affects.
 *
 * Without a change set (hook mode, --list-selected, the first run) it asks
 * git which files changed: those of the last commit (a repository's first
 * commit is compared with the empty tree), or everything since `since`
 * (REF...HEAD: "what does my branch affect").  Renames count as the new
 * path; deleted files select the tests that imported them; names with
 * spaces or newlines work (-z).  Those files are mapped to tests through
 * the import graph exactly as smart-import does.  With a change set (in
 * continuous smart mode) it maps the given files.
 *
 * git runs through host->run_program: from an argument vector, never
 * through a shell, with bounded time and output, and without blocking
 * cctrial's loop (keys, signals and the watcher go on meanwhile): select()
 * answers CCT_SELECT_PENDING and completes the selection when the last git
 * has answered.  No argument of ours can pass for an option: `since` may
 * not start with '-', and the refs follow --end-of-options.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "affected.h"
#include "cctrial/plugin.h"

/* Each git gets this long and may print this much (the names of every
 * file of a big branch fit). */
#define GIT_TIMEOUT_MS 120000
#define GIT_OUTPUT_MAX (64u << 20)

/* The gits one selection runs, one after the other. */
typedef enum step {
    STEP_TOPLEVEL,   /* rev-parse --show-toplevel */
    STEP_PARENT,     /* rev-parse HEAD~1: the last commit's parent */
    STEP_EMPTY_TREE, /* hash-object: the parent of a first commit */
    STEP_DIFF        /* diff --name-only */
} step;

typedef struct git_diff {
    const cct_host *host;
    affected_depth depth;
    const char *since;
    char **extensions;
    size_t n_extensions;
    /* The selection being answered, while git runs for it. */
    cct_selection *sel;
    const cct_catalog *catalog;
    cct_program *program;
    step step;
    char *top; /* the work tree's root */
} git_diff;

static const cct_option options[] = {
    AFFECTED_DEPTH_OPTION,
    {"since", CCT_OPT_STRING, NULL,
     "Compare with this ref (REF...HEAD) instead of the last commit; "
     "--since on the command line sets it.", NULL, 0, 0},
    {"extensions", CCT_OPT_LIST, ".py",
     "File name endings of changed files that count.", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

/* ---- the selector ------------------------------------------------------- */

static int counts(git_diff *g, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < g->n_extensions; i++) {
        size_t m = strlen(g->extensions[i]);
        if (n >= m && strcmp(name + n - m, g->extensions[i]) == 0)
            return 1;
    }
    return 0;
}

/* Hands the answer to cctrial; the selector is idle again. */
static void complete(git_diff *g, int status)
{
    cct_selection *sel = g->sel;
    g->sel = NULL;
    g->catalog = NULL;
    free(g->top);
    g->top = NULL;
    sel->complete(sel, status);
}

static void on_git(void *arg, const cct_program_result *result);

/* Starts the git of `next`; returns 0, or -1 after logging why. */
static int run_git(git_diff *g, step next, const char *const *args)
{
    g->step = next;
    int rc = g->host->run_program(g->host, args, NULL, GIT_TIMEOUT_MS,
                                  GIT_OUTPUT_MAX, on_git, g, &g->program);
    if (rc < 0) {
        g->host->log(g->host, CCT_LOG_ERROR, "cannot run git: %s",
                     strerror(-rc));
        g->program = NULL;
        return -1;
    }
    return 0;
}

/* git diff between `base` and HEAD, or over `since`...HEAD. */
static int run_diff(git_diff *g, const char *base)
{
    char *range = NULL;
    if (!base) {
        size_t n = strlen(g->since) + 8;
        range = malloc(n);
        if (!range)
            return -1;
        snprintf(range, n, "%s...HEAD", g->since);
    }
    /* Whatever the refs say, they are refs (git 2.24 and later). */
    const char *args[] = {"git", "-C", g->top, "diff", "--name-only", "-z",
                          "--end-of-options", range ? range : base,
                          range ? NULL : "HEAD", NULL};
    int rc = run_git(g, STEP_DIFF, args);
    free(range);
    return rc;
}

/* Did git answer?  Logs why not, unless `quiet`. */
static int answered(git_diff *g, const cct_program_result *r,
                    const char *command, int quiet)
{
    const char *why = NULL;
    if (r->timed_out)
        why = "it did not finish in time (cctrial killed it)";
    else if (r->out_truncated)
        why = "it printed more than cctrial reads";
    else if (r->exit_status == 0)
        return 1;
    else
        why = r->err_len ? r->err : "(no message)";
    if (!quiet)
        g->host->log(g->host, CCT_LOG_ERROR, "git %s failed: %s", command,
                     why);
    return 0;
}

/* The changed files in git's -z list, absolute; selects their tests. */
static int select_names(git_diff *g, const char *names, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += names[i] == '\0';
    char **files = calloc(count + 1, sizeof(char *));
    if (!files)
        return -1;
    size_t k = 0;
    for (const char *p = names; p < names + len; p += strlen(p) + 1) {
        if (!*p || !counts(g, p))
            continue;
        size_t n = strlen(g->top) + strlen(p) + 2;
        files[k] = malloc(n);
        if (files[k])
            snprintf(files[k++], n, "%s/%s", g->top, p);
    }
    int rc = affected_select(g->catalog, (const char *const *)files, k,
                             g->depth, g->sel);
    for (size_t i = 0; i < k; i++)
        free(files[i]);
    free(files);
    return rc;
}

/* One git has answered: the next one starts, or the selection is done. */
static void on_git(void *arg, const cct_program_result *r)
{
    git_diff *g = arg;
    g->program = NULL;
    int rc = -1;
    switch (g->step) {
    case STEP_TOPLEVEL: {
        if (!answered(g, r, "rev-parse", 0))
            break;
        g->top = strndup(r->out, strcspn(r->out, "\n"));
        if (!g->top)
            break;
        if (g->since) {
            rc = run_diff(g, NULL);
            break;
        }
        const char *args[] = {"git", "-C", g->top, "rev-parse", "--verify",
                              "-q", "HEAD~1", NULL};
        rc = run_git(g, STEP_PARENT, args);
        break;
    }
    case STEP_PARENT: {
        if (answered(g, r, "rev-parse", 1)) {
            char *base = strndup(r->out, strcspn(r->out, "\n"));
            rc = base ? run_diff(g, base) : -1;
            free(base);
            break;
        }
        /* The first commit: everything in it is new. */
        const char *args[] = {"git", "-C", g->top, "hash-object", "-t",
                              "tree", "/dev/null", NULL};
        rc = run_git(g, STEP_EMPTY_TREE, args);
        break;
    }
    case STEP_EMPTY_TREE:
        if (answered(g, r, "hash-object", 0)) {
            char *base = strndup(r->out, strcspn(r->out, "\n"));
            rc = base ? run_diff(g, base) : -1;
            free(base);
        }
        break;
    case STEP_DIFF:
        if (answered(g, r, "diff", 0))
            rc = select_names(g, r->out, r->out_len);
        complete(g, rc);
        return;
    }
    if (rc < 0)
        complete(g, -1);
}

static int select_tests(void *ctx, const cct_catalog *catalog,
                        const cct_change_set *changes, cct_selection *out)
{
    git_diff *g = ctx;
    if (changes)
        return affected_select(catalog, changes->files, changes->n_files,
                               g->depth, out);
    if (!CCT_HAS_FIELD(g->host, cct_host, stop_program) ||
        !CCT_HAS_FIELD(out, cct_selection, complete)) {
        g->host->log(g->host, CCT_LOG_ERROR, "this cctrial cannot run git "
                     "for a plugin (plugin ABI 1.2 or later needed)");
        return -1;
    }
    if (g->sel) {
        g->host->log(g->host, CCT_LOG_ERROR, "asked for a second selection "
                     "while git runs for the first");
        return -1;
    }
    g->sel = out;
    g->catalog = catalog;
    const char *args[] = {"git", "-C", g->host->project_dir, "rev-parse",
                          "--show-toplevel", NULL};
    if (run_git(g, STEP_TOPLEVEL, args) < 0) {
        g->sel = NULL;
        g->catalog = NULL;
        return -1;
    }
    return CCT_SELECT_PENDING;
}

static void cancel(void *ctx, cct_selection *sel)
{
    git_diff *g = ctx;
    if (g->sel != sel)
        return; /* answered already */
    if (g->program)
        g->host->stop_program(g->host, g->program);
    g->program = NULL;
    g->sel = NULL;
    g->catalog = NULL;
    free(g->top);
    g->top = NULL;
}

static void split_words(git_diff *g, const char *text)
{
    for (const char *p = text; p && *p;) {
        p += strspn(p, ", \t\n");
        size_t n = strcspn(p, ", \t\n");
        if (n) {
            char **grown = realloc(g->extensions,
                                   (g->n_extensions + 1) * sizeof(char *));
            if (!grown)
                return;
            g->extensions = grown;
            g->extensions[g->n_extensions] = strndup(p, n);
            if (g->extensions[g->n_extensions])
                g->n_extensions++;
        }
        p += n;
    }
}

static int init(const cct_host *host, void **ctx)
{
    git_diff *g = calloc(1, sizeof(*g));
    if (!g)
        return -1;
    g->host = host;
    g->depth = affected_depth_of(host->option_string(host, "smart_depth"));
    g->since = host->option_string(host, "since");
    /* git would read "--output=FILE" as an option, not a ref, and write
     * where it says (a project's file may set `since`). */
    if (g->since && g->since[0] == '-') {
        host->log(host, CCT_LOG_ERROR, "since = '%s' starts with '-', which "
                  "git would take for an option: give a ref (a branch, a "
                  "tag or a commit)", g->since);
        free(g);
        return -1;
    }
    split_words(g, host->option_string(host, "extensions"));
    *ctx = g;
    return 0;
}

static void fini(void *ctx)
{
    git_diff *g = ctx;
    assert(!g->sel); /* cctrial completes or cancels it before */
    for (size_t i = 0; i < g->n_extensions; i++)
        free(g->extensions[i]);
    free(g->extensions);
    free(g);
}

static const cct_selector_ops ops = {.select = select_tests,
                                     .cancel = cancel};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_SELECTOR,
    .name = "git-diff",
    .description = "the tests affected by the last commit, or by a branch "
                   "since a ref",
    .options = options,
    .option_size = sizeof(cct_option),
    .init = init,
    .fini = fini,
    .selector = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
