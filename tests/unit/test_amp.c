/*
 * Unit tests of the AMP codec (core/amp.h): every value type trial's
 * commands use, boxes captured from Twisted's own encoder, a stream split
 * at every byte, AMP's limits, and malformed input.  The random-input test
 * is test_amp_fuzz.c.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "amp.h"
#include "error.h"
#include "util.h"

/* Boxes as Twisted 22.4 serialises them (AmpBox.serialize, keys sorted),
 * made with twisted.trial._dist.managercommands:
 *   AddFailure(testName='pkg.test_m.T.test_x', fail='1 != 2',
 *              failClass='twisted.trial.unittest.FailTest',
 *              frames=['test_x', '/p/pkg/test_m.py', '12',
 *                      'fail\u00e9', '/p/t.py', '3']) with _ask 7,
 *   its answer (success=True), and
 *   AddSuccess(testName='pkg.test_m.T.test_\u65e5') with _ask 8. */
static const char twisted_failure[] =
    "\x00\x04_ask\x00\x01" "7\x00\x08_command\x00\x0a" "AddFailure"
    "\x00\x04" "fail\x00\x06" "1 != 2\x00\x09" "failClass\x00\x1ft"
    "wisted.trial.unittest.FailTest\x00\x06" "frames\x00" "2\x00\x06"
    "test_x\x00\x10/p/pkg/test_m.py\x00\x02" "12\x00\x06" "fail\xc3"
    "\xa9\x00\x07/p/t.py\x00\x01" "3\x00\x08testName\x00\x13pkg.te"
    "st_m.T.test_x\x00\x00";
static const char twisted_answer[] =
    "\x00\x07_answer\x00\x01" "7\x00\x07success\x00\x04True\x00\x00";
static const char twisted_success[] =
    "\x00\x04_ask\x00\x01" "8\x00\x08_command\x00\x0a" "AddSuccess"
    "\x00\x08testName\x00\x15pkg.test_m.T.test_\xe6\x97\xa5\x00\x00";

#define LEN(literal) (sizeof(literal) - 1)

static cct_amp_decoder dec;
static cct_buf out;

static void setup(void)
{
    cct_amp_decoder_init(&dec);
    cct_buf_init(&out);
}

static void teardown(void)
{
    cct_amp_decoder_free(&dec);
    cct_buf_free(&out);
}

TestSuite(amp, .init = setup, .fini = teardown);

/* A box as text, "key=value\n" per pair, bytes outside printable ASCII
 * as \xNN, so that whole boxes compare with one string comparison. */
static void render_box(cct_buf *text, const cct_amp_box *box)
{
    for (size_t i = 0; i < box->n; i++) {
        const cct_amp_pair *p = &box->pairs[i];
        cct_buf_add(text, p->key, p->key_len);
        cct_buf_addc(text, '=');
        for (size_t k = 0; k < p->value_len; k++) {
            unsigned char c = (unsigned char)p->value[k];
            if (c >= 0x20 && c < 0x7f && c != '\\')
                cct_buf_addc(text, (char)c);
            else
                cct_buf_printf(text, "\\x%02x", c);
        }
        cct_buf_addc(text, '\n');
    }
    cct_buf_adds(text, "--\n");
}

/* Takes every complete box now available; returns the last result of
 * cct_amp_decoder_next (0 or an error). */
static int drain(cct_amp_decoder *d, cct_buf *text)
{
    cct_amp_box box;
    int rc;
    while ((rc = cct_amp_decoder_next(d, &box)) == 1)
        render_box(text, &box);
    return rc;
}

/* Feeds one whole box to the fixture's decoder and takes it. */
static void decode_one(const char *data, size_t len, cct_amp_box *box)
{
    cct_amp_decoder_feed(&dec, data, len);
    cr_assert_eq(cct_amp_decoder_next(&dec, box), 1,
                 "a complete box was fed but none came out");
}

static void add_value(cct_buf *b, const char *key, const char *value)
{
    cr_assert_eq(cct_amp_put_str(b, key, value), 0);
}

