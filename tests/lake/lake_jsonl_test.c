/*
 * JSON lines encoding: exact lines for ordinary and odd payloads, and every
 * line parses back (with jansson) to the same bytes.
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

#include "lake/lake_jsonl.h"

static lake_record sample_record(const void *payload, size_t len)
{
    static const lake_property properties[] = {{"env", "prod"}, {"device_id", "22449"}};
    lake_record record = {
        .payload = payload,
        .payload_len = len,
        .properties = properties,
        .property_count = 2,
        .key = "22449",
        .id = {1234, 56, 3, -1},
        .topic = "persistent://iot-system/prod/commands-partition-3",
        .publish_time_ms = 1796389501123, /* 2026-12-04T13:05:01.123Z */
        .event_time_ms = 1796389500007,
    };
    return record;
}

static char *encode(const lake_record *record)
{
    lake_buf out = {0};
    assert_int_equal(lake_jsonl_encode(record, &out), LAKE_OK);
    assert_int_equal(lake_buf_append(&out, "", 1), LAKE_OK);
    return (char *)out.data;
}

/* Parses line (without its "\n") and returns the object; the caller decrefs. */
static json_t *parse_line(const char *line)
{
    size_t len = strlen(line);
    assert_true(len > 0);
    assert_int_equal(line[len - 1], '\n');
    json_error_t error;
    json_t *object = json_loadb(line, len - 1, JSON_ALLOW_NUL, &error);
    if (object == NULL) {
        fail_msg("line is not JSON: %s: %s", error.text, line);
    }
    return object;
}

static void jsonl_text_payload_exact_line(void **state)
{
    (void)state;
    const char *payload = "{\"device\":\"22449\",\"command\":\"NOOP\"}";
    lake_record record = sample_record(payload, strlen(payload));
    char *line = encode(&record);

    assert_string_equal(
        line, "{\"topic\":\"persistent://iot-system/prod/commands-partition-3\","
              "\"message_id\":\"1234:56:3:-1\",\"key\":\"22449\","
              "\"publish_time\":\"2026-12-04T13:05:01.123Z\","
              "\"event_time\":\"2026-12-04T13:05:00.007Z\","
              "\"properties\":{\"env\":\"prod\",\"device_id\":\"22449\"},"
              "\"payload\":\"{\\\"device\\\":\\\"22449\\\",\\\"command\\\":\\\"NOOP\\\"}\"}\n");
    json_t *object = parse_line(line);
    assert_string_equal(json_string_value(json_object_get(object, "payload")), payload);
    json_decref(object);
    free(line);
}

static void jsonl_binary_payload_base64(void **state)
{
    (void)state;
    const uint8_t payload[] = {0xFF, 0x00, 0x80, 0x41};
    lake_record record = sample_record(payload, sizeof payload);
    char *line = encode(&record);

    assert_non_null(strstr(line, ",\"payload_base64\":\"/wCAQQ==\"}\n"));
    assert_null(strstr(line, "\"payload\":"));
    json_t *object = parse_line(line);
    assert_string_equal(json_string_value(json_object_get(object, "payload_base64")), "/wCAQQ==");
    json_decref(object);
    free(line);
}

