/*
 * The router's message fields: true lengths of received strings (a NUL
 * inside a value is seen, so "prod\0x" is not production), and the
 * properties of outputs, with the encoding of what cannot be sent as it came.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_daemon_internal.h"
#include "route_test_tables.h"

typedef struct {
    const char *bytes;
    size_t len;
} test_bytes;

#define B(text) {text, sizeof text - 1}

/*
 * Builds a message as the client does: every string NUL-terminated, with
 * its true byte length in key_len and the property length arrays.
 */
static pulsar_message *build_message(const test_bytes (*props)[2], size_t count,
                                     const test_bytes *key, const char *payload)
{
    static const char topic[] = "persistent://iot-system/ingest/device-messages";
    static const char producer[] = "p";
    size_t total = sizeof(pulsar_message) + count * sizeof(pulsar_property) +
                   2 * count * sizeof(size_t) + sizeof topic + sizeof producer + strlen(payload) +
                   (key != NULL ? key->len + 1 : 0);
    for (size_t i = 0; i < count; i++) {
        total += props[i][0].len + 1 + props[i][1].len + 1;
    }
    pulsar_message *m = calloc(1, total);
    assert_non_null(m);
    pulsar_property *properties = (pulsar_property *)(m + 1);
    size_t *key_lens = (size_t *)(properties + count);
    size_t *value_lens = key_lens + count;
    char *cursor = (char *)(value_lens + count);
    for (size_t i = 0; i < count; i++) {
        key_lens[i] = props[i][0].len;
        value_lens[i] = props[i][1].len;
        for (size_t part = 0; part < 2; part++) {
            memcpy(cursor, props[i][part].bytes, props[i][part].len);
            cursor[props[i][part].len] = '\0';
            if (part == 0) {
                properties[i].key = cursor;
            } else {
                properties[i].value = cursor;
            }
            cursor += props[i][part].len + 1;
        }
    }
    memcpy(cursor, topic, sizeof topic);
    m->topic = cursor;
    cursor += sizeof topic;
    memcpy(cursor, producer, sizeof producer);
    m->producer_name = cursor;
    cursor += sizeof producer;
    if (key != NULL) {
        memcpy(cursor, key->bytes, key->len);
        cursor[key->len] = '\0';
        m->key = cursor;
        m->key_len = key->len;
        cursor += key->len + 1;
    }
    memcpy(cursor, payload, strlen(payload));
    m->payload = (const uint8_t *)cursor;
    m->payload_len = strlen(payload);
    m->properties = properties;
    m->property_count = count;
    m->property_key_lens = key_lens;
    m->property_value_lens = value_lens;
    m->id = (pulsar_message_id){5, 6, -1, -1, 0};
    return m;
}

static void input_sees_nul_inside_env(void **state)
{
    (void)state;
    const test_bytes props[][2] = {{B("env"), B("prod\0x")}, {B("device_id"), B("d1")}};
    const test_bytes key = B("d1");
    pulsar_message *m = build_message(props, 2, &key, "{\"device_id\":\"d1\"}");
    daemon_input input;
    assert_true(daemon_input_init(&input, m));
    assert_int_equal(input.message.property_count, 2);
    assert_int_equal(input.properties[0].key_len, 3);
    assert_int_equal(input.properties[0].value_len, 6);
    assert_int_equal(input.properties[1].value_len, 2);
    assert_int_equal(input.message.key_len, 2);
    assert_int_equal(input.message.payload_len, strlen("{\"device_id\":\"d1\"}"));

    route_table *table = test_poc_table();
    route_decision decision;
    route_decide(table, NULL, &input.message, &decision);
    assert_true(decision.quarantined);
    assert_int_equal(decision.reason, ROUTE_REASON_INVALID_ENV);
    route_table_free(table);
    daemon_input_free(&input);
    free(m);
}

static void input_sees_nul_inside_key(void **state)
{
    (void)state;
    const test_bytes props[][2] = {{B("device_id"), B("d1")}};
    const test_bytes key = B("d1\0zz");
    pulsar_message *m = build_message(props, 1, &key, "");
    daemon_input input;
    assert_true(daemon_input_init(&input, m));
    assert_int_equal(input.message.key_len, 5);
    route_table *table = test_poc_table();
    route_decision decision;
    route_decide(table, NULL, &input.message, &decision);
    assert_true(decision.quarantined);
    route_table_free(table);
    daemon_input_free(&input);
    free(m);
}

