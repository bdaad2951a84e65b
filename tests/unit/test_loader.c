/*
 * Unit tests of plugin loading (core/loader.h) and plugin instances
 * (core/host.h), with the small plugins of tests/plugins (built into
 * CCT_TEST_PLUGIN_DIR) and the real summary reporter of the build tree:
 * finding a plugin and saying where it looked when it is missing, every
 * reason to refuse a file, refusing files others could write, validating
 * an instance's section, and the option services a plugin reads.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "error.h"
#include "host.h"
#include "loader.h"
#include "results.h"

#define PLUGIN_DIR CCT_TEST_PLUGIN_DIR
#define GOOD PLUGIN_DIR "/reporter_good.so"

static cct_strv dirs;
static char tmp[64];
static char *error;
static cct_loaded_plugin lib;
static uv_loop_t loop;
static cct_console console;
static cct_config config;
static cct_host_context context;

static void setup(void)
{
    cct_strv_init(&dirs);
    cct_strv_add(&dirs, PLUGIN_DIR);
    strcpy(tmp, "/tmp/cct-loader-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    error = NULL;
    memset(&lib, 0, sizeof(lib));
    cr_assert_eq(uv_loop_init(&loop), 0);
    cct_console_init(&console, &loop);
    cct_config_init(&config);
    context = (cct_host_context){.loop = &loop,
                                 .console = &console,
                                 .config = &config,
                                 .verbose = 0,
                                 .data_dir = "/usr/share/cctrial",
                                 .project_dir = "/home/u/project"};
}

static void teardown(void)
{
    cct_plugin_unload(&lib);
    cct_config_free(&config);
    cct_console_close(&console);
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_loop_close(&loop);
    free(error);
    cct_strv_free(&dirs);
    chmod(tmp, 0700);
    scratch_remove(tmp);
}

TestSuite(loader, .init = setup, .fini = teardown);
TestSuite(instance, .init = setup, .fini = teardown);

static void assert_contains(const char *text, const char *part)
{
    cr_assert_not_null(text, "no text, expected one containing '%s'", part);
    cr_assert_not_null(strstr(text, part), "'%s' does not contain '%s'",
                       text, part);
}

static void assert_unloaded(const cct_loaded_plugin *p)
{
    cr_assert_null(p->handle, "a refused plugin stays loaded");
    cr_assert_null(p->desc);
    cr_assert_null(p->path);
}

/* Copies a built plugin to dir/name with the given mode; returns the
 * path. */
static char *copy_plugin(const char *from, const char *dir,
                         const char *name, mode_t mode)
{
    size_t len;
    char *data = cct_read_file(from, 0, &len, NULL);
    cr_assert_not_null(data, "cannot read %s", from);
    char *path = cct_path_join(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0, "cannot create %s", path);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
    free(data);
    return path;
}

/* ---- finding plugins ---------------------------------------------------- */

Test(loader, a_plugin_is_found_by_kind_and_name)
{
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 0, "%s", error);
    cr_assert_str_eq(lib.path, GOOD);
    cr_assert_not_null(lib.handle);
    cr_assert_eq(lib.desc->kind, CCT_PLUGIN_REPORTER);
    cr_assert_str_eq(lib.desc->name, "good");
    cr_assert_str_eq(lib.desc->description,
                     "a well-formed reporter for the loader's tests");
    cct_plugin_unload(&lib);
    assert_unloaded(&lib);
}

Test(loader, the_first_directory_that_has_the_plugin_wins)
{
    char *copy = copy_plugin(PLUGIN_DIR "/notifier_quiet.so", tmp,
                             "reporter_good.so", 0644);
    cct_strv_free(&dirs);
    cct_strv_add(&dirs, PLUGIN_DIR);
    cct_strv_add(&dirs, tmp);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 0, "%s", error);
    cr_assert_str_eq(lib.path, GOOD);
    cct_plugin_unload(&lib);

    /* The other way round, the impostor in tmp is found first and
     * refused for what it declares. */
    cct_strv_free(&dirs);
    cct_strv_add(&dirs, tmp);
    cct_strv_add(&dirs, PLUGIN_DIR);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 CCT_EPLUGIN);
    assert_contains(error, copy);
    assert_contains(error, "declares itself notifier 'quiet', not "
                           "reporter 'good'");
    free(copy);
}

