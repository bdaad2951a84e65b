/*
 * The project's catalog (see project.h), read from discovery's JSON with
 * jansson.
 */
#include "project.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void cct_project_init(cct_project *p)
{
    memset(p, 0, sizeof(*p));
    cct_strmap_init(&p->test_index);
    cct_strmap_init(&p->file_index);
    cct_strv_init(&p->files);
    cct_strv_init(&p->unknown_names);
    cct_strv_init(&p->unknown_errors);
    cct_strv_init(&p->sys_path);
    cct_strv_init(&p->dev_roots);
}

void cct_project_free(cct_project *p)
{
    for (size_t i = 0; i < p->n_tests; i++) {
        free((char *)p->tests[i].id);
        free((char *)p->tests[i].module);
    }
    free(p->tests);
    free(p->import_error);
    for (size_t i = 0; i < p->files.len; i++)
        free(p->imports[i]);
    free(p->imports);
    free(p->n_imports);
    cct_strmap_free(&p->test_index);
    cct_strmap_free(&p->file_index);
    cct_strv_free(&p->files);
    cct_strv_free(&p->unknown_names);
    cct_strv_free(&p->unknown_errors);
    cct_strv_free(&p->sys_path);
    cct_strv_free(&p->dev_roots);
    free(p->python_version);
    free(p->twisted_version);
    free(p->executable);
    free(p->src_dir);
    cct_project_init(p);
}

size_t cct_project_file(cct_project *p, const char *path, int add)
{
    size_t i = cct_strmap_get(&p->file_index, path);
    if (i != CCT_STRMAP_MISSING || !add)
        return i;
    if (p->files.len + 1 > p->cap_files) {
        size_t cap = p->cap_files;
        CCT_GROW(p->n_imports, cap, p->files.len + 1);
        p->imports = cct_xrealloc(p->imports, cap * sizeof(*p->imports));
        p->cap_files = cap;
    }
    i = p->files.len;
    p->n_imports[i] = 0;
    p->imports[i] = NULL;
    cct_strv_add(&p->files, path);
    /* The map borrows the vector's copy; the vector only grows, and its
     * strings never move. */
    cct_strmap_put(&p->file_index, p->files.items[i], i);
    return i;
}

size_t cct_project_find_test(const cct_project *p, const char *id)
{
    return cct_strmap_get(&p->test_index, id);
}

void cct_project_catalog(const cct_project *p, cct_catalog *out)
{
    memset(out, 0, sizeof(*out));
    out->struct_size = sizeof(*out);
    out->n_tests = p->n_tests;
    out->tests = p->tests;
    out->test_size = sizeof(cct_catalog_test);
    out->n_files = p->files.len;
    out->files = (const char *const *)p->files.items;
    out->n_imports = p->n_imports;
    out->imports = (const size_t *const *)p->imports;
}

static char *fail(const char *what)
{
    return cct_xasprintf("discovery returned a malformed document: %s",
                         what);
}

static const char *get_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int add_test(cct_project *p, json_t *entry, int import_error)
{
    const char *id = get_string(entry, "id");
    const char *module = get_string(entry, "module");
    json_t *file = json_object_get(entry, "file");
    if (!id || !module || !(json_is_string(file) || json_is_null(file)))
        return -1;
    CCT_GROW(p->tests, p->cap_tests, p->n_tests + 1);
    p->import_error = cct_xrealloc(p->import_error, p->cap_tests);
    cct_catalog_test *t = &p->tests[p->n_tests];
    t->id = cct_xstrdup(id);
    t->module = cct_xstrdup(module);
    t->file = json_is_string(file)
                  ? cct_project_file(p, json_string_value(file), 1)
                  : CCT_NO_FILE;
    p->import_error[p->n_tests] = (unsigned char)import_error;
    /* trial runs a test as often as its loader lists it (a package and
     * one of its modules both named, a TestCase imported into a second
     * test module): so does cctrial.  The index finds the first. */
    if (cct_strmap_get(&p->test_index, t->id) == CCT_STRMAP_MISSING)
        cct_strmap_put(&p->test_index, t->id, p->n_tests);
    p->n_tests++;
    return 0;
}