static void input_takes_reported_lengths(void **state)
{
    (void)state;
    /* Separate buffers: the lengths, not the memory layout, decide. */
    pulsar_property props[] = {{"env", "prod"}, {"device_id", "d1"}};
    size_t key_lens[] = {3, 9};
    size_t value_lens[] = {4, 2};
    pulsar_message m = {0};
    m.properties = props;
    m.property_count = 2;
    m.property_key_lens = key_lens;
    m.property_value_lens = value_lens;
    m.topic = "persistent://t/n/x";
    m.producer_name = "p";
    m.key = "d1";
    m.key_len = 2;
    m.payload = (const uint8_t *)"{}";
    m.payload_len = 2;
    daemon_input input;
    assert_true(daemon_input_init(&input, &m));
    assert_int_equal(input.properties[0].value_len, 4);
    assert_int_equal(input.properties[1].key_len, 9);
    assert_int_equal(input.message.key_len, 2);
    daemon_input_free(&input);
}

static void assert_property(const daemon_output_fields *f, size_t i, const char *key,
                            const char *value)
{
    assert_true(i < f->property_count);
    assert_string_equal(f->properties[i].key, key);
    assert_string_equal(f->properties[i].value, value);
}

static void quarantine_encodes_unsendable_properties(void **state)
{
    (void)state;
    const test_bytes props[][2] = {{B("device_id"), B("d1")},
                                   {B("blob"), B("\xff")},
                                   {B("reason"), B("mine")},
                                   {B("switchyard.rule"), B("x")},
                                   {B("k"), B("a\0b")},
                                   {B("note"), B("\x01ok")}};
    const test_bytes key = B("d\0");
    pulsar_message *m = build_message(props, 6, &key, "{}");
    daemon_input input;
    assert_true(daemon_input_init(&input, m));
    route_decision decision = {.quarantined = true,
                               .rule = ROUTE_RULE_QUARANTINE,
                               .reason = ROUTE_REASON_INVALID_PROPERTY};
    daemon_output_fields f;
    assert_true(daemon_output_fields_build(&input, &decision, "src-topic", "5:6:-1:-1", &f));
    assert_int_equal(f.property_count, 11);
    assert_property(&f, 0, "device_id", "d1");
    assert_property(&f, 1, "switchyard.raw.1", "YmxvYg==./w==");
    assert_property(&f, 2, "switchyard.raw.2", "cmVhc29u.bWluZQ==");
    assert_property(&f, 3, "switchyard.raw.3", "c3dpdGNoeWFyZC5ydWxl.eA==");
    assert_property(&f, 4, "switchyard.raw.4", "aw==.YQBi");
    assert_property(&f, 5, "note", "\x01ok");
    assert_property(&f, 6, "switchyard.raw.key", "ZAA=");
    assert_property(&f, 7, "switchyard.rule", "quarantine");
    assert_property(&f, 8, "switchyard.source_topic", "src-topic");
    assert_property(&f, 9, "switchyard.source_id", "5:6:-1:-1");
    assert_property(&f, 10, "reason", "invalid_property");
    assert_null(f.key);
    daemon_output_fields_free(&f);
    daemon_input_free(&input);
    free(m);
}

static void routed_output_adds_decision(void **state)
{
    (void)state;
    const test_bytes props[][2] = {{B("env"), B("prod")}, {B("device_id"), B("d1")}};
    const test_bytes key = B("d1");
    pulsar_message *m = build_message(props, 2, &key, "{\"device_id\":\"d1\"}");
    daemon_input input;
    assert_true(daemon_input_init(&input, m));
    route_table *table = test_poc_table();
    route_decision decision;
    route_decide(table, NULL, &input.message, &decision);
    assert_false(decision.quarantined);
    daemon_output_fields f;
    assert_true(daemon_output_fields_build(&input, &decision, "src", "5:6:-1:-1", &f));
    assert_int_equal(f.property_count, 6);
    assert_property(&f, 0, "env", "prod");
    assert_property(&f, 1, "device_id", "d1");
    assert_property(&f, 2, "switchyard.rule", "env_property");
    assert_property(&f, 3, "switchyard.environment", "prod");
    assert_property(&f, 4, "switchyard.source_topic", "src");
    assert_property(&f, 5, "switchyard.source_id", "5:6:-1:-1");
    assert_string_equal(f.key, "d1");
    daemon_output_fields_free(&f);
    route_table_free(table);
    daemon_input_free(&input);
    free(m);
}

static void text_sendable_checks_utf8(void **state)
{
    (void)state;
    assert_true(daemon_text_sendable("", 0));
    assert_true(daemon_text_sendable("h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
    assert_false(daemon_text_sendable("a\0b", 3));
    assert_false(daemon_text_sendable("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(daemon_text_sendable("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(daemon_text_sendable("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(daemon_text_sendable("\xe2\x82", 2));         /* truncated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(input_sees_nul_inside_env),
        cmocka_unit_test(input_sees_nul_inside_key),
        cmocka_unit_test(input_takes_reported_lengths),
        cmocka_unit_test(quarantine_encodes_unsendable_properties),
        cmocka_unit_test(routed_output_adds_decision),
        cmocka_unit_test(text_sendable_checks_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
