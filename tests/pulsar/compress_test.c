/*
 * Payload codecs round-trip and reject corrupt input, codec names parse, and
 * key routing matches Java's String.hashCode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pulsar/compress.h"
#include "pulsar/pulsar.h"

static void fill_sample(uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        data[i] = (uint8_t)("device-42 sent NOOP "[i % 20]);
    }
}

static void codecs_round_trip(void **state)
{
    (void)state;
    static const uint32_t codecs[] = {PULSAR_COMPRESSION_LZ4, PULSAR_COMPRESSION_ZLIB,
                                      PULSAR_COMPRESSION_ZSTD};
    uint8_t sample[4096];
    fill_sample(sample, sizeof sample);

    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
        proto_buf packed;
        proto_buf_init(&packed);
        assert_int_equal(compress_payload(codecs[i], sample, sizeof sample, &packed), PULSAR_OK);
        assert_true(packed.len < sizeof sample / 4);

        uint8_t *unpacked = NULL;
        assert_int_equal(decompress_payload(codecs[i], packed.data, packed.len, sizeof sample,
                                            1u << 20, &unpacked),
                         PULSAR_OK);
        assert_memory_equal(unpacked, sample, sizeof sample);
        free(unpacked);

        /* A size other than the real one is corruption, not a shorter message. */
        unpacked = NULL;
        assert_int_equal(decompress_payload(codecs[i], packed.data, packed.len, sizeof sample - 1,
                                            1u << 20, &unpacked),
                         PULSAR_ERR_COMPRESSION);
        assert_null(unpacked);
        proto_buf_free(&packed);
    }
}

static void decompress_rejects_garbage_and_size(void **state)
{
    (void)state;
    static const uint8_t garbage[] = {0xFF, 0x00, 0x13, 0x37, 0x42, 0x99, 0x01};
    uint8_t *out = NULL;

    assert_int_equal(
        decompress_payload(PULSAR_COMPRESSION_LZ4, garbage, sizeof garbage, 100, 1000, &out),
        PULSAR_ERR_COMPRESSION);
    assert_int_equal(
        decompress_payload(PULSAR_COMPRESSION_ZLIB, garbage, sizeof garbage, 100, 1000, &out),
        PULSAR_ERR_COMPRESSION);
    assert_int_equal(
        decompress_payload(PULSAR_COMPRESSION_ZSTD, garbage, sizeof garbage, 100, 1000, &out),
        PULSAR_ERR_COMPRESSION);
    assert_int_equal(decompress_payload(PULSAR_COMPRESSION_ZSTD, garbage, sizeof garbage,
                                        2000000000u, 1000, &out),
                     PULSAR_ERR_TOO_LARGE);
    assert_int_equal(decompress_payload(4, garbage, sizeof garbage, 100, 1000, &out),
                     PULSAR_ERR_UNSUPPORTED);
    assert_null(out);
}

static void codec_names_parse(void **state)
{
    (void)state;
    pulsar_compression codec = PULSAR_COMPRESSION_NONE;
    assert_true(pulsar_compression_parse("lz4", &codec));
    assert_int_equal(codec, PULSAR_COMPRESSION_LZ4);
    assert_true(pulsar_compression_parse("zlib", &codec));
    assert_int_equal(codec, PULSAR_COMPRESSION_ZLIB);
    assert_true(pulsar_compression_parse("zstd", &codec));
    assert_int_equal(codec, PULSAR_COMPRESSION_ZSTD);
    assert_true(pulsar_compression_parse("none", &codec));
    assert_int_equal(codec, PULSAR_COMPRESSION_NONE);

    /* A rejected name leaves the codec as it was. */
    codec = PULSAR_COMPRESSION_LZ4;
    assert_false(pulsar_compression_parse("gzip", &codec));
    assert_false(pulsar_compression_parse("LZ4", &codec));
    assert_false(pulsar_compression_parse("", &codec));
    assert_false(pulsar_compression_parse(NULL, &codec));
    assert_int_equal(codec, PULSAR_COMPRESSION_LZ4);
}

static void key_partition_matches_java_hash(void **state)
{
    (void)state;
    /* Expected values from Java's String.hashCode(): "hello" is 99162322,
     * "polygenelubricants" is Integer.MIN_VALUE. */
    assert_int_equal(pulsar_key_partition("a", 4), 97 % 4);
    assert_int_equal(pulsar_key_partition("hello", 4), 99162322 % 4);
    assert_int_equal(pulsar_key_partition("device-1", 4), 1109190266 % 4);
    assert_int_equal(pulsar_key_partition("device-42", 7), 25160021 % 7);
    assert_int_equal(pulsar_key_partition("polygenelubricants", 7), 0);
    assert_int_equal(pulsar_key_partition("", 3), 0);
    assert_int_equal(pulsar_key_partition("hello", 0), 0);
}

static void key_partition_uses_utf16_units(void **state)
{
    (void)state;
    /* U+00E9 is one code unit (233); U+1F600 is the pair D83D DE00 (hash 1772899). */
    assert_int_equal(pulsar_key_partition("\xC3\xA9", 7), 233 % 7);
    assert_int_equal(pulsar_key_partition("\xF0\x9F\x98\x80", 4), 1772899 % 4);
    assert_int_equal(pulsar_key_partition("\xF0\x9F\x98\x80", 7), 1772899 % 7);
    /* An invalid byte is U+FFFD (65533), as Java decodes it. */
    assert_int_equal(pulsar_key_partition("\xFF", 1000), 65533 % 1000);
}

static void results_have_names_and_classes(void **state)
{
    (void)state;
    assert_string_equal(pulsar_result_str(PULSAR_OK), "success");
    assert_string_equal(pulsar_result_str(PULSAR_ERR_QUEUE_FULL), "producer queue full");
    assert_string_equal(pulsar_result_str(PULSAR_ERR_BROKER_CONSUMER_BUSY),
                        "broker: consumer busy (the subscription already has a consumer, or "
                        "another type)");
    assert_string_equal(pulsar_result_str((pulsar_result)(PULSAR_ERR_BROKER_BASE + 99)),
                        "broker: error code newer than this client");
    assert_string_equal(pulsar_result_str((pulsar_result)77), "unknown result code");
    assert_true(pulsar_result_is_broker_error(PULSAR_ERR_BROKER_UNKNOWN));
    assert_false(pulsar_result_is_broker_error(PULSAR_ERR_TIMEOUT));
    assert_true(pulsar_result_is_retriable(PULSAR_ERR_DISCONNECTED));
    assert_true(pulsar_result_is_retriable(PULSAR_ERR_BROKER_SERVICE_NOT_READY));
    assert_false(pulsar_result_is_retriable(PULSAR_ERR_BROKER_AUTHORIZATION));
    assert_false(pulsar_result_is_retriable(PULSAR_ERR_INVALID_ARGUMENT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codecs_round_trip),
        cmocka_unit_test(decompress_rejects_garbage_and_size),
        cmocka_unit_test(codec_names_parse),
        cmocka_unit_test(key_partition_matches_java_hash),
        cmocka_unit_test(key_partition_uses_utf16_units),
        cmocka_unit_test(results_have_names_and_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