/* ---- encoding and decoding ---------------------------------------------- */

Test(amp, every_type_round_trips)
{
    static const char bytes[] = {'a', '\0', 'b', '\0', '\0', 'c'};
    static const char unicode[] = "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5";
    cct_buf list;
    cct_buf_init(&list);
    cr_assert_eq(cct_amp_list_add(&list, "one", 3), 0);
    cr_assert_eq(cct_amp_list_add(&list, "", 0), 0);
    cr_assert_eq(cct_amp_list_add(&list, "x\0y", 3), 0);

    cr_assert_eq(cct_amp_put_int(&out, "count", 42), 0);
    cr_assert_eq(cct_amp_put_int(&out, "negative", -7), 0);
    cr_assert_eq(cct_amp_put_int(&out, "max", LLONG_MAX), 0);
    cr_assert_eq(cct_amp_put_int(&out, "min", LLONG_MIN), 0);
    cr_assert_eq(cct_amp_put_bool(&out, "yes", 1), 0);
    cr_assert_eq(cct_amp_put_bool(&out, "no", 0), 0);
    cr_assert_eq(cct_amp_put_str(&out, "unicode", unicode), 0);
    cr_assert_eq(cct_amp_put(&out, "bytes", bytes, sizeof(bytes)), 0);
    cr_assert_eq(cct_amp_put(&out, "items", list.data, list.len), 0);
    cct_amp_end(&out);
    cct_buf_free(&list);

    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    cr_assert_eq(box.n, 9);

    long long n;
    cr_assert_eq(cct_amp_get_int(&box, "count", &n), 0);
    cr_assert_eq(n, 42);
    cr_assert_eq(cct_amp_get_int(&box, "negative", &n), 0);
    cr_assert_eq(n, -7);
    cr_assert_eq(cct_amp_get_int(&box, "max", &n), 0);
    cr_assert_eq(n, LLONG_MAX);
    cr_assert_eq(cct_amp_get_int(&box, "min", &n), 0);
    cr_assert_eq(n, LLONG_MIN);

    int flag = -1;
    cr_assert_eq(cct_amp_get_bool(&box, "yes", &flag), 0);
    cr_assert_eq(flag, 1);
    cr_assert_eq(cct_amp_get_bool(&box, "no", &flag), 0);
    cr_assert_eq(flag, 0);

    char *text = cct_amp_get_dup(&box, "unicode");
    cr_assert_str_eq(text, unicode);
    free(text);

    size_t len;
    const char *value = cct_amp_get(&box, "bytes", &len);
    cr_assert_eq(len, sizeof(bytes));
    cr_assert_arr_eq(value, bytes, sizeof(bytes));

    value = cct_amp_get(&box, "items", &len);
    cr_assert_not_null(value);
    size_t pos = 0, item_len;
    const char *item;
    cr_assert_eq(cct_amp_list_next(value, len, &pos, &item, &item_len), 1);
    cr_assert_eq(item_len, 3);
    cr_assert_arr_eq(item, "one", 3);
    cr_assert_eq(cct_amp_list_next(value, len, &pos, &item, &item_len), 1);
    cr_assert_eq(item_len, 0);
    cr_assert_eq(cct_amp_list_next(value, len, &pos, &item, &item_len), 1);
    cr_assert_eq(item_len, 3);
    cr_assert_arr_eq(item, "x\0y", 3);
    cr_assert_eq(cct_amp_list_next(value, len, &pos, &item, &item_len), 0);

    cr_assert_eq(cct_amp_decoder_next(&dec, &box), 0, "only one box was fed");
    cr_assert_eq(cct_amp_decoder_pending(&dec), 0);
}

