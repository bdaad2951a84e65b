/*
 * Unit tests of the core's small helpers (core/util.h): UTF-8 sanitizing
 * for JSON, textual absolute paths, word splitting for list options,
 * reading files with a size limit, and signal names.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "util.h"

#define LEN(literal) (sizeof(literal) - 1)
#define FFFD "\xef\xbf\xbd"

/* Is s (len bytes) well-formed UTF-8 without NUL bytes?  Written
 * independently of util.c, from RFC 3629's table of well-formed
 * sequences. */
static int well_formed(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 2;
        else if (c >= 0xe0 && c <= 0xef)
            n = 3;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 4;
        else
            return 0;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
        else if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        if (i + n > len || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < n; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xbf)
                return 0;
        i += n;
    }
    return 1;
}

/* ---- UTF-8 ------------------------------------------------------------------ */

typedef struct utf8_case {
    char input[24];
    size_t len;
    char expected[40];
} utf8_case;

ParameterizedTestParameters(utf8, sanitize)
{
    static utf8_case cases[] = {
        {"plain ascii", 11, "plain ascii"},
        {"", 0, ""},
        /* Valid multi-byte text is kept: Latin, CJK, an emoji. */
        {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 12,
         "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"},
        {"\xf0\x9f\x98\x80!", 5, "\xf0\x9f\x98\x80!"},
        {"\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
        {"\xed\x9f\xbf", 3, "\xed\x9f\xbf"},         /* U+D7FF */
        /* NUL bytes are dropped. */
        {"a\0b\0", 4, "ab"},
        /* Bytes that never start a sequence. */
        {"a\xff" "b", 3, "a" FFFD "b"},
        {"\x80", 1, FFFD},
        {"\xfe\xfe", 2, FFFD FFFD},
        /* Overlong forms: each byte is replaced. */
        {"\xc0\xaf", 2, FFFD FFFD},
        {"\xc1\xbf", 2, FFFD FFFD},
        {"\xe0\x80\xaf", 3, FFFD FFFD FFFD},
        {"\xf0\x80\x80\xaf", 4, FFFD FFFD FFFD FFFD},
        /* UTF-16 surrogates, and past U+10FFFF. */
        {"\xed\xa0\x80", 3, FFFD FFFD FFFD},
        {"\xed\xbf\xbf", 3, FFFD FFFD FFFD},
        {"\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD},
        /* A lead byte followed by a non-continuation keeps what follows. */
        {"\xc3(x", 3, FFFD "(x"},
    };
    return cr_make_param_array(utf8_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(utf8_case *c, utf8, sanitize)
{
    char *got = cct_utf8_sanitize(c->input, c->len);
    cr_assert_str_eq(got, c->expected);
    cr_assert(well_formed(got, strlen(got)));
    free(got);
}

Test(utf8, truncated_sequences_are_replaced)
{
    /* How many U+FFFD a cut sequence becomes is a matter of policy; it
     * must become at least one, and what follows must survive. */
    static const char *const inputs[] = {"x\xe6\x97", "x\xe6\x97y",
                                         "x\xf0\x9f\x98", "x\xc3"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(inputs); i++) {
        size_t len = strlen(inputs[i]);
        char *got = cct_utf8_sanitize(inputs[i], len);
        cr_assert(well_formed(got, strlen(got)), "case %zu", i);
        cr_assert_not_null(strstr(got, FFFD), "case %zu", i);
        cr_assert_eq(got[0], 'x');
        if (inputs[i][len - 1] == 'y')
            cr_assert_eq(got[strlen(got) - 1], 'y');
        free(got);
    }
}

/* Regression, once a bug in core/util.c, cct_utf8_sanitize: util.h promises that "every invalid
 * UTF-8 sequence" is replaced by U+FFFD, and Python (which produced the
 * text trial prints) replaces a truncated sequence with one U+FFFD (the
 * Unicode "maximal subpart" practice); cct_utf8_sanitize replaces each of
 * its bytes, so "\xe6\x97" becomes two. */
Test(utf8, a_truncated_sequence_is_one_replacement)
{
    char *got = cct_utf8_sanitize("x\xe6\x97y", 4);
    cr_expect_str_eq(got, "x" FFFD "y");
    free(got);
    got = cct_utf8_sanitize("\xf0\x9f\x98", 3);
    cr_expect_str_eq(got, FFFD);
    free(got);
}

/* xorshift64, for a repeatable stream of random bytes. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

Test(utf8, random_bytes_always_give_well_formed_text)
{
    uint64_t state = 0x2545f4914f6cdd1dull;
    char buf[256];
    for (int round = 0; round < 20000; round++) {
        size_t len = next_random(&state) % sizeof(buf);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = next_random(&state);
            /* Mostly bytes >= 0x80, where the interesting cases are. */
            buf[i] = (char)(r % 5 == 0 ? r >> 8 & 0x7f : 0x80 | (r >> 8));
        }
        char *got = cct_utf8_sanitize(buf, len);
        cr_assert(well_formed(got, strlen(got)), "round %d", round);
        /* Valid input comes out unchanged (no NUL in it). */
        if (well_formed(buf, len))
            cr_assert(strlen(got) == len && memcmp(got, buf, len) == 0,
                      "round %d: valid text changed", round);
        free(got);
    }
}

/* ---- paths ------------------------------------------------------------------- */

typedef struct path_case {
    char cwd[24];
    char path[32];
    char expected[24];
} path_case;

ParameterizedTestParameters(paths, absolute)
{
    static path_case cases[] = {
        {"/a/b", "c", "/a/b/c"},
        {"/a/b", "./c", "/a/b/c"},
        {"/a/b", "../c", "/a/c"},
        {"/a/b", "..", "/a"},
        {"/a/b", ".", "/a/b"},
        {"/a/b/", "c/", "/a/b/c"},
        {"/a/b", "c/../../d", "/a/d"},
        {"/a", "../../..", "/"},
        {"/", "..", "/"},
        {"/", "x", "/x"},
        {"/a/b", "/x/./y//z/", "/x/y/z"},
        {"/a/b", "/", "/"},
        {"/a//b/./", "c", "/a/b/c"},
        {"/a", "b/./c/../d", "/a/b/d"},
        {"/a", "..b/c", "/a/..b/c"},
        {"/a", "...", "/a/..."},
    };
    return cr_make_param_array(path_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(path_case *c, paths, absolute)
{
    char *got = cct_path_absolute(c->cwd, c->path);
    cr_assert_str_eq(got, c->expected, "'%s' from '%s'", c->path, c->cwd);
    free(got);
}

Test(paths, join_adds_one_slash)
{
    char *a = cct_path_join("/a", "b");
    char *b = cct_path_join("/a/", "b");
    char *c = cct_path_join("/", "b");
    cr_assert_str_eq(a, "/a/b");
    cr_assert_str_eq(b, "/a/b");
    cr_assert_str_eq(c, "/b");
    free(a);
    free(b);
    free(c);
}

/* ---- words ------------------------------------------------------------------- */

static char *split_joined(const char *text)
{
    cct_strv v;
    cct_strv_init(&v);
    cct_strv_split_words(&v, text);
    cr_assert_null(v.items ? v.items[v.len] : NULL,
                   "the vector ends with NULL");
    char *joined = cct_strv_join(&v, "|");
    cct_strv_free(&v);
    return joined;
}

Test(strv, split_words_on_commas_and_whitespace)
{
    static const char *const cases[][2] = {
        {"a, b\tc\n,,d ", "a|b|c|d"},
        {"", ""},
        {",, \t\n", ""},
        {"one", "one"},
        {"  summary,json  ", "summary|json"},
        {"build\ndist", "build|dist"},
        {"*.log, .#*", "*.log|.#*"},
        {"a\r\nb", "a|b"},
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(cases); i++) {
        char *got = split_joined(cases[i][0]);
        cr_assert_str_eq(got, cases[i][1], "splitting '%s'", cases[i][0]);
        free(got);
    }
}

/* A word in double quotes keeps its commas and spaces (a test file in a
 * directory with a space); inside, a backslash takes the next character
 * as it is. */
Test(strv, split_words_keeps_quoted_words_whole)
{
    static const char *const cases[][2] = {
        {"\"my tests/test_s.py\"", "my tests/test_s.py"},
        {"a \"b, c\" d", "a|b, c|d"},
        {"\"say \\\"hi\\\"\" x", "say \"hi\"|x"},
        {"\"back\\\\slash\"", "back\\slash"},
        {"\"\"", ""},
        {"\"unterminated word", "unterminated word"},
        {"mid\"quote", "mid\"quote"},
    };
    for (size_t i = 0; i < CCT_ARRAY_SIZE(cases); i++) {
        char *got = split_joined(cases[i][0]);
        cr_assert_str_eq(got, cases[i][1], "splitting '%s'", cases[i][0]);
        free(got);
    }
}

/* cct_strv_join_words quotes what split_words would cut, so that each
 * word comes back as it was. */
Test(strv, join_words_is_undone_by_split_words)
{
    static const char *const words[] = {
        "plain", "my tests/test_s.py", "a,b", "tab\there", "\"quoted\"",
        "back\\slash", "mid\"quote", "line\nbreak", "pkg.test_mod",
    };
    cct_strv v, back;
    cct_strv_init(&v);
    cct_strv_init(&back);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(words); i++)
        cct_strv_add(&v, words[i]);
    char *text = cct_strv_join_words(&v);
    cct_strv_split_words(&back, text);
    cr_assert_eq(back.len, v.len, "'%s' split into %zu words", text,
                 back.len);
    for (size_t i = 0; i < v.len; i++)
        cr_assert_str_eq(back.items[i], v.items[i], "word %zu of '%s'", i,
                         text);
    cr_assert(strncmp(text, "plain \"my tests/", 16) == 0,
              "plain words stay unquoted, others are quoted: '%s'", text);
    free(text);
    cct_strv_free(&v);
    cct_strv_free(&back);
}

Test(strv, split_words_appends_to_what_is_there)
{
    cct_strv v;
    cct_strv_init(&v);
    cct_strv_add(&v, "first");
    cct_strv_split_words(&v, "second third");
    cr_assert_eq(v.len, 3);
    cr_assert_str_eq(v.items[0], "first");
    cr_assert_str_eq(v.items[2], "third");
    cr_assert(cct_strv_contains(&v, "second"));
    cr_assert_not(cct_strv_contains(&v, "secon"));
    cct_strv_free(&v);
}

/* ---- reading files --------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/cct-util-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    scratch_remove(dir);
}

TestSuite(read_file, .init = make_dir, .fini = remove_dir);

/* Writes `n` bytes (a repeating pattern, with NULs) and returns the
 * file's path. */
static char *write_file(const char *name, size_t n)
{
    char *path = cct_path_join(dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fputc((int)(i % 251), f);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static void check_pattern(const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)data[i] != i % 251)
            cr_assert_fail("byte %zu is %d", i, (unsigned char)data[i]);
}

Test(read_file, reads_the_whole_file_with_its_nul_bytes)
{
    char *path = write_file("f", 1000);
    size_t len = 0;
    int truncated = -1;
    char *data = cct_read_file(path, 0, &len, &truncated);
    cr_assert_not_null(data);
    cr_assert_eq(len, 1000);
    cr_assert_eq(truncated, 0);
    check_pattern(data, len);
    cr_assert_eq(data[len], '\0', "the text is NUL-terminated");
    free(data);
    free(path);
}

Test(read_file, an_empty_file_is_an_empty_string)
{
    char *path = write_file("empty", 0);
    size_t len = 7;
    int truncated = -1;
    char *data = cct_read_file(path, 10, &len, &truncated);
    cr_assert_not_null(data);
    cr_assert_str_eq(data, "");
    cr_assert_eq(len, 0);
    cr_assert_eq(truncated, 0);
    free(data);
    free(path);
}

typedef struct limit_case {
    size_t size, limit, expected_len;
    int truncated;
} limit_case;

ParameterizedTestParameters(read_file, limits)
{
    static limit_case cases[] = {
        {100, 10, 10, 1},
        {100, 99, 99, 1},
        {100, 100, 100, 0},
        {100, 101, 100, 0},
        {100, 0, 100, 0},
        /* Past the size of one read. */
        {200000, 150000, 150000, 1},
        {200000, 65536, 65536, 1},
        {200000, 200000, 200000, 0},
        {200000, 0, 200000, 0},
    };
    return cr_make_param_array(limit_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(limit_case *c, read_file, limits)
{
    char *path = write_file("f", c->size);
    size_t len = 0;
    int truncated = -1;
    char *data = cct_read_file(path, c->limit, &len, &truncated);
    cr_assert_not_null(data);
    cr_assert_eq(len, c->expected_len, "%zu bytes, limit %zu: read %zu",
                 c->size, c->limit, len);
    cr_assert_eq(truncated, c->truncated);
    check_pattern(data, len);
    free(data);
    free(path);
}

Test(read_file, a_missing_file_is_null_with_errno)
{
    char *path = cct_path_join(dir, "missing");
    errno = 0;
    cr_assert_null(cct_read_file(path, 0, NULL, NULL));
    cr_assert_eq(errno, ENOENT);
    free(path);
}

Test(read_file, the_tail_starts_at_a_line_boundary)
{
    char *path = cct_path_join(dir, "log");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("first line\nsecond line\nthird\n", f);
    fclose(f);
    char *tail = cct_read_file_tail(path, 15);
    /* The last 15 bytes are "nd line\nthird\n": the cut line goes. */
    cr_assert_str_eq(tail, "third\n");
    free(tail);
    tail = cct_read_file_tail(path, 1000);
    cr_assert_str_eq(tail, "first line\nsecond line\nthird\n");
    free(tail);
    free(path);
}

/* ---- cct_signal_name ------------------------------------------------------ */

Test(signal_name, the_signals_a_worker_dies_of_have_their_names)
{
    cr_assert_str_eq(cct_signal_name(SIGKILL), "KILL");
    cr_assert_str_eq(cct_signal_name(SIGSEGV), "SEGV");
    cr_assert_str_eq(cct_signal_name(SIGTERM), "TERM");
    cr_assert_str_eq(cct_signal_name(SIGABRT), "ABRT");
    cr_assert_str_eq(cct_signal_name(SIGBUS), "BUS");
}

Test(signal_name, an_unknown_number_has_none)
{
    cr_assert_null(cct_signal_name(0));
    cr_assert_null(cct_signal_name(-1));
    cr_assert_null(cct_signal_name(1000));
}
