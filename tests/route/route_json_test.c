/*
 * route_json_read: a table of documents, each checked for the expected
 * verdict and member, and each also given to jansson, which must agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_json.h"

typedef struct {
    const char *name;
    const char *document;
    size_t len; /* 0: strlen(document) */
    bool valid;
    route_json_kind kind;
    const char *text; /* the member's text when kind is STRING or INTEGER */
} json_case;

static const json_case cases[] = {
    {"string member", "{\"device_id\":\"d-7\",\"n\":1}", 0, true, ROUTE_JSON_STRING, "d-7"},
    {"integer member", " {\"device_id\" : 15092 } \n", 0, true, ROUTE_JSON_INTEGER, "15092"},
    {"minus zero", "{\"device_id\":-0}", 0, true, ROUTE_JSON_INTEGER, "0"},
    {"negative integer", "{\"device_id\":-12}", 0, true, ROUTE_JSON_INTEGER, "-12"},
    {"real member", "{\"device_id\":1.5}", 0, true, ROUTE_JSON_OTHER, NULL},
    {"null member", "{\"device_id\":null}", 0, true, ROUTE_JSON_OTHER, NULL},
    {"object member", "{\"device_id\":{\"a\":[]}}", 0, true, ROUTE_JSON_OTHER, NULL},
    {"absent member", "{\"a\":{\"device_id\":\"x\"}}", 0, true, ROUTE_JSON_ABSENT, NULL},
    {"array top level", "[\"device_id\",{\"device_id\":1}]", 0, true, ROUTE_JSON_ABSENT, NULL},
    {"escaped name", "{\"device\\u005fid\":\"\\u00e9\\ud83d\\ude00\\n\"}", 0, true,
     ROUTE_JSON_STRING, "\xC3\xA9\xF0\x9F\x98\x80\n"},
    {"utf8 text", "{\"device_id\":\"\xE2\x82\xAC\"}", 0, true, ROUTE_JSON_STRING, "\xE2\x82\xAC"},
    {"empty containers", "{\"a\":{},\"b\":[],\"c\":[[],{}]}", 0, true, ROUTE_JSON_ABSENT, NULL},
    {"largest integer", "[9223372036854775807,-9223372036854775808]", 0, true, ROUTE_JSON_ABSENT,
     NULL},
    {"integer too big", "[9223372036854775808]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"negative too big", "[-9223372036854775809]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"real overflow", "[1e400]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"real underflow", "[1e-400]", 0, true, ROUTE_JSON_ABSENT, NULL},
    {"duplicate top name", "{\"device_id\":\"a\",\"device_id\":\"a\"}", 0, false, ROUTE_JSON_ABSENT,
     NULL},
    {"duplicate nested name", "{\"o\":{\"k\":1,\"\\u006b\":2}}", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"same name in two objects", "[{\"k\":1},{\"k\":2}]", 0, true, ROUTE_JSON_ABSENT, NULL},
    {"scalar top level", "\"device_id\"", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"empty", "", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"trailing garbage", "{} x", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"two documents", "{}{}", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"trailing comma", "[1,]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"missing colon", "{\"a\" 1}", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"leading zero", "[01]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"bare fraction", "[1.]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"bare exponent", "[1e+]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"literal with tail", "[truex]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"control character", "[\"a\tb\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"escaped nul", "[\"\\u0000\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"raw nul", "[\"a\0b\"]", 6, false, ROUTE_JSON_ABSENT, NULL},
    {"lone high surrogate", "[\"\\ud83d\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"lone low surrogate", "[\"\\ude00\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"bad escape", "[\"\\x41\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"short unicode escape", "[\"\\u12\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"invalid utf8", "[\"\xC3\x28\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"overlong utf8", "[\"\xC0\xAF\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"encoded surrogate", "[\"\xED\xA0\x80\"]", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"unterminated string", "[\"abc", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"unclosed object", "{\"a\":1", 0, false, ROUTE_JSON_ABSENT, NULL},
    {"mismatched bracket", "[1}", 0, false, ROUTE_JSON_ABSENT, NULL},
};

static void check_against_jansson(const char *document, size_t len, bool valid)
{
    json_error_t error;
    json_t *root = json_loadb(document, len, JSON_REJECT_DUPLICATES, &error);
    if (valid) {
        assert_non_null(root);
    } else {
        assert_null(root);
    }
    json_decref(root);
}

static void table_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const json_case *c = &cases[i];
        size_t len = c->len != 0 ? c->len : strlen(c->document);
        print_message("case: %s\n", c->name);
        route_json_member member;
        bool valid = route_json_read((const uint8_t *)c->document, len, "device_id", &member);
        assert_int_equal(valid, c->valid);
        check_against_jansson(c->document, len, c->valid);
        if (!valid) {
            continue;
        }
        assert_int_equal(member.kind, c->kind);
        if (c->text != NULL) {
            assert_string_equal(member.text, c->text);
            assert_int_equal(member.len, strlen(c->text));
            assert_false(member.truncated);
        }
    }
}

/* Builds `depth` nested arrays around one 0, or around nothing when empty. */
static char *nested_arrays(size_t depth, bool empty)
{
    char *text = malloc(2 * depth + 2);
    assert_non_null(text);
    memset(text, '[', depth);
    size_t len = depth;
    if (!empty) {
        text[len++] = '0';
    }
    memset(text + len, ']', depth);
    text[len + depth] = '\0';
    return text;
}

/* A value counts towards the depth limit whether it is a container or a scalar. */
static void depth_limit_counts_every_value(void **state)
{
    (void)state;
    static const struct {
        size_t depth;
        bool empty;
        bool valid;
    } limits[] = {
        {ROUTE_JSON_MAX_DEPTH - 1, false, true},
        {ROUTE_JSON_MAX_DEPTH, false, false},
        {ROUTE_JSON_MAX_DEPTH, true, true},
        {ROUTE_JSON_MAX_DEPTH + 1, true, false},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        char *text = nested_arrays(limits[i].depth, limits[i].empty);
        route_json_member member;
        assert_int_equal(route_json_read((const uint8_t *)text, strlen(text), "x", &member),
                         limits[i].valid);
        check_against_jansson(text, strlen(text), limits[i].valid);
        free(text);
    }
}

/* Many names and long strings move the working memory to the heap and back. */
static void large_documents_use_the_heap(void **state)
{
    (void)state;
    size_t names = 5000;
    size_t cap = names * 24 + 400;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "{\"device_id\":\"");
    memset(text + len, 'x', 200);
    len += 200;
    len += (size_t)snprintf(text + len, cap - len, "\"");
    for (size_t i = 0; i < names; i++) {
        len += (size_t)snprintf(text + len, cap - len, ",\"name-%zu\":%zu", i, i);
    }
    len += (size_t)snprintf(text + len, cap - len, "}");

    route_json_member member;
    assert_true(route_json_read((const uint8_t *)text, len, "device_id", &member));
    assert_int_equal(member.kind, ROUTE_JSON_STRING);
    assert_int_equal(member.len, 200);
    assert_true(member.truncated);
    assert_int_equal(strlen(member.text), ROUTE_JSON_MEMBER_TEXT_MAX);

    /* The same name once more, at the end, is a repeat. */
    len -= 1;
    len += (size_t)snprintf(text + len, cap - len, ",\"name-17\":0}");
    assert_false(route_json_read((const uint8_t *)text, len, "device_id", &member));
    check_against_jansson(text, len, false);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_cases),
        cmocka_unit_test(depth_limit_counts_every_value),
        cmocka_unit_test(large_documents_use_the_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
