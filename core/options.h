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
 * `ignore` adds to them, and takes one back with !PATTERN. */
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
    unsigned jobs;     /* workers at most: the number given, or with
                          jobs = auto the cores (cct_cpu_count); a run
                          uses no more than it has tests */
    int jobs_auto;     /* jobs = auto */
    char *python;      /* NULL: find one */
    int forever;
    int smart;
    cct_strv watch;    /* "auto", "cwd" or paths */
    cct_strv watch_ext;
    cct_strv ignore;   /* defaults plus the user's */
    unsigned debounce_ms;
    char *watcher;     /* the watcher's backend: inotify or libuv */
    cct_strv reporters;
    char *notifier;
    char *selector;
    cct_strv plugin_path;
    unsigned timeout_s;
    unsigned discovery_timeout_s;
    char *grep;        /* NULL: none */
    int verbose;
    int fast_worker;
    int template;      /* fork fast workers from a warm template */
    int cache;         /* keep the discovery cache in .cctrial/ */
    int exitfirst;     /* stop a run at its first failure or error (-x) */
    int until_failure; /* run again until a run fails (-u) */
    long random;       /* trial's -z seed; 0: from the clock; -1: unset */
    char *order;       /* trial's --order, or NULL */
    cct_strv testmodule; /* files naming the tests (--testmodule) */
    cct_strv pythonpath; /* as written: relative to the project root */
    cct_strv env;        /* NAME=value */
    char *temp_directory; /* as written, ~/ expanded */
    cct_worker_flags worker_flags;
    char *logfile;     /* each worker's log, in _trial_temp/<n>/ */
    int unclean_warnings;
    cct_tbformat tbformat;
    char *first_wait_hint; /* NULL: none */
    int history;           /* keep .cctrial/history.sqlite */
    unsigned history_runs; /* the last runs it keeps */
    unsigned shard_part, shard_parts; /* --shard=K/N; 0/0: no shard */
} cct_settings;

/* The largest number `jobs` takes. */
#define CCT_JOBS_MAX 256

/* The cores this process may run on: libuv's available parallelism (the
 * CPU affinity mask counted), or before libuv 1.44 its CPU count. */
unsigned cct_cpu_count(void);

/* What no single key's check can see: settings that exclude each other.
 * Returns 0, or CCT_ECONFIG with *error naming them (after
 * cct_config_validate of [cctrial]). */
int cct_settings_check(const cct_config *c, char **error);

/* Reads the validated [cctrial] section (after cct_config_validate). */
void cct_settings_load(cct_settings *s, const cct_config *c);
void cct_settings_free(cct_settings *s);

#endif
