/*
 * Finding and loading plugin files.
 *
 * A plugin of kind K named N is the file `K_N.so` (e.g. reporter_json.so)
 * in the first directory of the search path that has it.  The search path
 * is: the build tree when cctrial runs from it, the install directory
 * (relative to the binary), `plugin_path` from the configuration (a
 * project's only when the user trusts it), then the directories of
 * CCTRIAL_PLUGIN_PATH.
 *
 * Loading checks, in order: the file's owner and permissions (a file or
 * directory owned by another user than us or root, or writable by other
 * users, is refused, as sudo and ssh refuse such files; see trust.h),
 * dlopen with RTLD_NOW | RTLD_LOCAL, the entry symbol, the ABI major
 * version, the descriptor's size, its option table's element size (ABI
 * 1.2; older descriptors have ABI 1.0's), its kind and name.  Each failure is one
 * message saying what and where.
 */
#ifndef CCT_LOADER_H
#define CCT_LOADER_H

#include "cctrial/plugin.h"
#include "config.h"
#include "util.h"

typedef struct cct_loaded_plugin {
    char *path;
    void *handle;
    const cct_plugin *desc;
    cct_option_table options; /* desc->options with its stride */
} cct_loaded_plugin;

/* "reporter", "notifier" or "selector". */
const char *cct_plugin_kind_name(cct_plugin_kind kind);

/* Builds the search path. */
void cct_plugin_search_path(cct_strv *dirs, const char *build_dir,
                            const char *install_dir,
                            const cct_strv *config_dirs, const char *env);

/* Loads the plugin of `kind` named `name`.  Returns 0, or CCT_EPLUGIN with
 * *error explaining (when not found: where it looked, and which plugins of
 * that kind it found). */
int cct_plugin_load(const cct_strv *dirs, cct_plugin_kind kind,
                    const char *name, cct_loaded_plugin *out, char **error);
/* Loads one file, whatever its name, checking what it declares. */
int cct_plugin_load_file(const char *path, cct_loaded_plugin *out,
                         char **error);
void cct_plugin_unload(cct_loaded_plugin *p);

/* Every plugin file in the search path (first of each name wins). */
void cct_plugin_find_all(const cct_strv *dirs, cct_strv *paths);

#endif
