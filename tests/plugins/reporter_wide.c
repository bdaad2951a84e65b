/*
 * A reporter built against this header whose options table is laid out
 * as a later minor version's might be: each entry a cct_option with a
 * field appended.  Its descriptor says so in option_size (ABI 1.2), and
 * cctrial must find every entry by that stride.
 */
#include <stddef.h>

#include "cctrial/plugin.h"

/* What a later header's cct_option might be: 1.0's, then more. */
typedef struct wide_option {
    cct_option base;
    const char *example;
} wide_option;

static const wide_option options[] = {
    {{"first", CCT_OPT_STRING, "one", "The first.", NULL, 0, 0}, "1"},
    {{"second", CCT_OPT_INT, "2", "The second.", NULL, 1, 9}, "2"},
    {{"third", CCT_OPT_BOOL, "true", "The third.", NULL, 0, 0}, "yes"},
    {{NULL, 0, NULL, NULL, NULL, 0, 0}, NULL},
};

/* Nothing to keep: the tests read the options through the host. */
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
    .name = "wide",
    .description = "a reporter whose option entries are bigger",
    .options = &options[0].base,
    .option_size = sizeof(wide_option),
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
