/*
 * Formatting failures exactly as trial's reporter prints them.
 *
 * A worker sends a failure as its exception class, its message and a flat
 * list of frames (function, file, line, three items per frame).  trial's
 * manager trims its own frames from the list, then prints
 *
 *     Traceback (most recent call last):
 *       File "<file>", line <n>, in <function>
 *         <the source line, stripped>
 *     <class>: <message>
 *
 * with "Failure: " before the class when no frame is left.  The source
 * lines are read here, as Python's linecache would, through a cache that
 * the caller clears between runs (files change between runs).
 */
#ifndef CCT_TRACEBACK_H
#define CCT_TRACEBACK_H

#include <stddef.h>

typedef struct cct_source_cache cct_source_cache;

/* trial's --tbformat, as its reporter hands it to Failure.getTraceback. */
typedef enum cct_tbformat {
    CCT_TBFORMAT_PLAIN = 0, /* "default": the form above */
    CCT_TBFORMAT_EMACS,     /* "brief": file:line:function per frame */
    CCT_TBFORMAT_CGITB      /* "verbose": numbered, file:line: function(...) */
} cct_tbformat;

cct_source_cache *cct_source_cache_new(void);
void cct_source_cache_clear(cct_source_cache *cache);
void cct_source_cache_free(cct_source_cache *cache);
/* Line `lineno` (1-based) of `file`, without its line ending; "" when the
 * file or line does not exist.  Owned by the cache. */
const char *cct_source_line(cct_source_cache *cache, const char *file,
                            long lineno);

/* The traceback text of a failure or error; `frames` holds n_items strings,
 * three per frame.  Returns a malloc'ed string ending with a newline. */
char *cct_format_traceback(cct_source_cache *cache, const char *error_class,
                           const char *message, const char *const *frames,
                           size_t n_items);
/* The same in one of trial's --tbformat forms; `number` is the failure's
 * in CCT_TBFORMAT_CGITB's "*--- Failure #N ---" (trial's manager counts
 * the failures it makes, cctrial those of each worker). */
char *cct_format_traceback_as(cct_tbformat format, unsigned number,
                              cct_source_cache *cache,
                              const char *error_class, const char *message,
                              const char *const *frames, size_t n_items);

/* Python's repr() of a string: 'text' with escapes. */
char *cct_python_repr(const char *text);

#endif
