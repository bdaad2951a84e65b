/*
 * Plugin files: search, permission checks, dlopen and descriptor checks
 * (see loader.h).
 */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "trust.h"

static const char suffix[] = ".so";

/* The element size of a descriptor's options table: its option_size from
 * ABI 1.2, ABI 1.0's before (a 1.0 or 1.1 plugin was built with that
 * size, the only one its header knew). */
static size_t option_stride(const cct_plugin *desc)
{
    if (desc->size >= offsetof(cct_plugin, option_size) +
                          sizeof(desc->option_size))
        return desc->option_size;
    return CCT_OPTION_SIZE_1_0;
}

const char *cct_plugin_kind_name(cct_plugin_kind kind)
{
    switch (kind) {
    case CCT_PLUGIN_REPORTER: return "reporter";
    case CCT_PLUGIN_NOTIFIER: return "notifier";
    case CCT_PLUGIN_SELECTOR: return "selector";
    }
    return "unknown";
}

static void add_dir(cct_strv *dirs, const char *dir)
{
    if (dir && *dir && !cct_strv_contains(dirs, dir))
        cct_strv_add(dirs, dir);
}

void cct_plugin_search_path(cct_strv *dirs, const char *build_dir,
                            const char *install_dir,
                            const cct_strv *config_dirs, const char *env)
{
    add_dir(dirs, build_dir);
    add_dir(dirs, install_dir);
    for (size_t i = 0; config_dirs && i < config_dirs->len; i++)
        add_dir(dirs, config_dirs->items[i]);
    if (env) {
        char *copy = cct_xstrdup(env), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d;
             d = strtok_r(NULL, ":", &save))
            add_dir(dirs, d);
        free(copy);
    }
}

int cct_plugin_load_file(const char *path, cct_loaded_plugin *out,
                         char **error)
{
    memset(out, 0, sizeof(*out));
    /* A file others could replace is code others could run as us. */
    *error = cct_trust_file(path, "load code from it");
    if (*error)
        return CCT_EPLUGIN;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        *error = cct_xasprintf("cannot load plugin %s: %s", path, dlerror());
        return CCT_EPLUGIN;
    }
    cct_plugin_entry_fn entry;
    /* dlsym returns an object pointer; POSIX allows this conversion. */
    *(void **)&entry = dlsym(handle, CCT_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        *error = cct_xasprintf("%s is not a cctrial plugin: it has no %s() "
                               "(declare it with CCT_PLUGIN_EXPORT)", path,
                               CCT_PLUGIN_ENTRY_SYMBOL);
        dlclose(handle);
        return CCT_EPLUGIN;
    }
    const cct_plugin *desc = entry();
    const char *problem = NULL;
    char *owned = NULL;
    if (!desc) {
        problem = "its entry function returned NULL";
    } else if (CCT_PLUGIN_ABI_MAJOR_OF(desc->abi_version) !=
               CCT_PLUGIN_ABI_MAJOR) {
        owned = cct_xasprintf(
            "it was built for plugin ABI %u.%u and this cctrial speaks "
            "%u.%u: rebuild it against this cctrial's plugin.h",
            desc->abi_version >> 16, desc->abi_version & 0xffff,
            CCT_PLUGIN_ABI_MAJOR, CCT_PLUGIN_ABI_MINOR);
    } else if (desc->size < CCT_PLUGIN_SIZE_1_0) {
        /* Every field of ABI 1.0 is required; newer minors only append,
         * and a plugin built against 1.0 has only those. */
        owned = cct_xasprintf("its descriptor is %u bytes, smaller than "
                              "the %u of ABI 1.0", desc->size,
                              CCT_PLUGIN_SIZE_1_0);
    } else if (desc->options && option_stride(desc) < CCT_OPTION_SIZE_1_0) {
        owned = cct_xasprintf("its option_size is %zu, smaller than the %zu "
                              "of ABI 1.0's cct_option: set .option_size = "
                              "sizeof(cct_option)", option_stride(desc),
                              CCT_OPTION_SIZE_1_0);
    } else if (!desc->name || !desc->init) {
        problem = "its descriptor has no name or no init function";
    } else if ((desc->kind == CCT_PLUGIN_REPORTER && !desc->reporter) ||
               (desc->kind == CCT_PLUGIN_NOTIFIER && !desc->notifier) ||
               (desc->kind == CCT_PLUGIN_SELECTOR && !desc->selector) ||
               desc->kind < CCT_PLUGIN_REPORTER ||
               desc->kind > CCT_PLUGIN_SELECTOR) {
        problem = "its descriptor has no callbacks for its kind";
    }
    if (problem || owned) {
        *error = cct_xasprintf("cannot use plugin %s: %s", path,
                               owned ? owned : problem);
        free(owned);
        dlclose(handle);
        return CCT_EPLUGIN;
    }
    out->path = cct_xstrdup(path);
    out->handle = handle;
    out->desc = desc;
    out->options = (cct_option_table){desc->options, option_stride(desc)};
    return 0;
}

