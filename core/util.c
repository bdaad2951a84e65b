/*
 * Implementation of the small building blocks in util.h.
 */
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "cctrial: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *cct_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *cct_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *cct_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

char *cct_xstrdup(const char *s)
{
    return cct_xstrndup(s, strlen(s));
}

char *cct_xstrndup(const char *s, size_t n)
{
    char *p = cct_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cct_xvasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    char *s = cct_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *cct_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = cct_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void cct_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *items = cct_xrealloc(*items, n * size);
    *cap = n;
}

void cct_buf_init(cct_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void cct_buf_free(cct_buf *b)
{
    free(b->data);
    cct_buf_init(b);
}

void cct_buf_reset(cct_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void cct_buf_reserve(cct_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need > b->cap) {
        size_t n = b->cap ? b->cap : 64;
        while (n < need)
            n *= 2;
        b->data = cct_xrealloc(b->data, n);
        b->cap = n;
        b->data[b->len] = '\0';
    }
}

void cct_buf_add(cct_buf *b, const void *data, size_t len)
{
    cct_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void cct_buf_adds(cct_buf *b, const char *s)
{
    cct_buf_add(b, s, strlen(s));
}

void cct_buf_addc(cct_buf *b, char c)
{
    cct_buf_add(b, &c, 1);
}

void cct_buf_printf(cct_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = cct_xvasprintf(fmt, ap);
    va_end(ap);
    cct_buf_adds(b, s);
    free(s);
}

void cct_buf_consume(cct_buf *b, size_t n)
{
    if (n >= b->len) {
        cct_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

char *cct_buf_steal(cct_buf *b)
{
    char *s = b->data ? b->data : cct_xstrdup("");
    cct_buf_init(b);
    return s;
}

void cct_strv_init(cct_strv *v)
{
    v->items = NULL;
    v->len = 0;
    v->cap = 0;
}

void cct_strv_clear(cct_strv *v)
{
    for (size_t i = 0; i < v->len; i++)
        free(v->items[i]);
    v->len = 0;
    if (v->items)
        v->items[0] = NULL;
}

void cct_strv_free(cct_strv *v)
{
    cct_strv_clear(v);
    free(v->items);
    cct_strv_init(v);
}

void cct_strv_take(cct_strv *v, char *s)
{
    CCT_GROW(v->items, v->cap, v->len + 2);
    v->items[v->len++] = s;
    v->items[v->len] = NULL;
}

void cct_strv_add(cct_strv *v, const char *s)
{
    cct_strv_take(v, cct_xstrdup(s));
}

int cct_strv_contains(const cct_strv *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i], s) == 0)
            return 1;
    return 0;
}

#define WORD_SEPARATORS ", \t\r\n"

/* A quoted word: what follows the opening quote up to the closing one (or
 * the end), a backslash taking the next character as it is.  Returns the
 * text after it. */
static const char *take_quoted(cct_strv *v, const char *p)
{
    cct_buf word;
    cct_buf_init(&word);
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        cct_buf_addc(&word, *p);
    }
    if (word.len)
        cct_strv_take(v, cct_buf_steal(&word));
    cct_buf_free(&word);
    return *p ? p + 1 : p;
}

void cct_strv_split_words(cct_strv *v, const char *text)
{
    const char *p = text;
    while (*p) {
        p += strspn(p, WORD_SEPARATORS);
        if (*p == '"') {
            p = take_quoted(v, p);
            continue;
        }
        size_t n = strcspn(p, WORD_SEPARATORS);
        if (n)
            cct_strv_take(v, cct_xstrndup(p, n));
        p += n;
    }
}

char *cct_strv_join_words(const cct_strv *v)
{
    cct_buf b;
    cct_buf_init(&b);
    for (size_t i = 0; i < v->len; i++) {
        const char *word = v->items[i];
        if (i)
            cct_buf_addc(&b, ' ');
        if (word[0] != '"' && word[strcspn(word, WORD_SEPARATORS)] == 0) {
            cct_buf_adds(&b, word);
            continue;
        }
        cct_buf_addc(&b, '"');
        for (const char *c = word; *c; c++) {
            if (*c == '"' || *c == '\\')
                cct_buf_addc(&b, '\\');
            cct_buf_addc(&b, *c);
        }
        cct_buf_addc(&b, '"');
    }
    return cct_buf_steal(&b);
}

char *cct_strv_join(const cct_strv *v, const char *sep)
{
    cct_buf b;
    cct_buf_init(&b);
    for (size_t i = 0; i < v->len; i++) {
        if (i)
            cct_buf_adds(&b, sep);
        cct_buf_adds(&b, v->items[i]);
    }
    return cct_buf_steal(&b);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cct_strv_sort(cct_strv *v)
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof(char *), compare_strings);
}

int cct_str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int cct_str_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *cct_read_file(const char *path, size_t limit, size_t *len,
                    int *truncated)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    cct_buf b;
    cct_buf_init(&b);
    cct_buf_reserve(&b, 0);
    int cut = 0;
    for (;;) {
        char chunk[65536];
        size_t want = sizeof(chunk);
        if (limit && b.len + want > limit)
            want = limit - b.len;
        if (want == 0) {
            char probe;
            cut = read(fd, &probe, 1) > 0;
            break;
        }
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            cct_buf_free(&b);
            errno = saved;
            return NULL;
        }
        if (n == 0)
            break;
        cct_buf_add(&b, chunk, (size_t)n);
    }
    close(fd);
    if (len)
        *len = b.len;
    if (truncated)
        *truncated = cut;
    return cct_buf_steal(&b);
}

