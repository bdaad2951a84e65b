/*
 * Settings, INI files and validation (see config.h).
 */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "suggest.h"
#include "root.h"

void cct_config_init(cct_config *c)
{
    memset(c, 0, sizeof(*c));
    cct_strv_init(&c->files);
    cct_strmap_init(&c->index);
}

static void free_setting(cct_setting *s)
{
    free(s->id);
    free(s->section);
    free(s->key);
    free(s->value);
    free(s->file);
    free(s->origin);
}

void cct_config_free(cct_config *c)
{
    for (size_t i = 0; i < c->n; i++)
        free_setting(&c->items[i]);
    free(c->items);
    cct_strv_free(&c->files);
    cct_strmap_free(&c->index);
    cct_config_init(c);
}

/* Settings are found through an index of "section\nkey" (the map borrows
 * each setting's `id`): a file of many keys reads in linear time. */
static char *setting_id(const char *section, const char *key)
{
    return cct_xasprintf("%s\n%s", section, key);
}

static cct_setting *find(const cct_config *c, const char *section,
                         const char *key)
{
    char *id = setting_id(section, key);
    size_t i = cct_strmap_get(&c->index, id);
    free(id);
    return i == CCT_STRMAP_MISSING ? NULL : &c->items[i];
}

void cct_config_set(cct_config *c, const char *section, const char *key,
                    const char *value, const char *origin, const char *file,
                    int line)
{
    cct_setting *s = find(c, section, key);
    char *id;
    if (s) {
        id = s->id; /* the same key: the index keeps pointing at it */
        s->id = NULL;
        free_setting(s);
    } else {
        CCT_GROW(c->items, c->cap, c->n + 1);
        s = &c->items[c->n];
        id = setting_id(section, key);
        cct_strmap_put(&c->index, id, c->n++);
    }
    s->id = id;
    s->section = cct_xstrdup(section);
    s->key = cct_xstrdup(key);
    s->value = cct_xstrdup(value);
    s->file = file ? cct_xstrdup(file) : NULL;
    s->line = line;
    s->origin = file ? cct_xasprintf("%s:%d", file, line)
                     : cct_xstrdup(origin);
}

const cct_setting *cct_config_find(const cct_config *c, const char *section,
                                   const char *key)
{
    return find(c, section, key);
}

const char *cct_config_get(const cct_config *c, const char *section,
                           const char *key, const char *fallback)
{
    const cct_setting *s = find(c, section, key);
    return s ? s->value : fallback;
}

/* ---- reading INI files -------------------------------------------------- */

/* inih hands us key/value pairs; we feed it lines ourselves so that we
 * know the line each pair came from and whether it continues the previous
 * value (an indented line).  inih's line buffer is small (INI_MAX_LINE,
 * 200 bytes in Debian's build, fixed when the library was built): a
 * longer line is handed over in pieces cut at spaces, each further piece
 * indented so that inih reads it as a continuation.  The pieces of a list
 * keep all their words.
 *
 * What we read is bounded, so that a wrong file (--config=/dev/zero, a
 * log) ends in a message, not in all the memory there is. */
#define MAX_LINE (64 * 1024)
#define MAX_FILE (1024 * 1024)

typedef struct reader {
    FILE *file;
    const char *path;
    int line;
    int continuation;
    size_t size;      /* bytes read so far */
    cct_config *config;
    char *error;
    char *text;       /* the line being handed over */
    size_t text_cap;
    size_t offset;    /* how much of it inih has had */
    size_t text_len;
    int *line_of_call; /* the file's line for each line inih was given */
    size_t calls, cap_calls;
    /* "section\nkey" of the value an indented line would continue: the
     * last pair since the last [section] header, as inih sees it (its
     * prev_name). */
    char *open_value;
    /* The value being continued, joined here and stored once it ends, so
     * that a long multi-line value costs its length, not its square. */
    size_t open_item;
    cct_buf joined;
    int joined_dirty;
} reader;

/* Can a piece end before s[i]: a space or tab, not followed (after the
 * blanks) by '#', which would make inih read the next piece as a comment
 * and drop its words (regressions/config/long_line_hash_word). */