Test(amp, encodes_integers_and_booleans_as_twisted_does)
{
    /* Twisted's Integer is decimal text; Boolean is exactly True/False. */
    cr_assert_eq(cct_amp_put_int(&out, "n", -12), 0);
    cr_assert_eq(cct_amp_put_bool(&out, "t", 1), 0);
    cr_assert_eq(cct_amp_put_bool(&out, "f", 0), 0);
    cct_amp_end(&out);
    static const char expected[] = "\x00\x01n\x00\x03-12"
                                   "\x00\x01t\x00\x04True"
                                   "\x00\x01" "f\x00\x05" "False"
                                   "\x00\x00";
    cr_assert_eq(out.len, LEN(expected));
    cr_assert_arr_eq(out.data, expected, LEN(expected));
}

Test(amp, encodes_boxes_byte_for_byte_as_twisted)
{
    add_value(&out, "_answer", "7");
    cr_assert_eq(cct_amp_put_bool(&out, "success", 1), 0);
    cct_amp_end(&out);
    cr_assert_eq(out.len, LEN(twisted_answer));
    cr_assert_arr_eq(out.data, twisted_answer, LEN(twisted_answer));

    cct_buf_reset(&out);
    static const char *const frames[] = {"test_x", "/p/pkg/test_m.py", "12",
                                         "fail\xc3\xa9", "/p/t.py", "3"};
    cct_buf list;
    cct_buf_init(&list);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(frames); i++)
        cr_assert_eq(cct_amp_list_add(&list, frames[i], strlen(frames[i])),
                     0);
    add_value(&out, "_ask", "7");
    add_value(&out, "_command", "AddFailure");
    add_value(&out, "fail", "1 != 2");
    add_value(&out, "failClass", "twisted.trial.unittest.FailTest");
    cr_assert_eq(cct_amp_put(&out, "frames", list.data, list.len), 0);
    add_value(&out, "testName", "pkg.test_m.T.test_x");
    cct_amp_end(&out);
    cct_buf_free(&list);
    cr_assert_eq(out.len, LEN(twisted_failure));
    cr_assert_arr_eq(out.data, twisted_failure, LEN(twisted_failure));
}

Test(amp, decodes_boxes_from_twisted)
{
    cct_amp_box box;
    decode_one(twisted_failure, LEN(twisted_failure), &box);
    cr_assert_eq(box.n, 6);
    char *s = cct_amp_get_dup(&box, "_command");
    cr_assert_str_eq(s, "AddFailure");
    free(s);
    s = cct_amp_get_dup(&box, "failClass");
    cr_assert_str_eq(s, "twisted.trial.unittest.FailTest");
    free(s);
    long long ask;
    cr_assert_eq(cct_amp_get_int(&box, "_ask", &ask), 0);
    cr_assert_eq(ask, 7);

    size_t len, pos = 0, item_len, n_items = 0;
    const char *frames = cct_amp_get(&box, "frames", &len), *item;
    cr_assert_not_null(frames);
    static const char *const expected[] = {"test_x", "/p/pkg/test_m.py",
                                           "12", "fail\xc3\xa9", "/p/t.py",
                                           "3"};
    int rc;
    while ((rc = cct_amp_list_next(frames, len, &pos, &item, &item_len)) ==
           1) {
        cr_assert_lt(n_items, CCT_ARRAY_SIZE(expected));
        cr_assert_eq(item_len, strlen(expected[n_items]));
        cr_assert_arr_eq(item, expected[n_items], item_len);
        n_items++;
    }
    cr_assert_eq(rc, 0);
    cr_assert_eq(n_items, CCT_ARRAY_SIZE(expected));
}

Test(amp, accepts_keys_in_any_order)
{
    /* Twisted sorts keys; another peer need not. */
    add_value(&out, "testName", "pkg.T.test_a");
    add_value(&out, "_command", "AddSuccess");
    add_value(&out, "_ask", "3");
    cct_amp_end(&out);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    cr_assert_eq(box.n, 3);
    char *s = cct_amp_get_dup(&box, "_command");
    cr_assert_str_eq(s, "AddSuccess");
    free(s);
    s = cct_amp_get_dup(&box, "testName");
    cr_assert_str_eq(s, "pkg.T.test_a");
    free(s);
    long long ask;
    cr_assert_eq(cct_amp_get_int(&box, "_ask", &ask), 0);
    cr_assert_eq(ask, 3);
    cr_assert(cct_amp_has(&box, "_ask"));
    cr_assert_not(cct_amp_has(&box, "_as"), "a prefix is not the key");
    cr_assert_not(cct_amp_has(&box, "_askx"));
}

