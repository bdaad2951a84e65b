/*
 * Small building blocks shared by the core: allocation that cannot fail
 * silently, a growable byte buffer, a vector of owned strings, and a few
 * string and file helpers.
 *
 * Allocation failure ends the program with a message: cctrial's memory use
 * is small and bounded, and half-handled out-of-memory paths would be
 * untested code.
 */
#ifndef CCT_UTIL_H
#define CCT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define CCT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *cct_xmalloc(size_t n);
void *cct_xcalloc(size_t n, size_t size);
void *cct_xrealloc(void *p, size_t n);
char *cct_xstrdup(const char *s);
char *cct_xstrndup(const char *s, size_t n);
char *cct_xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
char *cct_xvasprintf(const char *fmt, va_list ap);

/* Grows an array *items of *cap elements of `size` so that it holds at
 * least `need` of them. */
void cct_grow(void **items, size_t *cap, size_t need, size_t size);
#define CCT_GROW(arr, cap, need) \
    cct_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* A growable byte buffer, always NUL-terminated after `len` bytes. */
typedef struct cct_buf {
    char *data;
    size_t len;
    size_t cap;
} cct_buf;

void cct_buf_init(cct_buf *b);
void cct_buf_free(cct_buf *b);
void cct_buf_reset(cct_buf *b);
void cct_buf_reserve(cct_buf *b, size_t extra);
void cct_buf_add(cct_buf *b, const void *data, size_t len);
void cct_buf_adds(cct_buf *b, const char *s);
void cct_buf_addc(cct_buf *b, char c);
void cct_buf_printf(cct_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Removes the first n bytes. */
void cct_buf_consume(cct_buf *b, size_t n);
/* Takes the contents as a malloc'ed string and empties the buffer. */
char *cct_buf_steal(cct_buf *b);

/* A vector of owned, NUL-terminated strings; items[len] is NULL. */
typedef struct cct_strv {
    char **items;
    size_t len;
    size_t cap;
} cct_strv;

void cct_strv_init(cct_strv *v);
void cct_strv_free(cct_strv *v);
void cct_strv_clear(cct_strv *v);
void cct_strv_add(cct_strv *v, const char *s);
void cct_strv_take(cct_strv *v, char *s); /* takes ownership */
int cct_strv_contains(const cct_strv *v, const char *s);
/* Splits on commas and whitespace, dropping empty words.  A word that
 * starts with a double quote runs to the next one, commas and spaces
 * included, a backslash in it taking the next character as it is (a test
 * file in a directory with a space). */
void cct_strv_split_words(cct_strv *v, const char *text);
/* The words joined by spaces, each quoted when cct_strv_split_words would
 * otherwise cut it: splitting the result gives them back. */
char *cct_strv_join_words(const cct_strv *v);
char *cct_strv_join(const cct_strv *v, const char *sep);
void cct_strv_sort(cct_strv *v);

int cct_str_starts_with(const char *s, const char *prefix);
int cct_str_ends_with(const char *s, const char *suffix);
/* Reads a whole file; NULL (errno set) when it cannot.  At most `limit`
 * bytes are read when limit is non-zero; *truncated tells if more were. */
char *cct_read_file(const char *path, size_t limit, size_t *len,
                    int *truncated);
/* Reads at most `limit` bytes from the end of a file, starting at a line
 * boundary when it had to cut. */
char *cct_read_file_tail(const char *path, size_t limit);
/* Joins a directory and a name with one slash. */
char *cct_path_join(const char *dir, const char *name);
/* The absolute form of a path relative to `cwd`, with "." and ".." and
 * repeated slashes resolved textually (symbolic links are kept). */
char *cct_path_absolute(const char *cwd, const char *path);
/* Is `program` an executable file, itself (when it has a slash) or in a
 * directory of PATH? */
int cct_which(const char *program);
/* A signal's name without "SIG" ("KILL"), or NULL for one this does not
 * know: glibc's sigabbrev_np, which other systems lack. */
const char *cct_signal_name(int sig);
/* A copy of `path` with a leading "~/" replaced by $HOME. */
char *cct_expand_home(const char *path);
/* libuv's alloc_cb for reads: a malloc'ed buffer of the suggested size,
 * which the read callback frees. */
void cct_alloc_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
/* A copy of `len` bytes with every invalid UTF-8 sequence replaced by
 * U+FFFD and NUL bytes dropped, so that any text can go into JSON. */
char *cct_utf8_sanitize(const char *s, size_t len);

#endif
