/*
 * The problem key of a result (see problem.h and docs/grouping.md).
 *
 * A traceback as traceback.c writes it is read back into its frames and
 * its exception.  The key is the exception, then where the problem is:
 * the frames inward of the test's own code, without the frames of the
 * machinery that only carries an exception along (Deferreds, Failures,
 * trial's assertions), or, when the problem is in the test's own code,
 * the innermost frame of it without its line number.  A SyntaxError or an
 * ImportError names its file in its message, and which module happened
 * to import it first does not matter: its key is the exception alone.
 * Last, what differs from run to run or from test to test for the same
 * problem is replaced: addresses, temporary directories, the test's own
 * names and trial's per-test temporary paths.
 */
#include "problem.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct span {
    const char *p;
    size_t n;
} span;

typedef struct frame {
    span file, line, function, source;
} frame;

static const char traceback_header[] = "Traceback (most recent call last):\n";

/* Frames of the code that carries an exception from where it was raised
 * to the test (Deferred callbacks, inlineCallbacks, Failure, the clock)
 * and of trial's assertions: how a problem travelled, not where it is. */
static const char *const machinery[] = {
    "/twisted/internet/defer.py",   "/twisted/python/failure.py",
    "/twisted/internet/task.py",    "/twisted/trial/_synctest.py",
    "/twisted/trial/_asynctest.py", "/unittest/case.py",
};

/* Exceptions that name the file at fault in their message, whichever
 * module imported it. */
static const char *const import_problems[] = {
    "builtins.SyntaxError: ",      "builtins.IndentationError: ",
    "builtins.TabError: ",         "builtins.ImportError: ",
    "builtins.ModuleNotFoundError: ",
};

