/*
 * A reporter in a file named reporter_misnamed.so that calls itself
 * 'somebody': loading it as 'misnamed' must fail, naming both.
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
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "somebody",
    .description = "a reporter under another name",
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
