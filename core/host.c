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

#include "capture.h"
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

/* A plugin's output is lost (ABI 1.3): an error the session's exit status
 * will tell (session.c). */
static void host_output_failed(const cct_host *host, const char *fmt, ...)
{
    cct_instance *in = instance_of(host);
    in->context->output_failed = 1;
    char *prefix = cct_xasprintf("cctrial: %s: ", in->section);
    va_list ap;
    va_start(ap, fmt);
    cct_console_verror(in->context->console, prefix, fmt, ap);
    va_end(ap);
    free(prefix);
}

static const char *host_option_string(const cct_host *host, const char *key)
{
    cct_instance *in = instance_of(host);
    cct_option_table options = in->lib.options;
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

/* A program run for a plugin, its output handed back (host->run_program).
 * Its standard error is kept for the message of a failure. */
#define PROGRAM_ERR_LIMIT 4096

struct cct_program {
    cct_program_cb done;
    void *arg;
    cct_capture *capture;
    int stopped; /* stop_program: the plugin wants no callback */
};

static void program_done(cct_capture_result *res, void *arg)
{
    cct_program *p = arg;
    if (!p->stopped) {
        cct_program_result result = {
            .struct_size = sizeof(result),
            .exit_status = res->term_signal ? -1 : (int)res->exit_status,
            .term_signal = res->term_signal,
            .timed_out = res->timed_out,
            .out = res->out.data ? res->out.data : "",
            .out_len = res->out.len,
            .out_truncated = res->out_truncated,
            .err = res->err.data ? res->err.data : "",
            .err_len = res->err.len,
        };
        p->done(p->arg, &result);
    }
    free(p);
}

static int host_run_program(const cct_host *host, const char *const *argv,
                            const char *cwd, unsigned timeout_ms,
                            size_t max_output, cct_program_cb done, void *arg,
                            cct_program **program)
{
    if (!argv || !argv[0] || !done || timeout_ms == 0 || max_output == 0)
        return UV_EINVAL;
    cct_instance *in = instance_of(host);
    cct_program *p = cct_xcalloc(1, sizeof(*p));
    p->done = done;
    p->arg = arg;
    cct_capture_options options = {
        .argv = argv,
        .cwd = cwd ? cwd : in->context->project_dir,
        .out_limit = max_output,
        .err_limit = PROGRAM_ERR_LIMIT,
        .timeout_ms = timeout_ms,
    };
    int rc = cct_capture_start(in->context->loop, &options, program_done, p,
                               &p->capture);
    if (rc < 0) {
        free(p);
        return rc;
    }
    if (program)
        *program = p;
    return 0;
}

static void host_stop_program(const cct_host *host, cct_program *program)
{
    (void)host;
    assert(!program->stopped);
    program->stopped = 1;
    /* Its pipes close as it dies; program_done then frees it. */
    cct_capture_kill(program->capture);
}

/* ---- instances ---------------------------------------------------------- */

int cct_instance_create(cct_host_context *context, cct_loaded_plugin *lib,
                        cct_instance **out, char **error)
{
    *out = NULL;
    const cct_plugin *desc = lib->desc;
    char *section = cct_plugin_section(desc->kind, desc->name);
    int rc = cct_config_validate(context->config, section, lib->options,
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
    h->run_program = host_run_program;
    h->stop_program = host_stop_program;
    h->output_failed = host_output_failed;
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