Test(loader, a_missing_plugin_says_where_it_looked_and_what_it_found)
{
    cct_strv_add(&dirs, tmp);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "nosuch", &lib,
                                 &error),
                 CCT_EPLUGIN);
    assert_unloaded(&lib);
    assert_contains(error, "no reporter plugin named 'nosuch'");
    assert_contains(error, "reporter_nosuch.so");
    char *where = cct_xasprintf("in: %s, %s;", PLUGIN_DIR, tmp);
    assert_contains(error, where);
    free(where);
    assert_contains(error, "reporter plugins found: ");
    assert_contains(error, "good (" GOOD ")");
    assert_contains(error, "abi2 (" PLUGIN_DIR "/reporter_abi2.so)");
    cr_assert_null(strstr(error, "quiet"), "a notifier is not a reporter: "
                                           "%s", error);
}

Test(loader, a_missing_plugin_of_another_kind_lists_that_kind)
{
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_NOTIFIER, "loud", &lib,
                                 &error),
                 CCT_EPLUGIN);
    assert_contains(error, "no notifier plugin named 'loud'");
    assert_contains(error, "notifier plugins found: quiet (" PLUGIN_DIR
                           "/notifier_quiet.so))");
    free(error);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_SELECTOR, "all", &lib,
                                 &error),
                 CCT_EPLUGIN);
    assert_contains(error, "selector plugins found: none");
}

Test(loader, a_plugin_declaring_another_kind_or_name_is_refused)
{
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "mismatch",
                                 &lib, &error),
                 CCT_EPLUGIN);
    assert_unloaded(&lib);
    cr_assert_str_eq(error, PLUGIN_DIR "/reporter_mismatch.so declares "
                            "itself notifier 'other', not reporter "
                            "'mismatch'");
    free(error);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "misnamed",
                                 &lib, &error),
                 CCT_EPLUGIN);
    assert_unloaded(&lib);
    cr_assert_str_eq(error, PLUGIN_DIR "/reporter_misnamed.so declares "
                            "itself reporter 'somebody', not reporter "
                            "'misnamed'");
}

Test(loader, find_all_lists_each_plugin_once_first_directory_first)
{
    /* tmp: a copy of good, and files that are not plugins by name. */
    char *copy = copy_plugin(GOOD, tmp, "reporter_good.so", 0644);
    free(copy_plugin(GOOD, tmp, "libreporter_x.so", 0644));
    free(copy_plugin(GOOD, tmp, "reporter_x.so.1", 0644));
    free(copy_plugin(GOOD, tmp, "other_x.so", 0644));
    cct_strv_free(&dirs);
    cct_strv_add(&dirs, "/nonexistent/cctrial/plugins");
    cct_strv_add(&dirs, tmp);
    cct_strv_add(&dirs, PLUGIN_DIR);

    cct_strv paths;
    cct_strv_init(&paths);
    cct_plugin_find_all(&dirs, &paths);
    char *got = cct_strv_join(&paths, "\n");
    /* tmp's copy first (it hides the plugin directory's), then the
     * plugin directory's files, sorted; never a name that is not a
     * plugin's. */
    char *expected = cct_xasprintf("%s\n" PLUGIN_DIR "/notifier_quiet.so\n"
                                   PLUGIN_DIR "/reporter_abi2.so\n"
                                   PLUGIN_DIR "/reporter_initfail.so\n"
                                   PLUGIN_DIR "/reporter_mismatch.so\n"
                                   PLUGIN_DIR "/reporter_misnamed.so\n"
                                   PLUGIN_DIR "/reporter_newer.so\n"
                                   PLUGIN_DIR "/reporter_noentry.so\n"
                                   PLUGIN_DIR "/reporter_noops.so\n"
                                   PLUGIN_DIR "/reporter_nostride.so\n"
                                   PLUGIN_DIR "/reporter_nullentry.so\n"
                                   PLUGIN_DIR "/reporter_small.so\n"
                                   PLUGIN_DIR "/reporter_v1_0.so\n"
                                   PLUGIN_DIR "/reporter_v1_1.so\n"
                                   PLUGIN_DIR "/reporter_wide.so",
                                   copy);
    cr_assert_str_eq(got, expected);
    free(expected);
    free(got);
    cct_strv_free(&paths);
    free(copy);
}

