/*
 * The `smart-import` selector: the tests a change affects, through the
 * import graph.  A test is selected when its module's file changed, or
 * when a changed file is reachable from its module by imports (imports of
 * imports too, unless smart_depth = direct).  A changed file no test
 * reaches is reported ("no test detected for <file>").
 *
 * Without a change set (the first run of a session) it selects nothing:
 * smart mode waits for the first change.
 */
#include <stdlib.h>

#include "affected.h"
#include "cctrial/plugin.h"

typedef struct smart {
    affected_depth depth;
} smart;

static const cct_option options[] = {
    AFFECTED_DEPTH_OPTION,
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static int init(const cct_host *host, void **ctx)
{
    smart *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->depth = affected_depth_of(host->option_string(host, "smart_depth"));
    *ctx = s;
    return 0;
}

static void fini(void *ctx)
{
    free(ctx);
}

static int select_tests(void *ctx, const cct_catalog *catalog,
                        const cct_change_set *changes, cct_selection *out)
{
    smart *s = ctx;
    if (!changes)
        return 0;
    return affected_select(catalog, changes->files, changes->n_files,
                           s->depth, out);
}

static const cct_selector_ops ops = {.select = select_tests};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_SELECTOR,
    .name = "smart-import",
    .description = "the tests whose modules import a changed file",
    .options = options,
    .option_size = sizeof(cct_option),
    .init = init,
    .fini = fini,
    .selector = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