static int add_strings(cct_strv *v, json_t *array)
{
    if (!json_is_array(array))
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item) {
        if (!json_is_string(item))
            return -1;
        cct_strv_add(v, json_string_value(item));
    }
    return 0;
}

static int add_module(cct_project *p, json_t *module)
{
    const char *file = get_string(module, "file");
    json_t *imports = json_object_get(module, "imports");
    if (!file || !json_is_array(imports))
        return -1;
    size_t from = cct_project_file(p, file, 1);
    size_t n = json_array_size(imports), k = 0;
    size_t *edges = cct_xcalloc(n, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        json_t *target = json_array_get(imports, i);
        if (!json_is_string(target)) {
            free(edges);
            return -1;
        }
        /* Interning may move p->imports: only index it after the loop. */
        edges[k++] = cct_project_file(p, json_string_value(target), 1);
    }
    free(p->imports[from]);
    p->imports[from] = edges;
    p->n_imports[from] = k;
    return 0;
}

static char *parse_document(cct_project *p, json_t *doc)
{
    if (!json_is_object(doc))
        return fail("not a JSON object");
    json_t *version = json_object_get(doc, "version");
    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return fail("unknown version");

    /* Tests in trial's order; a module that failed to import is an entry
     * with its traceback, where trial would run it. */
    json_t *tests = json_object_get(doc, "tests");
    size_t i;
    json_t *entry;
    if (!json_is_array(tests))
        return fail("tests");
    json_array_foreach(tests, i, entry) {
        json_t *traceback = json_object_get(entry, "traceback");
        if ((traceback && !json_is_string(traceback)) ||
            add_test(p, entry, traceback != NULL) < 0)
            return fail("tests");
    }

    json_t *unknown = json_object_get(doc, "unknown");
    if (!json_is_array(unknown))
        return fail("unknown");
    json_array_foreach(unknown, i, entry) {
        const char *name = get_string(entry, "name");
        const char *error = get_string(entry, "error");
        if (!name || !error)
            return fail("unknown");
        cct_strv_add(&p->unknown_names, name);
        cct_strv_add(&p->unknown_errors, error);
    }

    json_t *modules = json_object_get(doc, "modules");
    if (modules) {
        if (!json_is_array(modules))
            return fail("modules");
        json_array_foreach(modules, i, entry) {
            if (add_module(p, entry) < 0)
                return fail("modules");
        }
    }

    if (add_strings(&p->sys_path, json_object_get(doc, "sys_path")) < 0)
        return fail("sys_path");
    json_t *roots = json_object_get(doc, "dev_roots");
    if (roots && add_strings(&p->dev_roots, roots) < 0)
        return fail("dev_roots");
    json_t *hits = json_object_get(doc, "cache_hits");
    if (json_is_integer(hits) && json_integer_value(hits) >= 0)
        p->cache_hits = (size_t)json_integer_value(hits);

    json_t *src = json_object_get(doc, "src_dir");
    if (src && !json_is_string(src))
        return fail("src_dir");
    p->src_dir = src ? cct_xstrdup(json_string_value(src)) : NULL;

    const char *python = get_string(doc, "python");
    const char *twisted = get_string(doc, "twisted");
    const char *executable = get_string(doc, "executable");
    if (!python || !twisted || !executable)
        return fail("versions");
    p->python_version = cct_xstrdup(python);
    p->twisted_version = cct_xstrdup(twisted);
    p->executable = cct_xstrdup(executable);
    return NULL;
}

int cct_project_parse(cct_project *p, const char *json, size_t len,
                      char **error)
{
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, 0, &jerr);
    if (!doc) {
        *error = cct_xasprintf("discovery returned invalid JSON: %s "
                               "(line %d, column %d)",
                               jerr.text, jerr.line, jerr.column);
        return CCT_EDISCOVERY;
    }
    *error = parse_document(p, doc);
    json_decref(doc);
    if (*error) {
        cct_project_free(p);
        return CCT_EDISCOVERY;
    }
    return 0;
}
