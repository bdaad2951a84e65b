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
 * git is spawned directly from an argument vector, never through a shell,
 * and no argument of ours can pass for an option: `since` may not start
 * with '-', and the refs follow --end-of-options.
 * It runs to completion before select() returns: this selector is used
 * once per session, where waiting for git is the point.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "affected.h"
#include "cctrial/plugin.h"

extern char **environ;

typedef struct git_diff {
    const cct_host *host;
    affected_depth depth;
    const char *since;
    char **extensions;
    size_t n_extensions;
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

/* ---- running git ------------------------------------------------------ */

typedef struct output {
    char *data;
    size_t len, cap;
} output;

static int append(output *o, const char *data, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->data, cap);
        if (!p)
            return -1;
        o->data = p;
        o->cap = cap;
    }
    memcpy(o->data + o->len, data, n);
    o->len += n;
    o->data[o->len] = '\0';
    return 0;
}

/* Runs git with `args`; collects stdout and stderr.  Returns its exit
 * status, or -1 when it could not run. */
static int run_git(const char *const *args, output *out, output *err)
{
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) < 0)
        return -1;
    if (pipe(err_pipe) < 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "git", &actions, NULL, (char *const *)args,
                          environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        errno = rc;
        return -1;
    }
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0},
                            {err_pipe[0], POLLIN, 0}};
    output *dest[2] = {out, err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char buf[8192];
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n > 0 && append(dest[i], buf, (size_t)n) == 0)
                continue;
            if (n < 0 && errno == EINTR)
                continue;
            close(fds[i].fd);
            fds[i].fd = -1;
            open_fds--;
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs git and returns its standard output, or NULL after logging why. */
static char *git(git_diff *g, const char *const *args, size_t *len,
                 int quiet)
{
    output out = {0}, err = {0};
    int status = run_git(args, &out, &err);
    if (status != 0) {
        if (!quiet)
            g->host->log(g->host, CCT_LOG_ERROR, "%s %s failed: %s", args[0],
                         args[3] ? args[3] : "",
                         status < 0 ? strerror(errno)
                         : err.data ? err.data : "(no message)");
        free(out.data);
        free(err.data);
        return NULL;
    }
    free(err.data);
    if (len)
        *len = out.len;
    return out.data ? out.data : calloc(1, 1);
}

static void chomp(char *s)
{
    s[strcspn(s, "\n")] = '\0';
}

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

/* The changed files, absolute, NULL-terminated; NULL on error. */
static char **changed_files(git_diff *g, size_t *n_files)
{
    const char *dir = g->host->project_dir;
    const char *top_args[] = {"git", "-C", dir, "rev-parse",
                              "--show-toplevel", NULL};
    char *top = git(g, top_args, NULL, 0);
    if (!top)
        return NULL;
    chomp(top);

    char *base = NULL, *range = NULL;
    if (g->since) {
        size_t n = strlen(g->since) + 8;
        range = malloc(n);
        if (range)
            snprintf(range, n, "%s...HEAD", g->since);
    } else {
        const char *parent_args[] = {"git", "-C", top, "rev-parse",
                                     "--verify", "-q", "HEAD~1", NULL};
        base = git(g, parent_args, NULL, 1);
        if (!base) {
            /* The first commit: everything in it is new. */
            const char *empty_args[] = {"git", "-C", top, "hash-object",
                                        "-t", "tree", "/dev/null", NULL};
            base = git(g, empty_args, NULL, 0);
        }
        if (base)
            chomp(base);
    }
    char **files = NULL;
    if (base || range) {
        /* Whatever the refs say, they are refs (git 2.24 and later). */
        const char *diff_args[] = {"git", "-C", top, "diff", "--name-only",
                                   "-z", "--end-of-options",
                                   range ? range : base,
                                   range ? NULL : "HEAD", NULL};
        size_t len = 0;
        char *names = git(g, diff_args, &len, 0);
        if (names) {
            size_t count = 0;
            for (size_t i = 0; i < len; i++)
                count += names[i] == '\0';
            files = calloc(count + 1, sizeof(char *));
            size_t k = 0;
            for (char *p = names; files && p < names + len;
                 p += strlen(p) + 1) {
                if (!*p || !counts(g, p))
                    continue;
                size_t n = strlen(top) + strlen(p) + 2;
                files[k] = malloc(n);
                if (files[k])
                    snprintf(files[k++], n, "%s/%s", top, p);
            }
            *n_files = k;
            free(names);
        }
    }
    free(base);
    free(range);
    free(top);
    return files;
}

static int select_tests(void *ctx, const cct_catalog *catalog,
                        const cct_change_set *changes, cct_selection *out)
{
    git_diff *g = ctx;
    if (changes)
        return affected_select(catalog, changes->files, changes->n_files,
                               g->depth, out);
    size_t n = 0;
    char **files = changed_files(g, &n);
    if (!files)
        return -1;
    int rc = affected_select(catalog, (const char *const *)files, n,
                             g->depth, out);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return rc;
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
    for (size_t i = 0; i < g->n_extensions; i++)
        free(g->extensions[i]);
    free(g->extensions);
    free(g);
}

static const cct_selector_ops ops = {.select = select_tests};

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
