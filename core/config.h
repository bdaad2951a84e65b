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

/* Checks every setting of `section` against `options`.  Returns 0 or
 * CCT_ECONFIG with *error naming the setting's origin, the problem, and the
 * valid keys or values. */
int cct_config_validate(const cct_config *c, const char *section,
                        const cct_option *options, char **error);
/* Checks one value against its option; NULL when valid, else a malloc'ed
 * explanation without location. */
char *cct_option_check(const cct_option *option, const char *value);
const cct_option *cct_option_find(const cct_option *options,
                                  const char *key);

/* The value of an option: the setting, else the option's default. */
const char *cct_config_value(const cct_config *c, const char *section,
                             const cct_option *options, const char *key);
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
                              const cct_option *options, cct_buf *out);

#endif
