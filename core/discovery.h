/*
 * Test discovery: choosing the Python interpreter and running the
 * discovery helper (core/helpers/discover.py) with it.
 *
 * The interpreter is `python` when configured; otherwise the first of
 * python_search.h's candidates that can import twisted.trial.  The helper itself tells: it exits 3 when
 * Twisted is missing, so finding the interpreter costs no extra process.
 * When none is usable, the error lists each interpreter tried and why it
 * was refused.  The interpreter a search found is remembered in
 * .cctrial/python and tried first next time, as long as PATH,
 * VIRTUAL_ENV and the project's virtual environment are the same.
 *
 * The helper is forked from the workers' warm template (template.h) when
 * the request offers one of the interpreter being tried, unless the
 * template is still starting and the discovery cache may answer; it is
 * spawned afresh otherwise, or when the template refuses the request or
 * is lost under it.
 */
#ifndef CCT_DISCOVERY_H
#define CCT_DISCOVERY_H

#include <uv.h>

#include "project.h"
#include "template.h"
#include "util.h"

typedef struct cct_discovery cct_discovery;

/* On success `status` is 0 and `project` holds the result (the callee may
 * move it out with a struct copy); `python` is the interpreter used and
 * `why` says why it was a candidate (see python_search.h).  On
 * failure `status` is negative (CCT_EPYTHON, CCT_EDISCOVERY) and `error`
 * explains.  `warning`, when not NULL, is worth showing either way. */
typedef void (*cct_discovery_cb)(int status, cct_project *project,
                                 const char *python, const char *why,
                                 const char *error,
                                 const char *warning, void *arg);

/* How far discovery is, before it ends: `imported` test modules imported
 * and `cached` taken from the discovery cache, of the `wanted` found so
 * far (packages are walked as they are loaded, so `wanted` grows);
 * `module` is the one being imported now. */
typedef void (*cct_discovery_progress_cb)(size_t imported, size_t cached,
                                          size_t wanted, const char *module,
                                          void *arg);

typedef struct cct_discovery_request {
    const char *helper;     /* path of discover.py */
    const cct_strv *names;  /* test names */
    const cct_strv *roots;  /* directories whose modules form the graph */
    const char *cwd;        /* the project's directory */
    const char *python;     /* the interpreter, or NULL to find one */
    /* The project's virtual environment's python when the search may try
     * it (a trusted project: see python_search.h), else NULL. */
    const char *project_venv;
    const char *cache_file; /* the discovery cache, or NULL for none */
    /* Where the interpreter found by searching is remembered (NULL: not
     * at all), so that the next start skips the search while PATH and
     * VIRTUAL_ENV are unchanged.  Searching can cost seconds: a pyenv shim
     * without Twisted runs several shell scripts before it says no. */
    const char *remember_file;
    /* Seconds the helper may take once started; 0: no limit.  Past it,
     * discovery fails naming the module being imported. */
    unsigned timeout_s;
    /* trial's order of the tests: `order` (--order: alphabetical or
     * toptobottom) or `random` (-z SEED, > 0), else trial's default (NULL,
     * 0).  The helper sorts as trial's loader would; the cache holds
     * trial's default order only, so it is not used with either. */
    const char *order;
    long random;
    /* Absolute directories put on sys.path after the project's own, as
     * PYTHONPATH would (the `pythonpath` key); NULL: none. */
    const cct_strv *pythonpath;
    /* The helper's environment (NULL: cctrial's), and the NAME=value
     * items the configuration added to it (NULL: none), which the
     * discovery cache is keyed on. */
    const char *const *env;
    const cct_strv *env_set;
    /* trial's --without-module: modules the helper makes unimportable
     * before importing any test module, as trial's manager does; NULL or
     * empty: none. */
    const cct_strv *without_module;
    /* Called, with the callback's `arg`, each time the helper says how far
     * it is (a line before each module it imports); NULL: not wanted. */
    cct_discovery_progress_cb progress;
    /* 0: the helper starts at once.  Otherwise it starts at
     * cct_discovery_release() or after this many milliseconds, whichever
     * comes first: discovery is going on meanwhile, only its process is
     * not (see session_change.c). */
    unsigned hold_ms;
    /* NULL, or asked as the helper starts with an interpreter, with the
     * callback's `arg`: a warm template (template.h) of that interpreter,
     * started in the helper's environment (`env`) and `cwd`, to fork the
     * helper from (a Python start and Twisted's import fewer), or NULL. */
    cct_template *(*template_for)(const char *python, void *arg);
} cct_discovery_request;

/* Starts discovery and returns 0; the callback runs exactly once, from
 * the loop, with the outcome (an interpreter that cannot be started is
 * one of its errors). */
int cct_discover(uv_loop_t *loop, const cct_discovery_request *request,
                 cct_discovery_cb done, void *arg, cct_discovery **out);
/* Kills the helper; the callback still runs (with an error). */
void cct_discovery_cancel(cct_discovery *d);
/* A held discovery's helper starts at the loop's next turn (never inside
 * the caller); nothing for one that is not held. */
void cct_discovery_release(cct_discovery *d);

#endif
