/*
 * A well-formed reporter for the loader's tests.  It declares an option of
 * every type, so that the tests can read them through the host's option
 * services, and its fini() prints a line, so that the tests can see that
 * destroying an instance calls it.
 */
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"

typedef struct good {
    const cct_host *host;
} good;

static const cct_option options[] = {
    {"greeting", CCT_OPT_STRING, "hello", "What to say.", NULL, 0, 0},
    {"level", CCT_OPT_INT, "3", "How loud, 1 to 9.", NULL, 1, 9},
    {"loud", CCT_OPT_BOOL, "false", "Whether to shout.", NULL, 0, 0},
    {"mode", CCT_OPT_CHOICE, "plain", "How to say it.", "plain|fancy", 0, 0},
    {"extra", CCT_OPT_STRING, NULL, "Unset unless configured.", NULL, 0, 0},
    {"log", CCT_OPT_PATH, "~/good.log", "Where to write.", NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static int init(const cct_host *host, void **ctx)
{
    good *g = calloc(1, sizeof(*g));
    if (!g) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    g->host = host;
    *ctx = g;
    return 0;
}

static void fini(void *ctx)
{
    good *g = ctx;
    static const char line[] = "reporter_good: fini\n";
    g->host->print(g->host, line, sizeof(line) - 1);
    free(g);
}

static void message(void *ctx, const cct_message *ev)
{
    good *g = ctx;
    if (ev->text)
        g->host->print(g->host, ev->text, strlen(ev->text));
}

static const cct_reporter_ops ops = {.message = message};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "good",
    .description = "a well-formed reporter for the loader's tests",
    .options = options,
    .option_size = sizeof(cct_option),
    .init = init,
    .fini = fini,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
