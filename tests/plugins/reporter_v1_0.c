/*
 * A reporter built against the plugin header of ABI 1.0, frozen in
 * tests/plugins/abi-1.0/: whatever minor version cctrial has reached, it
 * must load this plugin and call it with structures that only grew.
 */
#include <stdlib.h>

#include "cctrial/plugin.h"

/* The context remembers the last run's tests_run, for the test to read. */
static int init(const cct_host *host, void **ctx)
{
    (void)host;
    *ctx = calloc(1, sizeof(size_t));
    return *ctx ? 0 : -1;
}

static void fini(void *ctx)
{
    free(ctx);
}

static void run_end(void *ctx, const cct_run_end *ev)
{
    *(size_t *)ctx = ev->tests_run;
}

static const cct_reporter_ops ops = {
    .run_end = run_end,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "v1_0",
    .description = "a reporter built against ABI 1.0's header",
    .init = init,
    .fini = fini,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
