/* Scratch directories of the unit tests: removed in the test's own process.
 *
 * Criterion runs every test in a process of its own; a teardown that ran
 * `rm -rf` through system() forked and executed two more programs per test:
 * half of unit_config's time, more under valgrind, which traced them too. */
#ifndef CCT_TESTS_SCRATCH_H
#define CCT_TESTS_SCRATCH_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int scratch_remove_entry(const char *path, const struct stat *st,
                                int kind, struct FTW *ftw)
{
    (void) st;
    (void) ftw;
    /* A test may leave a directory unreadable or unwritable. */
    if (kind == FTW_DP || kind == FTW_DNR)
        chmod(path, 0700);
    return remove(path);
}

/* Removes `dir` and everything under it, without following symlinks;
 * a failure is the test's failure. */
static inline void scratch_remove(const char *dir)
{
    cr_expect_eq(nftw(dir, scratch_remove_entry, 16, FTW_DEPTH | FTW_PHYS),
                 0, "could not remove the scratch directory %s", dir);
}

#endif
