/*
 * A reporter whose init() fails, logging why through the host as the
 * contract asks: creating an instance must fail with a message pointing
 * at that log line.
 */
#include <stddef.h>

#include "cctrial/plugin.h"

static int init(const cct_host *host, void **ctx)
{
    *ctx = NULL;
    host->log(host, CCT_LOG_ERROR, "cannot start: %s", "no terminal here");
    return -1;
}

static const cct_reporter_ops ops;

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "initfail",
    .description = "a reporter whose init fails",
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
