/*
 * Unit tests of what `notifier = auto` picks (core/autonotifier.h): the
 * platform's program, only with a desktop session (elsewhere than macOS)
 * and only when installed, and why not otherwise.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "autonotifier.h"

/* `arg` is the one program installed, or NULL for none. */
static int installed(const char *program, void *arg)
{
    return arg && strcmp(program, arg) == 0;
}

static cct_desktop desktop(int macos, const char *display,
                           const char *wayland, const char *program)
{
    return (cct_desktop){.macos = macos, .display = display,
                         .wayland_display = wayland,
                         .installed = installed, .arg = (void *)program};
}

Test(auto_notifier, notify_send_on_an_x11_or_wayland_desktop)
{
    char *why;
    cct_desktop x11 = desktop(0, ":0", NULL, "notify-send");
    cr_assert_str_eq(cct_auto_notifier(&x11, &why), "notify-send");
    cr_assert_null(why);
    cct_desktop wayland = desktop(0, NULL, "wayland-0", "notify-send");
    cr_assert_str_eq(cct_auto_notifier(&wayland, &why), "notify-send");
    cr_assert_null(why);
}

Test(auto_notifier, none_without_a_desktop_session_even_when_installed)
{
    char *why;
    cct_desktop console = desktop(0, NULL, NULL, "notify-send");
    cr_assert_null(cct_auto_notifier(&console, &why));
    cr_assert_not_null(strstr(why, "no desktop session"), "%s", why);
    free(why);
    cct_desktop empty = desktop(0, "", "", "notify-send");
    cr_assert_null(cct_auto_notifier(&empty, &why));
    free(why);
}

Test(auto_notifier, none_when_the_program_is_missing)
{
    char *why;
    cct_desktop bare = desktop(0, ":0", NULL, "terminal-notifier");
    cr_assert_null(cct_auto_notifier(&bare, &why));
    cr_assert_str_eq(why, "no notify-send on PATH: desktop notifications "
                          "are off");
    free(why);
}

Test(auto_notifier, terminal_notifier_on_macos_without_a_display)
{
    char *why;
    cct_desktop mac = desktop(1, NULL, NULL, "terminal-notifier");
    cr_assert_str_eq(cct_auto_notifier(&mac, &why), "terminal-notifier");
    cr_assert_null(why);
    cct_desktop bare = desktop(1, NULL, NULL, "notify-send");
    cr_assert_null(cct_auto_notifier(&bare, &why));
    cr_assert_str_eq(why, "no terminal-notifier on PATH: desktop "
                          "notifications are off");
    free(why);
}
