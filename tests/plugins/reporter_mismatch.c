/*
 * A plugin in a file named reporter_mismatch.so that declares itself the
 * notifier 'other': loading it as reporter 'mismatch' must fail, naming
 * both.
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

/* Never called: the tests only load this plugin. */
static void notify(void *ctx, const char *title, const char *message,
                   cct_notify_status status)
{
    (void)ctx;
    (void)title;
    (void)message;
    (void)status;
}

static const cct_notifier_ops ops = {.notify = notify};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_NOTIFIER,
    .name = "other",
    .description = "a notifier in a reporter's file",
    .init = init,
    .notifier = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