static int cut_point(const char *s, size_t i)
{
    if (s[i] != ' ' && s[i] != '\t')
        return 0;
    while (isspace((unsigned char)s[i]))
        i++;
    return s[i] != '#';
}

/* The next piece of the current line, at most `room` bytes. */
static size_t next_piece(reader *r, size_t room)
{
    size_t left = r->text_len - r->offset;
    if (left <= room)
        return left;
    /* Cut at the last space that fits; a piece without one is an error. */
    size_t cut = room;
    while (cut > 0 && !cut_point(r->text + r->offset, cut))
        cut--;
    return cut;
}

/* Does inih read this line, from its first non-blank `i`, as a [section]
 * header?  An indented '[' continues an open value instead, as any
 * indented line does (regressions/config/indented_bracket_continues). */
static int is_header(const reader *r, size_t start, size_t i)
{
    return r->text[i] == '[' && (i == start || !r->open_value);
}

/* Takes off a line too long for one piece what inih ignores in a line:
 * its comment (a line whose first non-blank is ';' or '#', or from a ';'
 * after a blank) and what follows a [section] header's ']', keeping the
 * newline.  Else the pieces after it would reach inih as lines of their
 * own: a continuation of the value, comment words and all, or new keys
 * (found by tests/fuzz/fuzz_config; regressions/config/long_comment_*,
 * long_section_line). */
static void drop_ignored_tail(reader *r, size_t room)
{
    char *t = r->text;
    if (r->text_len <= room)
        return; /* one piece: inih sees it whole */
    size_t start = r->line == 1 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    size_t i = start;
    while (i < r->text_len && isspace((unsigned char)t[i]))
        i++;
    int header = is_header(r, start, i);
    size_t cut = r->text_len;
    if (i < r->text_len && (t[i] == ';' || t[i] == '#'))
        cut = 0;
    for (; cut == r->text_len && i < r->text_len; i++)
        if (i > 0 && t[i] == ';' && isspace((unsigned char)t[i - 1]))
            cut = i;
        else if (header && t[i] == ']')
            cut = i + 1;
    if (cut < r->text_len) {
        t[cut] = '\n';
        t[cut + 1] = '\0';
        r->text_len = cut + 1;
    }
}

static void fail(reader *r, char *message)
{
    if (!r->error)
        r->error = message;
    else
        free(message);
}

/* Reads the next line of the file into r->text, newline included.
 * Returns 1, 0 at the end, -1 on an error (r->error says it). */
static int next_line(reader *r)
{
    size_t n = 0;
    int ch = EOF;
    while (n < MAX_LINE && (ch = getc(r->file)) != EOF) {
        if (++r->size > MAX_FILE) {
            fail(r, cct_xasprintf("%s: the configuration is larger than "
                                  "%d bytes; is it the right file?",
                                  r->path, MAX_FILE));
            return -1;
        }
        if (n + 2 > r->text_cap) {
            r->text_cap = r->text_cap ? 2 * r->text_cap : 256;
            r->text = cct_xrealloc(r->text, r->text_cap);
        }
        r->text[n++] = (char)ch;
        if (ch == '\n')
            break;
    }
    if (n == MAX_LINE && ch != '\n' && ch != EOF) {
        fail(r, cct_xasprintf("%s:%d: the line is longer than %d bytes; "
                              "split it: an indented line continues a "
                              "value", r->path, r->line + 1, MAX_LINE));
        return -1;
    }
    if (n == 0) {
        /* Not the end: a directory opens but cannot be read. */
        if (ferror(r->file))
            fail(r, cct_xasprintf("%s: cannot read the configuration: %s",
                                  r->path, strerror(errno)));
        return ferror(r->file) ? -1 : 0;
    }
    r->text[n] = '\0';
    r->text_len = n;
    return 1;
}

