/*
 * A reporter built against a newer minor ABI (1.5), whose descriptor has a
 * field appended after those of 1.0: the loader must accept it and read
 * only the fields it knows.
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

/* What a 1.5 header might declare: the 1.0 descriptor, then more. */
typedef struct newer_plugin {
    cct_plugin base;
    const char *homepage;
} newer_plugin;

static const newer_plugin newer = {
    .base = {
        .abi_version = (uint32_t)((CCT_PLUGIN_ABI_MAJOR << 16) | 5u),
        .size = sizeof(newer_plugin),
        .kind = CCT_PLUGIN_REPORTER,
        .name = "newer",
        .description = "a reporter of a newer minor ABI",
        .init = init,
        .reporter = &ops,
    },
    .homepage = "https://example.invalid/cctrial-newer",
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &newer.base;
}
