/*
 * `notifier = auto` (see autonotifier.h).
 */
#include "autonotifier.h"

#include <stdlib.h>

#include "util.h"

static int set(const char *value)
{
    return value && *value;
}

const char *cct_auto_notifier(const cct_desktop *desktop, char **why)
{
    *why = NULL;
    const char *program =
        desktop->macos ? "terminal-notifier" : "notify-send";
    if (!desktop->macos && !set(desktop->display) &&
        !set(desktop->wayland_display)) {
        *why = cct_xstrdup("no desktop session (neither DISPLAY nor "
                           "WAYLAND_DISPLAY is set): desktop notifications "
                           "are off");
        return NULL;
    }
    if (!desktop->installed(program, desktop->arg)) {
        *why = cct_xasprintf("no %s on PATH: desktop notifications are off",
                             program);
        return NULL;
    }
    return program;
}

static int on_path(const char *program, void *arg)
{
    (void)arg;
    return cct_which(program);
}

cct_desktop cct_desktop_here(void)
{
    return (cct_desktop){
#ifdef __APPLE__
        .macos = 1,
#endif
        .display = getenv("DISPLAY"),
        .wayland_display = getenv("WAYLAND_DISPLAY"),
        .installed = on_path,
    };
}
