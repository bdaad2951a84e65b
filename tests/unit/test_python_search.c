/*
 * Unit tests of the interpreter search (core/python_search.h) on real
 * directories: virtual environments made of a pyvenv.cfg and a link to
 * a stand-in interpreter, as `python -m venv` lays them out, so that no
 * Python runs.  PATH and VIRTUAL_ENV are set for each test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "python_search.h"

static char top[] = "/tmp/cct-python-search-XXXXXX";

static char *at(const char *rel)
{
    return cct_path_join(top, rel);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
    char *path = at(rel);
    char *dir = cct_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    char *cmd = cct_xasprintf("/bin/mkdir -p '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    free(cmd);
    free(dir);
    free(path);
}

/* A virtual environment at `rel` whose bin/python and bin/python3 link to
 * the system's stand-in, as `python -m venv` makes them. */
static void make_venv(const char *rel)
{
    char *cfg = cct_xasprintf("%s/pyvenv.cfg", rel);
    write_file(cfg, "home = /usr/bin\n", 0644);
    free(cfg);
    char *bin = cct_xasprintf("%s/bin/.keep", rel);
    write_file(bin, "", 0644);
    free(bin);
    char *system = at("sys/bin/python3");
    for (int i = 0; i < 2; i++) {
        char *link = cct_xasprintf("%s/%s/bin/python%s", top, rel,
                                   i ? "3" : "");
        cr_assert_eq(symlink(system, link), 0);
        free(link);
    }
    free(system);
}

static void setup(void)
{
    cr_assert(mkdtemp(top));
    write_file("sys/bin/python3", "#!/bin/sh\n", 0755);
    char *bin = at("sys/bin");
    /* usrmerge: the same directory by a second name. */
    char *merged = at("merged");
    cr_assert_eq(symlink(bin, merged), 0);
    free(merged);
    free(bin);
    unsetenv("VIRTUAL_ENV");
}

static void teardown(void)
{
    scratch_remove(top);
}

TestSuite(python_search, .init = setup, .fini = teardown);

static void set_path(const char *a, const char *b)
{
    char *pa = at(a), *pb = b ? at(b) : NULL;
    char *path = pb ? cct_xasprintf("%s:%s", pa, pb) : cct_xstrdup(pa);
    setenv("PATH", path, 1);
    free(path);
    free(pa);
    free(pb);
}

static void expect(const cct_strv *got, const char *const *want, size_t n)
{
    cr_assert_eq(got->len, n, "%zu candidates, expected %zu", got->len, n);
    for (size_t i = 0; i < n; i++) {
        char *path = at(want[i]);
        cr_expect_str_eq(got->items[i], path);
        free(path);
    }
}

Test(python_search, one_interpreter_by_two_names_is_tried_once)
{
    set_path("sys/bin", "merged");
    cct_strv out;
    cct_strv_init(&out);
    cct_python_search search = {NULL, NULL};
    cct_python_candidates(&search, &out, NULL);
    expect(&out, (const char *const[]){"sys/bin/python3"}, 1);
    cct_strv_free(&out);
}

/* An activated venv links to the system's python, yet is another
 * environment: the system's python stays a candidate after it. */
Test(python_search, activated_venv_does_not_hide_the_system_python)
{
    make_venv("env");
    char *env = at("env");
    setenv("VIRTUAL_ENV", env, 1);
    free(env);
    set_path("env/bin", "sys/bin");
    cct_strv out, why;
    cct_strv_init(&out);
    cct_strv_init(&why);
    cct_python_search search = {NULL, NULL};
    cct_python_candidates(&search, &out, &why);
    /* env/bin/python3 is env/bin/python's environment: not again. */
    expect(&out, (const char *const[]){"env/bin/python", "sys/bin/python3"},
           2);
    cr_expect(strstr(why.items[0], "VIRTUAL_ENV"));
    cr_expect(strstr(why.items[1], "PATH"));
    cct_strv_free(&out);
    cct_strv_free(&why);
}

Test(python_search, project_venv_comes_before_path)
{
    make_venv("proj/.venv");
    set_path("sys/bin", NULL);
    char *proj = at("proj");
    char *venv = cct_project_venv(proj);
    char *want = at("proj/.venv/bin/python");
    cr_assert_str_eq(venv, want);
    cct_strv out, why;
    cct_strv_init(&out);
    cct_strv_init(&why);
    cct_python_search search = {NULL, venv};
    cct_python_candidates(&search, &out, &why);
    expect(&out,
           (const char *const[]){"proj/.venv/bin/python", "sys/bin/python3"},
           2);
    cr_expect(strstr(why.items[0], "project"));
    cct_strv_free(&out);
    cct_strv_free(&why);
    free(want);
    free(venv);
    free(proj);
}

Test(python_search, venv_without_pyvenv_cfg_is_not_a_venv)
{
    write_file("proj/venv/bin/python", "#!/bin/sh\n", 0755);
    char *proj = at("proj");
    cr_expect_null(cct_project_venv(proj));
    make_venv("proj/.venv2");
    cr_expect_null(cct_project_venv(proj), "only .venv and venv count");
    write_file("proj/venv/pyvenv.cfg", "home = /usr/bin\n", 0644);
    char *venv = cct_project_venv(proj);
    char *want = at("proj/venv/bin/python");
    cr_expect_str_eq(venv, want);
    free(want);
    free(venv);
    free(proj);
}

Test(python_search, untrusted_project_venv_is_named_not_used)
{
    make_venv("proj/.venv");
    char *proj = at("proj");
    char *notice = NULL;
    char *venv = cct_project_venv_usable(proj, 0, NULL, &notice);
    cr_expect_null(venv);
    cr_assert(notice);
    cr_expect(strstr(notice, "/proj/.venv/bin/python"), "%s", notice);
    cr_expect(strstr(notice, "trusted_projects"), "%s", notice);
    cr_expect(strstr(notice, "--trust-project"), "%s", notice);
    free(notice);
    /* The user chose an interpreter: nothing to say. */
    cr_expect_null(cct_project_venv_usable(proj, 0, "/x/python", &notice));
    cr_expect_null(notice);
    /* It is the activated one (by another name): nothing to say. */
    char *env = at("proj/./.venv");
    setenv("VIRTUAL_ENV", env, 1);
    cr_expect_null(cct_project_venv_usable(proj, 0, NULL, &notice));
    cr_expect_null(notice);
    unsetenv("VIRTUAL_ENV");
    /* Trusted: used. */
    venv = cct_project_venv_usable(proj, 1, NULL, &notice);
    cr_expect_not_null(venv);
    cr_expect_null(notice);
    free(venv);
    free(env);
    free(proj);
}

Test(python_search, configured_python_is_the_only_candidate)
{
    set_path("sys/bin", NULL);
    cct_strv out;
    cct_strv_init(&out);
    cct_python_search search = {"/nonexistent/python", NULL};
    cct_python_candidates(&search, &out, NULL);
    cr_assert_eq(out.len, 1);
    cr_expect_str_eq(out.items[0], "/nonexistent/python");
    cct_strv_free(&out);
}
