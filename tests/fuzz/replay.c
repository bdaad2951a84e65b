/*
 * A main() for the fuzz targets without libFuzzer: runs every input file
 * given (or every file of the directories given, in name order) through
 * the target's LLVMFuzzerTestOneInput once.  CTest runs it on the committed
 * seed corpora and on the inputs that once found a bug, so every build
 * checks them again, with gcc and without clang.
 *
 * Names starting with '.' are skipped (a directory may hold a .gitkeep).
 * Finding no input at all is a failure: it means a wrong path, and a
 * replay of nothing would pass whatever the code does.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"

static int replay_file(const char *path)
{
    size_t len = 0;
    char *data = cct_read_file(path, 0, &len, NULL);
    if (!data) {
        perror(path);
        return -1;
    }
    /* Named first, so that a crash says which input it was. */
    printf("%s\n", path);
    fflush(stdout);
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    return 0;
}

static int skip_entry(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Replays the regular files of `dir`; returns how many, or -1. */
static long replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, skip_entry, alphasort);
    if (n < 0) {
        perror(dir);
        return -1;
    }
    long done = 0;
    for (int i = 0; i < n; i++) {
        char *path = cct_path_join(dir, names[i]->d_name);
        struct stat st;
        if (done >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            done = replay_file(path) < 0 ? -1 : done + 1;
        free(path);
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            perror(argv[i]);
            return 1;
        }
        long n = S_ISDIR(st.st_mode) ? replay_dir(argv[i])
                                     : (replay_file(argv[i]) < 0 ? -1 : 1);
        if (n < 0)
            return 1;
        printf("%s: %ld input%s\n", argv[i], n, n == 1 ? "" : "s");
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "%s: no inputs to replay\n", argv[0]);
        return 1;
    }
    printf("%ld inputs replayed without a crash or a broken invariant\n",
           total);
    return 0;
}
