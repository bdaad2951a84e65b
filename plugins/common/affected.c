/*
 * Changed files to tests through the import graph (see affected.h): a
 * breadth-first walk from each changed file along "is imported by" edges.
 */
#include "affected.h"

#include <stdlib.h>
#include <string.h>

affected_depth affected_depth_of(const char *value)
{
    return value && strcmp(value, "direct") == 0 ? AFFECTED_DIRECT
                                                 : AFFECTED_TRANSITIVE;
}

/* importers[f] lists the files that import file f (CSR layout). */
typedef struct reverse_graph {
    size_t *start; /* n_files + 1 offsets into `from` */
    size_t *from;
} reverse_graph;

static int build_reverse(const cct_catalog *c, reverse_graph *g)
{
    size_t n = c->n_files, edges = 0;
    g->start = calloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        edges += c->n_imports[i];
    g->from = calloc(edges ? edges : 1, sizeof(size_t));
    size_t *fill = calloc(n + 1, sizeof(size_t));
    if (!g->start || !g->from || !fill) {
        free(fill);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < c->n_imports[i]; k++)
            if (c->imports[i][k] < n)
                g->start[c->imports[i][k] + 1]++;
    for (size_t i = 0; i < n; i++)
        g->start[i + 1] += g->start[i];
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < c->n_imports[i]; k++) {
            size_t to = c->imports[i][k];
            if (to < n)
                g->from[g->start[to] + fill[to]++] = i;
        }
    free(fill);
    return 0;
}

static size_t find_file(const cct_catalog *c, const char *path)
{
    for (size_t i = 0; i < c->n_files; i++)
        if (strcmp(c->files[i], path) == 0)
            return i;
    return CCT_NO_FILE;
}

/* Marks in `reached` every file that depends on `changed`. */
static void walk(const reverse_graph *g, size_t changed, affected_depth depth,
                 unsigned char *reached, size_t *queue)
{
    size_t head = 0, tail = 0;
    reached[changed] = 1;
    queue[tail++] = changed;
    while (head < tail) {
        size_t f = queue[head++];
        for (size_t e = g->start[f]; e < g->start[f + 1]; e++) {
            size_t importer = g->from[e];
            if (reached[importer])
                continue;
            reached[importer] = 1;
            /* Direct: the importers of the changed file, no further. */
            if (depth == AFFECTED_TRANSITIVE)
                queue[tail++] = importer;
        }
    }
}

int affected_select(const cct_catalog *catalog, const char *const *files,
                    size_t n_files, affected_depth depth, cct_selection *out)
{
    reverse_graph g = {0};
    size_t n = catalog->n_files;
    unsigned char *reached = calloc(n ? n : 1, 1);
    size_t *queue = calloc(n ? n : 1, sizeof(size_t));
    if (!reached || !queue || build_reverse(catalog, &g) < 0) {
        free(reached);
        free(queue);
        free(g.start);
        free(g.from);
        return -1;
    }
    for (size_t i = 0; i < n_files; i++) {
        size_t f = find_file(catalog, files[i]);
        size_t hits = 0;
        if (f != CCT_NO_FILE) {
            memset(reached, 0, n);
            walk(&g, f, depth, reached, queue);
            for (size_t t = 0; t < catalog->n_tests; t++) {
                size_t tf = cct_catalog_test_at(catalog, t)->file;
                if (tf < n && reached[tf]) {
                    out->selected[t] = 1;
                    hits++;
                }
            }
        }
        if (hits == 0 && out->unreached)
            out->unreached(out, files[i]);
    }
    free(reached);
    free(queue);
    free(g.start);
    free(g.from);
    return 0;
}