static char *read_line(char *str, int num, void *stream)
{
    reader *r = stream;
    if (r->offset >= r->text_len) {
        if (next_line(r) <= 0)
            return NULL;
        r->offset = 0;
        r->line++;
        /* inih continues a value on a line starting with any blank, '\r'
         * or '\f' too, not only ' ' and '\t' (found by tests/fuzz/
         * fuzz_config; regressions/config/continuation_*). */
        r->continuation = isspace((unsigned char)r->text[0]);
        size_t start = r->line == 1 &&
                       memcmp(r->text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        size_t lead = start + strspn(r->text + start, " \t\r\f\v");
        if (is_header(r, start, lead)) { /* no value continues past it */
            free(r->open_value);
            r->open_value = NULL;
        }
        drop_ignored_tail(r, (size_t)num - 2);
    } else {
        r->continuation = 1; /* a further piece of a long line */
    }
    int first = r->offset == 0;
    CCT_GROW(r->line_of_call, r->cap_calls, r->calls + 1);
    r->line_of_call[r->calls++] = r->line;
    /* Room for the piece, the indent of a further piece, a newline and
     * the NUL. */
    size_t room = (size_t)num - 2 - (first ? 0 : 1);
    size_t piece = next_piece(r, room);
    if (piece == 0) {
        fail(r, cct_xasprintf("%s:%d: a word of this line is longer than "
                              "%d characters; shorten it", r->path, r->line,
                              num - 3));
        r->offset = r->text_len;
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    snprintf(str, (size_t)num, "%s%.*s%s", first ? "" : " ", (int)piece,
             r->text + r->offset, r->offset + piece < r->text_len &&
             r->text[r->text_len - 1] == '\n' ? "\n" : "");
    r->offset += piece;
    return str;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* Stores the value continued so far in its setting. */
static void store_joined(reader *r)
{
    if (!r->joined_dirty)
        return;
    cct_setting *s = &r->config->items[r->open_item];
    free(s->value);
    s->value = cct_buf_steal(&r->joined);
    r->joined_dirty = 0;
}

/* An indented line continues a multi-line value.  Debian's inih keeps an
 * inline comment there ("  pkg.a ; old"): drop it, as it is dropped on the
 * key's own line. */
static void continue_value(reader *r, const char *value)
{
    size_t n = strlen(value);
    for (const char *c = value; (c = strchr(c, ';')); c++)
        if (c > value && (c[-1] == ' ' || c[-1] == '\t')) {
            n = (size_t)(c - value);
            break;
        }
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (r->joined.len)
        cct_buf_addc(&r->joined, '\n');
    cct_buf_add(&r->joined, value, n);
    r->joined_dirty = 1;
}

static int on_pair(void *user, const char *section, const char *key,
                   const char *value)
{
    reader *r = user;
    if (r->error)
        return 1;
    if (!*section) {
        fail(r, cct_xasprintf("%s:%d: '%s' is outside any section; put it "
                              "under [cctrial]", r->path, r->line, key));
        return 1;
    }
    if (!valid_name(section) || !valid_name(key)) {
        fail(r, cct_xasprintf(
            "%s:%d: [%s] %s: section and key names are lower-case letters, "
            "digits, '_', '-' and '.'", r->path, r->line, section, key));
        return 1;
    }
    char *this_value = setting_id(section, key);
    int continues = r->continuation && r->open_value &&
                    strcmp(r->open_value, this_value) == 0;
    free(r->open_value);
    r->open_value = this_value;
    if (continues) {
        continue_value(r, value);
        return 1;
    }
    store_joined(r);
    cct_config_set(r->config, section, key, value, NULL, r->path, r->line);
    r->open_item = (size_t)(find(r->config, section, key) - r->config->items);
    cct_buf_reset(&r->joined);
    cct_buf_adds(&r->joined, value);
    return 1;
}

int cct_config_read_file(cct_config *c, const char *path, char **error)
{
    *error = NULL;
    reader r = {.path = path, .config = c};
    cct_buf_init(&r.joined);
    r.file = fopen(path, "r");
    if (!r.file) {
        int code = -errno;
        *error = cct_xasprintf("%s: cannot read the configuration: %s", path,
                               strerror(errno));
        return code;
    }
    int bad_line = ini_parse_stream(read_line, &r, on_pair, &r);
    store_joined(&r);
    fclose(r.file);
    free(r.text);
    /* inih counts the pieces of a long line as lines: map back. */
    if (bad_line > 0 && (size_t)bad_line <= r.calls)
        bad_line = r.line_of_call[bad_line - 1];
    free(r.line_of_call);
    free(r.open_value);
    cct_buf_free(&r.joined);
    cct_strv_add(&c->files, path);
    if (r.error) {
        *error = r.error;
        return CCT_ECONFIG;
    }
    if (bad_line > 0) {
        *error = cct_xasprintf("%s:%d: not a 'key = value' line or a "
                               "[section] header", path, bad_line);
        return CCT_ECONFIG;
    }
    if (bad_line < 0) {
        *error = cct_xasprintf("%s: cannot read the configuration", path);
        return CCT_ECONFIG;
    }
    return 0;
}

/* ---- validation --------------------------------------------------------- */

const cct_option *cct_option_first(cct_option_table options)
{
    /* The loader refuses a plugin's table with a smaller stride. */
    assert(!options.first || options.stride >= CCT_OPTION_SIZE_1_0);
    return options.first && options.first->key ? options.first : NULL;
}

const cct_option *cct_option_next(cct_option_table options,
                                  const cct_option *o)
{
    const cct_option *next = CCT_ELEMENT(cct_option, o, options.stride, 1);
    return next->key ? next : NULL;
}

const cct_option *cct_option_find(cct_option_table options, const char *key)
{
    for (const cct_option *o = cct_option_first(options); o;
         o = cct_option_next(options, o))
        if (strcmp(o->key, key) == 0)
            return o;
    return NULL;
}

long cct_parse_int(const char *value)
{
    return strtol(value, NULL, 10);
}

static int bool_value(const char *value)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(yes); i++) {
        if (strcasecmp(value, yes[i]) == 0)
            return 1;
        if (strcasecmp(value, no[i]) == 0)
            return 0;
    }
    return -1;
}

int cct_parse_bool(const char *value)
{
    return bool_value(value) == 1;
}

static int choice_allowed(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p += len;
        if (*p == '|')
            p++;
    }
    return 0;
}

