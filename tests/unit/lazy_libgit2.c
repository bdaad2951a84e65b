/* libgit2 started only when Criterion diffs a failed assertion.
 *
 * Criterion 2.4 calls git_libgit2_init() in every process it starts, one
 * per test, for one use: git_diff_buffers(), which shows how the two sides
 * of a failed comparison differ.  libgit2's initialisation parses the
 * system's whole bundle of CA certificates (mbedTLS): about a third of the
 * CPU of each test's process, plain or under AddressSanitizer (whose strstr
 * interceptor rescans the bundle at each certificate).
 *
 * Linked into every unit test executable, these definitions come before
 * libgit2's for libcriterion (the executable is searched first): the
 * initialisation is put off until a diff is asked for, then made for real,
 * and the shutdown is made only if it was.  unit_criterion_diff checks that
 * a failed comparison still shows its diff.  (RTLD_NEXT needs _GNU_SOURCE,
 * which the build defines.) */
#include <assert.h>
#include <dlfcn.h>
#include <git2/diff.h>
#include <git2/global.h>
#include <stddef.h>

static int started;

static void *libgit2_symbol(const char *name)
{
    void *symbol = dlsym(RTLD_NEXT, name);
    assert(symbol != NULL);
    return symbol;
}

/* What libgit2's first call answers: one initialisation. */
int git_libgit2_init(void)
{
    return 1;
}

int git_libgit2_shutdown(void)
{
    if (!started)
        return 0;
    __typeof__(&git_libgit2_shutdown) shutdown =
        libgit2_symbol("git_libgit2_shutdown");
    return shutdown();
}

int git_diff_buffers(const void *old_buffer, size_t old_len,
                     const char *old_as_path, const void *new_buffer,
                     size_t new_len, const char *new_as_path,
                     const git_diff_options *options,
                     git_diff_file_cb file_cb, git_diff_binary_cb binary_cb,
                     git_diff_hunk_cb hunk_cb, git_diff_line_cb line_cb,
                     void *payload)
{
    if (!started) {
        __typeof__(&git_libgit2_init) init = libgit2_symbol("git_libgit2_init");
        if (init() < 0)
            return -1;
        started = 1;
    }
    __typeof__(&git_diff_buffers) diff = libgit2_symbol("git_diff_buffers");
    return diff(old_buffer, old_len, old_as_path, new_buffer, new_len,
                new_as_path, options, file_cb, binary_cb, hunk_cb, line_cb,
                payload);
}