/* ---- streams ------------------------------------------------------------ */

static void whole_stream(cct_buf *stream)
{
    cct_buf_add(stream, twisted_failure, LEN(twisted_failure));
    cct_buf_add(stream, twisted_answer, LEN(twisted_answer));
    cct_buf_add(stream, "\x00\x00", 2); /* an empty box */
    cct_buf_add(stream, twisted_success, LEN(twisted_success));
}

Test(amp, a_stream_split_at_every_byte_gives_the_same_boxes)
{
    cct_buf stream, expected;
    cct_buf_init(&stream);
    cct_buf_init(&expected);
    whole_stream(&stream);
    cct_amp_decoder_feed(&dec, stream.data, stream.len);
    cr_assert_eq(drain(&dec, &expected), 0);
    cr_assert_str_eq(expected.data + expected.len - 3, "--\n");

    for (size_t cut = 0; cut <= stream.len; cut++) {
        cct_amp_decoder d;
        cct_buf got;
        cct_amp_decoder_init(&d);
        cct_buf_init(&got);
        cct_amp_decoder_feed(&d, stream.data, cut);
        cr_assert_eq(drain(&d, &got), 0, "first part, cut at %zu", cut);
        cct_amp_decoder_feed(&d, stream.data + cut, stream.len - cut);
        cr_assert_eq(drain(&d, &got), 0, "second part, cut at %zu", cut);
        cr_assert_str_eq(got.data ? got.data : "", expected.data,
                         "boxes differ when the stream is cut at byte %zu",
                         cut);
        cr_assert_eq(cct_amp_decoder_pending(&d), 0);
        cct_buf_free(&got);
        cct_amp_decoder_free(&d);
    }
    cct_buf_free(&stream);
    cct_buf_free(&expected);
}

Test(amp, a_stream_fed_byte_by_byte_gives_the_same_boxes)
{
    cct_buf stream, expected, got;
    cct_buf_init(&stream);
    cct_buf_init(&expected);
    cct_buf_init(&got);
    whole_stream(&stream);
    cct_amp_decoder_feed(&dec, stream.data, stream.len);
    cr_assert_eq(drain(&dec, &expected), 0);

    cct_amp_decoder d;
    cct_amp_decoder_init(&d);
    for (size_t i = 0; i < stream.len; i++) {
        cct_amp_decoder_feed(&d, stream.data + i, 1);
        cr_assert_eq(drain(&d, &got), 0);
    }
    cr_assert_str_eq(got.data, expected.data);
    cct_amp_decoder_free(&d);
    cct_buf_free(&stream);
    cct_buf_free(&expected);
    cct_buf_free(&got);
}

Test(amp, a_long_stream_in_odd_chunks_keeps_every_box)
{
    /* Far more than the decoder keeps before compacting its buffer. */
    enum { BOXES = 400, VALUE = 1000, CHUNK = 777 };
    char value[VALUE];
    cct_buf stream;
    cct_buf_init(&stream);
    for (int i = 0; i < BOXES; i++) {
        memset(value, 'a' + i % 26, sizeof(value));
        cr_assert_eq(cct_amp_put_int(&stream, "i", i), 0);
        cr_assert_eq(cct_amp_put(&stream, "v", value, sizeof(value)), 0);
        cct_amp_end(&stream);
    }
    int next = 0;
    for (size_t at = 0; at < stream.len; at += CHUNK) {
        size_t n = stream.len - at < CHUNK ? stream.len - at : CHUNK;
        cct_amp_decoder_feed(&dec, stream.data + at, n);
        cct_amp_box box;
        int rc;
        while ((rc = cct_amp_decoder_next(&dec, &box)) == 1) {
            long long i;
            size_t len;
            cr_assert_eq(cct_amp_get_int(&box, "i", &i), 0);
            cr_assert_eq(i, next, "box %d came as %lld", next, i);
            const char *v = cct_amp_get(&box, "v", &len);
            cr_assert_eq(len, VALUE);
            memset(value, 'a' + next % 26, sizeof(value));
            cr_assert_arr_eq(v, value, VALUE, "box %d's value", next);
            next++;
        }
        cr_assert_eq(rc, 0);
    }
    cr_assert_eq(next, BOXES);
    cr_assert_eq(cct_amp_decoder_pending(&dec), 0);
    cct_buf_free(&stream);
}

