/*
 * What discovery learned about the project: its tests (with their module
 * and file), the modules that failed to import, the names that do not
 * exist, the import graph between the project's files, and what the
 * workers need (sys.path, versions).
 *
 * Built from the discovery helper's JSON document (core/helpers/
 * discover.py) by cct_project_parse(), which trusts nothing in it: a
 * malformed document is an error with a message, never a crash.
 */
#ifndef CCT_PROJECT_H
#define CCT_PROJECT_H

#include <stddef.h>

#include "cctrial/plugin.h"
#include "strmap.h"
#include "util.h"

typedef struct cct_project {
    /* Tests in trial's order.  A module that failed to import is an entry
     * too (its id is the module's name), flagged in import_error[]: trial
     * runs it and reports its import error as a test error. */
    cct_catalog_test *tests;
    unsigned char *import_error;
    size_t n_tests, cap_tests;
    cct_strmap test_index; /* id -> index in tests */

    /* Every file a test or module lives in, interned; the import graph. */
    cct_strv files;
    cct_strmap file_index;
    size_t *n_imports;
    size_t **imports;
    size_t cap_files;

    cct_strv unknown_names;  /* names that load nothing */
    cct_strv unknown_errors; /* why, one per name */
    cct_strv sys_path;
    cct_strv dev_roots;
    size_t cache_hits; /* test modules discovery took from its cache */
    char *python_version;
    char *twisted_version;
    char *executable;
    char *src_dir; /* the src/ discovery put on sys.path, or NULL */
} cct_project;

void cct_project_init(cct_project *p);
void cct_project_free(cct_project *p);
/* Parses a discovery document into an empty project.  Returns 0, or
 * CCT_EDISCOVERY with a malloc'ed explanation in *error. */
int cct_project_parse(cct_project *p, const char *json, size_t len,
                      char **error);
/* A read-only view for selectors; valid until the project changes. */
void cct_project_catalog(const cct_project *p, cct_catalog *out);
/* The index of a test id, or CCT_STRMAP_MISSING. */
size_t cct_project_find_test(const cct_project *p, const char *id);
/* The index of a file, interning it when `add` is set. */
size_t cct_project_file(cct_project *p, const char *path, int add);

#endif