Test(loader, the_search_path_keeps_order_and_drops_repeats)
{
    cct_strv config_dirs, path;
    cct_strv_init(&config_dirs);
    cct_strv_init(&path);
    cct_strv_split_words(&config_dirs, "/conf/one /build/plugins /conf/two");
    cct_plugin_search_path(&path, "/build/plugins", "/usr/lib/cctrial",
                           &config_dirs, "/env/one::/env/two:/conf/one:");
    char *got = cct_strv_join(&path, " ");
    cr_assert_str_eq(got, "/build/plugins /usr/lib/cctrial /conf/one "
                          "/conf/two /env/one /env/two");
    free(got);
    cct_strv_free(&path);
    cct_plugin_search_path(&path, NULL, "/usr/lib/cctrial", NULL, NULL);
    got = cct_strv_join(&path, " ");
    cr_assert_str_eq(got, "/usr/lib/cctrial");
    free(got);
    cct_strv_free(&path);
    cct_strv_free(&config_dirs);
}

/* ---- refusing files --------------------------------------------------- */

#define STRINGIFY(x) #x
#define AS_TEXT(x) STRINGIFY(x)

typedef struct refusal {
    char file[32];
    char reason[128]; /* after "cannot use plugin <path>: " or whole */
} refusal;

ParameterizedTestParameters(loader, refusals)
{
    static refusal cases[] = {
        {"reporter_abi2.so",
         "cannot use plugin %s: it was built for plugin ABI 2.3 and this "
         "cctrial speaks " AS_TEXT(CCT_PLUGIN_ABI_MAJOR) "."
         AS_TEXT(CCT_PLUGIN_ABI_MINOR) ": rebuild it against this cctrial's "
         "plugin.h"},
        {"reporter_noentry.so",
         "%s is not a cctrial plugin: it has no cct_plugin_entry() "
         "(declare it with CCT_PLUGIN_EXPORT)"},
        {"reporter_nullentry.so",
         "cannot use plugin %s: its entry function returned NULL"},
        {"reporter_noops.so",
         "cannot use plugin %s: its descriptor has no callbacks for its "
         "kind"},
    };
    return cr_make_param_array(refusal, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(refusal *c, loader, refusals)
{
    char *path = cct_path_join(PLUGIN_DIR, c->file);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN,
                 "%s was accepted", c->file);
    assert_unloaded(&lib);
    char *expected = cct_xasprintf(c->reason, path);
    cr_assert_str_eq(error, expected);
    free(expected);
    free(path);
}

Test(loader, a_descriptor_smaller_than_abi_1_0_is_refused)
{
    cr_assert_eq(cct_plugin_load_file(PLUGIN_DIR "/reporter_small.so", &lib,
                                      &error),
                 CCT_EPLUGIN);
    assert_unloaded(&lib);
    char *expected = cct_xasprintf(
        "cannot use plugin " PLUGIN_DIR "/reporter_small.so: its descriptor "
        "is %zu bytes, smaller than the %u of ABI 1.0",
        offsetof(cct_plugin, reporter), CCT_PLUGIN_SIZE_1_0);
    cr_assert_str_eq(error, expected);
    free(expected);
}

Test(loader, a_plugin_built_against_the_frozen_1_0_header_is_accepted)
{
    cr_assert_eq(cct_plugin_load_file(PLUGIN_DIR "/reporter_v1_0.so", &lib,
                                      &error),
                 0, "%s", error ? error : "");
    cr_assert_str_eq(lib.desc->name, "v1_0");
    cr_assert_eq(lib.desc->abi_version, (1u << 16) | 0u);
    cr_assert_eq(lib.desc->size, CCT_PLUGIN_SIZE_1_0);
    /* It runs against this cctrial's structures, which only grew. */
    void *ctx = NULL;
    cr_assert_eq(lib.desc->init(NULL, &ctx), 0);
    cct_run_end ev = {.struct_size = sizeof(ev), .tests_run = 7};
    lib.desc->reporter->run_end(ctx, &ev);
    cr_assert_eq(*(size_t *)ctx, 7);
    lib.desc->fini(ctx);
}

/* ABI 1.2: cctrial reads a plugin's options table by the plugin's
 * element size; without one, it cannot know where the entries are. */
Test(loader, options_without_their_element_size_are_refused)
{
    const char *path = PLUGIN_DIR "/reporter_nostride.so";
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    assert_unloaded(&lib);
    char *expected = cct_xasprintf("cannot use plugin %s: its option_size "
                                   "is 0, smaller than the %zu of ABI "
                                   "1.0's cct_option: set .option_size = "
                                   "sizeof(cct_option)",
                                   path, CCT_OPTION_SIZE_1_0);
    cr_assert_str_eq(error, expected);
    free(expected);
}

Test(loader, a_newer_minor_version_with_a_bigger_descriptor_is_accepted)
{
    cr_assert_eq(cct_plugin_load_file(PLUGIN_DIR "/reporter_newer.so", &lib,
                                      &error),
                 0, "%s", error);
    cr_assert_str_eq(lib.desc->name, "newer");
    cr_assert_gt(lib.desc->size, sizeof(cct_plugin));
    cr_assert_eq(CCT_PLUGIN_ABI_MAJOR_OF(lib.desc->abi_version),
                 CCT_PLUGIN_ABI_MAJOR);
}

Test(loader, a_file_that_is_not_a_shared_object_is_refused)
{
    char *path = cct_path_join(tmp, "reporter_text.so");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("not an ELF file\n", f);
    fclose(f);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    assert_unloaded(&lib);
    char *prefix = cct_xasprintf("cannot load plugin %s: ", path);
    cr_assert(cct_str_starts_with(error, prefix), "%s", error);
    free(prefix);
    free(path);
}

Test(loader, a_missing_file_is_refused_with_the_reason)
{
    char *path = cct_path_join(tmp, "reporter_gone.so");
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    assert_contains(error, path);
    assert_contains(error, "No such file or directory");
    free(path);
}

Test(loader, a_mismatched_file_loads_as_what_it_declares)
{
    /* load_file checks the file, not its name. */
    cr_assert_eq(cct_plugin_load_file(PLUGIN_DIR "/reporter_mismatch.so",
                                      &lib, &error),
                 0, "%s", error);
    cr_assert_eq(lib.desc->kind, CCT_PLUGIN_NOTIFIER);
    cr_assert_str_eq(lib.desc->name, "other");
}

/* ---- files others could write ----------------------------------------- */

Test(loader, a_copy_in_a_private_directory_loads)
{
    char *path = copy_plugin(GOOD, tmp, "reporter_good.so", 0644);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), 0, "%s", error);
    cr_assert_str_eq(lib.path, path);
    free(path);
}