/* ---- limits --------------------------------------------------------------- */

Test(amp, a_zero_length_key_ends_the_box)
{
    cct_amp_box box;
    decode_one("\x00\x00", 2, &box);
    cr_assert_eq(box.n, 0);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), 0);
}

Test(amp, keys_of_255_bytes_are_accepted)
{
    char key[256];
    memset(key, 'k', 255);
    key[255] = '\0';
    cr_assert_eq(cct_amp_put_str(&out, key, "v"), 0);
    cct_amp_end(&out);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    cr_assert_eq(box.n, 1);
    cr_assert_eq(box.pairs[0].key_len, 255);
    cr_assert(cct_amp_has(&box, key));
}

Test(amp, a_key_over_255_bytes_is_refused_as_soon_as_its_length_arrives)
{
    cct_amp_box box;
    cct_amp_decoder_feed(&dec, "\x01\x00", 2);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_ETOOLONG);
}

Test(amp, values_up_to_65535_bytes_are_accepted)
{
    char *value = malloc(CCT_AMP_MAX_VALUE);
    memset(value, 'v', CCT_AMP_MAX_VALUE);
    cr_assert_eq(cct_amp_put(&out, "big", value, CCT_AMP_MAX_VALUE), 0);
    cct_amp_end(&out);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    size_t len;
    const char *got = cct_amp_get(&box, "big", &len);
    cr_assert_eq(len, CCT_AMP_MAX_VALUE);
    cr_assert_arr_eq(got, value, CCT_AMP_MAX_VALUE);
    free(value);
}

static void put_pairs(cct_buf *b, int n)
{
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(cct_amp_put_int(b, key, i), 0);
    }
    cct_amp_end(b);
}

Test(amp, a_box_of_the_maximum_pairs_is_accepted)
{
    put_pairs(&out, CCT_AMP_MAX_PAIRS);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    cr_assert_eq(box.n, CCT_AMP_MAX_PAIRS);
    long long last;
    cr_assert_eq(cct_amp_get_int(&box, "k63", &last), 0);
    cr_assert_eq(last, 63);
}

Test(amp, a_box_of_more_pairs_is_a_protocol_error)
{
    put_pairs(&out, CCT_AMP_MAX_PAIRS + 1);
    cct_amp_box box;
    cct_amp_decoder_feed(&dec, out.data, out.len);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_EPROTOCOL);
}

Test(amp, the_encoder_refuses_keys_and_values_it_cannot_send)
{
    char key[257];
    memset(key, 'k', 256);
    key[256] = '\0';
    char *value = calloc(1, CCT_AMP_MAX_VALUE + 1);
    add_value(&out, "ok", "1");
    size_t before = out.len;

    cr_assert_eq(cct_amp_put_str(&out, key, "v"), CCT_ETOOLONG);
    cr_assert_lt(cct_amp_put_str(&out, "", "v"), 0,
                 "an empty key would end the box");
    cr_assert_eq(cct_amp_put(&out, "v", value, CCT_AMP_MAX_VALUE + 1),
                 CCT_ETOOLONG);
    cr_assert_eq(out.len, before, "a refused pair must append nothing");
    free(value);
}

