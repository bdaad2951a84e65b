/*
 * Configuration: settings from INI files (read with inih), the command line
 * and the environment, merged with a record of where each came from, and
 * validated against declared option tables.
 *
 * Every setting is a (section, key) pair with a text value.  Later sources
 * win: built-in defaults, then the user's file, then the project's
 * .cctrialrc, then the command line.  Validation happens once every
 * plugin's table is known, and reports the file and line of the offending
 * setting, what was wrong, and the valid keys or values.
 */
#ifndef CCT_CONFIG_H
#define CCT_CONFIG_H

#include <stddef.h>

#include "cctrial/plugin.h"
#include "strmap.h"
#include "util.h"

typedef struct cct_setting {
    char *id; /* "section\nkey", the index's key */
    char *section;
    char *key;
    char *value;
    char *file; /* NULL when not from a file */
    int line;
    char *origin; /* "file:line", "command line", "environment" */
} cct_setting;

typedef struct cct_config {
    cct_setting *items;
    size_t n, cap;
    cct_strmap index; /* "section\nkey" -> position in items */
    cct_strv files;   /* files read, in order */
} cct_config;

void cct_config_init(cct_config *c);
void cct_config_free(cct_config *c);

/* Sets a value, replacing an earlier one of the same section and key. */
void cct_config_set(cct_config *c, const char *section, const char *key,
                    const char *value, const char *origin, const char *file,
                    int line);
/* The setting, or NULL. */
const cct_setting *cct_config_find(const cct_config *c, const char *section,
                                   const char *key);
/* The value, or `fallback`. */
const char *cct_config_get(const cct_config *c, const char *section,
                           const char *key, const char *fallback);

/* Reads an INI file.  Returns 0, or CCT_ECONFIG with *error saying what
 * and where ("file:line: ..."), or a negative errno-based code when the
 * file cannot be read (*error says so too). */
int cct_config_read_file(cct_config *c, const char *path, char **error);

/* A table of options: entries `stride` bytes apart, ending with an entry
 * whose key is NULL (`first` NULL: no options).  A plugin's entries may be
 * larger than this build's cct_option (ABI 1.2): never index it with [].
 * Passed by value. */
typedef struct cct_option_table {
    const cct_option *first;
    size_t stride;
} cct_option_table;

/* The table of a C array of cct_option, as the core's own is. */
#define CCT_OPTION_TABLE(array) \
    ((cct_option_table){(array), sizeof((array)[0])})
#define CCT_NO_OPTIONS ((cct_option_table){NULL, sizeof(cct_option)})

/* The table's first entry, and the entry after `o`; NULL at the end. */
const cct_option *cct_option_first(cct_option_table options);
const cct_option *cct_option_next(cct_option_table options,
                                  const cct_option *o);

/* Checks every setting of `section` against `options`.  Returns 0 or
 * CCT_ECONFIG with *error naming the setting's origin, the problem, and the
 * valid keys or values. */
int cct_config_validate(const cct_config *c, const char *section,
                        cct_option_table options, char **error);
/* Checks one value against its option; NULL when valid, else a malloc'ed
 * explanation without location. */
char *cct_option_check(const cct_option *option, const char *value);
const cct_option *cct_option_find(cct_option_table options,
                                  const char *key);

/* The value of an option: the setting, else the option's default. */
const char *cct_config_value(const cct_config *c, const char *section,
                             cct_option_table options, const char *key);
/* Typed readings of values already validated. */
long cct_parse_int(const char *value);
int cct_parse_bool(const char *value);

/* The user's file ($XDG_CONFIG_HOME/cctrial/cctrialrc, else
 * ~/.config/cctrial/cctrialrc) and the nearest .cctrialrc from `dir`
 * upward; NULL when there is none.  Malloc'ed. */
char *cct_config_user_file(void);
char *cct_config_project_file(const char *dir);

/* Writes the settings of `section` for --print-config: every option with
 * its value and where it came from. */
void cct_config_print_section(const cct_config *c, const char *section,
                              cct_option_table options, cct_buf *out);

#endif
