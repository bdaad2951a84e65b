/*
 * `cctrial install-hook`: a git post-commit hook that runs cctrial in hook
 * mode after every commit.
 */
#ifndef CCT_HOOK_H
#define CCT_HOOK_H

#include "util.h"

/* Writes .git/hooks/post-commit (wherever git keeps hooks) running this
 * cctrial with --hook and `names` (none: the project's .cctrialrc says
 * which tests).  Refuses to replace a different hook unless `force`.
 * Returns the exit status: 0, or 2 with a message printed. */
int cct_install_hook(const char *project_dir, const cct_strv *names,
                     int force);

#endif