Test(amp, the_encoder_refuses_lists_that_would_not_fit_a_value)
{
    cct_buf list;
    cct_buf_init(&list);
    char *item = calloc(1, 40000);
    cr_assert_eq(cct_amp_list_add(&list, item, 40000), 0);
    size_t before = list.len;
    cr_assert_eq(cct_amp_list_add(&list, item, 40000), CCT_ETOOLONG);
    cr_assert_eq(list.len, before, "a refused item must append nothing");
    /* What is left still fits exactly. */
    size_t room = CCT_AMP_MAX_VALUE - list.len - 2;
    cr_assert_eq(cct_amp_list_add(&list, item, room), 0);
    cr_assert_eq(list.len, CCT_AMP_MAX_VALUE);
    cr_assert_eq(cct_amp_list_add(&list, "", 0), CCT_ETOOLONG);
    cr_assert_eq(cct_amp_put(&out, "frames", list.data, list.len), 0);
    free(item);
    cct_buf_free(&list);
}

/* ---- malformed input -------------------------------------------------------- */

/* Parameters are copied into each test's process: they hold their text,
 * not pointers to it. */
typedef struct int_case {
    char text[32];
    int valid;
    long long value;
} int_case;

ParameterizedTestParameters(amp, integers)
{
    static int_case cases[] = {
        {"0", 1, 0},
        {"7", 1, 7},
        {"-12", 1, -12},
        {"9223372036854775807", 1, LLONG_MAX},
        {"-9223372036854775808", 1, LLONG_MIN},
        {"", 0, 0},
        {"-", 0, 0},
        {"12a", 0, 0},
        {"1.5", 0, 0},
        {"0x10", 0, 0},
        {"--1", 0, 0},
        {"1-", 0, 0},
        {"123456789012345678901", 0, 0},
    };
    return cr_make_param_array(int_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(int_case *c, amp, integers)
{
    add_value(&out, "n", c->text);
    cct_amp_end(&out);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    long long n = 99;
    int rc = cct_amp_get_int(&box, "n", &n);
    if (c->valid) {
        cr_assert_eq(rc, 0, "'%s' is an integer", c->text);
        cr_assert_eq(n, c->value, "'%s' read as %lld", c->text, n);
    } else {
        cr_assert_eq(rc, CCT_EPROTOCOL, "'%s' is not an integer", c->text);
    }
}

/* Regression, once a bug in core/amp.c, cct_amp_get_int: text of 19 or 20 digits beyond the
 * range of long long is accepted, strtoll's saturated LLONG_MAX returned
 * as if the peer had sent it. */
Test(amp, integers_out_of_range_are_errors)
{
    static const char *const texts[] = {"9223372036854775808",
                                        "99999999999999999999",
                                        "-9223372036854775809"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(texts); i++) {
        cct_buf_reset(&out);
        add_value(&out, "n", texts[i]);
        cct_amp_end(&out);
        cct_amp_decoder d;
        cct_amp_decoder_init(&d);
        cct_amp_decoder_feed(&d, out.data, out.len);
        cct_amp_box box;
        cr_assert_eq(cct_amp_decoder_next(&d, &box), 1);
        long long n = 0;
        cr_expect_eq(cct_amp_get_int(&box, "n", &n), CCT_EPROTOCOL,
                     "'%s' does not fit in 64 bits, yet read as %lld",
                     texts[i], n);
        cct_amp_decoder_free(&d);
    }
}

Test(amp, booleans_are_exactly_True_or_False)
{
    static const char *const bad[] = {"true", "TRUE", "False ", "1", "",
                                      "Tru", "Falsey"};
    for (size_t i = 0; i < CCT_ARRAY_SIZE(bad); i++)
        add_value(&out, bad[i][0] ? bad[i] : "empty", bad[i]);
    cct_amp_end(&out);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    for (size_t i = 0; i < CCT_ARRAY_SIZE(bad); i++) {
        int flag = 7;
        cr_assert_eq(cct_amp_get_bool(&box, bad[i][0] ? bad[i] : "empty",
                                      &flag),
                     CCT_EPROTOCOL, "'%s' is not a Boolean", bad[i]);
        cr_assert_eq(flag, 7, "a refused value must not be stored");
    }
}

Test(amp, missing_keys_are_reported)
{
    add_value(&out, "here", "1");
    cct_amp_end(&out);
    cct_amp_box box;
    decode_one(out.data, out.len, &box);
    size_t len = 99;
    long long n;
    int flag;
    cr_assert_null(cct_amp_get(&box, "gone", &len));
    cr_assert_null(cct_amp_get_dup(&box, "gone"));
    cr_assert_eq(cct_amp_get_int(&box, "gone", &n), CCT_EPROTOCOL);
    cr_assert_eq(cct_amp_get_bool(&box, "gone", &flag), CCT_EPROTOCOL);
    cr_assert_not(cct_amp_has(&box, "gone"));
}

typedef struct list_case {
    char bytes[16];
    size_t len;
    int items_before_error; /* -1: no error */
} list_case;

ParameterizedTestParameters(amp, lists)
{
    static list_case cases[] = {
        {"", 0, -1},
        {"\x00\x00", 2, -1},
        {"\x00\x02" "ab\x00\x01" "c", 7, -1},
        {"\x00\x05" "ab", 4, 0},          /* the item runs past the value */
        {"\x00", 1, 0},                   /* half a length */
        {"\x00\x01" "a\x00", 4, 1},        /* then half a length */
        {"\x00\x01" "a\x00\x02" "b", 6, 1}, /* then a short item */
        {"\xff\xff", 2, 0},
    };
    return cr_make_param_array(list_case, cases, CCT_ARRAY_SIZE(cases));
}

ParameterizedTest(list_case *c, amp, lists)
{
    size_t pos = 0, item_len, prev = 0;
    const char *item;
    int rc, items = 0;
    while ((rc = cct_amp_list_next(c->bytes, c->len, &pos, &item,
                                   &item_len)) == 1) {
        cr_assert_geq(item, c->bytes);
        cr_assert_leq(item + item_len, c->bytes + c->len,
                      "item %d runs past the value", items);
        cr_assert_gt(pos, prev);
        prev = pos;
        items++;
    }
    if (c->items_before_error < 0) {
        cr_assert_eq(rc, 0);
        cr_assert_eq(pos, c->len);
    } else {
        cr_assert_eq(rc, CCT_EPROTOCOL);
        cr_assert_eq(items, c->items_before_error);
    }
}

Test(amp, a_truncated_box_needs_more_bytes)
{
    cct_amp_box box;
    size_t n = LEN(twisted_answer);
    cct_amp_decoder_feed(&dec, twisted_answer, n - 1);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), 0);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), 0, "asking again");
    cr_assert_eq(cct_amp_decoder_pending(&dec), n - 1);
    cct_amp_decoder_feed(&dec, twisted_answer + n - 1, 1);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), 1);
    cr_assert_eq(box.n, 2);
    cr_assert_eq(cct_amp_decoder_pending(&dec), 0);
}

Test(amp, the_decoder_stays_failed_after_an_error)
{
    cct_amp_box box;
    cct_amp_decoder_feed(&dec, twisted_answer, LEN(twisted_answer));
    cct_amp_decoder_feed(&dec, "\x01\x00", 2);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), 1,
                 "the box before the garbage is good");
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_ETOOLONG);
    cct_amp_decoder_feed(&dec, twisted_answer, LEN(twisted_answer));
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_ETOOLONG,
                 "a good box after garbage must not be trusted");
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_ETOOLONG);
}

Test(amp, a_pair_limit_error_also_sticks)
{
    put_pairs(&out, CCT_AMP_MAX_PAIRS + 1);
    cct_amp_box box;
    cct_amp_decoder_feed(&dec, out.data, out.len);
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_EPROTOCOL);
    cct_amp_decoder_feed(&dec, twisted_answer, LEN(twisted_answer));
    cr_assert_eq(cct_amp_decoder_next(&dec, &box), CCT_EPROTOCOL);
}
