/*
 * A reporter built against this header with an options table but no
 * option_size (ABI 1.2): cctrial cannot know where its entries are, and
 * must refuse it with a message saying what to set.
 */
#include <stddef.h>

#include "cctrial/plugin.h"

static const cct_option options[] = {
    {"only", CCT_OPT_STRING, NULL, "The only one.", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

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
    .name = "nostride",
    .description = "options without their element size",
    .options = options,
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