Test(loader, a_world_writable_file_is_refused)
{
    char *path = copy_plugin(GOOD, tmp, "reporter_good.so", 0666);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    assert_unloaded(&lib);
    char *expected = cct_xasprintf("%s is writable by other users (mode "
                                   "0666); refusing to load code from it: "
                                   "chmod go-w it",
                                   path);
    cr_assert_str_eq(error, expected);
    free(expected);
    free(error);
    error = NULL;

    /* Through the search path too. */
    cct_strv_free(&dirs);
    cct_strv_add(&dirs, tmp);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 CCT_EPLUGIN);
    assert_contains(error, "writable by other users");
    free(path);
}

Test(loader, a_world_writable_directory_is_refused)
{
    char *path = copy_plugin(GOOD, tmp, "reporter_good.so", 0644);
    cr_assert_eq(chmod(tmp, 0777), 0);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    char *expected = cct_xasprintf("%s is writable by other users (mode "
                                   "0777); refusing to load code from it: "
                                   "chmod go-w it",
                                   tmp);
    cr_assert_str_eq(error, expected);
    free(expected);
    free(path);
}

Test(loader, a_sticky_world_writable_directory_is_accepted)
{
    /* Like /tmp: others cannot replace our files there. */
    char *path = copy_plugin(GOOD, tmp, "reporter_good.so", 0644);
    cr_assert_eq(chmod(tmp, 01777), 0);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), 0, "%s", error);
    free(path);
}

