/*
 * Byte-exact tests of the Pulsar codec: CRC32C, varints, commands, frames,
 * metadata and batch layout, and the rejection of malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pulsar/batch.h"
#include "pulsar/commands.h"
#include "pulsar/frame.h"
#include "pulsar/proto_wire.h"

static void assert_buf_bytes(const proto_buf *buf, const uint8_t *expected, size_t len)
{
    assert_true(proto_buf_ok(buf));
    assert_int_equal(buf->len, len);
    assert_memory_equal(buf->data, expected, len);
}

static void crc32c_matches_known_vectors(void **state)
{
    (void)state;
    uint8_t zeros[32] = {0};
    uint8_t ones[32];
    uint8_t counting[32];
    memset(ones, 0xFF, sizeof ones);
    for (size_t i = 0; i < sizeof counting; i++) {
        counting[i] = (uint8_t)i;
    }

    assert_int_equal(frame_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(frame_crc32c(0, zeros, sizeof zeros), 0x8A9136AAu);
    assert_int_equal(frame_crc32c(0, ones, sizeof ones), 0x62A8AB43u);
    assert_int_equal(frame_crc32c(0, counting, sizeof counting), 0x46DD794Eu);
    assert_int_equal(frame_crc32c(0, NULL, 0), 0u);
}

/* The CRC32C instruction, where the CPU has it, and the tables agree at every length and offset. */
static void crc32c_paths_agree(void **state)
{
    (void)state;
    uint8_t bytes[300];
    for (size_t i = 0; i < sizeof bytes; i++) {
        bytes[i] = (uint8_t)(i * 131u + 7u);
    }
    for (size_t offset = 0; offset < 8; offset++) {
        for (size_t len = 0; len + offset <= sizeof bytes; len += 13) {
            assert_int_equal(frame_crc32c(0, bytes + offset, len),
                             frame_crc32c_tables(0, bytes + offset, len));
            assert_int_equal(frame_crc32c(0x12345678u, bytes + offset, len),
                             frame_crc32c_tables(0x12345678u, bytes + offset, len));
        }
    }
    assert_int_equal(frame_crc32c_tables(0, "123456789", 9), 0xE3069283u);
}

static void crc32c_continues_across_calls(void **state)
{
    (void)state;
    uint32_t first = frame_crc32c(0, "1234", 4);
    assert_int_equal(frame_crc32c(first, "56789", 5), 0xE3069283u);
}

static void varint_encodes_edges(void **state)
{
    (void)state;
    static const struct {
        uint64_t value;
        uint8_t bytes[10];
        size_t len;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7F}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xAC, 0x02}, 2},
        {UINT32_MAX, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 5},
        {UINT64_MAX, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proto_buf buf;
        proto_buf_init(&buf);
        proto_put_varint(&buf, cases[i].value);
        assert_buf_bytes(&buf, cases[i].bytes, cases[i].len);
        assert_int_equal(proto_varint_size(cases[i].value), cases[i].len);

        proto_cursor cursor;
        uint64_t decoded = 12345;
        proto_cursor_init(&cursor, buf.data, buf.len);
        assert_true(proto_read_varint(&cursor, &decoded));
        assert_int_equal(decoded, cases[i].value);
        assert_int_equal(proto_cursor_remaining(&cursor), 0);
        proto_buf_free(&buf);
    }
}

