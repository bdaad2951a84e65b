/*
 * Which Python interpreters discovery tries, in order, and why each:
 *
 *   1. `python` when configured (--python, python =): that one only;
 *   2. $VIRTUAL_ENV/bin/python, the activated virtual environment;
 *   3. the project's own virtual environment (.venv/ or venv/ at the
 *      project's root, holding pyvenv.cfg), when the caller allows it:
 *      only for a trusted project (see trust.h), since a repository's
 *      files may not add an interpreter to run;
 *   4. every python3 on PATH, in order.
 *
 * An interpreter is tried once per environment, not once per executable:
 * a virtual environment's python is a link to the system's, yet imports
 * from its own site-packages.  The environment is told from the file
 * system alone (pyvenv.cfg beside the executable or one directory up, as
 * Python itself looks), so that the search runs no interpreter.
 */
#ifndef CCT_PYTHON_SEARCH_H
#define CCT_PYTHON_SEARCH_H

#include "util.h"

typedef struct cct_python_search {
    const char *configured;   /* python =, --python; NULL: search */
    const char *project_venv; /* its bin/python, or NULL: not to be used */
} cct_python_search;

/* The interpreters to try, in order, into `out`; `reasons` (when not
 * NULL) gets why each is there, one a line of `out`. */
void cct_python_candidates(const cct_python_search *search, cct_strv *out,
                           cct_strv *reasons);

/* The project's virtual environment's interpreter (.venv/bin/python, else
 * venv/bin/python, each only beside a pyvenv.cfg), malloc'ed; NULL when
 * there is none. */
char *cct_project_venv(const char *project_dir);

/* The project's virtual environment's interpreter when the search may
 * try it: the project is `trusted`.  Else NULL, and *notice (malloc'ed)
 * names the one found and how to use it, unless `configured` (the user
 * chose an interpreter) or that environment is the activated one. */
char *cct_project_venv_usable(const char *project_dir, int trusted,
                              const char *configured, char **notice);

/* What tells `python`'s environment apart (its executable, resolved, and
 * the virtual environment it belongs to, if any), malloc'ed; NULL when
 * `python` does not exist. */
char *cct_python_environment(const char *python);

#endif
