/*
 * Compression: gzip and zstd files written through lake_writer decompress
 * to exactly the JSON lines that were encoded, and corrupt, truncated or
 * oversized inputs are rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake_jsonl.h"
#include "lake/lake_writer.h"

static lake_record numbered_record(uint64_t n, char *payload, size_t payload_size)
{
    snprintf(payload, payload_size, "{\"device\":\"%llu\",\"command\":\"NOOP\"}",
             (unsigned long long)n);
    lake_record record = {
        .payload = (const uint8_t *)payload,
        .payload_len = strlen(payload),
        .id = {77, n, -1, -1},
        .topic = "persistent://iot-system/prod/commands",
        .publish_time_ms = 1796389501123 + (int64_t)n,
    };
    return record;
}

/* Writes count records through a writer and returns the finished file. */
static lake_buf write_file(lake_compression compression, int level, size_t count,
                           lake_buf *expected_plain)
{
    lake_writer *writer = NULL;
    assert_int_equal(lake_writer_open(&lake_format_jsonl, compression, level, &writer), LAKE_OK);
    for (size_t i = 0; i < count; i++) {
        char payload[96];
        lake_record record = numbered_record(i, payload, sizeof payload);
        assert_int_equal(lake_writer_append(writer, &record), LAKE_OK);
        assert_int_equal(lake_jsonl_encode(&record, expected_plain), LAKE_OK);
    }
    assert_int_equal(lake_writer_record_count(writer), count);
    assert_int_equal(lake_writer_encoded_bytes(writer), expected_plain->len);
    lake_buf file = {0};
    assert_int_equal(lake_writer_finish(writer, &file), LAKE_OK);
    lake_writer_free(writer);
    return file;
}

static void round_trip(lake_compression compression, int level, size_t count)
{
    lake_buf plain = {0};
    lake_buf file = write_file(compression, level, count, &plain);
    lake_buf decoded = {0};

    assert_int_equal(lake_decompress(compression, file.data, file.len, 64 << 20, &decoded),
                     LAKE_OK);
    assert_int_equal(decoded.len, plain.len);
    assert_memory_equal(decoded.data, plain.data, plain.len);
    if (compression != LAKE_COMPRESSION_NONE && count > 100) {
        assert_true(file.len < plain.len / 4);
    }

    lake_buf_clear(&plain);
    lake_buf_clear(&file);
    lake_buf_clear(&decoded);
}

static void gzip_round_trip_exact(void **state)
{
    (void)state;
    round_trip(LAKE_COMPRESSION_GZIP, 0, 1);
    round_trip(LAKE_COMPRESSION_GZIP, 9, 5000); /* several 64 KiB chunks */
}

static void zstd_round_trip_exact(void **state)
{
    (void)state;
    round_trip(LAKE_COMPRESSION_ZSTD, 0, 1);
    round_trip(LAKE_COMPRESSION_ZSTD, 19, 5000);
}

static void none_round_trip_exact(void **state)
{
    (void)state;
    round_trip(LAKE_COMPRESSION_NONE, 0, 3);
    round_trip(LAKE_COMPRESSION_NONE, 0, 5000); /* chunks without a compression thread */
}

static void empty_file_round_trips(void **state)
{
    (void)state;
    round_trip(LAKE_COMPRESSION_GZIP, 0, 0);
    round_trip(LAKE_COMPRESSION_ZSTD, 0, 0);
}

static void gzip_header_magic(void **state)
{
    (void)state;
    lake_buf plain = {0};
    lake_buf file = write_file(LAKE_COMPRESSION_GZIP, 0, 2, &plain);
    assert_true(file.len > 18);
    assert_int_equal(file.data[0], 0x1F);
    assert_int_equal(file.data[1], 0x8B);
    lake_buf_clear(&plain);
    lake_buf_clear(&file);
}

