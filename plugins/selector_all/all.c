/*
 * The `all` selector: every test, whatever changed.  (The --grep filter is
 * applied by the core after any selector.)
 */
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"

static int init(const cct_host *host, void **ctx)
{
    (void)host;
    *ctx = NULL;
    return 0;
}

static int select_tests(void *ctx, const cct_catalog *catalog,
                        const cct_change_set *changes, cct_selection *out)
{
    (void)ctx;
    (void)changes;
    memset(out->selected, 1, catalog->n_tests);
    return 0;
}

static const cct_selector_ops ops = {.select = select_tests};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_SELECTOR,
    .name = "all",
    .description = "every test, whatever changed",
    .init = init,
    .selector = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
