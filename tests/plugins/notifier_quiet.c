/*
 * A well-formed notifier for the loader's tests: a plugin of another kind
 * in the same directory, which a search for reporters must not list.  It
 * prints each notification through the host.
 */
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"

typedef struct quiet {
    const cct_host *host;
} quiet;

static int init(const cct_host *host, void **ctx)
{
    quiet *q = calloc(1, sizeof(*q));
    if (!q)
        return -1;
    q->host = host;
    *ctx = q;
    return 0;
}

static void fini(void *ctx)
{
    free(ctx);
}

static void notify(void *ctx, const char *title, const char *message,
                   cct_notify_status status)
{
    quiet *q = ctx;
    const char *mark = status == CCT_NOTIFY_PASS ? "pass: " : "fail: ";
    q->host->print(q->host, mark, strlen(mark));
    q->host->print(q->host, title, strlen(title));
    q->host->print(q->host, " / ", 3);
    q->host->print(q->host, message, strlen(message));
    q->host->print(q->host, "\n", 1);
}

static const cct_notifier_ops ops = {.notify = notify};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_NOTIFIER,
    .name = "quiet",
    .description = "a notifier for the loader's tests",
    .init = init,
    .fini = fini,
    .notifier = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
