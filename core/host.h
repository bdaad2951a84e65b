/*
 * Plugin instances and the services cctrial offers them (the cct_host
 * table of plugin.h): logging, their options, terminal output, starting
 * processes without a shell (spawn.h), capturing what they print
 * (capture.h).
 *
 * Each instance gets its own cct_host, embedded at the start of the
 * instance so that a service call finds its instance (and through it the
 * shared context) from the pointer it is given.
 */
#ifndef CCT_HOST_H
#define CCT_HOST_H

#include <uv.h>

#include "cctrial/plugin.h"
#include "config.h"
#include "console.h"
#include "loader.h"

typedef struct cct_host_context {
    uv_loop_t *loop;
    cct_console *console;
    const cct_config *config;
    int verbose;
    const char *data_dir;
    const char *project_dir;
    /* A plugin said it could not produce its output (output_failed). */
    int output_failed;
} cct_host_context;

typedef struct cct_instance {
    cct_host host; /* first: services receive &instance->host */
    cct_host_context *context;
    cct_loaded_plugin lib;
    char *section; /* "reporter.json" */
    void *ctx;
    int initialized;
    cct_strv expanded; /* PATH options with ~/ expanded: key, value, ... */
} cct_instance;

/* The configuration section of a plugin: "<kind>.<name>". */
char *cct_plugin_section(cct_plugin_kind kind, const char *name);

/* Validates the plugin's section, then calls its init().  Takes ownership
 * of `lib` (unloading it on failure).  Returns 0, or CCT_ECONFIG /
 * CCT_EPLUGIN with *error explaining. */
int cct_instance_create(cct_host_context *context, cct_loaded_plugin *lib,
                        cct_instance **out, char **error);
/* Calls fini() and unloads the plugin. */
void cct_instance_destroy(cct_instance *instance);

#endif
