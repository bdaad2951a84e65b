/*
 * The `notify-send` notifier: desktop notifications on freedesktop systems
 * (Linux, the BSDs) through libnotify's notify-send.  Each notification is
 *
 *     notify-send --app-name=cctrial --icon=<icon> [--urgency=critical]
 *                 -- TITLE MESSAGE
 *
 * with the pass or fail icon, and critical urgency when tests failed, so
 * that a failure stays on screen until it is seen.  The "--" ends
 * notify-send's options: without it a title or message that starts with
 * "-" would be refused as an unknown option.  The program is started with
 * an argument vector, never through a shell, so every other character
 * arrives as text.
 *
 * notify-send fails without a notification daemon on the session's D-Bus
 * (over ssh, in CI); notifier_process.c says so once and cctrial goes on.
 */
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"
#include "notifier_process.h"

typedef struct notify_send {
    notifier_process *process;
    char *icon[2]; /* by cct_notify_status; NULL: no icon */
    char *urgency; /* of a failure */
} notify_send;

static const cct_option options[] = {
    NOTIFIER_TIMEOUT_OPTION,
    NOTIFIER_ICON_OPTIONS,
    {"urgency", CCT_OPT_CHOICE, "critical",
     "Urgency of a notification that tests failed; critical ones stay "
     "until dismissed (a pass always has notify-send's default, normal).",
     "low|normal|critical", 0, 0},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static void fini(void *ctx)
{
    notify_send *n = ctx;
    notifier_process_free(n->process);
    free(n->icon[CCT_NOTIFY_PASS]);
    free(n->icon[CCT_NOTIFY_FAIL]);
    free(n->urgency);
    free(n);
}

static int init(const cct_host *host, void **ctx)
{
    notify_send *n = calloc(1, sizeof(*n));
    if (!n) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        return -1;
    }
    const char *urgency = host->option_string(host, "urgency");
    n->urgency = strdup(urgency ? urgency : "critical");
    n->process = notifier_process_new(
        host, "notify-send",
        "is a notification daemon running on this session's D-Bus?");
    if (!n->urgency || !n->process) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        fini(n);
        return -1;
    }
    n->icon[CCT_NOTIFY_PASS] = notifier_icon(host, CCT_NOTIFY_PASS);
    n->icon[CCT_NOTIFY_FAIL] = notifier_icon(host, CCT_NOTIFY_FAIL);
    *ctx = n;
    return 0;
}

static void notify(void *ctx, const char *title, const char *message,
                   cct_notify_status status)
{
    notify_send *n = ctx;
    int fail = status == CCT_NOTIFY_FAIL;
    const char *icon = n->icon[fail ? CCT_NOTIFY_FAIL : CCT_NOTIFY_PASS];
    notifier_argv a = {0};
    notifier_argv_add(&a, "notify-send");
    notifier_argv_add(&a, "--app-name=cctrial");
    if (icon)
        notifier_argv_addf(&a, "--icon=%s", icon);
    if (fail)
        notifier_argv_addf(&a, "--urgency=%s", n->urgency);
    notifier_argv_add(&a, "--");
    notifier_argv_add(&a, title ? title : "");
    notifier_argv_add(&a, message ? message : "");
    notifier_process_send(n->process, notifier_argv_take(&a));
}

static const cct_notifier_ops ops = {
    .notify = notify,
};

static const cct_plugin plugin = {
    .abi_version = CCT_PLUGIN_ABI_VERSION,
    .size = sizeof(cct_plugin),
    .kind = CCT_PLUGIN_NOTIFIER,
    .name = "notify-send",
    .description = "desktop notifications through notify-send (Linux, BSD)",
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
