/*
 * Shared by the selectors that map changed files to tests through the
 * import graph (smart-import and git-diff), so both map alike.  Part of
 * the plugins' internal helper library (see strbuf.h); uses only
 * cctrial/plugin.h.
 */
#ifndef CCT_PLUGINS_AFFECTED_H
#define CCT_PLUGINS_AFFECTED_H

#include <stddef.h>

#include "cctrial/plugin.h"

/* How far a change reaches: the module's own imports only ("direct", as
 * the original cctrial did), or imports of imports ("transitive"). */
typedef enum affected_depth {
    AFFECTED_DIRECT,
    AFFECTED_TRANSITIVE
} affected_depth;

/* The smart_depth option both selectors declare. */
#define AFFECTED_DEPTH_OPTION                                              \
    {"smart_depth", CCT_OPT_CHOICE, "transitive",                         \
     "How far a change reaches: transitive follows imports of imports; "  \
     "direct only each test module's own imports.",                       \
     "transitive|direct", 0, 0}

/* Selects the tests whose module's file is one of `files` or imports one
 * of them (at `depth`); calls out->unreached for each file no test
 * reaches.  Returns 0, or -1 when memory runs out. */
int affected_select(const cct_catalog *catalog, const char *const *files,
                    size_t n_files, affected_depth depth, cct_selection *out);

affected_depth affected_depth_of(const char *option_value);

#endif