void cct_plugin_unload(cct_loaded_plugin *p)
{
    /* The descriptor points into the library: forget it first. */
    p->desc = NULL;
    if (p->handle)
        dlclose(p->handle);
    free(p->path);
    memset(p, 0, sizeof(*p));
}

static int is_plugin_file(const char *name)
{
    return cct_str_ends_with(name, suffix) &&
           (cct_str_starts_with(name, "reporter_") ||
            cct_str_starts_with(name, "notifier_") ||
            cct_str_starts_with(name, "selector_"));
}

void cct_plugin_find_all(const cct_strv *dirs, cct_strv *paths)
{
    cct_strv seen;
    cct_strv_init(&seen);
    for (size_t i = 0; i < dirs->len; i++) {
        DIR *d = opendir(dirs->items[i]);
        if (!d)
            continue;
        cct_strv names;
        cct_strv_init(&names);
        struct dirent *e;
        while ((e = readdir(d)))
            if (is_plugin_file(e->d_name))
                cct_strv_add(&names, e->d_name);
        closedir(d);
        cct_strv_sort(&names);
        for (size_t k = 0; k < names.len; k++) {
            if (cct_strv_contains(&seen, names.items[k]))
                continue; /* an earlier directory wins */
            cct_strv_add(&seen, names.items[k]);
            cct_strv_take(paths, cct_path_join(dirs->items[i],
                                               names.items[k]));
        }
        cct_strv_free(&names);
    }
    cct_strv_free(&seen);
}

static char *found_of_kind(const cct_strv *dirs, const char *kind)
{
    cct_strv all;
    cct_strv_init(&all);
    cct_plugin_find_all(dirs, &all);
    cct_buf b;
    cct_buf_init(&b);
    size_t prefix = strlen(kind) + 1;
    for (size_t i = 0; i < all.len; i++) {
        const char *base = strrchr(all.items[i], '/') + 1;
        if (strncmp(base, kind, prefix - 1) != 0 || base[prefix - 1] != '_')
            continue;
        cct_buf_printf(&b, "%s%.*s (%s)", b.len ? ", " : "",
                       (int)(strlen(base) - prefix - strlen(suffix)),
                       base + prefix, all.items[i]);
    }
    cct_strv_free(&all);
    if (!b.len)
        cct_buf_adds(&b, "none");
    return cct_buf_steal(&b);
}

int cct_plugin_load(const cct_strv *dirs, cct_plugin_kind kind,
                    const char *name, cct_loaded_plugin *out, char **error)
{
    const char *kind_name = cct_plugin_kind_name(kind);
    for (size_t i = 0; i < dirs->len; i++) {
        char *file = cct_xasprintf("%s_%s%s", kind_name, name, suffix);
        char *path = cct_path_join(dirs->items[i], file);
        free(file);
        if (access(path, F_OK) != 0) {
            free(path);
            continue;
        }
        int rc = cct_plugin_load_file(path, out, error);
        if (rc == 0 && (out->desc->kind != kind ||
                        strcmp(out->desc->name, name) != 0)) {
            *error = cct_xasprintf("%s declares itself %s '%s', not %s '%s'",
                                   path,
                                   cct_plugin_kind_name(out->desc->kind),
                                   out->desc->name, kind_name, name);
            cct_plugin_unload(out);
            rc = CCT_EPLUGIN;
        }
        free(path);
        return rc;
    }
    char *where = cct_strv_join(dirs, ", ");
    char *found = found_of_kind(dirs, kind_name);
    *error = cct_xasprintf("no %s plugin named '%s' (looked for %s_%s%s in: "
                           "%s; %s plugins found: %s)", kind_name, name,
                           kind_name, name, suffix, where, kind_name, found);
    free(where);
    free(found);
    return CCT_EPLUGIN;
}
