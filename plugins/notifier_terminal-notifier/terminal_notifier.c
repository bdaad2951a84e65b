/*
 * The `terminal-notifier` notifier: macOS notifications through
 * terminal-notifier.  Each notification is
 *
 *     terminal-notifier -title \TITLE -message \MESSAGE -appIcon \<icon>
 *                       -group \cctrial
 *
 * so that it shows the pass or fail icon and replaces the previous one of
 * the group instead of piling up.
 *
 * Why every value starts with a backslash: terminal-notifier reads its
 * options through NSUserDefaults, which parses each value as a property
 * list.  A value starting with "-" is taken for the next option, and one
 * starting with "(", "{", "<", "[" or a quote becomes an array, a
 * dictionary, data or a parsed string, or is refused.  terminal-notifier
 * removes one leading backslash from every value it reads (its help:
 * "the first character of a message has to be escaped"), and a value that
 * starts with a backslash is not a property list, so "\" + text always
 * arrives as exactly that text.  The program is started with an argument
 * vector, never through a shell, so nothing else needs escaping.
 */
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"
#include "notifier_process.h"

typedef struct terminal_notifier {
    notifier_process *process;
    char *icon[2]; /* by cct_notify_status; NULL: no icon */
    char *group;   /* NULL: no group */
} terminal_notifier;

static const cct_option options[] = {
    NOTIFIER_TIMEOUT_OPTION,
    NOTIFIER_ICON_OPTIONS,
    {"group", CCT_OPT_STRING, "cctrial",
     "terminal-notifier's -group: a new notification replaces the last "
     "one of its group; empty to keep them all.",
     NULL, 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static char **build(void *arg, const char *title, const char *message,
                    cct_notify_status status);

static void fini(void *ctx)
{
    terminal_notifier *t = ctx;
    notifier_process_free(t->process);
    free(t->icon[CCT_NOTIFY_PASS]);
    free(t->icon[CCT_NOTIFY_FAIL]);
    free(t->group);
    free(t);
}

static int init(const cct_host *host, void **ctx)
{
    terminal_notifier *t = calloc(1, sizeof(*t));
    if (!t) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    const char *group = host->option_string(host, "group");
    t->process = notifier_process_new(
        host, "terminal-notifier",
        "is a Notification Center running for this user?", build, NULL, t);
    if (group && *group)
        t->group = strdup(group);
    if (!t->process || (group && *group && !t->group)) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        fini(t);
        return -1;
    }
    t->icon[CCT_NOTIFY_PASS] = notifier_icon(host, CCT_NOTIFY_PASS);
    t->icon[CCT_NOTIFY_FAIL] = notifier_icon(host, CCT_NOTIFY_FAIL);
    *ctx = t;
    return 0;
}

/* "-option \value": see the top of this file. */
static void add_option(notifier_argv *a, const char *option,
                       const char *value)
{
    notifier_argv_add(a, option);
    notifier_argv_addf(a, "\\%s", value ? value : "");
}

static char **build(void *arg, const char *title, const char *message,
                    cct_notify_status status)
{
    terminal_notifier *t = arg;
    const char *icon =
        t->icon[status == CCT_NOTIFY_FAIL ? CCT_NOTIFY_FAIL
                                          : CCT_NOTIFY_PASS];
    notifier_argv a = {0};
    notifier_argv_add(&a, "terminal-notifier");
    add_option(&a, "-title", title);
    add_option(&a, "-message", message);
    if (icon)
        add_option(&a, "-appIcon", icon);
    if (t->group)
        add_option(&a, "-group", t->group);
    return notifier_argv_take(&a);
}

static void notify(void *ctx, const char *title, const char *message,
                   cct_notify_status status)
{
    terminal_notifier *t = ctx;
    notifier_process_send(t->process, title, message, status);
}

static const cct_notifier_ops ops = {
    .notify = notify,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_NOTIFIER,
    .name = "terminal-notifier",
    .description = "macOS notifications through terminal-notifier, each "
                   "replacing the last",
    .options = options,
    .option_size = sizeof(cct_option),
    .init = init,
    .fini = fini,
    .notifier = &ops,
};

CCT_PLUGIN_EXPORT const cct_plugin *cct_plugin_entry(void)
{
    return &plugin;
}
