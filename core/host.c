/*
 * Plugin instances and host services (see host.h).
 */
#include "host.h"

#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "spawn.h"
#include "util.h"

#define VERSION_TEXT CCT_VERSION

static cct_instance *instance_of(const cct_host *host)
{
    return (cct_instance *)host;
}

char *cct_plugin_section(cct_plugin_kind kind, const char *name)
{
    return cct_xasprintf("%s.%s", cct_plugin_kind_name(kind), name);
}

/* ---- services ----------------------------------------------------------- */

static void host_log(const cct_host *host, cct_log_level level,
                     const char *fmt, ...)
{
    cct_instance *in = instance_of(host);
    if ((level == CCT_LOG_INFO && in->context->verbose < 1) ||
        (level == CCT_LOG_DEBUG && in->context->verbose < 2))
        return;
    char *prefix = cct_xasprintf("cctrial: %s: %s", in->section,
                                 level == CCT_LOG_WARNING ? "warning: " : "");
    va_list ap;
    va_start(ap, fmt);
    cct_console_verror(in->context->console, prefix, fmt, ap);
    va_end(ap);
    free(prefix);
}

static const char *host_option_string(const cct_host *host, const char *key)
{
    cct_instance *in = instance_of(host);
    const cct_option *options = in->lib.desc->options;
    const cct_option *option = cct_option_find(options, key);
    if (!option)
        return NULL;
    const char *value = cct_config_value(in->context->config, in->section,
                                         options, key);
    if (!value || option->type != CCT_OPT_PATH)
        return value;
    /* "~/" expanded, kept until the instance goes (one copy per key). */
    for (size_t i = 0; i < in->expanded.len; i += 2)
        if (strcmp(in->expanded.items[i], key) == 0)
            return in->expanded.items[i + 1];
    cct_strv_add(&in->expanded, key);
    cct_strv_take(&in->expanded, cct_expand_home(value));
    return in->expanded.items[in->expanded.len - 1];
}

static long host_option_int(const cct_host *host, const char *key)
{
    const char *v = host_option_string(host, key);
    return v ? cct_parse_int(v) : 0;
}

static int host_option_bool(const cct_host *host, const char *key)
{
    const char *v = host_option_string(host, key);
    return v ? cct_parse_bool(v) : 0;
}

static void host_print(const cct_host *host, const char *text, size_t len)
{
    cct_console_print(instance_of(host)->context->console, text, len);
}

static void host_status(const cct_host *host, const char *line)
{
    cct_console_status(instance_of(host)->context->console, line);
}

static int host_stdout_is_tty(const cct_host *host)
{
    return instance_of(host)->context->console->out_is_tty;
}

static int host_terminal_width(const cct_host *host)
{
    return cct_console_width(instance_of(host)->context->console);
}

static int host_have_program(const cct_host *host, const char *program)
{
    (void)host;
    return cct_which(program);
}

/* A process started for a plugin (host->spawn), its output discarded. */
typedef struct spawned {
    cct_spawn_cb done;
    void *arg;
} spawned;

static void spawned_closed(const cct_spawn_status *status, void *arg)
{
    spawned *s = arg;
    assert(status->exited);
    if (s->done)
        s->done(s->arg, status->term_signal ? -1 : (int)status->exit_status,
                status->term_signal, status->timed_out);
    free(s);
}

static int host_spawn(const cct_host *host, const char *const *argv,
                      unsigned timeout_ms, cct_spawn_cb done, void *arg)
{
    spawned *s = cct_xmalloc(sizeof(*s));
    s->done = done;
    s->arg = arg;
    cct_spawn_options so = {
        .argv = argv,
        .n_fds = 3, /* all /dev/null */
        .timeout_ms = timeout_ms,
        .closed = spawned_closed,
        .arg = s,
    };
    int rc = cct_spawn_start(instance_of(host)->context->loop, &so, NULL);
    if (rc < 0)
        free(s);
    return rc;
}

/* ---- instances ---------------------------------------------------------- */

int cct_instance_create(cct_host_context *context, cct_loaded_plugin *lib,
                        cct_instance **out, char **error)
{
    *out = NULL;
    const cct_plugin *desc = lib->desc;
    char *section = cct_plugin_section(desc->kind, desc->name);
    int rc = cct_config_validate(context->config, section, desc->options,
                                 error);
    if (rc < 0) {
        free(section);
        cct_plugin_unload(lib);
        return rc;
    }
    cct_instance *in = cct_xcalloc(1, sizeof(*in));
    in->context = context;
    in->lib = *lib;
    memset(lib, 0, sizeof(*lib));
    in->section = section;

    cct_host *h = &in->host;
    h->struct_size = sizeof(*h);
    h->abi_version = CCT_PLUGIN_ABI_VERSION;
    h->version = VERSION_TEXT;
    h->section = in->section;
    h->log = host_log;
    h->option_string = host_option_string;
    h->option_int = host_option_int;
    h->option_bool = host_option_bool;
    h->print = host_print;
    h->status = host_status;
    h->stdout_is_tty = host_stdout_is_tty;
    h->terminal_width = host_terminal_width;
    h->spawn = host_spawn;
    h->have_program = host_have_program;
    h->data_dir = context->data_dir;
    h->project_dir = context->project_dir;
    h->verbose = context->verbose;

    if (desc->init(h, &in->ctx) < 0) {
        *error = cct_xasprintf("plugin %s (%s) failed to start; see the "
                               "message above", in->section, in->lib.path);
        cct_plugin_unload(&in->lib);
        free(in->section);
        free(in);
        return CCT_EPLUGIN;
    }
    in->initialized = 1;
    *out = in;
    return 0;
}

void cct_instance_destroy(cct_instance *in)
{
    if (!in)
        return;
    if (in->initialized && in->lib.desc->fini)
        in->lib.desc->fini(in->ctx);
    cct_plugin_unload(&in->lib);
    cct_strv_free(&in->expanded);
    free(in->section);
    free(in);
}
