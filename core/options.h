/*
 * The [cctrial] section: the core's own options, declared in one table (the
 * same form plugins use), and read into typed settings once validated.
 */
#ifndef CCT_OPTIONS_H
#define CCT_OPTIONS_H

#include "cctrial/plugin.h"
#include "config.h"
#include "traceback.h"
#include "util.h"

#define CCT_CORE_SECTION "cctrial"

extern const cct_option_table cct_core_options;

/* Files and directories no watcher and no selector should care about;
 * always applied, `ignore` adds to them. */
extern const char *const cct_default_ignores[];

/* trial's options that go to every worker's command line, as `trial -j`
 * passes them (see cct_worker_command_build). */
typedef struct cct_worker_flags {
    char *reactor;         /* NULL: Twisted's default */
    int force_gc;
    int disablegc;
    int coverage;
    long recursionlimit;   /* 0: Python's */
    cct_strv without_module;
} cct_worker_flags;

typedef struct cct_settings {
    cct_strv tests;
    unsigned jobs;
    char *python;      /* NULL: find one */
    int forever;
    int smart;
    cct_strv watch;    /* "auto", "cwd" or paths */
    cct_strv watch_ext;
    cct_strv ignore;   /* defaults plus the user's */
    unsigned debounce_ms;
    cct_strv reporters;
    char *notifier;
    char *selector;
    cct_strv plugin_path;
    unsigned timeout_s;
    unsigned discovery_timeout_s;
    char *grep;        /* NULL: none */
    int verbose;
    int fast_worker;
    int cache;         /* keep the discovery cache in .cctrial/ */
    cct_worker_flags worker_flags;
    char *logfile;     /* each worker's log, in _trial_temp/<n>/ */
    int unclean_warnings;
    cct_tbformat tbformat;
} cct_settings;

/* Reads the validated [cctrial] section (after cct_config_validate). */
void cct_settings_load(cct_settings *s, const cct_config *c);
void cct_settings_free(cct_settings *s);

#endif
