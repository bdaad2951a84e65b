/*
 * libFuzzer target for the discovery document reader (core/project.c with
 * jansson).  The document comes from a Python helper that runs the
 * project's own code at import time, so cct_project_parse() trusts nothing
 * in it: any bytes must give either a consistent project or an error
 * message and an empty project, never a crash.
 *
 * A consistent project: every test found by its id, every file by its
 * path, every file index (of a test, of an import edge) inside the file
 * list, and the catalog a selector sees saying the same.
 */
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "project.h"

static void check_catalog(const cct_project *p)
{
    cct_catalog cat;
    cct_project_catalog(p, &cat);
    CCT_FUZZ_CHECK(cat.struct_size == sizeof(cat));
    CCT_FUZZ_CHECK(cat.n_tests == p->n_tests && cat.n_files == p->files.len);
    for (size_t i = 0; i < cat.n_tests; i++) {
        const cct_catalog_test *t = &cat.tests[i];
        CCT_FUZZ_CHECK(t->id && t->module);
        /* A test listed twice is kept twice (trial runs it twice); the
         * index finds its first place. */
        size_t first = cct_project_find_test(p, t->id);
        CCT_FUZZ_CHECK(first <= i && strcmp(cat.tests[first].id, t->id) == 0);
        CCT_FUZZ_CHECK(t->file == CCT_NO_FILE || t->file < cat.n_files);
        CCT_FUZZ_CHECK(p->import_error[i] <= 1);
    }
    for (size_t f = 0; f < cat.n_files; f++) {
        CCT_FUZZ_CHECK(cat.files[f] != NULL);
        CCT_FUZZ_CHECK(cct_project_file((cct_project *)p, cat.files[f], 0) ==
                       f);
        CCT_FUZZ_CHECK(cat.n_imports[f] == 0 || cat.imports[f] != NULL);
        for (size_t k = 0; k < cat.n_imports[f]; k++)
            CCT_FUZZ_CHECK(cat.imports[f][k] < cat.n_files);
    }
    CCT_FUZZ_CHECK(cat.files == NULL || cat.files[cat.n_files] == NULL);
}

static void check_project(const cct_project *p)
{
    check_catalog(p);
    CCT_FUZZ_CHECK(p->unknown_names.len == p->unknown_errors.len);
    CCT_FUZZ_CHECK(p->python_version && p->twisted_version &&
                   p->executable);
}

/* After an error the project is empty again, ready for another parse. */
static void check_empty(const cct_project *p)
{
    CCT_FUZZ_CHECK(p->n_tests == 0 && p->files.len == 0);
    CCT_FUZZ_CHECK(p->tests == NULL && p->imports == NULL);
    CCT_FUZZ_CHECK(p->unknown_names.len == 0 && p->sys_path.len == 0);
    CCT_FUZZ_CHECK(!p->python_version && !p->executable);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cct_project p;
    cct_project_init(&p);
    char *error = NULL;
    int rc = cct_project_parse(&p, (const char *)data, size, &error);
    if (rc == 0) {
        CCT_FUZZ_CHECK(error == NULL);
        check_project(&p);
    } else {
        CCT_FUZZ_CHECK(rc == CCT_EDISCOVERY && error && *error);
        check_empty(&p);
        free(error);
    }
    cct_project_free(&p);
    return 0;
}
