/*
 * trial's --testmodule (see testmodule.h): the same rules as
 * twisted.scripts.trial's loadLocalVariables and isTestFile.
 */
#include "testmodule.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Enough for two header lines; a longer first line is no header. */
#define HEADER_LIMIT 8192

int cct_testmodule_is_test_file(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* Python's splitext: the extension starts at the last dot that is not
     * the name's leading one. */
    const char *dot = strrchr(base, '.');
    return strncmp(base, "test_", 5) == 0 && dot && dot != base &&
           strcmp(dot, ".py") == 0;
}

static char *strip(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return cct_xstrndup(s, n);
}

static const char *find_in(const char *s, size_t n, const char *what)
{
    size_t w = strlen(what);
    for (size_t i = 0; i + w <= n; i++)
        if (memcmp(s + i, what, w) == 0)
            return s + i;
    return NULL;
}

static const char *rfind_in(const char *s, size_t n, const char *what)
{
    size_t w = strlen(what);
    for (size_t i = n; i >= w; i--)
        if (memcmp(s + i - w, what, w) == 0)
            return s + i - w;
    return NULL;
}

/* One line's variables, as trial's _parseLocalVariables: returns 0 and
 * sets *value (NULL when the header lacks test-case-name), or -1 when the
 * line is no header. */
static int parse_line(const char *line, size_t n, char **value)
{
    *value = NULL;
    const char *first = find_in(line, n, "-*-");
    if (!first)
        return -1;
    const char *start = first + 3;
    const char *end = rfind_in(line, n, "-*-");
    char *found = NULL;
    /* One "-*-" only: nothing between, an empty header (as in trial). */
    for (const char *item = start; item < end;) {
        const char *semi = memchr(item, ';', (size_t)(end - item));
        const char *stop = semi ? semi : end;
        char *text = strip(item, (size_t)(stop - item));
        if (*text) {
            char *colon = strchr(text, ':');
            if (!colon || strchr(colon + 1, ':')) {
                free(text);
                free(found);
                return -1;
            }
            char *key = strip(text, (size_t)(colon - text));
            if (strcmp(key, "test-case-name") == 0) {
                free(found); /* the last one wins, as in a dict */
                found = strip(colon + 1, strlen(colon + 1));
            }
            free(key);
        }
        free(text);
        item = stop + 1;
    }
    *value = found;
    return 0;
}

void cct_testmodule_header_names(const char *text, size_t len,
                                 cct_strv *out)
{
    char *value = NULL;
    const char *line = text;
    for (int i = 0; i < 2 && line < text + len; i++) {
        size_t n = strcspn(line, "\r\n");
        if (line + n > text + len)
            n = (size_t)(text + len - line);
        if (parse_line(line, n, &value) == 0)
            break;
        line += n;
        /* Python's universal newlines: \r\n, \r or \n end a line. */
        if (line < text + len && *line == '\r') {
            line++;
            if (line < text + len && *line == '\n')
                line++;
        } else if (line < text + len) {
            line++; /* '\n' */
        }
    }
    if (!value)
        return;
    for (const char *p = value;;) {
        size_t n = strcspn(p, ",");
        char *name = strip(p, n);
        if (*name)
            cct_strv_add(out, name);
        free(name);
        if (!p[n])
            break;
        p += n + 1;
    }
    free(value);
}

int cct_testmodule_names(const char *path, cct_strv *out, char **warning)
{
    *warning = NULL;
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        *warning = cct_xasprintf("File '%s' doesn't exist", path);
        return -1;
    }
    if (cct_testmodule_is_test_file(path)) {
        /* trial's os.path.abspath: symbolic links are kept. */
        char *cwd = getcwd(NULL, 0);
        cct_strv_take(out, cct_path_absolute(cwd ? cwd : "/", path));
        free(cwd);
        return 0;
    }
    size_t len = 0;
    char *text = cct_read_file(path, HEADER_LIMIT, &len, NULL);
    if (text)
        cct_testmodule_header_names(text, len, out);
    free(text);
    return 0;
}
