/*
 * The history of run times (see timing.h): a small JSON file,
 *
 *   {"version": 1, "runs": [{"selection": "<16 hex digits>:<tests>",
 *                            "workers": 2, "wall_time": 12.5}, ...]}
 *
 * newest first, written whole to a temporary file and renamed, so that a
 * session that dies mid-write leaves the previous history.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "timing.h"

/* FNV-1a of one id. */
static uint64_t hash_id(const char *id)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The selection's name: the same tests in another order are the same
 * selection (the ids' hashes are summed), and their number makes a
 * collision of sums between selections of other sizes impossible. */
static char *selection_key(const cct_strv *tests)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < tests->len; i++)
        sum += hash_id(tests->items[i]);
    return cct_xasprintf("%016" PRIx64 ":%zu", sum, tests->len);
}

/* The runs array of the file, or NULL. */
static json_t *load_runs(const char *file)
{
    json_t *root = json_load_file(file, 0, NULL);
    if (!root)
        return NULL;
    json_t *runs = json_object_get(root, "runs");
    if (json_integer_value(json_object_get(root, "version")) != 1 ||
        !json_is_array(runs)) {
        json_decref(root);
        return NULL;
    }
    json_incref(runs);
    json_decref(root);
    return runs;
}

static int same_run(json_t *run, const char *key, unsigned workers)
{
    const char *selection = json_string_value(json_object_get(run, "selection"));
    return selection && strcmp(selection, key) == 0 &&
           json_integer_value(json_object_get(run, "workers")) ==
               (json_int_t)workers;
}

double cct_timing_estimate(const char *file, const cct_strv *tests,
                           unsigned workers)
{
    json_t *runs = load_runs(file);
    if (!runs)
        return 0.0;
    char *key = selection_key(tests);
    double seconds = 0.0;
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run) {
        if (same_run(run, key, workers)) {
            double t = json_number_value(json_object_get(run, "wall_time"));
            seconds = t > 0 ? t : 0.0;
            break;
        }
    }
    free(key);
    json_decref(runs);
    return seconds;
}

static void save(const char *file, json_t *runs)
{
    char *dir = cct_xstrdup(file);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    free(dir);
    json_t *root = json_pack("{s:i, s:O}", "version", 1, "runs", runs);
    char *tmp = cct_xasprintf("%s.tmp", file);
    if (root && json_dump_file(root, tmp, JSON_COMPACT) == 0) {
        if (rename(tmp, file) != 0)
            remove(tmp);
    } else {
        remove(tmp);
    }
    free(tmp);
    json_decref(root);
}

void cct_timing_remember(const char *file, const cct_strv *tests,
                         unsigned workers, double seconds)
{
    assert(seconds >= 0);
    json_t *old = load_runs(file);
    json_t *runs = json_array();
    char *key = selection_key(tests);
    json_t *run = json_pack("{s:s, s:i, s:f}", "selection", key, "workers",
                            (json_int_t)workers, "wall_time", seconds);
    if (runs && run) {
        json_array_append_new(runs, run);
        run = NULL;
        size_t i;
        json_t *kept;
        json_array_foreach(old, i, kept) {
            if (json_array_size(runs) >= CCT_TIMING_KEEP)
                break;
            if (json_is_object(kept) && !same_run(kept, key, workers))
                json_array_append(runs, kept);
        }
        save(file, runs);
    }
    json_decref(run);
    json_decref(runs);
    json_decref(old);
    free(key);
}
