/*
 * Unit tests of the workers' command line (core/workerenv.h): trial's
 * options reach it as `trial -j` gives them to its workers
 * (twisted.scripts.trial.Options._getWorkerArguments: its _workerFlags
 * disablegc, force-gc, coverage, then its _workerParameters
 * recursionlimit, reactor, without-module, each with its value).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "workerenv.h"

static void assert_argv(const cct_worker_command *c,
                        const char *const *expected, size_t n)
{
    cr_assert_eq(c->argv.len, n, "argv has %zu items, not %zu", c->argv.len,
                 n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(c->argv.items[i], expected[i], "argv[%zu]", i);
}

Test(workerenv, no_option_gives_the_bare_worker)
{
    cct_worker_flags flags;
    memset(&flags, 0, sizeof(flags));
    cct_strv_init(&flags.without_module);
    cct_strv path;
    cct_strv_init(&path);
    cct_worker_command c;
    cct_worker_command_build(&c, "/usr/bin/python3", &path, NULL, 0, 0,
                             "/data", &flags);
    static const char *const expected[] = {
        "/usr/bin/python3", "-m", "twisted.trial._dist.workertrial"};
    assert_argv(&c, expected, 3);
    cct_worker_command_free(&c);
    cct_strv_free(&path);
    cct_strv_free(&flags.without_module);
}

Test(workerenv, trials_worker_options_in_trials_order)
{
    cct_worker_flags flags = {.reactor = "asyncio", .force_gc = 1,
                              .disablegc = 1, .coverage = 1,
                              .recursionlimit = 4321};
    cct_strv_init(&flags.without_module);
    cct_strv_add(&flags.without_module, "a.b");
    cct_strv_add(&flags.without_module, "c");
    cct_strv path;
    cct_strv_init(&path);
    cct_worker_command c;
    cct_worker_command_build(&c, "/usr/bin/python3", &path, NULL, 1, 0,
                             "/data", &flags);
    static const char *const expected[] = {
        "/usr/bin/python3", "/data/helpers/fastworker.py", "--disablegc",
        "--force-gc", "--coverage", "--recursionlimit", "4321", "--reactor",
        "asyncio", "--without-module", "a.b,c"};
    assert_argv(&c, expected, CCT_ARRAY_SIZE(expected));
    cct_worker_command_free(&c);
    cct_strv_free(&path);
    cct_strv_free(&flags.without_module);
}