static int span_ends_with(span s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

/* Reads the two lines traceback.c writes for a frame,
 *
 *       File "<file>", line <n>, in <function>
 *         <source>
 *
 * into *f.  Returns the text after them, or NULL when `p` holds no frame. */
static const char *parse_frame(const char *p, frame *f)
{
    static const char open[] = "  File \"", sep[] = "\", line ";
    if (!cct_str_starts_with(p, open))
        return NULL;
    const char *file = p + strlen(open);
    const char *eol = strchr(file, '\n');
    if (!eol)
        return NULL;
    /* A file name may hold anything, a function name no '", line ': the
     * last one ends the file name. */
    const char *end_file = NULL;
    for (const char *q = file; q + strlen(sep) <= eol; q++)
        if (memcmp(q, sep, strlen(sep)) == 0)
            end_file = q;
    if (!end_file)
        return NULL;
    const char *line = end_file + strlen(sep), *end_line = line;
    while (end_line < eol && isdigit((unsigned char)*end_line))
        end_line++;
    if (end_line == line || eol - end_line < 5 ||
        memcmp(end_line, ", in ", 5) != 0)
        return NULL;
    const char *source = eol + 1;
    if (!cct_str_starts_with(source, "    "))
        return NULL;
    source += 4;
    const char *end_source = strchr(source, '\n');
    if (!end_source)
        return NULL;
    f->file = (span){file, (size_t)(end_file - file)};
    f->line = (span){line, (size_t)(end_line - line)};
    f->function = (span){end_line + 5, (size_t)(eol - end_line - 5)};
    f->source = (span){source, (size_t)(end_source - source)};
    return end_source + 1;
}

/* Is `file` the test's own module: the file of one of the dotted prefixes
 * of its id ("pkg/test_mod.py" for "pkg.test_mod.T.test_x"), or the
 * package the id names whole (a package that failed to import)? */
static int is_test_module(span file, const char *test_id)
{
    size_t id_len = strlen(test_id);
    char *path = cct_xcalloc(1, id_len + sizeof("//__init__.py"));
    int found = 0;
    for (size_t k = 1; k <= id_len && !found; k++) {
        if (k < id_len && test_id[k] != '.')
            continue;
        path[0] = '/';
        for (size_t i = 0; i < k; i++)
            path[i + 1] = test_id[i] == '.' ? '/' : test_id[i];
        strcpy(path + k + 1, ".py");
        /* A relative file name is the path without its leading '/'. */
        found = span_ends_with(file, path) ||
                (file.n == k + 3 && memcmp(file.p, path + 1, k + 3) == 0);
        if (!found && k == id_len) {
            strcpy(path + k + 1, "/__init__.py");
            found = span_ends_with(file, path);
        }
    }
    free(path);
    return found;
}

static int is_machinery(span file)
{
    for (size_t i = 0; i < CCT_ARRAY_SIZE(machinery); i++)
        if (span_ends_with(file, machinery[i]))
            return 1;
    return 0;
}

static void add_frame(cct_buf *b, const frame *f)
{
    cct_buf_printf(b, "  at %.*s:%.*s, in %.*s\n", (int)f->file.n,
                   f->file.p, (int)f->line.n, f->line.p, (int)f->function.n,
                   f->function.p);
}

/* A frame of the test's own module: its line number moves whenever the
 * module is edited above it, its source line says what it does. */
static void add_own_frame(cct_buf *b, const frame *f)
{
    cct_buf_printf(b, "  at %.*s, in %.*s: %.*s\n", (int)f->file.n,
                   f->file.p, (int)f->function.n, f->function.p,
                   (int)f->source.n, f->source.p);
}

/* Where the problem is (see the top of this file). */
static void add_location(cct_buf *b, const frame *frames, size_t n,
                         const char *test_id)
{
    size_t own = n; /* the innermost frame of the test's module, if any */
    for (size_t i = 0; i < n; i++)
        if (is_test_module(frames[i].file, test_id))
            own = i;
    size_t added = 0;
    for (size_t i = own == n ? 0 : own + 1; i < n; i++)
        if (!is_machinery(frames[i].file)) {
            add_frame(b, &frames[i]);
            added++;
        }
    if (added == 0 && own < n)
        add_own_frame(b, &frames[own]);
    else if (added == 0 && n > 0)
        add_frame(b, &frames[n - 1]); /* raised by the machinery itself */
}

/* ---- normalising -------------------------------------------------------- */

/* The test's own names, for the texts that contain them. */
typedef struct own_names {
    const char *id;
    char *method; /* NULL when the id names no method (a module) */
    char *mktemp; /* "/<Class>/<method>/" as in trial's mktemp() paths */
} own_names;

static void own_names_init(own_names *o, const char *test_id)
{
    memset(o, 0, sizeof(*o));
    o->id = test_id;
    const char *method = strrchr(test_id, '.');
    if (!method || method == test_id)
        return;
    const char *cls = method - 1;
    while (cls > test_id && cls[-1] != '.')
        cls--;
    if (cls == test_id)
        return; /* "module.name": no class, no method */
    o->method = cct_xstrdup(method + 1);
    /* trial's TestCase.mktemp() cuts each part to 32 characters. */
    o->mktemp = cct_xasprintf("/%.*s/%.32s/",
                              (int)(method - cls > 32 ? 32 : method - cls),
                              cls, method + 1);
}

static void own_names_free(own_names *o)
{
    free(o->method);
    free(o->mktemp);
}

/* Characters that end a path within a message. */
static int ends_path(char c)
{
    return c == '\0' || strchr(" \t\r\n'\"()[]{}<>,;=:", c) != NULL;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* At the start of a path: trial's mktemp() path of this test (the test's
 * names and a random directory), replaced whole up to that directory, or
 * a directory of its own under a temporary root.  Returns the characters
 * consumed, 0 when there is no such path here. */
static size_t temp_path(cct_buf *out, const char *s, const own_names *own)
{
    static const char *const roots[] = {"/tmp/", "/var/tmp/", "/dev/shm/"};
    size_t end = 0;
    while (!ends_path(s[end]))
        end++;
    if (own->mktemp) {
        size_t n = strlen(own->mktemp);
        for (size_t i = 0; i + n <= end; i++)
            if (memcmp(s + i, own->mktemp, n) == 0) {
                size_t after = i + n;
                while (after < end && s[after] != '/')
                    after++;
                cct_buf_adds(out, "<mktemp>");
                return after;
            }
    }
    for (size_t r = 0; r < CCT_ARRAY_SIZE(roots); r++) {
        size_t n = strlen(roots[r]);
        if (n < end && strncmp(s, roots[r], n) == 0) {
            size_t after = n;
            while (after < end && s[after] != '/')
                after++;
            cct_buf_add(out, s, n);
            cct_buf_adds(out, "<tmp>");
            return after;
        }
    }
    return 0;
}

/* "0x" and at least 6 hex digits, a whole word: an object's address. */
static size_t address(const char *s)
{
    if (s[0] != '0' || s[1] != 'x')
        return 0;
    size_t n = 2;
    while (isxdigit((unsigned char)s[n]))
        n++;
    return n >= 8 && !is_name_char(s[n]) ? n : 0;
}

/* `name` at s, as a whole identifier (dots join it to nothing more). */
static size_t whole_name(const char *text, const char *s, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(s, name, n) != 0 || is_name_char(s[n]) ||
        (s[n] == '.' && is_name_char(s[n + 1])))
        return 0;
    if (s > text && (is_name_char(s[-1]) || s[-1] == '.'))
        return 0;
    return n;
}