static char *choices_text(const char *choices)
{
    char *text = cct_xstrdup(choices);
    cct_buf b;
    cct_buf_init(&b);
    for (char *p = text; *p; p++) {
        if (*p == '|')
            cct_buf_adds(&b, ", ");
        else
            cct_buf_addc(&b, *p);
    }
    free(text);
    return cct_buf_steal(&b);
}

char *cct_option_check(const cct_option *o, const char *value)
{
    /* A key without a default may be left empty: it stays unset (as
     * `random =` in the example configuration). */
    if (!o->default_value && !*value)
        return NULL;
    switch (o->type) {
    case CCT_OPT_INT: {
        if (o->choices && choice_allowed(o->choices, value))
            return NULL; /* a word it takes besides numbers: jobs = auto */
        char *end;
        errno = 0;
        long n = strtol(value, &end, 10);
        if (!*value || *end || errno) {
            if (!o->choices)
                return cct_xasprintf("'%s' is not a whole number", value);
            char *words = choices_text(o->choices);
            char *msg = cct_xasprintf("'%s' is not a whole number, nor one "
                                      "of: %s", value, words);
            free(words);
            return msg;
        }
        if ((o->min || o->max) && (n < o->min || n > o->max))
            return cct_xasprintf("%ld is out of range: use %ld to %ld", n,
                                 o->min, o->max);
        return NULL;
    }
    case CCT_OPT_BOOL:
        if (bool_value(value) < 0)
            return cct_xasprintf("'%s' is not a boolean: use true or false "
                                 "(yes/no, on/off, 1/0)", value);
        return NULL;
    case CCT_OPT_CHOICE:
        if (!choice_allowed(o->choices ? o->choices : "", value)) {
            char *valid = choices_text(o->choices ? o->choices : "");
            char *msg = cct_xasprintf("'%s' is not one of: %s", value, valid);
            free(valid);
            return msg;
        }
        return NULL;
    case CCT_OPT_STRING:
    case CCT_OPT_PATH:
    case CCT_OPT_LIST:
        return NULL;
    }
    return cct_xasprintf("the option has an unknown type");
}

