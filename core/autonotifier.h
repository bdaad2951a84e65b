/*
 * What `notifier = auto` means where cctrial runs: terminal-notifier on
 * macOS; elsewhere notify-send, where a freedesktop desktop session is
 * there to show it (an X11 or Wayland display: notify-send reaches the
 * session's D-Bus from it), since without one every notification would
 * fail.  Either only when the program is installed.  Pure: the platform,
 * the environment and what is installed are given.
 */
#ifndef CCT_AUTONOTIFIER_H
#define CCT_AUTONOTIFIER_H

typedef struct cct_desktop {
    int macos;                   /* cctrial runs on macOS */
    const char *display;         /* $DISPLAY, or NULL */
    const char *wayland_display; /* $WAYLAND_DISPLAY, or NULL */
    /* Is `program` on PATH? */
    int (*installed)(const char *program, void *arg);
    void *arg;
} cct_desktop;

/* The notifier plugin to load, or NULL with *why (the caller frees it)
 * saying why notifications are off. */
const char *cct_auto_notifier(const cct_desktop *desktop, char **why);

/* This system's desktop (the environment, cct_which). */
cct_desktop cct_desktop_here(void);

#endif