/* Appends `s` with its volatile parts replaced; `own` is NULL, or holds
 * only some names, where the others are not to be replaced. */
static void normalise(cct_buf *out, const char *s, const own_names *own)
{
    static const own_names none = {0};
    const own_names *names = own ? own : &none;
    for (const char *p = s; *p;) {
        size_t n = 0;
        if (p == s || ends_path(p[-1]))
            n = temp_path(out, p, names);
        if (n) {
            p += n;
        } else if (!is_name_char(p == s ? ' ' : p[-1]) && (n = address(p))) {
            cct_buf_adds(out, "<addr>");
            p += n;
        } else if (names->id && (n = whole_name(s, p, names->id))) {
            cct_buf_adds(out, "<test>");
            p += n;
        } else if (names->method && (n = whole_name(s, p, names->method))) {
            cct_buf_adds(out, "<test>");
            p += n;
        } else {
            cct_buf_addc(out, *p++);
        }
    }
}

static int is_import_problem(const char *exception)
{
    for (size_t i = 0; i < CCT_ARRAY_SIZE(import_problems); i++)
        if (cct_str_starts_with(exception, import_problems[i]))
            return 1;
    return 0;
}

char *cct_problem_key(const char *test_id, const char *text)
{
    assert(test_id && text);
    own_names own;
    own_names_init(&own, test_id);
    cct_buf raw, key;
    cct_buf_init(&raw);
    cct_buf_init(&key);
    if (!cct_str_starts_with(text, traceback_header)) {
        normalise(&key, text, &own);
        goto done;
    }
    frame *frames = NULL;
    size_t n = 0, cap = 0;
    const char *p = text + strlen(traceback_header), *next;
    frame f;
    while ((next = parse_frame(p, &f))) {
        CCT_GROW(frames, cap, n + 1);
        frames[n++] = f;
        p = next;
    }
    if (n == 0 && cct_str_starts_with(p, "Failure: "))
        p += strlen("Failure: ");
    if (is_import_problem(p)) {
        normalise(&key, p, NULL);
    } else {
        normalise(&key, p, &own);
        if (key.len > 0 && key.data[key.len - 1] != '\n')
            cct_buf_addc(&key, '\n');
        /* The frames name the test's own functions: only paths change. */
        add_location(&raw, frames, n, test_id);
        own_names paths = {.mktemp = own.mktemp};
        normalise(&key, raw.data ? raw.data : "", &paths);
    }
    free(frames);
done:
    own_names_free(&own);
    cct_buf_free(&raw);
    return cct_buf_steal(&key);
}
