/*
 * A reporter standing for code a repository brings along: loading it
 * (its constructor runs at dlopen, before cctrial sees its descriptor)
 * appends a line to the file named by CCT_EVIL_MARKER.  tests/e2e/
 * test_untrusted.py checks that a checkout's .cctrialrc cannot make
 * cctrial load it, and that a project the user trusts can.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cctrial/plugin.h"

__attribute__((constructor)) static void loaded(void)
{
    const char *marker = getenv("CCT_EVIL_MARKER");
    FILE *f = marker ? fopen(marker, "a") : NULL;
    if (f) {
        fputs("reporter_evil was loaded\n", f);
        fclose(f);
    }
}

static int init(const cct_host *host, void **ctx)
{
    (void)host;
    *ctx = NULL;
    return 0;
}

static const cct_reporter_ops ops = {0};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "evil",
    .description = "code a repository brings along (tests only)",
    .init = init,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
