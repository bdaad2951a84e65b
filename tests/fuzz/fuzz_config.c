/*
 * libFuzzer target for the configuration reader (core/config.c with inih)
 * and what follows it at start-up: validation of [cctrial] against the
 * core's option table and the typed settings read from it
 * (core/options.c).  A user's .cctrialrc can hold anything; whatever it
 * holds must end in settings or in one error message, never in a crash.
 *
 * The input is written to a scratch file that the reader then opens by
 * path, as it opens a real .cctrialrc.  The scratch file is a memfd made
 * once per process and rewritten for every input: the same path each time
 * (messages name it, so this keeps runs deterministic), nothing on disk to
 * clean up when a crash ends the process.  It is the harness's only state.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"
#include "options.h"
#include "util.h"

/* Writes the input to the scratch file; returns the file's path. */
static const char *write_scratch(const uint8_t *data, size_t size)
{
    static char path[64];
    static int fd = -1;
    if (fd < 0) {
        fd = memfd_create("cct-fuzz-config", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    CCT_FUZZ_CHECK(ftruncate(fd, 0) == 0);
    CCT_FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
    return path;
}

static int valid_name(const char *s)
{
    return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-.") ==
                     strlen(s);
}

/* What the reader kept: named settings, each from this file. */
static void check_settings(const cct_config *c, const char *path)
{
    size_t path_len = strlen(path);
    for (size_t i = 0; i < c->n; i++) {
        const cct_setting *s = &c->items[i];
        CCT_FUZZ_CHECK(valid_name(s->section) && valid_name(s->key));
        CCT_FUZZ_CHECK(s->value && s->file && strcmp(s->file, path) == 0);
        CCT_FUZZ_CHECK(s->line >= 1);
        CCT_FUZZ_CHECK(strncmp(s->origin, path, path_len) == 0 &&
                       s->origin[path_len] == ':');
        CCT_FUZZ_CHECK(cct_config_find(c, s->section, s->key) == s);
    }
    CCT_FUZZ_CHECK(c->files.len == 1 && strcmp(c->files.items[0], path) == 0);
}

/* Validated settings are within the table's bounds once read. */
static void check_loaded(const cct_config *c)
{
    cct_settings s;
    cct_settings_load(&s, c);
    CCT_FUZZ_CHECK(s.jobs >= 1 && s.jobs <= 256);
    CCT_FUZZ_CHECK(s.debounce_ms <= 60000);
    CCT_FUZZ_CHECK(s.timeout_s <= 86400);
    CCT_FUZZ_CHECK(s.verbose >= 0 && s.verbose <= 3);
    CCT_FUZZ_CHECK(s.notifier && s.selector);
    CCT_FUZZ_CHECK(!s.smart || s.forever);
    cct_settings_free(&s);

    cct_buf printed;
    cct_buf_init(&printed);
    cct_config_print_section(c, CCT_CORE_SECTION, cct_core_options,
                             &printed);
    CCT_FUZZ_CHECK(cct_str_starts_with(printed.data, "[cctrial]\n"));
    cct_buf_free(&printed);
}

static void check_validation(const cct_config *c)
{
    char *error = NULL;
    int rc = cct_config_validate(c, CCT_CORE_SECTION, cct_core_options,
                                 &error);
    CCT_FUZZ_CHECK(rc == 0 ? error == NULL
                           : rc == CCT_ECONFIG && error && *error);
    free(error);
    if (rc == 0)
        check_loaded(c);

    /* A section checked against a table without keys: any setting in it
     * is unknown. */
    if (c->n > 0) {
        rc = cct_config_validate(c, c->items[0].section, NULL, &error);
        CCT_FUZZ_CHECK(rc == CCT_ECONFIG && error &&
                       strstr(error, "valid keys: (none)"));
        free(error);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = write_scratch(data, size);

    cct_config c;
    cct_config_init(&c);
    char *error = NULL;
    int rc = cct_config_read_file(&c, path, &error);
    if (rc == 0) {
        CCT_FUZZ_CHECK(error == NULL);
        check_settings(&c, path);
        check_validation(&c);
    } else {
        /* One message that says where. */
        CCT_FUZZ_CHECK(rc == CCT_ECONFIG && error &&
                       cct_str_starts_with(error, path));
        free(error);
    }
    cct_config_free(&c);
    return 0;
}
