/*
 * A cctrial session: everything between reading the configuration and
 * exiting.  The session owns the event loop's actors (the plugins, the
 * worker pool, the watcher, the signal handlers, the _trial_temp lock) and
 * carries out what the workflow decides.
 */
#ifndef CCT_SESSION_H
#define CCT_SESSION_H

#include "cli.h"
#include "config.h"
#include "options.h"
#include "paths.h"

/* Runs a session to its end and returns the process's exit status: 0 all
 * passed, 1 a test failed, 2 a usage, configuration or environment error,
 * 130 / 143 after SIGINT / SIGTERM. */
int cct_session_run(const cct_cli *cli, const cct_config *config,
                    const cct_paths *paths, const cct_strv *plugin_dirs);

#endif
