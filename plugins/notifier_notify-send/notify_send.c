/*
 * The `notify-send` notifier: desktop notifications on freedesktop systems
 * (Linux, the BSDs) through libnotify's notify-send.  Each notification is
 *
 *     notify-send --app-name=cctrial [--print-id [--replace-id=ID]]
 *                 --icon=<icon> [--urgency=critical] -- TITLE MESSAGE
 *
 * with the pass or fail icon, and critical urgency when tests failed, so
 * that a failure stays on screen until it is seen.
 *
 * Each notification replaces the one before it, so that they do not pile
 * up (the workflow sends one per cycle): with --print-id notify-send
 * prints the id the daemon gave it, and the next one names that id with
 * --replace-id.  Both options came with libnotify 0.7.9; an older
 * notify-send refuses them, so at start-up the plugin reads
 * `notify-send --help` (holding notifications until it answers) and uses
 * them only when both are listed; otherwise each notification is a new
 * one, as before.  The id is read after every notification: a daemon
 * gives a new id when the one replaced was dismissed.  The "--" ends
 * notify-send's options: without it a title or message that starts with
 * "-" would be refused as an unknown option.  The program is started with
 * an argument vector, never through a shell, so every other character
 * arrives as text.
 *
 * notify-send fails without a notification daemon on the session's D-Bus
 * (over ssh, in CI); notifier_process.c says so once and cctrial goes on.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cctrial/plugin.h"
#include "notifier_process.h"

typedef struct notify_send {
    const cct_host *host;
    notifier_process *process;
    char *icon[2]; /* by cct_notify_status; NULL: no icon */
    char *urgency; /* of a failure */
    cct_program *probe;   /* `notify-send --help`, until it answers */
    int replaces;         /* it knows --print-id and --replace-id */
    unsigned long last_id; /* of the last notification; 0: none yet */
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

static char **build(void *arg, const char *title, const char *message,
                    cct_notify_status status);
static void read_id(void *arg, const char *out);
static void probe(notify_send *n);

static void fini(void *ctx)
{
    notify_send *n = ctx;
    if (n->probe)
        n->host->stop_program(n->host, n->probe);
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
    n->host = host;
    const char *urgency = host->option_string(host, "urgency");
    n->urgency = strdup(urgency ? urgency : "critical");
    n->process = notifier_process_new(
        host, "notify-send",
        "is a notification daemon running on this session's D-Bus?", build,
        read_id, n);
    if (!n->urgency || !n->process) {
        host->log(host, CCT_LOG_ERROR, "out of memory");
        fini(n);
        return -1;
    }
    n->icon[CCT_NOTIFY_PASS] = notifier_icon(host, CCT_NOTIFY_PASS);
    n->icon[CCT_NOTIFY_FAIL] = notifier_icon(host, CCT_NOTIFY_FAIL);
    probe(n);
    *ctx = n;
    return 0;
}

/* ---- does it know --print-id and --replace-id? ---------------------------- */

/* The options GLib lists in `notify-send --help`, and how much of it to
 * read: the help of libnotify 0.8 is about 1.5 kB. */
#define HELP_MAX 16384

static void probed(void *arg, const cct_program_result *result)
{
    notify_send *n = arg;
    n->probe = NULL;
    n->replaces = result->exit_status == 0 && result->out &&
                  strstr(result->out, "--print-id") &&
                  strstr(result->out, "--replace-id");
    n->host->log(n->host, CCT_LOG_DEBUG, "notify-send %s --print-id and "
                 "--replace-id: notifications %s", n->replaces ? "knows" :
                 "does not know", n->replaces ? "replace the last one" :
                 "pile up");
    notifier_process_hold(n->process, 0);
}

/* Asks notify-send for its options; notifications wait for the answer.
 * A cctrial older than ABI 1.2 cannot hand back what a program printed:
 * then they never replace each other. */
static void probe(notify_send *n)
{
    const cct_host *host = n->host;
    if (!CCT_HAS_FIELD(host, cct_host, stop_program) || !host->run_program)
        return;
    static const char *const argv[] = {"notify-send", "--help", NULL};
    long timeout = host->option_int(host, "timeout");
    notifier_process_hold(n->process, 1);
    if (host->run_program(host, argv, NULL,
                          timeout > 0 ? (unsigned)timeout : 2000, HELP_MAX,
                          probed, n, &n->probe) < 0) {
        n->probe = NULL;
        notifier_process_hold(n->process, 0);
    }
}

/* What `notify-send --print-id` printed: the notification's id. */
static void read_id(void *arg, const char *out)
{
    notify_send *n = arg;
    if (!n->replaces)
        return;
    char *end = NULL;
    errno = 0;
    unsigned long id = strtoul(out, &end, 10);
    if (errno || end == out || id == 0 ||
        (*end && !isspace((unsigned char)*end))) {
        n->host->log(n->host, CCT_LOG_DEBUG, "notify-send --print-id "
                     "printed no id; the next notification is a new one");
        n->last_id = 0;
        return;
    }
    n->last_id = id;
}

/* ---- notifications -------------------------------------------------------- */

static char **build(void *arg, const char *title, const char *message,
                    cct_notify_status status)
{
    notify_send *n = arg;
    int fail = status == CCT_NOTIFY_FAIL;
    const char *icon = n->icon[fail ? CCT_NOTIFY_FAIL : CCT_NOTIFY_PASS];
    notifier_argv a = {0};
    notifier_argv_add(&a, "notify-send");
    notifier_argv_add(&a, "--app-name=cctrial");
    if (n->replaces) {
        notifier_argv_add(&a, "--print-id");
        if (n->last_id)
            notifier_argv_addf(&a, "--replace-id=%lu", n->last_id);
    }
    if (icon)
        notifier_argv_addf(&a, "--icon=%s", icon);
    if (fail)
        notifier_argv_addf(&a, "--urgency=%s", n->urgency);
    notifier_argv_add(&a, "--");
    notifier_argv_add(&a, title);
    notifier_argv_add(&a, message);
    return notifier_argv_take(&a);
}

static void notify(void *ctx, const char *title, const char *message,
                   cct_notify_status status)
{
    notify_send *n = ctx;
    notifier_process_send(n->process, title, message, status);
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