static void corrupt_inputs_rejected(void **state)
{
    (void)state;
    lake_compression kinds[] = {LAKE_COMPRESSION_GZIP, LAKE_COMPRESSION_ZSTD};
    for (size_t k = 0; k < 2; k++) {
        lake_buf plain = {0};
        lake_buf file = write_file(kinds[k], 0, 200, &plain);
        lake_buf decoded = {0};

        /* Truncated by one byte. */
        assert_int_equal(lake_decompress(kinds[k], file.data, file.len - 1, 64 << 20, &decoded),
                         LAKE_ERR_COMPRESSION);
        assert_int_equal(decoded.len, 0);

        /* Extra bytes after the stream. */
        assert_int_equal(lake_buf_append(&file, "junk", 4), LAKE_OK);
        assert_int_equal(lake_decompress(kinds[k], file.data, file.len, 64 << 20, &decoded),
                         LAKE_ERR_COMPRESSION);
        file.len -= 4;

        /* Output beyond the cap. */
        assert_int_equal(lake_decompress(kinds[k], file.data, file.len, 100, &decoded),
                         LAKE_ERR_COMPRESSION);

        /* A flipped byte in the middle: gzip's CRC and zstd's checksum catch it. */
        file.data[file.len / 2] ^= 0x55;
        assert_int_equal(lake_decompress(kinds[k], file.data, file.len, 64 << 20, &decoded),
                         LAKE_ERR_COMPRESSION);
        assert_int_equal(decoded.len, 0);

        lake_buf_clear(&plain);
        lake_buf_clear(&file);
        lake_buf_clear(&decoded);
    }
}

static void invalid_levels_rejected(void **state)
{
    (void)state;
    lake_compressor *compressor = NULL;
    assert_int_equal(lake_compressor_new(LAKE_COMPRESSION_GZIP, 10, &compressor), LAKE_ERR_INVALID);
    assert_int_equal(lake_compressor_new(LAKE_COMPRESSION_ZSTD, 20, &compressor), LAKE_ERR_INVALID);
    assert_int_equal(lake_compressor_new(LAKE_COMPRESSION_GZIP, -1, &compressor), LAKE_ERR_INVALID);
    assert_null(compressor);
}

static void compression_names_and_suffixes(void **state)
{
    (void)state;
    lake_compression kind = LAKE_COMPRESSION_NONE;
    assert_true(lake_compression_parse("zstd", &kind));
    assert_int_equal(kind, LAKE_COMPRESSION_ZSTD);
    assert_true(lake_compression_parse("gzip", &kind));
    assert_int_equal(kind, LAKE_COMPRESSION_GZIP);
    assert_false(lake_compression_parse("lz4", &kind));
    assert_int_equal(kind, LAKE_COMPRESSION_GZIP);
    assert_string_equal(lake_compression_extension(LAKE_COMPRESSION_GZIP), ".gz");
    assert_string_equal(lake_compression_extension(LAKE_COMPRESSION_ZSTD), ".zst");
    assert_string_equal(lake_compression_extension(LAKE_COMPRESSION_NONE), "");
    assert_string_equal(lake_writer_content_type(&lake_format_jsonl, LAKE_COMPRESSION_NONE),
                        "application/x-ndjson");
    assert_string_equal(lake_writer_content_type(&lake_format_jsonl, LAKE_COMPRESSION_GZIP),
                        "application/gzip");
    assert_ptr_equal(lake_format_find("jsonl"), &lake_format_jsonl);
    assert_null(lake_format_find("avro"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_round_trip_exact),   cmocka_unit_test(zstd_round_trip_exact),
        cmocka_unit_test(none_round_trip_exact),   cmocka_unit_test(empty_file_round_trips),
        cmocka_unit_test(gzip_header_magic),       cmocka_unit_test(corrupt_inputs_rejected),
        cmocka_unit_test(invalid_levels_rejected), cmocka_unit_test(compression_names_and_suffixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