static void jsonl_invalid_utf8_payloads_base64(void **state)
{
    (void)state;
    /* Overlong '/', a lone continuation byte, a surrogate, past U+10FFFF, a cut sequence. */
    static const struct {
        const char *bytes;
        size_t len;
        const char *base64;
    } cases[] = {
        {"\xC0\xAF", 2, "wK8="},       {"a\x80z", 3, "YYB6"},
        {"\xED\xA0\x80", 3, "7aCA"},   {"\xF4\x90\x80\x80", 4, "9JCAgA=="},
        {"ok\xE2\x82", 4, "b2vigg=="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lake_record record = sample_record(cases[i].bytes, cases[i].len);
        char *line = encode(&record);
        char expected[64];
        snprintf(expected, sizeof expected, "\"payload_base64\":\"%s\"}\n", cases[i].base64);
        if (strstr(line, expected) == NULL) {
            fail_msg("case %zu: expected %s in %s", i, expected, line);
        }
        json_decref(parse_line(line));
        free(line);
    }
}

static void jsonl_empty_payload_empty_string(void **state)
{
    (void)state;
    lake_record record = sample_record(NULL, 0);
    char *line = encode(&record);
    assert_non_null(strstr(line, ",\"payload\":\"\"}\n"));
    json_decref(parse_line(line));
    free(line);
}

static void jsonl_embedded_nul_kept(void **state)
{
    (void)state;
    const char payload[] = {'a', '\0', 'b', '\n', '"', '\\', '\x1f', '\x7f'};
    lake_record record = sample_record(payload, sizeof payload);
    char *line = encode(&record);

    assert_non_null(strstr(line, ",\"payload\":\"a\\u0000b\\n\\\"\\\\\\u001f\\u007f\"}\n"));
    json_t *object = parse_line(line);
    json_t *decoded = json_object_get(object, "payload");
    assert_int_equal(json_string_length(decoded), sizeof payload);
    assert_memory_equal(json_string_value(decoded), payload, sizeof payload);
    json_decref(object);
    free(line);
}

static void jsonl_multibyte_utf8_verbatim(void **state)
{
    (void)state;
    const char *payload = "Grüße \xE2\x82\xAC \xF0\x9F\x9A\x80";
    lake_record record = sample_record(payload, strlen(payload));
    char *line = encode(&record);
    char expected[128];
    snprintf(expected, sizeof expected, ",\"payload\":\"%s\"}\n", payload);
    assert_non_null(strstr(line, expected));
    free(line);
}

static void jsonl_missing_key_and_event_time_null(void **state)
{
    (void)state;
    lake_record record = sample_record("x", 1);
    record.key = NULL;
    record.event_time_ms = 0;
    record.property_count = 0;
    char *line = encode(&record);
    assert_non_null(strstr(line, "\"key\":null,"));
    assert_non_null(strstr(line, "\"event_time\":null,\"properties\":{},\"payload\":\"x\"}"));
    free(line);
}

static void jsonl_invalid_utf8_property_replaced(void **state)
{
    (void)state;
    const lake_property properties[] = {{"bad\xFFkey", "v\xC3"}};
    lake_record record = sample_record("x", 1);
    record.properties = properties;
    record.property_count = 1;
    char *line = encode(&record);
    assert_non_null(strstr(line, "\"properties\":{\"bad\xEF\xBF\xBDkey\":\"v\xEF\xBF\xBD\"}"));
    json_decref(parse_line(line));
    free(line);
}

static void jsonl_times_formatted_utc(void **state)
{
    (void)state;
    char text[25];
    lake_format_utc_ms(0, text);
    assert_string_equal(text, "1970-01-01T00:00:00.000Z");
    lake_format_utc_ms(-1, text);
    assert_string_equal(text, "1969-12-31T23:59:59.999Z");
    lake_format_utc_ms(951782400000, text);
    assert_string_equal(text, "2000-02-29T00:00:00.000Z");
    lake_format_utc_ms(INT64_MAX, text);
    assert_string_equal(text, "9999-12-31T23:59:59.999Z");
    lake_format_utc_ms(INT64_MIN, text);
    assert_string_equal(text, "0001-01-01T00:00:00.000Z");

    /* Three days in turn, more than the two dates the formatter keeps, then again. */
    static const struct {
        int64_t ms;
        const char *text;
    } turns[] = {
        {1557792053000, "2019-05-14T00:00:53.000Z"}, {1764853501123, "2025-12-04T13:05:01.123Z"},
        {1557792200000, "2019-05-14T00:03:20.000Z"}, {86399999, "1970-01-01T23:59:59.999Z"},
        {1764853501124, "2025-12-04T13:05:01.124Z"}, {1557792053001, "2019-05-14T00:00:53.001Z"},
        {86400000, "1970-01-02T00:00:00.000Z"},
    };
    for (size_t i = 0; i < sizeof turns / sizeof turns[0]; i++) {
        lake_format_utc_ms(turns[i].ms, text);
        assert_string_equal(text, turns[i].text);
    }
}

static void jsonl_message_id_text(void **state)
{
    (void)state;
    char text[LAKE_MESSAGE_ID_TEXT_MAX];
    lake_message_id id = {UINT64_MAX, 0, -1, 7};
    lake_message_id_format(&id, text);
    assert_string_equal(text, "18446744073709551615:0:-1:7");
}

static void utf8_validator_cases(void **state)
{
    (void)state;
    assert_true(lake_utf8_valid((const uint8_t *)"", 0));
    assert_true(lake_utf8_valid((const uint8_t *)"\xF4\x8F\xBF\xBF", 4)); /* U+10FFFF */
    assert_true(lake_utf8_valid((const uint8_t *)"\xEF\xBF\xBF", 3));
    assert_false(lake_utf8_valid((const uint8_t *)"\xE0\x80\x80", 3)); /* overlong */
    assert_false(lake_utf8_valid((const uint8_t *)"\xF8\x88\x80\x80\x80", 5));
    assert_false(lake_utf8_valid((const uint8_t *)"\xC2", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jsonl_text_payload_exact_line),
        cmocka_unit_test(jsonl_binary_payload_base64),
        cmocka_unit_test(jsonl_invalid_utf8_payloads_base64),
        cmocka_unit_test(jsonl_empty_payload_empty_string),
        cmocka_unit_test(jsonl_embedded_nul_kept),
        cmocka_unit_test(jsonl_multibyte_utf8_verbatim),
        cmocka_unit_test(jsonl_missing_key_and_event_time_null),
        cmocka_unit_test(jsonl_invalid_utf8_property_replaced),
        cmocka_unit_test(jsonl_times_formatted_utc),
        cmocka_unit_test(jsonl_message_id_text),
        cmocka_unit_test(utf8_validator_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
