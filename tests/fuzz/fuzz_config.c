/*
 * libFuzzer target for the configuration reader (core/config.c with inih)
 * and what follows it at start-up: validation of [cctrial] against the
 * core's option table and the typed settings read from it
 * (core/options.c).  A user's .cctrialrc can hold anything; whatever it
 * holds must end in settings or in one error message, never in a crash.
 *
 * The input is written to a scratch file that the reader then opens by
 * path, as it opens a real .cctrialrc.  The scratch file is a memfd made
 * once per process and rewritten for every input: the same path each time
 * (messages name it, so this keeps runs deterministic), nothing on disk to
 * clean up when a crash ends the process.  It is the harness's only state.
 *
 * Two more relations.  Comments mean nothing: the same file with every
 * comment taken out (inih's rules: a line whose first non-blank is ';' or
 * '#'; in an unindented line, from a ';' after a blank to the end) must
 * read without error too and give the same settings, word for word.
 * And nothing is lost or made up: for the last line that sets a key (an
 * unindented "key = value" line, as inih reads it), the value's words
 * begin the setting's words, and every setting's key is set by some line,
 * however long the lines (cctrial hands a line longer than inih's buffer
 * over in pieces).
 * Inputs holding a NUL byte are left out of both: inih sees a line only up
 * to its first NUL.
 */
#include <ctype.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"
#include "options.h"
#include "util.h"

