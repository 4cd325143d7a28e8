/*
 * Received messages keep the true byte length of their key and of every
 * property key and value, NUL bytes included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "pulsar/consumer_internal.h"

static void message_keeps_lengths_past_nul(void **state)
{
    (void)state;
    /*
     * MessageMetadata field 4 (properties): KeyValue{key "env", value "prod\0x"}
     * and KeyValue{key "e\0x", value "v"}.
     */
    static const uint8_t metadata[] = {0x22, 0x0D, 0x0A, 0x03, 'e',  'n',  'v', 0x12, 0x06,
                                       'p',  'r',  'o',  'd',  0x00, 'x',  0x22, 0x08, 0x0A,
                                       0x03, 'e',  0x00, 'x',  0x12, 0x01, 'v'};
    message_parts parts = {.topic = "persistent://public/default/t",
                           .id = {1, 2, -1, -1, 0},
                           .producer_name = {(const uint8_t *)"p", 1},
                           .has_key = true,
                           .key = {(const uint8_t *)"d1\0z", 4},
                           .properties_raw = {metadata, sizeof metadata},
                           .properties_field = 4,
                           .payload = {(const uint8_t *)"{}", 2}};
    pulsar_message *message = consumer_build_message(&parts);
    assert_non_null(message);

    assert_int_equal(message->property_count, 2);
    assert_int_equal(message->property_key_lens[1], 3);
    assert_int_equal(message->property_value_lens[1], 1);
    /* Lookup by name matches whole keys only: "e" is not the key "e\0x". */
    assert_ptr_equal(pulsar_message_property(message, "env"), message->properties[0].value);
    assert_null(pulsar_message_property(message, "e"));
    assert_int_equal(message->property_key_lens[0], 3);
    assert_int_equal(message->property_value_lens[0], 6);
    assert_memory_equal(message->properties[0].value, "prod\0x", 6);
    assert_int_equal(message->key_len, 4);
    assert_memory_equal(message->key, "d1\0z", 4);
    assert_int_equal(message->payload_len, 2);
    assert_memory_equal(message->payload, "{}", 2);
    assert_string_equal(message->topic, "persistent://public/default/t");
    pulsar_message_free(message);
}

static void message_without_key_has_zero_length(void **state)
{
    (void)state;
    message_parts parts = {.topic = "persistent://public/default/t",
                           .id = {1, 2, -1, -1, 0},
                           .producer_name = {(const uint8_t *)"p", 1},
                           .payload = {(const uint8_t *)"x", 1}};
    pulsar_message *message = consumer_build_message(&parts);
    assert_non_null(message);
    assert_null(message->key);
    assert_int_equal(message->key_len, 0);
    assert_int_equal(message->property_count, 0);
    pulsar_message_free(message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(message_keeps_lengths_past_nul),
        cmocka_unit_test(message_without_key_has_zero_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
