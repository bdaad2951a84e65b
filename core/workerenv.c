/*
 * Worker command, environment and memo (see workerenv.h).
 */
#include "workerenv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

/* A name as a shell takes it: a letter or '_', then letters, digits and
 * '_'. */
static int env_name_valid(const char *name, size_t len)
{
    if (len == 0 || isdigit((unsigned char)name[0]))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

int cct_env_parse(const char *text, cct_strv *out, char **error)
{
    *error = NULL;
    char *copy = cct_xstrdup(text), *save = NULL;
    int rc = 0;
    for (char *line = strtok_r(copy, "\n", &save); line && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        line += strspn(line, " \t");
        size_t len = strlen(line);
        while (len > 0 && isspace((unsigned char)line[len - 1]))
            line[--len] = '\0';
        if (len == 0)
            continue;
        size_t name_len = strcspn(line, "=");
        if (line[name_len] != '=' || !env_name_valid(line, name_len)) {
            *error = cct_xasprintf("'%s' is not NAME=value (one a line; a "
                                   "NAME is letters, digits and '_')",
                                   line);
            rc = -1;
            break;
        }
        /* A name given twice: the last value counts, as in a shell. */
        for (size_t i = 0; i < out->len; i++)
            if (strncmp(out->items[i], line, name_len + 1) == 0) {
                free(out->items[i]);
                out->items[i] = cct_xstrdup(line);
                line = NULL;
                break;
            }
        if (line)
            cct_strv_add(out, line);
    }
    free(copy);
    return rc;
}

/* Is `item` ("NAME=value") the variable `name`? */
static int names(const char *item, const char *name, size_t len)
{
    return strncmp(item, name, len) == 0 && item[len] == '=';
}

void cct_env_build(const cct_strv *extra, const char *without,
                   cct_strv *out)
{
    uv_env_item_t *items = NULL;
    int count = 0;
    if (uv_os_environ(&items, &count) == 0) {
        for (int i = 0; i < count; i++) {
            size_t len = strlen(items[i].name);
            int replaced = without && strcmp(items[i].name, without) == 0;
            for (size_t k = 0; extra && k < extra->len && !replaced; k++)
                replaced = names(extra->items[k], items[i].name, len);
            if (!replaced)
                cct_strv_take(out, cct_xasprintf("%s=%s", items[i].name,
                                                 items[i].value));
        }
        uv_os_free_environ(items, count);
    }
    for (size_t k = 0; extra && k < extra->len; k++)
        if (!without || !names(extra->items[k], without, strlen(without)))
            cct_strv_add(out, extra->items[k]);
}

/* trial's _getWorkerArguments: its flags, then its parameters, each in
 * trial's order, so that a worker's command line is the one `trial -j`
 * gives its workers. */
static void add_trial_flags(cct_strv *argv, const cct_worker_flags *f)
{
    if (f->disablegc)
        cct_strv_add(argv, "--disablegc");
    if (f->force_gc)
        cct_strv_add(argv, "--force-gc");
    if (f->coverage)
        cct_strv_add(argv, "--coverage");
    if (f->recursionlimit) {
        cct_strv_add(argv, "--recursionlimit");
        cct_strv_take(argv, cct_xasprintf("%ld", f->recursionlimit));
    }
    if (f->reactor) {
        cct_strv_add(argv, "--reactor");
        cct_strv_add(argv, f->reactor);
    }
    if (f->without_module.len) {
        cct_strv_add(argv, "--without-module");
        cct_strv_take(argv, cct_strv_join(&f->without_module, ","));
    }
}

void cct_worker_command_build(cct_worker_command *c, const char *python,
                              const cct_strv *sys_path,
                              const cct_strv *extra_env, int fast,
                              int template, const char *data_dir,
                              const cct_worker_flags *flags)
{
    cct_strv_init(&c->argv);
    cct_strv_init(&c->env);
    cct_strv_init(&c->template_argv);
    cct_strv_init(&c->template_env);
    cct_strv_add(&c->argv, python);
    if (fast) {
        cct_strv_take(&c->argv,
                      cct_xasprintf("%s/helpers/fastworker.py", data_dir));
    } else {
        cct_strv_add(&c->argv, "-m");
        cct_strv_add(&c->argv, "twisted.trial._dist.workertrial");
    }
    add_trial_flags(&c->argv, flags);
    /* trial's manager sets PYTHONPATH to its own sys.path; cctrial's
     * manager is not Python, so the workers get the sys.path its discovery
     * helper saw, which is what `python -m twisted.trial` there has (the
     * project's `env` and `pythonpath` included: discovery had them). */
    cct_env_build(extra_env, "PYTHONPATH", &c->env);
    char *path = cct_strv_join(sys_path, ":");
    cct_strv_take(&c->env, cct_xasprintf("PYTHONPATH=%s", path));
    free(path);
    /* Only cctrial's own bootstrap has a template: trial's workertrial is
     * the reference, run as trial runs it. */
    if (fast && template) {
        for (size_t i = 0; i < c->argv.len; i++)
            cct_strv_add(&c->template_argv, c->argv.items[i]);
        cct_strv_add(&c->template_argv, "--template");
        cct_env_build(extra_env, NULL, &c->template_env);
    }
}

void cct_worker_command_free(cct_worker_command *c)
{
    cct_strv_free(&c->argv);
    cct_strv_free(&c->env);
    cct_strv_free(&c->template_argv);
    cct_strv_free(&c->template_env);
}

static int same_strings(const cct_strv *a, const cct_strv *b)
{
    if (a->len != b->len)
        return 0;
    for (size_t i = 0; i < a->len; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return 0;
    return 1;
}

int cct_worker_command_equal(const cct_worker_command *a,
                             const cct_worker_command *b)
{
    return same_strings(&a->argv, &b->argv) &&
           same_strings(&a->env, &b->env) &&
           same_strings(&a->template_argv, &b->template_argv) &&
           same_strings(&a->template_env, &b->template_env);
}

int cct_worker_command_same_template(const cct_worker_command *a,
                                     const cct_worker_command *b)
{
    return a->template_argv.len &&
           same_strings(&a->template_argv, &b->template_argv) &&
           same_strings(&a->template_env, &b->template_env);
}

/* The memo holds one line per item: "python=...", then "path=..." per
 * sys.path entry.  Paths with a newline cannot be on PYTHONPATH anyway. */
int cct_worker_memo_read(const char *file, char **python, cct_strv *sys_path)
{
    char *text = cct_read_file(file, 1 << 20, NULL, NULL);
    if (!text)
        return -1;
    *python = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (cct_str_starts_with(line, "python=") && !*python)
            *python = cct_xstrdup(line + strlen("python="));
        else if (cct_str_starts_with(line, "path="))
            cct_strv_add(sys_path, line + strlen("path="));
    }
    free(text);
    if (!*python || !**python) {
        free(*python);
        *python = NULL;
        cct_strv_clear(sys_path);
        return -1;
    }
    return 0;
}

void cct_worker_memo_write(const char *file, const char *python,
                           const cct_strv *sys_path)
{
    char *dir = cct_xstrdup(file);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    free(dir);
    char *tmp = cct_xasprintf("%s.tmp", file);
    FILE *f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "python=%s\n", python);
        for (size_t i = 0; i < sys_path->len; i++)
            fprintf(f, "path=%s\n", sys_path->items[i]);
        if (fclose(f) == 0)
            rename(tmp, file);
        else
            remove(tmp);
    }
    free(tmp);
}