Test(loader, a_file_writable_by_another_group_is_refused)
{
    char *path = copy_plugin(GOOD, tmp, "reporter_good.so", 0664);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), 0,
                 "our own group may write it: %s", error);
    cct_plugin_unload(&lib);
    gid_t other = getegid() == 4242 ? 4243 : 4242;
    if (chown(path, (uid_t)-1, other) != 0)
        cr_skip_test("cannot give %s to another group (not root)", path);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    assert_contains(error, "writable by other users (mode 0664)");
    free(path);
}

/* A file another user owns is theirs to change, whatever its mode. */
Test(loader, a_file_owned_by_another_user_is_refused)
{
    char *path = copy_plugin(GOOD, tmp, "reporter_good.so", 0644);
    uid_t other = geteuid() == 65534 ? 65533 : 65534;
    if (chown(path, other, (gid_t)-1) != 0)
        cr_skip_test("cannot give %s to another user (not root)", path);
    cr_assert_eq(cct_plugin_load_file(path, &lib, &error), CCT_EPLUGIN);
    assert_unloaded(&lib);
    assert_contains(error, path);
    assert_contains(error, "not by you or root; refusing to load code from "
                           "it: chown it, or remove it");
    free(path);
}

/* ---- instances and their options ------------------------------------- */

static cct_instance *create_good(void)
{
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 0, "%s", error);
    cct_instance *in = NULL;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error), 0, "%s",
                 error);
    cr_assert_not_null(in);
    assert_unloaded(&lib); /* the instance owns it now */
    return in;
}

static void set(const char *section, const char *key, const char *value,
                int line)
{
    cct_config_set(&config, section, key, value, NULL, "rc", line);
}

Test(instance, the_host_describes_cctrial_and_the_section)
{
    cct_instance *in = create_good();
    const cct_host *h = &in->host;
    cr_assert_eq(h->struct_size, sizeof(cct_host));
    cr_assert_eq(h->abi_version, CCT_PLUGIN_ABI_VERSION);
    cr_assert_str_eq(h->version, CCT_VERSION);
    cr_assert_str_eq(h->section, "reporter.good");
    cr_assert_str_eq(h->data_dir, "/usr/share/cctrial");
    cr_assert_str_eq(h->project_dir, "/home/u/project");
    cr_assert_eq(h->stdout_is_tty(h), 0, "tests run without a terminal");
    cr_assert_eq(h->terminal_width(h), 80);
    cr_assert(h->have_program(h, "sh"));
    cr_assert_not(h->have_program(h, "no-such-program-cctrial"));
    cr_redirect_stdout();
    cct_instance_destroy(in);
}

