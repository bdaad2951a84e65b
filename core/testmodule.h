/*
 * trial's --testmodule FILE: the tests a file says it is tested by.
 *
 * A file named test_*.py is a test module: it is the test.  Any other file
 * may name its tests in an Emacs-style header, on its first or second
 * line, as trial reads it:
 *
 *     # -*- test-case-name: pkg.test.test_thing,pkg.test.test_other -*-
 *
 * Between the first and the last "-*-" are `name: value` items separated
 * by ';'; a line without "-*-" or with an item that is not one name and
 * one value is not a header, and the next line is tried.  A file without
 * the variable names no test, and a file that does not exist is skipped
 * with a warning, as trial does.
 */
#ifndef CCT_TESTMODULE_H
#define CCT_TESTMODULE_H

#include <stddef.h>

#include "util.h"

/* Is `path` a test module by its name (test_*.py)? */
int cct_testmodule_is_test_file(const char *path);
/* Adds to `out` the names test-case-name gives in `text`, the file's
 * start (its first two lines count), each stripped of blanks. */
void cct_testmodule_header_names(const char *text, size_t len,
                                 cct_strv *out);
/* Adds the tests FILE names: its absolute path when it is a test module,
 * else its header's names.  Returns 0, or -1 when it does not exist, with
 * *warning saying so as trial does (malloc'ed). */
int cct_testmodule_names(const char *path, cct_strv *out, char **warning);

#endif
