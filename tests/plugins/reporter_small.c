/*
 * A reporter whose descriptor claims to be smaller than ABI 1.0's, as one
 * built against a broken header would: the loader must refuse it rather
 * than read fields the plugin may not have.
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
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = offsetof(cct_plugin, reporter),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "small",
    .description = "a descriptor that is too small",
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
