/*
 * Where cctrial's own files are: its plugins and its shared data (the
 * Python helpers, the icons).  When the binary runs from its build tree it
 * uses the build tree's copies; once installed, the directories relative to
 * the binary, so that an installed tree works wherever its prefix is.
 * And where the project is: its root (see root.h) and the directory
 * cctrial was started in.
 */
#ifndef CCT_PATHS_H
#define CCT_PATHS_H

#include "root.h"

typedef struct cct_paths {
    char *exe_dir;
    int in_build_tree;
    char *plugin_dir;  /* the build tree's or the installed plugins */
    char *data_dir;    /* share/cctrial: helpers/, icons/ */
    char *project_dir; /* the project's root (root.h) */
    cct_root_reason root_reason;
    char *cwd;         /* the directory cctrial was started in */
} cct_paths;

/* Returns 0 or a negative error when the binary cannot locate itself. */
int cct_paths_init(cct_paths *p);
void cct_paths_free(cct_paths *p);
/* The path of a helper script, e.g. "discover.py". */
char *cct_paths_helper(const cct_paths *p, const char *name);

#endif