static void varint_negative_int_takes_ten_bytes(void **state)
{
    (void)state;
    static const uint8_t expected[] = {0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                       0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    proto_buf buf;
    proto_buf_init(&buf);
    proto_put_int_field(&buf, 3, -1);
    assert_buf_bytes(&buf, expected, sizeof expected);
    proto_buf_free(&buf);
}

static void varint_rejects_overlong_and_truncated(void **state)
{
    (void)state;
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t too_big[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    static const uint8_t truncated[] = {0x80, 0x80};
    proto_cursor cursor;
    uint64_t value = 7;

    proto_cursor_init(&cursor, eleven, sizeof eleven);
    assert_false(proto_read_varint(&cursor, &value));
    assert_int_equal(cursor.pos, 0);
    proto_cursor_init(&cursor, too_big, sizeof too_big);
    assert_false(proto_read_varint(&cursor, &value));
    proto_cursor_init(&cursor, truncated, sizeof truncated);
    assert_false(proto_read_varint(&cursor, &value));
    proto_cursor_init(&cursor, NULL, 0);
    assert_false(proto_read_varint(&cursor, &value));
    assert_int_equal(value, 7);
}

static void field_reader_rejects_bad_fields(void **state)
{
    (void)state;
    static const uint8_t group[] = {0x0B}; /* field 1, wire type 3 */
    static const uint8_t zero_number[] = {0x00, 0x01};
    static const uint8_t long_len[] = {0x0A, 0x05, 0x61};
    static const uint8_t short_fixed[] = {0x09, 0x01, 0x02};
    const struct {
        const uint8_t *data;
        size_t len;
    } cases[] = {{group, sizeof group},
                 {zero_number, sizeof zero_number},
                 {long_len, sizeof long_len},
                 {short_fixed, sizeof short_fixed}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proto_cursor cursor;
        proto_field field;
        proto_cursor_init(&cursor, cases[i].data, cases[i].len);
        assert_int_equal(proto_next_field(&cursor, &field), -1);
    }
}

static void nested_message_length_is_inserted(void **state)
{
    (void)state;
    /* A 200-byte body needs a two-byte length, so the body is shifted by two. */
    uint8_t body[200];
    memset(body, 0x61, sizeof body);
    proto_buf buf;
    proto_buf_init(&buf);
    size_t start = proto_begin_message(&buf, 2);
    proto_put_raw(&buf, body, sizeof body);
    proto_end_message(&buf, start);

    assert_true(proto_buf_ok(&buf));
    assert_int_equal(buf.len, 1 + 2 + 200);
    assert_int_equal(buf.data[0], 0x12);
    assert_int_equal(buf.data[1], 0xC8);
    assert_int_equal(buf.data[2], 0x01);
    assert_memory_equal(buf.data + 3, body, sizeof body);
    proto_buf_free(&buf);
}

static void send_writes_required_zero_fields(void **state)
{
    (void)state;
    static const uint8_t expected[] = {0x08, 0x06, 0x32, 0x06, 0x08, 0x00, 0x10, 0x00, 0x18, 0x01};
    proto_buf buf;
    proto_buf_init(&buf);
    cmd_encode_send(&buf, 0, 0, 0, 1);
    assert_buf_bytes(&buf, expected, sizeof expected);
    proto_buf_free(&buf);
}

static void flow_and_ack_are_byte_exact(void **state)
{
    (void)state;
    static const uint8_t flow[] = {0x08, 0x0B, 0x5A, 0x05, 0x08, 0x00, 0x10, 0xE8, 0x07};
    static const uint8_t ack[] = {0x08, 0x0A, 0x52, 0x0A, 0x08, 0x03, 0x10,
                                  0x00, 0x1A, 0x04, 0x08, 0x00, 0x10, 0x00};
    cmd_message_id id = {0, 0, 3, 5, 10};
    proto_buf buf;
    proto_buf_init(&buf);

    cmd_encode_flow(&buf, 0, 1000);
    assert_buf_bytes(&buf, flow, sizeof flow);

    /* Acks carry ledger and entry only, never partition or batch index. */
    proto_buf_reset(&buf);
    cmd_encode_ack(&buf, 3, CMD_ACK_INDIVIDUAL, &id, 1, -1);
    assert_buf_bytes(&buf, ack, sizeof ack);
    proto_buf_free(&buf);
}

static void ping_frame_is_byte_exact(void **state)
{
    (void)state;
    static const uint8_t expected[] = {0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00,
                                       0x05, 0x08, 0x12, 0x92, 0x01, 0x00};
    proto_buf buf;
    proto_buf_init(&buf);
    size_t start = frame_begin(&buf);
    cmd_encode_empty(&buf, CMD_PING);
    frame_end_simple(&buf, start);
    assert_buf_bytes(&buf, expected, sizeof expected);

    size_t frame_len = 0;
    assert_int_equal(frame_split(buf.data, buf.len, 1024, &frame_len), 1);
    assert_int_equal(frame_len, sizeof expected);

    frame_view view;
    proto_command cmd;
    assert_int_equal(frame_decode(buf.data, buf.len, &view), PULSAR_OK);
    assert_false(view.has_payload);
    assert_int_equal(cmd_decode(view.command.data, view.command.len, &cmd), PULSAR_OK);
    assert_int_equal(cmd.type, CMD_PING);
    proto_buf_free(&buf);
}

/* SEND(producer 0, sequence 0) with metadata {producer "p", sequence 0, publish 0} and "hi". */
static const uint8_t send_frame[] = {
    0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x0A, 0x08, 0x06, 0x32, 0x06, 0x08,
    0x00, 0x10, 0x00, 0x18, 0x01, 0x0E, 0x01, 0xDB, 0x99, 0x4D, 0x38, 0x00, 0x00,
    0x00, 0x07, 0x0A, 0x01, 0x70, 0x10, 0x00, 0x18, 0x00, 0x68, 0x69,
};

static void send_frame_is_byte_exact(void **state)
{
    (void)state;
    proto_buf meta;
    proto_buf buf;
    proto_buf_init(&meta);
    proto_buf_init(&buf);

    meta_out out = {.producer_name = "p", .num_messages_in_batch = -1};
    meta_encode(&meta, &out);
    size_t start = frame_begin(&buf);
    cmd_encode_send(&buf, 0, 0, 0, 1);
    frame_end_payload(&buf, start, meta.data, meta.len, (const uint8_t *)"hi", 2);
    assert_buf_bytes(&buf, send_frame, sizeof send_frame);

    proto_buf_free(&meta);
    proto_buf_free(&buf);
}

static void payload_frame_decodes_with_checksum(void **state)
{
    (void)state;
    frame_view view;
    meta_in meta;

    assert_int_equal(frame_decode(send_frame, sizeof send_frame, &view), PULSAR_OK);
    assert_true(view.has_payload);
    assert_true(view.has_checksum);
    assert_true(view.checksum_ok);
    assert_int_equal(view.checksum, 0xDB994D38u);
    assert_int_equal(view.metadata.len, 7);
    assert_int_equal(view.payload.len, 2);
    assert_memory_equal(view.payload.data, "hi", 2);
    assert_int_equal(meta_decode(view.metadata, &meta), PULSAR_OK);
    assert_true(proto_bytes_equal(meta.producer_name, "p"));
    assert_false(meta.has_num_messages);
}

static void payload_frame_detects_corruption(void **state)
{
    (void)state;
    uint8_t copy[sizeof send_frame];
    frame_view view;

    memcpy(copy, send_frame, sizeof copy);
    copy[sizeof copy - 1] ^= 0x01;
    assert_int_equal(frame_decode(copy, sizeof copy, &view), PULSAR_OK);
    assert_true(view.has_checksum);
    assert_false(view.checksum_ok);
}

static void broker_entry_metadata_is_skipped(void **state)
{
    (void)state;
    /* The same frame with a 3-byte broker entry metadata section after the command. */
    uint8_t frame[sizeof send_frame + 9];
    size_t command_end = 18;
    memcpy(frame, send_frame, command_end);
    static const uint8_t section[] = {0x0E, 0x02, 0x00, 0x00, 0x00, 0x03, 0x08, 0x01, 0x10};
    memcpy(frame + command_end, section, sizeof section);
    memcpy(frame + command_end + sizeof section, send_frame + command_end,
           sizeof send_frame - command_end);
    frame[3] = (uint8_t)(sizeof frame - 4);

    frame_view view;
    assert_int_equal(frame_decode(frame, sizeof frame, &view), PULSAR_OK);
    assert_int_equal(view.broker_entry_metadata.len, 3);
    assert_true(view.checksum_ok);
    assert_int_equal(view.payload.len, 2);
}

static void frame_without_checksum_decodes(void **state)
{
    (void)state;
    /* The send frame without magic and checksum: metadata size follows the command. */
    uint8_t frame[sizeof send_frame - 6];
    memcpy(frame, send_frame, 18);
    memcpy(frame + 18, send_frame + 24, sizeof send_frame - 24);
    frame[3] = (uint8_t)(sizeof frame - 4);

    frame_view view;
    assert_int_equal(frame_decode(frame, sizeof frame, &view), PULSAR_OK);
    assert_false(view.has_checksum);
    assert_true(view.checksum_ok);
    assert_int_equal(view.metadata.len, 7);
}

static void frame_split_waits_and_rejects(void **state)
{
    (void)state;
    static const uint8_t tiny[] = {0x00, 0x00, 0x00, 0x03, 0, 0, 0};
    static const uint8_t huge[] = {0x00, 0x60, 0x00, 0x00};
    size_t len = 0;

    for (size_t cut = 0; cut < sizeof send_frame; cut++) {
        assert_int_equal(frame_split(send_frame, cut, 1024, &len), 0);
    }
    assert_int_equal(frame_split(send_frame, sizeof send_frame, 1024, &len), 1);
    assert_int_equal(len, sizeof send_frame);
    assert_int_equal(frame_split(tiny, sizeof tiny, 1024, &len), -1);
    assert_int_equal(frame_split(huge, sizeof huge, 1024, &len), -1);
}

static void frame_decode_rejects_every_truncation(void **state)
{
    (void)state;
    /* A frame cut short whose totalSize is patched to match must still fail to decode. */
    for (size_t cut = 4; cut < sizeof send_frame; cut++) {
        uint8_t *copy = malloc(cut);
        assert_non_null(copy);
        memcpy(copy, send_frame, cut);
        copy[3] = (uint8_t)(cut - 4);
        frame_view view;
        pulsar_result rc = frame_decode(copy, cut, &view);
        if (cut >= 35) {
            /* From here on the metadata size fits, so only the payload is shorter. */
            assert_int_equal(rc, PULSAR_OK);
            assert_false(view.checksum_ok);
        } else if (cut == 18) {
            assert_int_equal(rc, PULSAR_OK);
            assert_false(view.has_payload);
        } else {
            assert_int_equal(rc, PULSAR_ERR_MALFORMED);
        }
        free(copy);
    }
}

static void frame_decode_rejects_oversized_sections(void **state)
{
    (void)state;
    uint8_t copy[sizeof send_frame];

    memcpy(copy, send_frame, sizeof copy);
    copy[7] = 0x40; /* commandSize beyond the frame */
    frame_view view;
    assert_int_equal(frame_decode(copy, sizeof copy, &view), PULSAR_ERR_MALFORMED);

    memcpy(copy, send_frame, sizeof copy);
    copy[27] = 0x30; /* metadataSize beyond the frame */
    assert_int_equal(frame_decode(copy, sizeof copy, &view), PULSAR_ERR_MALFORMED);

    memcpy(copy, send_frame, sizeof copy);
    copy[3] = 0x22; /* totalSize disagrees with the bytes given */
    assert_int_equal(frame_decode(copy, sizeof copy, &view), PULSAR_ERR_MALFORMED);
}

static void send_receipt_decodes(void **state)
{
    (void)state;
    /* SEND_RECEIPT producer 2, sequence 0, message id (ledger 9, entry 0). */
    static const uint8_t bytes[] = {0x08, 0x07, 0x3A, 0x0A, 0x08, 0x02, 0x10,
                                    0x00, 0x1A, 0x04, 0x08, 0x09, 0x10, 0x00};
    proto_command cmd;
    assert_int_equal(cmd_decode(bytes, sizeof bytes, &cmd), PULSAR_OK);
    assert_int_equal(cmd.type, CMD_SEND_RECEIPT);
    assert_int_equal(cmd.producer_id, 2);
    assert_int_equal(cmd.sequence_id, 0);
    assert_true(cmd.has_message_id);
    assert_int_equal(cmd.message_id.ledger_id, 9);
    assert_int_equal(cmd.message_id.entry_id, 0);
    assert_int_equal(cmd.message_id.partition, -1);
    assert_int_equal(cmd.message_id.batch_index, -1);
}

static void error_decodes_code_and_text(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0x08, 0x0E, 0x72, 0x09, 0x08, 0x05, 0x10,
                                    0x05, 0x1A, 0x03, 0x62, 0x75, 0x73};
    proto_command cmd;
    assert_int_equal(cmd_decode(bytes, sizeof bytes, &cmd), PULSAR_OK);
    assert_int_equal(cmd.type, CMD_ERROR);
    assert_int_equal(cmd.request_id, 5);
    assert_true(cmd.has_error);
    assert_int_equal(cmd.error, 5);
    assert_true(proto_bytes_equal(cmd.message, "bus"));
}

static void command_missing_required_field_is_malformed(void **state)
{
    (void)state;
    /* SEND_RECEIPT without sequence_id, ERROR without message, no type at all. */
    static const uint8_t receipt[] = {0x08, 0x07, 0x3A, 0x02, 0x08, 0x02};
    static const uint8_t error[] = {0x08, 0x0E, 0x72, 0x04, 0x08, 0x05, 0x10, 0x05};
    static const uint8_t no_type[] = {0x3A, 0x02, 0x08, 0x02};
    static const uint8_t wrong_body[] = {0x08, 0x07, 0x42, 0x04, 0x08, 0x02, 0x10, 0x00};
    proto_command cmd;
    assert_int_equal(cmd_decode(receipt, sizeof receipt, &cmd), PULSAR_ERR_MALFORMED);
    assert_int_equal(cmd_decode(error, sizeof error, &cmd), PULSAR_ERR_MALFORMED);
    assert_int_equal(cmd_decode(no_type, sizeof no_type, &cmd), PULSAR_ERR_MALFORMED);
    assert_int_equal(cmd_decode(wrong_body, sizeof wrong_body, &cmd), PULSAR_ERR_MALFORMED);
}

static void producer_success_defaults(void **state)
{
    (void)state;
    /* PRODUCER_SUCCESS request 1, name "n", no last_sequence_id. */
    static const uint8_t bytes[] = {0x08, 0x11, 0x8A, 0x01, 0x05, 0x08, 0x01, 0x12, 0x01, 0x6E};
    proto_command cmd;
    assert_int_equal(cmd_decode(bytes, sizeof bytes, &cmd), PULSAR_OK);
    assert_int_equal(cmd.type, CMD_PRODUCER_SUCCESS);
    assert_int_equal(cmd.request_id, 1);
    assert_true(proto_bytes_equal(cmd.producer_name, "n"));
    assert_int_equal(cmd.last_sequence_id, -1);
    assert_true(cmd.producer_ready);
}

static void batch_layout_is_byte_exact(void **state)
{
    (void)state;
    static const uint8_t expected[] = {
        0x00, 0x00, 0x00, 0x10, 0x0A, 0x06, 0x0A, 0x01, 0x6B, 0x12, 0x01, 0x76, 0x12, 0x02,
        0x64, 0x31, 0x18, 0x02, 0x28, 0x05, 0x61, 0x62, 0x00, 0x00, 0x00, 0x02, 0x18, 0x00,
    };
    pulsar_property prop = {"k", "v"};
    batch_entry_out first = {&prop, 1, "d1", 5, false, 0};
    batch_entry_out second = {NULL, 0, NULL, 0, false, 0};
    proto_buf buf;
    proto_buf_init(&buf);
    batch_append(&buf, &first, "ab", 2);
    batch_append(&buf, &second, "", 0);
    assert_buf_bytes(&buf, expected, sizeof expected);

    proto_cursor cursor;
    batch_entry_in entry;
    proto_bytes key;
    proto_bytes value;
    proto_cursor_init(&cursor, buf.data, buf.len);
    assert_int_equal(batch_next(&cursor, &entry), PULSAR_OK);
    assert_true(entry.has_partition_key);
    assert_true(proto_bytes_equal(entry.partition_key, "d1"));
    assert_int_equal(entry.event_time_ms, 5);
    assert_int_equal(entry.payload.len, 2);
    assert_memory_equal(entry.payload.data, "ab", 2);
    proto_cursor props;
    proto_cursor_init(&props, entry.raw.data, entry.raw.len);
    assert_int_equal(meta_next_property(&props, 1, &key, &value), 1);
    assert_true(proto_bytes_equal(key, "k"));
    assert_true(proto_bytes_equal(value, "v"));
    assert_int_equal(meta_next_property(&props, 1, &key, &value), 0);

    assert_int_equal(batch_next(&cursor, &entry), PULSAR_OK);
    assert_false(entry.has_partition_key);
    assert_int_equal(entry.payload.len, 0);
    assert_int_equal(proto_cursor_remaining(&cursor), 0);
    assert_int_equal(batch_next(&cursor, &entry), PULSAR_ERR_MALFORMED);
    proto_buf_free(&buf);
}

static void batch_rejects_bad_entries(void **state)
{
    (void)state;
    static const uint8_t size_too_long[] = {0x00, 0x00, 0x00, 0x09, 0x18, 0x00};
    static const uint8_t payload_too_long[] = {0x00, 0x00, 0x00, 0x02, 0x18, 0x05, 0x61};
    static const uint8_t negative_payload[] = {0x00, 0x00, 0x00, 0x0B, 0x18, 0xFF, 0xFF, 0xFF,
                                               0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    static const uint8_t no_payload_size[] = {0x00, 0x00, 0x00, 0x02, 0x28, 0x01};
    static const uint8_t half_property[] = {0x00, 0x00, 0x00, 0x07, 0x0A, 0x03,
                                            0x0A, 0x01, 0x6B, 0x18, 0x00};
    const struct {
        const uint8_t *data;
        size_t len;
    } cases[] = {{size_too_long, sizeof size_too_long},
                 {payload_too_long, sizeof payload_too_long},
                 {negative_payload, sizeof negative_payload},
                 {no_payload_size, sizeof no_payload_size},
                 {half_property, sizeof half_property}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proto_cursor cursor;
        batch_entry_in entry;
        proto_cursor_init(&cursor, cases[i].data, cases[i].len);
        assert_int_equal(batch_next(&cursor, &entry), PULSAR_ERR_MALFORMED);
    }
}

static void metadata_round_trips(void **state)
{
    (void)state;
    pulsar_property props[] = {{"env", "prod"}, {"device_id", "d-7"}};
    meta_out out = {
        .producer_name = "router-1",
        .sequence_id = 0,
        .publish_time_ms = 1764806400000u,
        .properties = props,
        .property_count = 2,
        .partition_key = "d-7",
        .compression = PULSAR_COMPRESSION_ZSTD,
        .uncompressed_size = 42,
        .num_messages_in_batch = 3,
        .event_time_ms = 1764806399000u,
        .highest_sequence_id = 2,
    };
    proto_buf buf;
    proto_buf_init(&buf);
    meta_encode(&buf, &out);
    assert_true(proto_buf_ok(&buf));

    meta_in in;
    proto_bytes bytes = {buf.data, buf.len};
    assert_int_equal(meta_decode(bytes, &in), PULSAR_OK);
    assert_true(proto_bytes_equal(in.producer_name, "router-1"));
    assert_int_equal(in.sequence_id, 0);
    assert_int_equal(in.publish_time_ms, 1764806400000u);
    assert_true(in.has_partition_key);
    assert_true(proto_bytes_equal(in.partition_key, "d-7"));
    assert_int_equal(in.compression, PULSAR_COMPRESSION_ZSTD);
    assert_int_equal(in.uncompressed_size, 42);
    assert_true(in.has_num_messages);
    assert_int_equal(in.num_messages_in_batch, 3);
    assert_int_equal(in.event_time_ms, 1764806399000u);

    proto_cursor cursor;
    proto_bytes key;
    proto_bytes value;
    proto_cursor_init(&cursor, in.raw.data, in.raw.len);
    assert_int_equal(meta_next_property(&cursor, 4, &key, &value), 1);
    assert_true(proto_bytes_equal(key, "env"));
    assert_true(proto_bytes_equal(value, "prod"));
    assert_int_equal(meta_next_property(&cursor, 4, &key, &value), 1);
    assert_true(proto_bytes_equal(key, "device_id"));
    assert_true(proto_bytes_equal(value, "d-7"));
    assert_int_equal(meta_next_property(&cursor, 4, &key, &value), 0);
    proto_buf_free(&buf);
}

static void metadata_requires_its_fields(void **state)
{
    (void)state;
    static const uint8_t no_publish_time[] = {0x0A, 0x01, 0x70, 0x10, 0x00};
    static const uint8_t nul_in_name[] = {0x0A, 0x01, 0x00, 0x10, 0x00, 0x18, 0x00};
    meta_in in;
    proto_bytes a = {no_publish_time, sizeof no_publish_time};
    proto_bytes b = {nul_in_name, sizeof nul_in_name};
    assert_int_equal(meta_decode(a, &in), PULSAR_ERR_MALFORMED);
    assert_int_equal(meta_decode(b, &in), PULSAR_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32c_matches_known_vectors),
        cmocka_unit_test(crc32c_paths_agree),
        cmocka_unit_test(crc32c_continues_across_calls),
        cmocka_unit_test(varint_encodes_edges),
        cmocka_unit_test(varint_negative_int_takes_ten_bytes),
        cmocka_unit_test(varint_rejects_overlong_and_truncated),
        cmocka_unit_test(field_reader_rejects_bad_fields),
        cmocka_unit_test(nested_message_length_is_inserted),
        cmocka_unit_test(send_writes_required_zero_fields),
        cmocka_unit_test(flow_and_ack_are_byte_exact),
        cmocka_unit_test(ping_frame_is_byte_exact),
        cmocka_unit_test(send_frame_is_byte_exact),
        cmocka_unit_test(payload_frame_decodes_with_checksum),
        cmocka_unit_test(payload_frame_detects_corruption),
        cmocka_unit_test(broker_entry_metadata_is_skipped),
        cmocka_unit_test(frame_without_checksum_decodes),
        cmocka_unit_test(frame_split_waits_and_rejects),
        cmocka_unit_test(frame_decode_rejects_every_truncation),
        cmocka_unit_test(frame_decode_rejects_oversized_sections),
        cmocka_unit_test(send_receipt_decodes),
        cmocka_unit_test(error_decodes_code_and_text),
        cmocka_unit_test(command_missing_required_field_is_malformed),
        cmocka_unit_test(producer_success_defaults),
        cmocka_unit_test(batch_layout_is_byte_exact),
        cmocka_unit_test(batch_rejects_bad_entries),
        cmocka_unit_test(metadata_round_trips),
        cmocka_unit_test(metadata_requires_its_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