char *cct_read_file_tail(const char *path, size_t limit)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    off_t start = 0;
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)limit)
        start = st.st_size - (off_t)limit;
    char *text = cct_xmalloc(limit + 1);
    ssize_t n = pread(fd, text, limit, start);
    close(fd);
    if (n < 0)
        n = 0;
    text[n] = '\0';
    if (start > 0) {
        char *nl = memchr(text, '\n', (size_t)n);
        if (nl && nl + 1 < text + n)
            memmove(text, nl + 1, strlen(nl + 1) + 1);
    }
    return text;
}

char *cct_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    if (n && dir[n - 1] == '/')
        return cct_xasprintf("%s%s", dir, name);
    return cct_xasprintf("%s/%s", dir, name);
}

char *cct_path_absolute(const char *cwd, const char *path)
{
    char *joined = path[0] == '/' ? cct_xstrdup(path)
                                  : cct_path_join(cwd, path);
    /* Resolve "." and ".." component by component into `out`. */
    char *out = cct_xmalloc(strlen(joined) + 2);
    size_t len = 0;
    char *save = NULL;
    for (char *part = strtok_r(joined, "/", &save); part;
         part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            continue;
        }
        out[len++] = '/';
        size_t n = strlen(part);
        memcpy(out + len, part, n);
        len += n;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    free(joined);
    return out;
}

/* The bytes a lead byte allows second (others take 0x80-0xBF), per the
 * well-formed table of the Unicode standard (no overlong forms, no
 * surrogates, nothing past U+10FFFF).  Returns the sequence's length, 0
 * for a byte that cannot start one. */
static size_t utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c == 0xe0)
        *lo = 0xa0;
    else if (c == 0xed)
        *hi = 0x9f;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c == 0xf0)
        *lo = 0x90;
    else if (c == 0xf4)
        *hi = 0x8f;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

/* How many bytes at s form a valid sequence (returned positive), or the
 * length of the maximal subpart of one that is cut short (returned
 * negative, at least 1 byte): that whole subpart is one U+FFFD, as Python
 * and the Unicode standard replace it. */
static long utf8_step(const unsigned char *s, size_t avail)
{
    unsigned char lo, hi;
    size_t n = utf8_lead(s[0], &lo, &hi);
    if (n == 0)
        return -1;
    size_t k = 1;
    while (k < n && k < avail) {
        unsigned char c = s[k];
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf))
            break;
        k++;
    }
    return k == n ? (long)n : -(long)k;
}

char *cct_utf8_sanitize(const char *s, size_t len)
{
    cct_buf out;
    cct_buf_init(&out);
    cct_buf_reserve(&out, len);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        long step = utf8_step(p + i, len - i);
        if (step < 0) {
            cct_buf_add(&out, "\xef\xbf\xbd", 3);
            i += (size_t)-step;
        } else {
            if (!(step == 1 && p[i] == 0))
                cct_buf_add(&out, p + i, (size_t)step);
            i += (size_t)step;
        }
    }
    return cct_buf_steal(&out);
}

int cct_which(const char *program)
{
    if (strchr(program, '/'))
        return access(program, X_OK) == 0;
    const char *path = getenv("PATH");
    char *copy = cct_xstrdup(path ? path : ""), *save = NULL;
    int found = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *full = cct_path_join(*dir ? dir : ".", program);
        found = access(full, X_OK) == 0;
        free(full);
    }
    free(copy);
    return found;
}

char *cct_expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (home && *home && (strcmp(path, "~") == 0 ||
                          cct_str_starts_with(path, "~/")))
        return cct_xasprintf("%s%s", home, path + 1);
    return cct_xstrdup(path);
}

void cct_alloc_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    buf->base = cct_xmalloc(suggested);
    buf->len = suggested;
}

const char *cct_signal_name(int sig)
{
    /* The signals a worker dies of, in practice: POSIX's own. */
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGHUP, "HUP"},   {SIGINT, "INT"},   {SIGQUIT, "QUIT"},
        {SIGILL, "ILL"},   {SIGTRAP, "TRAP"}, {SIGABRT, "ABRT"},
        {SIGBUS, "BUS"},   {SIGFPE, "FPE"},   {SIGKILL, "KILL"},
        {SIGUSR1, "USR1"}, {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},
        {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"}, {SIGTERM, "TERM"},
        {SIGCHLD, "CHLD"}, {SIGCONT, "CONT"}, {SIGSTOP, "STOP"},
        {SIGTSTP, "TSTP"}, {SIGTTIN, "TTIN"}, {SIGTTOU, "TTOU"},
        {SIGURG, "URG"},   {SIGXCPU, "XCPU"}, {SIGXFSZ, "XFSZ"},
        {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGSYS, "SYS"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].sig == sig)
            return names[i].name;
    return NULL;
}
