/*
 * Unit tests of trial's --testmodule rules (core/testmodule.h): which
 * files are tests themselves, and how a file's -*- header names its tests,
 * line for line as twisted.scripts.trial reads them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testmodule.h"

/* The names `text` gives, space-separated ("" for none). */
static char *names_of(const char *text)
{
    cct_strv names;
    cct_strv_init(&names);
    cct_testmodule_header_names(text, strlen(text), &names);
    char *joined = cct_strv_join(&names, " ");
    cct_strv_free(&names);
    return joined;
}

static void expect_names(const char *text, const char *expected)
{
    char *got = names_of(text);
    cr_expect_str_eq(got, expected, "%s\n  got: '%s'\n  expected: '%s'",
                     text, got, expected);
    free(got);
}

Test(testmodule, the_first_line_names_the_tests)
{
    expect_names("# -*- test-case-name: pkg.test.test_a -*-\nimport os\n",
                 "pkg.test.test_a");
}

Test(testmodule, names_are_separated_by_commas_and_stripped)
{
    expect_names("# -*- test-case-name: pkg.test_a, pkg.test_b,, -*-\n",
                 "pkg.test_a pkg.test_b");
}

Test(testmodule, other_variables_are_read_past)
{
    expect_names("# -*- coding: utf-8; test-case-name: pkg.test_a -*-\n",
                 "pkg.test_a");
}

Test(testmodule, the_second_line_counts_when_the_first_is_no_header)
{
    expect_names("#!/usr/bin/env python\n"
                 "# -*- test-case-name: pkg.test_a -*-\n", "pkg.test_a");
    /* \r\n and \r end lines too, as in Python's universal newlines. */
    expect_names("#!/usr/bin/python\r\n# -*- test-case-name: x.test -*-\r\n",
                 "x.test");
    expect_names("#!/usr/bin/python\r# -*- test-case-name: x.test -*-\r",
                 "x.test");
}

Test(testmodule, the_third_line_does_not)
{
    expect_names("#!/usr/bin/env python\n\n"
                 "# -*- test-case-name: pkg.test_a -*-\n", "");
}

Test(testmodule, a_header_without_the_variable_ends_the_search)
{
    /* trial stops at the first line that parses, names or not. */
    expect_names("# -*- coding: utf-8 -*-\n"
                 "# -*- test-case-name: pkg.test_a -*-\n", "");
    /* One "-*-" only parses as an empty header in trial. */
    expect_names("# -*- test-case-name: pkg.test_a\n"
                 "# -*- test-case-name: pkg.test_b -*-\n", "");
}

Test(testmodule, a_malformed_item_makes_the_line_no_header)
{
    /* An item without exactly one ':' is no declaration: the next line
     * is tried. */
    expect_names("# -*- mode python -*-\n"
                 "# -*- test-case-name: pkg.test_a -*-\n", "pkg.test_a");
    expect_names("# -*- a: b: c -*-\n"
                 "# -*- test-case-name: pkg.test_b -*-\n", "pkg.test_b");
}

Test(testmodule, test_files_by_name)
{
    cr_expect(cct_testmodule_is_test_file("pkg/test/test_thing.py"));
    cr_expect(cct_testmodule_is_test_file("test_x.py"));
    cr_expect_not(cct_testmodule_is_test_file("pkg/thing.py"));
    cr_expect_not(cct_testmodule_is_test_file("pkg/test_thing.pyc"));
    cr_expect_not(cct_testmodule_is_test_file("test_dir/thing.py"));
    cr_expect_not(cct_testmodule_is_test_file("pkg/mytest_x.py"));
}

Test(testmodule, files)
{
    char dir[] = "/tmp/cct-testmodule-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *cwd = getcwd(NULL, 0);
    cr_assert_eq(chdir(dir), 0);
    FILE *f = fopen("thing.py", "w");
    fputs("# -*- test-case-name: pkg.test_thing -*-\nx = 1\n", f);
    fclose(f);
    f = fopen("test_self.py", "w");
    fputs("# -*- test-case-name: pkg.other -*-\n", f);
    fclose(f);

    cct_strv names;
    cct_strv_init(&names);
    char *warning = NULL;
    cr_assert_eq(cct_testmodule_names("thing.py", &names, &warning), 0);
    cr_assert_null(warning);
    /* A test module is the test, whatever its header says; by its
     * absolute path, as trial's os.path.abspath gives it. */
    cr_assert_eq(cct_testmodule_names("test_self.py", &names, &warning), 0);
    cr_assert_eq(names.len, 2);
    cr_expect_str_eq(names.items[0], "pkg.test_thing");
    char *self = cct_xasprintf("%s/test_self.py", dir);
    cr_expect_str_eq(names.items[1], self);
    free(self);

    cr_assert_eq(cct_testmodule_names("gone.py", &names, &warning), -1);
    cr_expect_str_eq(warning, "File 'gone.py' doesn't exist");
    free(warning);
    cr_assert_eq(names.len, 2, "a missing file adds nothing");

    cct_strv_free(&names);
    unlink("thing.py");
    unlink("test_self.py");
    cr_assert_eq(chdir(cwd), 0);
    free(cwd);
    rmdir(dir);
}
