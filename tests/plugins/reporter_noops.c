/*
 * A reporter without reporter callbacks: the loader must refuse it, since
 * cctrial would have nothing to call.
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

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "noops",
    .description = "a reporter with no callbacks",
    .init = init,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
