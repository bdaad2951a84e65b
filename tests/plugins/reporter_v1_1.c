/*
 * A reporter built against the plugin header of ABI 1.1, frozen in
 * tests/plugins/abi-1.1/: whatever minor version cctrial has reached, it
 * must load this plugin, read its options table with the element size 1.1
 * knew, and send it groups and counts where 1.1 put them.  It reads them
 * as a 1.1 plugin does (groups[i], counts[outcome]) and prints what it
 * found, for the test to compare.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cctrial/plugin.h"

typedef struct v1_1 {
    const cct_host *host;
} v1_1;

/* Several entries: read with a wrong element size, the second one is
 * garbage. */
static const cct_option options[] = {
    {"prefix", CCT_OPT_STRING, "v1.1", "Printed first.", NULL, 0, 0},
    {"width", CCT_OPT_INT, "5", "Not used.", NULL, 1, 9},
    {"style", CCT_OPT_CHOICE, "plain", "Not used.", "plain|fancy", 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static int init(const cct_host *host, void **ctx)
{
    v1_1 *v = calloc(1, sizeof(*v));
    if (!v)
        return -1;
    v->host = host;
    *ctx = v;
    return 0;
}

static void fini(void *ctx)
{
    free(ctx);
}

static void say(v1_1 *v, const char *fmt, ...) CCT_PRINTF_LIKE(2, 3);

static void say(v1_1 *v, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        v->host->print(v->host, line, (size_t)n < sizeof(line)
                                          ? (size_t)n
                                          : sizeof(line) - 1);
}

/* "v1.1 failures=2 errors=1 skips=0", then each group: outcome, size,
 * first test, and its key from the 1.1 details. */
static void run_end(void *ctx, const cct_run_end *ev)
{
    v1_1 *v = ctx;
    say(v, "%s failures=%zu errors=%zu skips=%zu\n",
        v->host->option_string(v->host, "prefix"),
        ev->counts[CCT_OUTCOME_FAILURE], ev->counts[CCT_OUTCOME_ERROR],
        ev->counts[CCT_OUTCOME_SKIP]);
    for (size_t i = 0; i < ev->n_groups; i++) {
        const cct_result_group *g = &ev->groups[i];
        int detailed = CCT_HAS_FIELD(ev, cct_run_end, group_details) &&
                       ev->group_details;
        say(v, "group %d x%zu %s%s\n", (int)g->outcome, g->n_tests,
            g->test_ids[0], detailed && ev->group_details[i]->key
                                ? " (keyed)" : "");
    }
}

static const cct_reporter_ops ops = {
    .run_end = run_end,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_REPORTER,
    .name = "v1_1",
    .description = "a reporter built against ABI 1.1's header",
    .options = options,
    .init = init,
    .fini = fini,
    .reporter = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