Test(instance, options_fall_back_to_their_defaults)
{
    cct_instance *in = create_good();
    const cct_host *h = &in->host;
    cr_assert_str_eq(h->option_string(h, "greeting"), "hello");
    cr_assert_eq(h->option_int(h, "level"), 3);
    cr_assert_eq(h->option_bool(h, "loud"), 0);
    cr_assert_str_eq(h->option_string(h, "mode"), "plain");
    cr_assert_null(h->option_string(h, "extra"), "unset, no default");
    cr_assert_null(h->option_string(h, "undeclared"));
    cr_assert_eq(h->option_int(h, "undeclared"), 0);
    cr_assert_eq(h->option_bool(h, "undeclared"), 0);
    cr_redirect_stdout();
    cct_instance_destroy(in);
}

Test(instance, options_read_the_plugin_section)
{
    set("reporter.good", "greeting", "hi there", 2);
    set("reporter.good", "level", "7", 3);
    set("reporter.good", "loud", "Yes", 4);
    set("reporter.good", "mode", "fancy", 5);
    set("reporter.good", "extra", "more", 6);
    /* The same keys in other sections are not this plugin's. */
    set("reporter.json", "greeting", "no", 8);
    set("cctrial", "level", "1", 9);
    cct_instance *in = create_good();
    const cct_host *h = &in->host;
    cr_assert_str_eq(h->option_string(h, "greeting"), "hi there");
    cr_assert_eq(h->option_int(h, "level"), 7);
    cr_assert_eq(h->option_bool(h, "loud"), 1);
    cr_assert_str_eq(h->option_string(h, "mode"), "fancy");
    cr_assert_str_eq(h->option_string(h, "extra"), "more");
    cr_redirect_stdout();
    cct_instance_destroy(in);
}

Test(instance, path_options_expand_the_home_directory)
{
    setenv("HOME", "/home/someone", 1);
    cct_instance *in = create_good();
    const cct_host *h = &in->host;
    cr_assert_str_eq(h->option_string(h, "log"), "/home/someone/good.log",
                     "the default is expanded too");
    cr_assert_str_eq(h->option_string(h, "log"), "/home/someone/good.log",
                     "asking twice gives the same");
    cr_assert_str_eq(h->option_string(h, "greeting"), "hello",
                     "only PATH options expand");
    cr_redirect_stdout();
    cct_instance_destroy(in);

    set("reporter.good", "log", "~/logs/x.log", 2);
    set("reporter.good", "greeting", "~/not/a/path", 3);
    in = create_good();
    h = &in->host;
    cr_assert_str_eq(h->option_string(h, "log"),
                     "/home/someone/logs/x.log");
    cr_assert_str_eq(h->option_string(h, "greeting"), "~/not/a/path");
    cct_instance_destroy(in);
}

Test(instance, a_bad_value_in_the_section_is_refused_before_init)
{
    set("reporter.good", "level", "12", 3);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 0);
    cct_instance sentinel, *in = &sentinel;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error),
                 CCT_ECONFIG);
    cr_assert_null(in);
    assert_unloaded(&lib);
    cr_assert_str_eq(error, "rc:3: [reporter.good] level: 12 is out of "
                            "range: use 1 to 9");
}

Test(instance, an_unknown_key_in_the_section_lists_the_valid_ones)
{
    set("reporter.good", "colour", "red", 4);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "good", &lib,
                                 &error),
                 0);
    cct_instance *in;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "rc:4: unknown key 'colour' in [reporter.good]; "
                            "valid keys: greeting, level, loud, mode, "
                            "extra, log");
}

Test(instance, a_failing_init_is_reported_after_the_plugin_log)
{
    cr_redirect_stderr();
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "initfail",
                                 &lib, &error),
                 0, "%s", error);
    cct_instance sentinel, *in = &sentinel;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error),
                 CCT_EPLUGIN);
    cr_assert_null(in);
    assert_unloaded(&lib);
    cr_assert_str_eq(error, "plugin reporter.initfail (" PLUGIN_DIR
                            "/reporter_initfail.so) failed to start; see "
                            "the message above");
    fflush(stderr);
    cr_assert_stderr_eq_str("cctrial: reporter.initfail: cannot start: no "
                            "terminal here\n");
}

