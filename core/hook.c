/*
 * Installing the post-commit hook (see hook.h).  git itself says where the
 * hooks live (`git rev-parse --git-path hooks/post-commit`), which also
 * covers worktrees, submodules and core.hooksPath.
 */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "capture.h"
#include "util.h"

typedef struct git_answer {
    int ok;
    char *text;
    char *error;
} git_answer;

static void on_git(cct_capture_result *res, void *arg)
{
    git_answer *a = arg;
    a->ok = !res->spawn_error && res->exit_status == 0 && !res->term_signal;
    a->text = cct_xstrdup(res->out.data ? res->out.data : "");
    a->error = cct_xstrdup(res->err.data ? res->err.data : "");
}

static char *hook_path(const char *project_dir, char **error)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *argv[] = {"git", "rev-parse", "--git-path",
                          "hooks/post-commit", NULL};
    cct_capture_options options = {
        .argv = argv, .cwd = project_dir, .out_limit = 65536,
        .err_limit = 4096};
    git_answer answer = {0};
    int rc = cct_capture_start(&loop, &options, on_git, &answer, NULL);
    if (rc == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (rc < 0) {
        *error = cct_xasprintf("cannot run git: %s", uv_strerror(rc));
        return NULL;
    }
    if (!answer.ok) {
        *error = cct_xasprintf("%s is not in a git repository (git said: "
                               "%s)", project_dir, answer.error);
        free(answer.text);
        free(answer.error);
        return NULL;
    }
    free(answer.error);
    answer.text[strcspn(answer.text, "\n")] = '\0';
    char *path = cct_path_absolute(project_dir, answer.text);
    free(answer.text);
    return path;
}

/* 'text' for sh, with embedded quotes escaped. */
static void add_quoted(cct_buf *b, const char *text)
{
    cct_buf_addc(b, ' ');
    cct_buf_addc(b, '\'');
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            cct_buf_adds(b, "'\\''");
        else
            cct_buf_addc(b, *p);
    }
    cct_buf_addc(b, '\'');
}

/* Writes the hook as a file of its own: a link in its place goes (only
 * with --force), and none may appear meanwhile (O_NOFOLLOW). */
static int write_hook(const char *path, const char *script, int is_link)
{
    char *dir = cct_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    mkdir(dir, 0755);
    free(dir);
    if (is_link && unlink(path) < 0)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0755);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -1;
    }
    int failed = fputs(script, f) < 0;
    failed |= fclose(f) != 0;
    return failed || chmod(path, 0755) < 0 ? -1 : 0;
}

int cct_install_hook(const char *project_dir, const cct_strv *names,
                     int force)
{
    char *error = NULL;
    char *path = hook_path(project_dir, &error);
    if (!path) {
        fprintf(stderr, "cctrial: %s\n", error);
        free(error);
        return 2;
    }
    char exe[PATH_MAX];
    size_t size = sizeof(exe);
    if (uv_exepath(exe, &size) < 0)
        snprintf(exe, sizeof(exe), "cctrial");
    cct_buf command;
    cct_buf_init(&command);
    /* git runs the hook at the top of the work tree; cctrial runs where
     * it was installed from, where the project's .cctrialrc is. */
    cct_buf_adds(&command, "cd");
    add_quoted(&command, project_dir);
    cct_buf_adds(&command, " || exit 0\nexec");
    add_quoted(&command, exe);
    cct_buf_adds(&command, " --hook");
    for (size_t i = 0; i < names->len; i++)
        add_quoted(&command, names->items[i]);
    char *script = cct_xasprintf(
        "#!/bin/sh\n"
        "# Installed by 'cctrial install-hook': run the tests the last\n"
        "# commit affects.  Remove this file to stop it.\n"
        "%s\n", command.data);
    cct_buf_free(&command);
    int status = 0;
    char *existing = cct_read_file(path, 1 << 20, NULL, NULL);
    struct stat st;
    /* A symbolic link, dangling or not, points where the repository says:
     * writing through it could write anywhere. */
    int is_link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
    if (existing && strcmp(existing, script) == 0) {
        printf("the cctrial post-commit hook is already installed: %s\n",
               path);
    } else if ((existing || is_link) && !force) {
        fprintf(stderr, "cctrial: %s already exists%s and is not cctrial's; "
                        "cctrial leaves it alone (use install-hook --force "
                        "to replace it)\n", path,
                is_link ? " as a symbolic link" : "");
        status = 2;
    } else if (write_hook(path, script, is_link) < 0) {
        fprintf(stderr, "cctrial: cannot write %s: %s\n", path,
                strerror(errno));
        status = 2;
    } else {
        printf("installed the cctrial post-commit hook: %s\n", path);
    }
    free(existing);
    free(script);
    free(path);
    return status;
}