/* Writes the input to the scratch file; returns the file's path. */
static const char *write_scratch(const uint8_t *data, size_t size)
{
    static char path[64];
    static int fd = -1;
    if (fd < 0) {
        fd = memfd_create("cct-fuzz-config", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    CCT_FUZZ_CHECK(ftruncate(fd, 0) == 0);
    CCT_FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
    return path;
}

static int valid_name(const char *s)
{
    return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-.") ==
                     strlen(s);
}

/* What the reader kept: named settings, each from this file. */
static void check_settings(const cct_config *c, const char *path)
{
    size_t path_len = strlen(path);
    for (size_t i = 0; i < c->n; i++) {
        const cct_setting *s = &c->items[i];
        CCT_FUZZ_CHECK(valid_name(s->section) && valid_name(s->key));
        CCT_FUZZ_CHECK(s->value && s->file && strcmp(s->file, path) == 0);
        CCT_FUZZ_CHECK(s->line >= 1);
        CCT_FUZZ_CHECK(strncmp(s->origin, path, path_len) == 0 &&
                       s->origin[path_len] == ':');
        CCT_FUZZ_CHECK(cct_config_find(c, s->section, s->key) == s);
    }
    CCT_FUZZ_CHECK(c->files.len == 1 && strcmp(c->files.items[0], path) == 0);
}

/* Validated settings are within the table's bounds once read. */
static void check_loaded(const cct_config *c)
{
    cct_settings s;
    cct_settings_load(&s, c);
    CCT_FUZZ_CHECK(s.jobs >= 1 && s.jobs <= 256);
    CCT_FUZZ_CHECK(s.debounce_ms <= 60000);
    CCT_FUZZ_CHECK(s.timeout_s <= 86400);
    CCT_FUZZ_CHECK(s.verbose >= 0 && s.verbose <= 3);
    CCT_FUZZ_CHECK(s.notifier && s.selector);
    CCT_FUZZ_CHECK(!s.smart || s.forever);
    cct_settings_free(&s);

    cct_buf printed;
    cct_buf_init(&printed);
    cct_config_print_section(c, CCT_CORE_SECTION, cct_core_options,
                             &printed);
    CCT_FUZZ_CHECK(cct_str_starts_with(printed.data, "[cctrial]\n"));
    cct_buf_free(&printed);
}

static void check_validation(const cct_config *c)
{
    char *error = NULL;
    int rc = cct_config_validate(c, CCT_CORE_SECTION, cct_core_options,
                                 &error);
    CCT_FUZZ_CHECK(rc == 0 ? error == NULL
                           : rc == CCT_ECONFIG && error && *error);
    free(error);
    if (rc == 0)
        check_loaded(c);

    /* A section checked against a table without keys: any setting in it
     * is unknown. */
    if (c->n > 0) {
        rc = cct_config_validate(c, c->items[0].section, CCT_NO_OPTIONS,
                                 &error);
        CCT_FUZZ_CHECK(rc == CCT_ECONFIG && error &&
                       strstr(error, "valid keys: (none)"));
        free(error);
    }
}

/* The input without its comments, line for line (so line numbers stay). */
static char *strip_comments(const uint8_t *data, size_t size)
{
    cct_buf out;
    cct_buf_init(&out);
    const char *text = (const char *)data, *end = text + size;
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end, *p = line;
        if (line == text && size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
            p += 3; /* inih skips a BOM at the start of the file */
        const char *first = p;
        while (p < stop && isspace((unsigned char)*p))
            p++;
        const char *cut = p < stop && (*p == ';' || *p == '#') ? line : NULL;
        /* Debian's inih (r55) keeps inline comments in the indented lines
         * that continue a value: only unindented lines lose them. */
        int indented = p > first;
        for (; !cut && !indented && p < stop; p++)
            if (*p == ';' && isspace((unsigned char)p[-1]))
                cut = p;
        cct_buf_add(&out, line, (size_t)((cut ? cut : stop) - line));
        if (nl)
            cct_buf_addc(&out, '\n');
        line = nl ? nl + 1 : end;
    }
    return cct_buf_steal(&out);
}

/* The words of a value, split at ',' and at every blank inih knows (it
 * strips them all from the ends of the pieces it is given). */
static void words(cct_strv *v, const char *text)
{
    cct_strv_init(v);
    for (const char *p = text; *p;) {
        const char *w = p;
        while (*p && *p != ',' && !isspace((unsigned char)*p))
            p++;
        if (p > w)
            cct_strv_take(v, cct_xstrndup(w, (size_t)(p - w)));
        if (*p)
            p++;
    }
}

static int same_words(const char *a, const char *b)
{
    cct_strv wa, wb;
    words(&wa, a);
    words(&wb, b);
    int same = wa.len == wb.len;
    for (size_t i = 0; same && i < wa.len; i++)
        same = strcmp(wa.items[i], wb.items[i]) == 0;
    cct_strv_free(&wa);
    cct_strv_free(&wb);
    return same;
}

/* Reads the input again without its comments: it reads without error
 * too (taking comments out cannot make a file wrong), with the same
 * settings. */
static void check_without_comments(const cct_config *c, const uint8_t *data,
                                   size_t size)
{
    if (memchr(data, '\0', size))
        return;
    char *stripped = strip_comments(data, size);
    const char *path = write_scratch((const uint8_t *)stripped,
                                     strlen(stripped));
    cct_config d;
    cct_config_init(&d);
    char *error = NULL;
    int rc = cct_config_read_file(&d, path, &error);
    if (rc != 0)
        fprintf(stderr, "without comments: %s\n", error);
    CCT_FUZZ_CHECK(rc == 0 && d.n == c->n);
    for (size_t i = 0; i < c->n; i++) {
        const cct_setting *s = &c->items[i], *t = &d.items[i];
        CCT_FUZZ_CHECK(strcmp(s->section, t->section) == 0 &&
                       strcmp(s->key, t->key) == 0 && s->line == t->line);
        CCT_FUZZ_CHECK(same_words(s->value, t->value));
    }
    cct_config_free(&d);
    free(stripped);
}

/* Where inih's scan from s stops: at one of `chars`, at a ';' after a
 * blank (an inline comment), or at the end. */
static const char *scan(const char *s, const char *end, const char *chars)
{
    int was_space = 0;
    for (; s < end && !strchr(chars, *s) && !(was_space && *s == ';'); s++)
        was_space = isspace((unsigned char)*s);
    return s;
}

/* The file as inih reads it when every line fits its buffer: what it
 * knows between lines, and the last value the model saw for each key. */
typedef struct model {
    char section[50]; /* inih keeps 49 bytes of it */
    int in_value;     /* an indented line now continues a value */
    cct_strv keys;    /* "section\nkey" */
    cct_strv values;
    cct_strv seen;    /* every "section\nkey" a line sets */
} model;

static void model_set(model *m, char *key, char *value)
{
    size_t i = 0;
    while (i < m->keys.len && strcmp(m->keys.items[i], key) != 0)
        i++;
    if (i < m->keys.len) {
        free(key);
        free(m->values.items[i]);
        m->values.items[i] = value;
    } else {
        cct_strv_take(&m->keys, key);
        cct_strv_take(&m->values, value);
    }
}

/* One line, from its first non-blank `p` to `end`. */
static void model_line(model *m, const char *p, const char *end,
                       int indented)
{
    if (indented && m->in_value)
        return; /* a continuation: its words come after the value's */
    if (*p == '[') {
        const char *close = scan(p + 1, end, "]");
        if (close < end && *close == ']') {
            snprintf(m->section, sizeof(m->section), "%.*s",
                     (int)(close - p - 1), p + 1);
            m->in_value = 0;
        }
        return;
    }
    const char *eq = scan(p, end, "=:");
    if (eq == end || (*eq != '=' && *eq != ':'))
        return; /* not a pair: the file is refused */
    m->in_value = 1;
    const char *name_end = eq;
    while (name_end > p && isspace((unsigned char)name_end[-1]))
        name_end--;
    int name_len = (int)(name_end - p);
    cct_strv_take(&m->seen, cct_xasprintf("%s\n%.*s", m->section, name_len,
                                          p));
    if (name_len > 49) /* its continuations go to this name */
        cct_strv_take(&m->seen, cct_xasprintf("%s\n%.49s", m->section, p));
    /* Left out: an indented pair (cctrial joins it to an earlier value of
     * its key), and a name inih continues only 49 bytes of. */
    if (indented || name_len > 49)
        return;
    const char *value = eq + 1, *value_end = scan(value, end, "");
    model_set(m, cct_xasprintf("%s\n%.*s", m->section, name_len, p),
              cct_xstrndup(value, (size_t)(value_end - value)));
}

/* Every setting comes from a line that sets its key (no piece of a long
 * line makes a key of its own), and the words of the value of the last
 * line setting each key begin that setting's words. */
static void check_no_word_lost(const cct_config *c, const uint8_t *data,
                               size_t size)
{
    if (memchr(data, '\0', size))
        return;
    const char *text = (const char *)data, *end = text + size;
    model m = {.section = ""};
    cct_strv_init(&m.keys);
    cct_strv_init(&m.values);
    cct_strv_init(&m.seen);
    for (const char *line = text; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end, *p = line;
        if (line == text && size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
            p += 3;
        while (p < stop && isspace((unsigned char)*p))
            p++;
        if (p < stop && *p != ';' && *p != '#')
            model_line(&m, p, stop, p > line);
        line = nl ? nl + 1 : end;
    }
    for (size_t i = 0; i < c->n; i++) {
        char *key = cct_xasprintf("%s\n%s", c->items[i].section,
                                  c->items[i].key);
        CCT_FUZZ_CHECK(cct_strv_contains(&m.seen, key));
        free(key);
    }
    for (size_t i = 0; i < m.keys.len; i++) {
        char *name = strchr(m.keys.items[i], '\n');
        *name++ = '\0';
        const cct_setting *s = cct_config_find(c, m.keys.items[i], name);
        CCT_FUZZ_CHECK(s != NULL);
        cct_strv want, got;
        words(&want, m.values.items[i]);
        words(&got, s->value);
        CCT_FUZZ_CHECK(want.len <= got.len);
        for (size_t w = 0; w < want.len; w++)
            CCT_FUZZ_CHECK(strcmp(want.items[w], got.items[w]) == 0);
        cct_strv_free(&want);
        cct_strv_free(&got);
    }
    cct_strv_free(&m.keys);
    cct_strv_free(&m.values);
    cct_strv_free(&m.seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = write_scratch(data, size);

    cct_config c;
    cct_config_init(&c);
    char *error = NULL;
    int rc = cct_config_read_file(&c, path, &error);
    if (rc == 0) {
        CCT_FUZZ_CHECK(error == NULL);
        check_settings(&c, path);
        check_validation(&c);
        check_without_comments(&c, data, size);
        check_no_word_lost(&c, data, size);
    } else {
        /* One message that says where. */
        CCT_FUZZ_CHECK(rc == CCT_ECONFIG && error &&
                       cct_str_starts_with(error, path));
        free(error);
    }
    cct_config_free(&c);
    return 0;
}