Test(instance, destroying_an_instance_calls_fini)
{
    cct_instance *in = create_good();
    cr_redirect_stdout();
    cct_instance_destroy(in);
    cct_console_flush(&console); /* the loop would, before it waits */
    fflush(stdout);
    cr_assert_stdout_eq_str("reporter_good: fini\n");
}

Test(instance, the_log_service_filters_by_verbosity)
{
    cct_instance *in = create_good();
    const cct_host *h = &in->host;
    cr_redirect_stderr();
    h->log(h, CCT_LOG_INFO, "hidden %d", 1);
    h->log(h, CCT_LOG_DEBUG, "hidden %d", 2);
    h->log(h, CCT_LOG_WARNING, "careful %s", "now");
    h->log(h, CCT_LOG_ERROR, "broken");
    context.verbose = 1;
    h->log(h, CCT_LOG_INFO, "shown with -v");
    h->log(h, CCT_LOG_DEBUG, "hidden %d", 3);
    context.verbose = 2;
    h->log(h, CCT_LOG_DEBUG, "shown with -vv");
    fflush(stderr);
    cr_assert_stderr_eq_str("cctrial: reporter.good: warning: careful now\n"
                            "cctrial: reporter.good: broken\n"
                            "cctrial: reporter.good: shown with -v\n"
                            "cctrial: reporter.good: shown with -vv\n");
    cr_redirect_stdout();
    cct_instance_destroy(in);
}

/* ---- growing arrays (ABI 1.2) ----------------------------------------- */

static cct_instance *create(const char *name)
{
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, name, &lib,
                                 &error),
                 0, "%s", error);
    cct_instance *in = NULL;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error), 0, "%s",
                 error);
    return in;
}

Test(instance, option_entries_bigger_than_cct_option_are_found_by_stride)
{
    set("reporter.wide", "second", "7", 2);
    cct_instance *in = create("wide");
    const cct_host *h = &in->host;
    cr_assert_str_eq(h->option_string(h, "first"), "one");
    cr_assert_eq(h->option_int(h, "second"), 7);
    cr_assert_eq(h->option_bool(h, "third"), 1);
    cct_instance_destroy(in);

    /* Validation walks the same table: every key, and nothing after. */
    set("reporter.wide", "fourth", "x", 3);
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "wide", &lib,
                                 &error),
                 0, "%s", error);
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error),
                 CCT_ECONFIG);
    cr_assert_str_eq(error, "rc:3: unknown key 'fourth' in [reporter.wide]; "
                            "valid keys: first, second, third");
}

static void add_result(cct_results *results, const char *id,
                       cct_outcome outcome, const char *text)
{
    cct_result r = {.test_id = id, .outcome = outcome, .text = text};
    cct_results_add(results, &r);
}

/* A plugin built against the frozen 1.1 header: its options are read with
 * 1.0's element size, and the run end cctrial builds puts groups and
 * counts where 1.1 reads them (groups[i], counts[outcome]). */
Test(instance, a_plugin_built_against_the_frozen_1_1_header_works)
{
    set("reporter.v1_1", "prefix", "old", 2);
    set("reporter.v1_1", "style", "fancy", 3);
    cct_instance *in = create("v1_1");
    cr_assert_eq(in->lib.desc->abi_version, (1u << 16) | 1u);
    cr_assert_eq(in->lib.desc->size, CCT_PLUGIN_SIZE_1_0);
    cr_assert_eq(in->host.option_int(&in->host, "width"), 5);
    cr_assert_str_eq(in->host.option_string(&in->host, "style"), "fancy");

    cct_results results;
    cct_results_init(&results);
    add_result(&results, "p.T.a", CCT_OUTCOME_FAILURE, "Traceback\nA\n");
    add_result(&results, "p.T.b", CCT_OUTCOME_SUCCESS, "");
    add_result(&results, "p.T.c", CCT_OUTCOME_ERROR, "Traceback\nE\n");
    add_result(&results, "p.T.d", CCT_OUTCOME_FAILURE, "Traceback\nA\n");
    cct_results_group(&results);
    cct_run_end ev = {.struct_size = sizeof(ev), .tests_run = 4};
    cct_results_fill_run_end(&results, &ev);
    cr_assert_eq(ev.n_groups, 2);

    cr_redirect_stdout();
    in->lib.desc->reporter->run_end(in->ctx, &ev);
    cct_instance_destroy(in);
    cct_console_flush(&console);
    fflush(stdout);
    cr_assert_stdout_eq_str("old failures=2 errors=1 skips=0\n"
                            "group 2 x1 p.T.c (keyed)\n"
                            "group 1 x2 p.T.a (keyed)\n");
    cct_results_free(&results);
}

