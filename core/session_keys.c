/*
 * Keys typed while cctrial watches (see keys.h for the terminal side):
 * what each key asks of the workflow (which stops a run for it, or makes
 * it wait for a discovery), smart mode on and off, and the --grep filter
 * typed with p.  Writes only `keys` of the session.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

/* Shown under "waiting for filesystem change..." when keys work. */
const char cct__session_keys_hint[] =
    "keys: Enter re-run, a all, f failed, s smart, p grep, c clear grep, "
    "? help, q quit";

static const char KEYS_HELP[] =
    "  Enter  re-run the current suite\n"
    "  a      run the full suite\n"
    "  f      run only the tests that failed last\n"
    "  s      turn smart mode on or off (run only what a change affects)\n"
    "  p      filter tests by a text in their id (--grep)\n"
    "  c      clear that filter\n"
    "  w, ?   show these keys\n"
    "  q      quit\n";

/* `f` found no failed test to run: says so, and when the --grep filter
 * hides tests that were broken the last time they ran, how many and how
 * to see them again. */
static void say_nothing_failed(session *s)
{
    const char *grep = cct__session_grep(s);
    size_t hidden = cct__session_broken_outside(s, grep);
    if (!hidden) {
        cct_console_printf(&s->console, "no failed test to run\n");
        return;
    }
    char *shown = cct__session_visible(grep);
    cct_console_printf(&s->console,
                       "no failed test matches '%s'; %zu failed test%s "
                       "outside it: c clears the filter\n",
                       shown, hidden, hidden == 1 ? "" : "s");
    free(shown);
}

/* Hands a key's request to the workflow, which alone starts runs: it
 * stops the run going on first, or waits for a discovery its suites
 * need. */
static void request(session *s, cct_request request)
{
    cct_actions actions;
    if (cct_workflow_request(&s->workflow, request, &actions) < 0) {
        say_nothing_failed(s);
        return;
    }
    cct__session_act(s, &actions);
}

static void toggle_smart(session *s)
{
    int on = !s->workflow.smart;
    if (on && cct__session_load_smart_selector(s) < 0)
        return;
    cct_workflow_set_smart(&s->workflow, on);
    cct_console_printf(&s->console, "smart mode %s\n",
                       on ? "on: each change runs the tests it affects"
                          : "off: each change runs the full suite");
}

static void set_grep(session *s, const char *grep)
{
    free(s->keys.grep);
    s->keys.grep = grep ? cct_xstrdup(grep) : NULL;
    s->keys.grep_typed = 1;
}

const char *cct__session_grep(const session *s)
{
    return s->keys.grep_typed ? s->keys.grep : s->settings.grep;
}

static void on_grep_line(const char *line, void *arg)
{
    session *s = arg;
    if (!line) {
        cct_console_printf(&s->console, "grep unchanged\n");
        return;
    }
    set_grep(s, *line ? line : NULL);
    request(s, CCT_REQ_ALL);
}

static void on_key(int key, void *arg)
{
    session *s = arg;
    if (s->exiting)
        return;
    switch (key) {
    case CCT_KEY_INTERRUPT:
        cct__session_exit(s, 128 + SIGINT);
        break;
    case 'q':
        cct__session_exit(s, 0);
        break;
    case CCT_KEY_ENTER:
        request(s, CCT_REQ_RERUN);
        break;
    case 'a':
        request(s, CCT_REQ_ALL);
        break;
    case 'f':
        request(s, CCT_REQ_FAILED);
        break;
    case 's':
        toggle_smart(s);
        break;
    case 'p':
        request(s, CCT_REQ_STOP); /* no run while the filter is typed */
        cct_keys_read_line(s->keys.terminal,
                           "grep pattern (Enter to apply, Escape to "
                           "cancel): ", on_grep_line, s);
        break;
    case 'c':
        set_grep(s, NULL);
        cct_console_printf(&s->console, "grep cleared\n");
        request(s, CCT_REQ_ALL);
        break;
    case 'w':
    case '?':
        cct_console_printf(&s->console, "%s", KEYS_HELP);
        break;
    default:
        break;
    }
}

void cct__session_start_keys(session *s)
{
    /* Keys only with a terminal to type on; no error without one. */
    if (cct_keys_start(&s->loop, &s->console, on_key, s,
                       &s->keys.terminal) < 0)
        s->keys.terminal = NULL;
}

void cct__session_stop_keys(session *s)
{
    if (s->keys.terminal) {
        cct_keys_stop(s->keys.terminal);
        s->keys.terminal = NULL;
    }
}

void cct__session_keys_free(session *s)
{
    free(s->keys.grep);
    s->keys.grep = NULL;
}
