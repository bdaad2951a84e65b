/*
 * trial's failure formatting (see traceback.h): frame trimming as in
 * twisted.trial.reporter.Reporter._trimFrames, the layout of
 * twisted.python.failure.Failure.printTraceback, and the source lines
 * Python's linecache would show.
 */
#include "traceback.h"

#include <stdlib.h>
#include <string.h>

#include "nonprintable.h"
#include "util.h"

/* The files read so far.  Tracebacks of one run touch few files, so a list
 * searched from the most recent entry is enough. */
typedef struct source_file {
    char *path;
    char *text;   /* the whole file, lines split in place */
    char **lines; /* lines[i] is line i + 1 */
    size_t n_lines;
} source_file;

struct cct_source_cache {
    source_file *files;
    size_t n, cap;
};

cct_source_cache *cct_source_cache_new(void)
{
    return cct_xcalloc(1, sizeof(cct_source_cache));
}

void cct_source_cache_clear(cct_source_cache *cache)
{
    for (size_t i = 0; i < cache->n; i++) {
        free(cache->files[i].path);
        free(cache->files[i].text);
        free(cache->files[i].lines);
    }
    cache->n = 0;
}

void cct_source_cache_free(cct_source_cache *cache)
{
    if (!cache)
        return;
    cct_source_cache_clear(cache);
    free(cache->files);
    free(cache);
}

/* Splits the text into lines the way Python's universal newlines do:
 * "\n", "\r\n" and a lone "\r" each end a line. */
static void split_lines(source_file *f)
{
    size_t cap = 0;
    char *p = f->text;
    while (*p) {
        CCT_GROW(f->lines, cap, f->n_lines + 1);
        f->lines[f->n_lines++] = p;
        size_t n = strcspn(p, "\r\n");
        char *end = p + n;
        if (*end == '\0')
            break;
        p = end + ((end[0] == '\r' && end[1] == '\n') ? 2 : 1);
        *end = '\0';
    }
}

static source_file *load(cct_source_cache *cache, const char *path)
{
    for (size_t i = cache->n; i-- > 0;)
        if (strcmp(cache->files[i].path, path) == 0)
            return &cache->files[i];
    CCT_GROW(cache->files, cache->cap, cache->n + 1);
    source_file *f = &cache->files[cache->n++];
    memset(f, 0, sizeof(*f));
    f->path = cct_xstrdup(path);
    /* A file that cannot be read shows empty lines, as in linecache. */
    f->text = cct_read_file(path, 64u << 20, NULL, NULL);
    if (f->text)
        split_lines(f);
    return f;
}

const char *cct_source_line(cct_source_cache *cache, const char *file,
                            long lineno)
{
    source_file *f = load(cache, file);
    if (lineno < 1 || (size_t)lineno > f->n_lines)
        return "";
    return f->lines[lineno - 1];
}

/* str.strip() for the whitespace that can appear in source lines. */
static void append_stripped(cct_buf *out, const char *s)
{
    static const char space[] = " \t\n\r\v\f\x1c\x1d\x1e\x1f";
    s += strspn(s, space);
    size_t n = strlen(s);
    while (n > 0 && strchr(space, s[n - 1]))
        n--;
    cct_buf_add(out, s, n);
}

/* The module name of a path: its base name without the extension. */
static int module_is(const char *path, const char *module)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(module);
    return strncmp(base, module, n) == 0 &&
           (base[n] == '\0' || (base[n] == '.' && !strchr(base + n + 1, '.')));
}

typedef struct frame {
    const char *function;
    const char *file;
    const char *line;
} frame;

static int frame_is(const frame *f, const char *function, const char *module)
{
    return strcmp(f->function, function) == 0 && module_is(f->file, module);
}

/* Removes trial's own frames, as Reporter._trimFrames does.  Returns the
 * number of frames left, starting at *first. */