/* A cctrial newer than the selector may send bigger catalog entries: the
 * real smart-import selector finds each test by the catalog's stride. */
typedef struct wide_test {
    cct_catalog_test base;
    const char *later; /* what a later minor version might append */
} wide_test;

static void not_reached(cct_selection *sel, const char *file)
{
    (void)sel;
    cr_assert_fail("%s reaches a test", file);
}

Test(instance, the_real_smart_import_selector_reads_the_catalog_by_stride)
{
    cct_strv_free(&dirs);
    cct_strv_add(&dirs, CCT_BUILD_DIR "/plugins");
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_SELECTOR, "smart-import",
                                 &lib, &error),
                 0, "%s", error);
    cct_instance *in = NULL;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error), 0, "%s",
                 error);
    /* Files: 0 a.py, 1 test_a.py (imports a.py), 2 test_b.py. */
    static const char *const files[] = {"/p/a.py", "/p/test_a.py",
                                        "/p/test_b.py"};
    static const size_t none[] = {0}, imports_a[] = {0};
    static const size_t n_imports[] = {0, 1, 0};
    static const size_t *const imports[] = {none, imports_a, none};
    static const wide_test tests[] = {
        {{"test_b.T.test_1", "test_b", 2}, "x"},
        {{"test_a.T.test_1", "test_a", 1}, "x"},
        {{"test_b.T.test_2", "test_b", 2}, "x"},
        {{"test_a.T.test_2", "test_a", 1}, "x"},
    };
    cct_catalog catalog = {
        .struct_size = sizeof(catalog),
        .n_tests = 4,
        .tests = &tests[0].base,
        .n_files = 3,
        .files = files,
        .n_imports = n_imports,
        .imports = imports,
        .test_size = sizeof(wide_test),
    };
    static const char *const changed[] = {"/p/a.py"};
    cct_change_set changes = {sizeof(changes), 1, changed};
    unsigned char selected[4] = {0};
    cct_selection out = {.struct_size = sizeof(out),
                         .selected = selected,
                         .unreached = not_reached};
    cr_assert_eq(in->lib.desc->selector->select(in->ctx, &catalog, &changes,
                                                &out),
                 0);
    cr_assert_arr_eq(selected, ((unsigned char[]){0, 1, 0, 1}), 4);
    cct_instance_destroy(in);
}

Test(instance, the_real_summary_reporter_loads_and_starts)
{
    cct_strv_free(&dirs);
    cct_strv_add(&dirs, CCT_BUILD_DIR "/plugins");
    cr_assert_eq(cct_plugin_load(&dirs, CCT_PLUGIN_REPORTER, "summary", &lib,
                                 &error),
                 0, "%s", error);
    cr_assert_str_eq(lib.path, CCT_BUILD_DIR "/plugins/reporter_summary.so");
    cr_assert_not_null(lib.desc->description);
    cr_assert_not_null(lib.desc->reporter);
    cct_instance *in;
    cr_assert_eq(cct_instance_create(&context, &lib, &in, &error), 0, "%s",
                 error);
    cr_assert_str_eq(in->host.section, "reporter.summary");
    cct_instance_destroy(in);
}
