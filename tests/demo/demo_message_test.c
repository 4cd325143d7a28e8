#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "demo/demo_message.h"

static void demo_reading_message_is_exact_json(void **state)
{
    (void)state;
    sensor_reading reading = {
        .sensor_id = "25095",
        .sensor_type = "SDS011",
        .location = "13084",
        .timestamp_ms = 1557792007000LL,
        .reading_count = 2,
        .readings = {{"P1", "2.58"}, {"P2", "1.35"}},
    };
    char out[DEMO_MAX_PAYLOAD];
    int len = demo_reading_message(&reading, out, sizeof out);
    const char *expected = "{\"device_id\":\"25095\",\"timestamp\":\"2019-05-14T00:00:07Z\","
                           "\"command\":\"NOOP\",\"sensor_type\":\"SDS011\",\"location\":\"13084\","
                           "\"readings\":{\"P1\":2.58,\"P2\":1.35}}";
    assert_string_equal(out, expected);
    assert_int_equal(len, (int)strlen(expected));

    assert_int_equal(demo_reading_message(&reading, out, 40), -1);
}

static void demo_message_round_trips_ping(void **state)
{
    (void)state;
    char out[DEMO_MAX_PAYLOAD];
    int len = demo_ping_message(DEMO_COMMAND_PING, "22449", 1557792007000LL, 42, out, sizeof out);
    assert_string_equal(out, "{\"device_id\":\"22449\",\"timestamp\":\"2019-05-14T00:00:07Z\","
                             "\"command\":\"PING\",\"ping_id\":42}");

    demo_message message;
    char error[128];
    assert_int_equal(demo_message_parse(out, (size_t)len, &message, error, sizeof error), 0);
    assert_string_equal(message.device_id, "22449");
    assert_int_equal(message.command, DEMO_COMMAND_PING);
    assert_int_equal(message.ping_id, 42);
    assert_int_equal(message.timestamp_ms, 1557792007000LL);
}

static void demo_message_parses_reading_and_unknown_command(void **state)
{
    (void)state;
    demo_message message;
    char error[128];
    const char *text = "{\"device_id\":\"7\",\"timestamp\":\"2019-05-14T00:00:07Z\","
                       "\"command\":\"REBOOT\"}";
    assert_int_equal(demo_message_parse(text, strlen(text), &message, error, sizeof error), 0);
    assert_int_equal(message.command, DEMO_COMMAND_OTHER);
    assert_string_equal(message.command_text, "REBOOT");
}

static void demo_message_rejects_bad_payloads(void **state)
{
    (void)state;
    static const struct {
        const char *payload;
        const char *error;
    } cases[] = {
        {"", "payload is not JSON: '[' or '{' expected near end of file"},
        {"[1]", "payload is not a JSON object"},
        {"{\"command\":\"NOOP\"}", "device_id is missing, not a string, or not 1 to 64 bytes"},
        {"{\"device_id\":7,\"command\":\"NOOP\"}",
         "device_id is missing, not a string, or not 1 to 64 bytes"},
        {"{\"device_id\":\"7\",\"timestamp\":\"2019-05-14T00:00:07Z\"}",
         "command is missing, not a string, or not 1 to 32 bytes"},
        {"{\"device_id\":\"7\",\"command\":\"NOOP\",\"timestamp\":\"2019-05-14T00:00:07\"}",
         "timestamp is missing or not of the form YYYY-MM-DDTHH:MM:SSZ"},
        {"{\"device_id\":\"7\",\"command\":\"PING\",\"timestamp\":\"2019-05-14T00:00:07Z\"}",
         "PING without a non-negative integer ping_id"},
        {"{\"device_id\":\"7\",\"command\":\"PONG\",\"timestamp\":\"2019-05-14T00:00:07Z\","
         "\"ping_id\":-1}",
         "PONG without a non-negative integer ping_id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        demo_message message;
        char error[128];
        int rc = demo_message_parse(cases[i].payload, strlen(cases[i].payload), &message, error,
                                    sizeof error);
        assert_int_equal(rc, -1);
        assert_string_equal(error, cases[i].error);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(demo_reading_message_is_exact_json),
        cmocka_unit_test(demo_message_round_trips_ping),
        cmocka_unit_test(demo_message_parses_reading_and_unknown_command),
        cmocka_unit_test(demo_message_rejects_bad_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