static char *valid_keys(cct_option_table options)
{
    cct_buf b;
    cct_buf_init(&b);
    for (const cct_option *o = cct_option_first(options); o;
         o = cct_option_next(options, o)) {
        if (b.len)
            cct_buf_adds(&b, ", ");
        cct_buf_adds(&b, o->key);
    }
    return b.len ? cct_buf_steal(&b) : (cct_buf_free(&b),
                                         cct_xstrdup("(none)"));
}

/* "did you mean 'jobs'? " for the known key nearest to `key`, or "". */
static char *did_you_mean(cct_option_table options, const char *key)
{
    cct_strv keys;
    cct_strv_init(&keys);
    for (const cct_option *o = cct_option_first(options); o;
         o = cct_option_next(options, o))
        cct_strv_add(&keys, o->key);
    const char *nearest = cct_nearest_word(
        key, (const char *const *)keys.items, keys.len);
    char *hint = nearest ? cct_xasprintf("did you mean '%s'? ", nearest)
                         : cct_xstrdup("");
    cct_strv_free(&keys);
    return hint;
}

int cct_config_validate(const cct_config *c, const char *section,
                        cct_option_table options, char **error)
{
    *error = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const cct_setting *s = &c->items[i];
        if (strcmp(s->section, section) != 0)
            continue;
        const cct_option *o = cct_option_find(options, s->key);
        if (!o) {
            char *keys = valid_keys(options);
            char *hint = did_you_mean(options, s->key);
            *error = cct_xasprintf("%s: unknown key '%s' in [%s]; %svalid "
                                   "keys: %s", s->origin, s->key, section,
                                   hint, keys);
            free(hint);
            free(keys);
            return CCT_ECONFIG;
        }
        char *problem = cct_option_check(o, s->value);
        if (problem) {
            *error = cct_xasprintf("%s: [%s] %s: %s", s->origin, section,
                                   s->key, problem);
            free(problem);
            return CCT_ECONFIG;
        }
    }
    return 0;
}

const char *cct_config_value(const cct_config *c, const char *section,
                             cct_option_table options, const char *key)
{
    /* PATH options are expanded (~/) where they are used: see
     * cct_expand_home() in the host and in the settings. */
    const cct_setting *s = find(c, section, key);
    if (s)
        return s->value;
    const cct_option *o = cct_option_find(options, key);
    return o ? o->default_value : NULL;
}

/* ---- where the files are ------------------------------------------------ */

char *cct_config_user_file(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *path;
    if (xdg && *xdg)
        path = cct_xasprintf("%s/cctrial/cctrialrc", xdg);
    else if (home && *home)
        path = cct_xasprintf("%s/.config/cctrial/cctrialrc", home);
    else
        return NULL;
    if (access(path, F_OK) == 0)
        return path;
    free(path);
    return NULL;
}

char *cct_config_project_file(const char *dir)
{
    /* The same search as the project's root (root.h): the file found
     * there is the project's, and its directory the root. */
    return cct_find_upward(dir, ".cctrialrc");
}

void cct_config_print_section(const cct_config *c, const char *section,
                              cct_option_table options, cct_buf *out)
{
    cct_buf_printf(out, "[%s]\n", section);
    for (const cct_option *o = cct_option_first(options); o;
         o = cct_option_next(options, o)) {
        const cct_setting *s = find(c, section, o->key);
        const char *value = s ? s->value : o->default_value;
        char *flat = cct_xstrdup(value ? value : "");
        for (char *p = flat; *p; p++)
            if (*p == '\n')
                *p = ' ';
        cct_buf_printf(out, "%s = %s", o->key, flat);
        free(flat);
        cct_buf_printf(out, "%*s; %s\n", 1, "",
                       s ? s->origin : (value ? "default" : "unset"));
    }
}
