/*
 * Asking git what the project's .gitignore files ignore (see gitignore.h).
 * Each question is one or two git processes run through capture.h, with
 * bounds on their time and output.
 */
#include "gitignore.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

/* git answers a small project in milliseconds; a huge one may take a
 * second or two.  Past this, cctrial goes on as if there were no git. */
#define GIT_TIMEOUT_MS 10000
#define OUTPUT_LIMIT (16u << 20)
#define ERROR_LIMIT 4096

typedef enum step { STEP_TOPLEVEL, STEP_STATUS, STEP_CHECK } step;

struct cct_gitignore_job {
    uv_loop_t *loop;
    step step;
    char *dir;
    char *toplevel;
    cct_capture *capture;
    int cancelled;
    cct_gitignore_list_cb listed;
    cct_gitignore_check_cb checked;
    void *arg;
};

void cct_gitignore_parse_status(const char *toplevel, const char *out,
                                size_t len, cct_strv *ignored)
{
    const char *p = out, *end = out + len;
    while (p < end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (!nul)
            break; /* cut short: a partial path is no path */
        size_t n = (size_t)(nul - p);
        /* "XY path": a staged rename or copy has its source path as the
         * next entry. */
        int has_source = n > 3 && (p[0] == 'R' || p[0] == 'C');
        if (n > 3 && p[0] == '!' && p[1] == '!' && p[2] == ' ') {
            size_t path_len = n - 3;
            if (path_len > 1 && p[3 + path_len - 1] == '/')
                path_len--; /* a directory */
            char *rel = cct_xstrndup(p + 3, path_len);
            cct_strv_take(ignored, cct_path_join(toplevel, rel));
            free(rel);
        }
        p = nul + 1;
        if (has_source) {
            nul = memchr(p, '\0', (size_t)(end - p));
            p = nul ? nul + 1 : end;
        }
    }
}

void cct_gitignore_parse_check(const char *out, size_t len,
                               cct_strv *ignored)
{
    const char *p = out, *end = out + len;
    while (p < end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (!nul)
            break;
        if (nul > p)
            cct_strv_take(ignored, cct_xstrndup(p, (size_t)(nul - p)));
        p = nul + 1;
    }
}

static void job_free(cct_gitignore_job *job)
{
    free(job->dir);
    free(job->toplevel);
    free(job);
}

static void on_git_done(cct_capture_result *res, void *arg);

static int run_git(cct_gitignore_job *job, const char *const *argv,
                   const cct_buf *input)
{
    cct_capture_options options = {
        .argv = argv,
        .cwd = job->dir,
        .input = input ? (input->data ? input->data : "") : NULL,
        .input_len = input ? input->len : 0,
        .out_limit = OUTPUT_LIMIT,
        .err_limit = ERROR_LIMIT,
        .timeout_ms = GIT_TIMEOUT_MS,
    };
    return cct_capture_start(job->loop, &options, on_git_done, job,
                             &job->capture);
}

static int start_status(cct_gitignore_job *job)
{
    /* --no-optional-locks: asking must not take the index's lock from
     * the user's own git commands.  --ignored=matching names an ignored
     * directory once, and only when a pattern ignores it. */
    static const char *const argv[] = {
        "git", "--no-optional-locks", "status", "--porcelain", "-z",
        "--ignored=matching", "--untracked-files=normal", "--", ".", NULL};
    job->step = STEP_STATUS;
    return run_git(job, argv, NULL);
}

/* Does this result hold a whole answer? */
static int answered(const cct_capture_result *res, int ok_status_1)
{
    return !res->spawn_error && !res->timed_out && !res->term_signal &&
           !res->out_truncated &&
           (res->exit_status == 0 || (ok_status_1 && res->exit_status == 1));
}

static char *why_not(const cct_capture_result *res)
{
    if (res->timed_out)
        return cct_xasprintf("git did not answer within %d s",
                             GIT_TIMEOUT_MS / 1000);
    if (res->out_truncated)
        return cct_xstrdup("git's answer was too long");
    size_t n = res->err.len;
    while (n > 0 && res->err.data[n - 1] == '\n')
        n--;
    return n ? cct_xstrndup(res->err.data, n)
             : cct_xasprintf("git failed (%s %d)",
                             res->term_signal ? "signal" : "exit status",
                             res->term_signal ? res->term_signal
                                              : (int)res->exit_status);
}

static void on_git_done(cct_capture_result *res, void *arg)
{
    cct_gitignore_job *job = arg;
    job->capture = NULL;
    cct_strv ignored;
    cct_strv_init(&ignored);
    if (job->cancelled) {
        /* The owner has gone: no callback. */
    } else if (job->step == STEP_TOPLEVEL && answered(res, 0)) {
        size_t n = res->out.len;
        while (n > 0 && res->out.data[n - 1] == '\n')
            n--;
        job->toplevel = cct_xstrndup(res->out.data, n);
        if (start_status(job) == 0) {
            cct_strv_free(&ignored);
            return;
        }
        job->listed(-1, NULL, "cannot run git", job->arg);
    } else if (job->step == STEP_STATUS && answered(res, 0)) {
        cct_gitignore_parse_status(job->toplevel, res->out.data, res->out.len,
                                   &ignored);
        job->listed(0, &ignored, NULL, job->arg);
    } else if (job->step == STEP_CHECK && answered(res, 1)) {
        /* Exit status 1: none of them is ignored. */
        cct_gitignore_parse_check(res->out.data, res->out.len, &ignored);
        job->checked(0, &ignored, job->arg);
    } else {
        char *why = why_not(res);
        if (job->step == STEP_CHECK)
            job->checked(-1, NULL, job->arg);
        else
            job->listed(-1, NULL, why, job->arg);
        free(why);
    }
    cct_strv_free(&ignored);
    job_free(job);
}

static cct_gitignore_job *job_new(uv_loop_t *loop, const char *dir,
                                  void *arg)
{
    cct_gitignore_job *job = cct_xcalloc(1, sizeof(*job));
    job->loop = loop;
    job->dir = cct_xstrdup(dir);
    job->arg = arg;
    return job;
}

int cct_gitignore_list(uv_loop_t *loop, const char *dir,
                       cct_gitignore_list_cb done, void *arg,
                       cct_gitignore_job **out)
{
    static const char *const argv[] = {"git", "rev-parse", "--show-toplevel",
                                       NULL};
    cct_gitignore_job *job = job_new(loop, dir, arg);
    job->listed = done;
    job->step = STEP_TOPLEVEL;
    int rc = run_git(job, argv, NULL);
    if (rc < 0) {
        job_free(job);
        return rc;
    }
    *out = job;
    return 0;
}

int cct_gitignore_check(uv_loop_t *loop, const char *dir,
                        const cct_strv *paths, cct_gitignore_check_cb done,
                        void *arg, cct_gitignore_job **out)
{
    static const char *const argv[] = {"git", "check-ignore", "-z",
                                       "--stdin", NULL};
    cct_gitignore_job *job = job_new(loop, dir, arg);
    job->checked = done;
    job->step = STEP_CHECK;
    cct_buf input;
    cct_buf_init(&input);
    for (size_t i = 0; i < paths->len; i++)
        cct_buf_add(&input, paths->items[i], strlen(paths->items[i]) + 1);
    int rc = run_git(job, argv, &input);
    cct_buf_free(&input);
    if (rc < 0) {
        job_free(job);
        return rc;
    }
    *out = job;
    return 0;
}

void cct_gitignore_cancel(cct_gitignore_job *job)
{
    assert(job->capture);
    job->cancelled = 1;
    cct_capture_kill(job->capture);
}