static size_t trim_frames(frame *frames, size_t n, size_t *first)
{
    *first = 0;
    if (n < 2)
        return n;
    int sync_case = frame_is(&frames[0], "_run", "_synctest") &&
                    frame_is(&frames[1], "runWithWarningsSuppressed", "util");
    int async_case =
        frame_is(&frames[0], "maybeDeferred", "defer") &&
        frame_is(&frames[1], "runWithWarningsSuppressed", "utils");
    int callbacks_case = frame_is(&frames[0], "_runCallbacks", "defer");

    /* Python 3 adds a frame that re-raises the exception. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!frame_is(&frames[i], "reraise", "compat"))
            frames[kept++] = frames[i];
    n = kept;

    size_t drop = sync_case ? 2 : async_case ? 3 : callbacks_case ? 1 : 0;
    if (drop >= n)
        return 0;
    *first = drop;
    n -= drop;
    const frame *last = &frames[*first + n - 1];
    if (cct_str_starts_with(last->function, "fail") &&
        module_is(last->file, "_synctest"))
        n--;
    return n;
}

char *cct_format_traceback(cct_source_cache *cache, const char *error_class,
                           const char *message, const char *const *items,
                           size_t n_items)
{
    return cct_format_traceback_as(CCT_TBFORMAT_PLAIN, 0, cache, error_class,
                                   message, items, n_items);
}

/* str() of the class: "<class 'name'>", without "builtins." as Python
 * shows its own. */
static void add_class_str(cct_buf *out, const char *error_class)
{
    if (cct_str_starts_with(error_class, "builtins."))
        error_class += strlen("builtins.");
    cct_buf_printf(out, "<class '%s'>", error_class);
}

/* Failure.printTraceback(detail="brief"): what --tbformat=emacs shows. */
static void format_brief(cct_buf *out, const frame *frames, size_t n,
                         const char *error_class, const char *message)
{
    cct_buf_adds(out, n ? "Traceback: " : "Traceback (failure with no "
                                          "frames): ");
    add_class_str(out, error_class);
    cct_buf_printf(out, ": %s\n", message);
    for (size_t i = 0; i < n; i++)
        cct_buf_printf(out, "%s:%s:%s\n", frames[i].file, frames[i].line,
                       frames[i].function);
}

/* Failure.printTraceback(detail="verbose") of a failure rebuilt from a
 * worker's report, which has no variables: what --tbformat=cgitb shows. */
static void format_verbose(cct_buf *out, unsigned number,
                           const frame *frames, size_t n,
                           const char *error_class, const char *message)
{
    cct_buf_printf(out, "*--- Failure #%u ---\n", number);
    for (size_t i = 0; i < n; i++)
        cct_buf_printf(out, "%s:%s: %s(...)\n", frames[i].file,
                       frames[i].line, frames[i].function);
    if (n)
        cct_buf_adds(out, " [Capture of Locals and Globals disabled (use "
                          "captureVars=True)]\n");
    else
        cct_buf_adds(out, "Failure: ");
    cct_buf_printf(out, "%s: %s\n", error_class, message);
    cct_buf_printf(out, "*--- End of Failure #%u ---\n", number);
}

char *cct_format_traceback_as(cct_tbformat format, unsigned number,
                              cct_source_cache *cache,
                              const char *error_class, const char *message,
                              const char *const *items, size_t n_items)
{
    size_t n = n_items / 3;
    frame *frames = cct_xcalloc(n, sizeof(frame));
    for (size_t i = 0; i < n; i++) {
        frames[i].function = items[3 * i];
        frames[i].file = items[3 * i + 1];
        frames[i].line = items[3 * i + 2];
    }
    size_t first;
    size_t kept = trim_frames(frames, n, &first);

    cct_buf out;
    cct_buf_init(&out);
    if (format != CCT_TBFORMAT_PLAIN) {
        if (format == CCT_TBFORMAT_EMACS)
            format_brief(&out, frames + first, kept, error_class, message);
        else
            format_verbose(&out, number, frames + first, kept, error_class,
                           message);
        free(frames);
        return cct_buf_steal(&out);
    }
    cct_buf_adds(&out, "Traceback (most recent call last):\n");
    for (size_t i = first; i < first + kept; i++) {
        const frame *f = &frames[i];
        cct_buf_printf(&out, "  File \"%s\", line %s, in %s\n    ", f->file,
                       f->line, f->function);
        append_stripped(&out, cct_source_line(cache, f->file,
                                              strtol(f->line, NULL, 10)));
        cct_buf_addc(&out, '\n');
    }
    if (kept == 0)
        cct_buf_adds(&out, "Failure: ");
    cct_buf_printf(&out, "%s: %s\n", error_class, message);
    free(frames);
    return cct_buf_steal(&out);
}

/* Decodes one UTF-8 sequence; returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
             : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0)
        return 0;
    unsigned v = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return n;
}

/* Does Python's repr() escape this code point (str.isprintable())? */
static int nonprintable(unsigned cp)
{
    if (cp < 0x80)
        return cp < 0x20 || cp == 0x7f;
    size_t lo = 0, hi = CCT_ARRAY_SIZE(cct_nonprintable);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < cct_nonprintable[mid][0])
            hi = mid;
        else if (cp > cct_nonprintable[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

char *cct_python_repr(const char *text)
{
    char quote = (strchr(text, '\'') && !strchr(text, '"')) ? '"' : '\'';
    cct_buf out;
    cct_buf_init(&out);
    cct_buf_addc(&out, quote);
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        unsigned cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0) { /* not UTF-8: show the byte as Python would escape it */
            cct_buf_printf(&out, "\\x%02x", *s);
            s++;
            continue;
        }
        if (cp == '\\' || cp == (unsigned)quote)
            cct_buf_printf(&out, "\\%c", (char)cp);
        else if (cp == '\n')
            cct_buf_adds(&out, "\\n");
        else if (cp == '\r')
            cct_buf_adds(&out, "\\r");
        else if (cp == '\t')
            cct_buf_adds(&out, "\\t");
        else if (nonprintable(cp) && cp < 0x100)
            cct_buf_printf(&out, "\\x%02x", cp);
        else if (nonprintable(cp) && cp < 0x10000)
            cct_buf_printf(&out, "\\u%04x", cp);
        else if (nonprintable(cp))
            cct_buf_printf(&out, "\\U%08x", cp);
        else
            cct_buf_add(&out, s, n);
        s += n;
    }
    cct_buf_addc(&out, quote);
    return cct_buf_steal(&out);
}
