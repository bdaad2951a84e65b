/*
 * What cctrial trusts, as git does with safe.directory: a file it reads
 * configuration or loads code from must be one only the user (or root)
 * can change, and a project's own .cctrialrc, which comes with a checkout
 * of somebody else's repository, may choose among what the user
 * installed or configured but may not add code of its own (plugin
 * directories, an interpreter) unless the user trusts that project: in
 * `trusted_projects` of their own file, or with --trust-project.
 * Nor, untrusted, may it set an environment variable that chooses code
 * (`env`: PYTHON*, LD_*, PATH...), put a directory outside the project
 * on sys.path (`pythonpath`), or point a plugin's path option at a file
 * outside the project.
 */
#ifndef CCT_TRUST_H
#define CCT_TRUST_H

#include "config.h"

/* NULL when `path` and its directory are safe to take what `doing` says
 * from ("load code from it"): owned by the user or root, and writable by
 * nobody else (a group of the user's own and a sticky directory, like
 * /tmp, are fine).  Else a malloc'ed message naming the file, why, and
 * what to do. */
char *cct_trust_file(const char *path, const char *doing);

/* Is the project whose .cctrialrc is `project_file` listed in
 * `trusted` (the user's `trusted_projects`: directories, or '*')? */
int cct_trust_project_listed(const char *trusted, const char *project_file);
/* The same for the project directory `dir`, with or without a
 * .cctrialrc. */
int cct_trust_dir_listed(const char *trusted, const char *dir);

/* Does the environment variable `name` choose code to run (PYTHON*,
 * LD_*, DYLD_*, PATH, BASH_ENV...)? */
int cct_trust_env_chooses_code(const char *name);
/* Is the `pythonpath` entry `entry` (relative to `root`, or absolute, or
 * ~/) inside the project root `root`, where it really is too? */
int cct_trust_path_in_project(const char *root, const char *entry);

/* Checks what the project file `project_file` set in `c`: 0, or
 * CCT_ECONFIG with *error naming the setting, when it set a key only the
 * user may set (`trusted_projects`), or one that adds code (`plugin_path`,
 * `python`, an `env` variable that chooses code, a `pythonpath` entry
 * outside the project) and the project is not `trusted`. */
int cct_trust_project_settings(const cct_config *c, const char *project_file,
                               int trusted, char **error);

/* Checks what the project file set in the plugin section `section`, whose
 * keys `options` declares: 0, or CCT_ECONFIG with *error naming the
 * setting, when the project is not `trusted` and set a path option
 * (CCT_OPT_PATH: a file the plugin writes, such as [reporter.json] path)
 * outside the project: a checkout could otherwise have cctrial overwrite
 * any file of the user's. */
int cct_trust_plugin_settings(const cct_config *c, const char *section,
                              cct_option_table options,
                              const char *project_file, int trusted,
                              char **error);

#endif
