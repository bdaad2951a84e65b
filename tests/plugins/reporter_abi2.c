/*
 * A reporter built for plugin ABI 2.0: the loader must refuse it, naming
 * both versions.
 */
#include <stddef.h>

#include "cctrial/plugin.h"

/* Nothing to keep: the tests only load this plugin. */
static int init(const cct_host *host, void **ctx)
{
    (void)host;
    *ctx = NULL;
    return 0;
}

static const cct_reporter_ops ops;

static const cct_plugin plugin = {
    .abi_version = (uint32_t)((2u << 16) | 3u),
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "abi2",
    .description = "a reporter of another ABI major version",
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
