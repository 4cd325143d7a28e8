/*
 * MessageMetadata, SingleMessageMetadata and batch layout (see batch.h).
 */
#include "pulsar/batch.h"

#include <string.h>

static void put_properties(proto_buf *buf, uint32_t number, const pulsar_property *properties,
                           size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t body = proto_begin_message(buf, number);
        proto_put_string_field(buf, 1, properties[i].key);
        proto_put_string_field(buf, 2, properties[i].value);
        proto_end_message(buf, body);
    }
}

void meta_encode(proto_buf *buf, const meta_out *meta)
{
    proto_put_string_field(buf, 1, meta->producer_name);
    proto_put_uint_field(buf, 2, meta->sequence_id);
    proto_put_uint_field(buf, 3, meta->publish_time_ms);
    put_properties(buf, 4, meta->properties, meta->property_count);
    if (meta->partition_key != NULL) {
        proto_put_string_field(buf, 6, meta->partition_key);
    }
    if (meta->compression != PULSAR_COMPRESSION_NONE) {
        proto_put_uint_field(buf, 8, meta->compression);
        proto_put_uint_field(buf, 9, meta->uncompressed_size);
    }
    if (meta->num_messages_in_batch >= 0) {
        proto_put_int_field(buf, 11, meta->num_messages_in_batch);
    }
    if (meta->event_time_ms != 0) {
        proto_put_uint_field(buf, 12, meta->event_time_ms);
    }
    if (meta->highest_sequence_id > meta->sequence_id) {
        proto_put_uint_field(buf, 24, meta->highest_sequence_id);
    }
}

/*
 * A KeyValue needs both strings. They may hold NUL bytes, as the protocol
 * allows: a received message reports their lengths, so that its reader (a
 * router that quarantines such a value) sees every byte.
 */
static bool decode_key_value(proto_bytes bytes, proto_bytes *key, proto_bytes *value)
{
    proto_cursor cursor;
    proto_field field;
    bool has_key = false;
    bool has_value = false;
    int rc;

    proto_cursor_init(&cursor, bytes.data, bytes.len);
    while ((rc = proto_next_field(&cursor, &field)) == 1) {
        if (field.wire_type != PROTO_WIRE_LEN) {
            continue;
        }
        if (field.number == 1) {
            *key = field.bytes;
            has_key = true;
        } else if (field.number == 2) {
            *value = field.bytes;
            has_value = true;
        }
    }
    return rc >= 0 && has_key && has_value;
}

int meta_next_property(proto_cursor *cursor, uint32_t number, proto_bytes *key, proto_bytes *value)
{
    proto_field field;
    int rc;

    while ((rc = proto_next_field(cursor, &field)) == 1) {
        if (field.number == number && field.wire_type == PROTO_WIRE_LEN) {
            return decode_key_value(field.bytes, key, value) ? 1 : -1;
        }
    }
    return rc;
}

static bool has_nul(proto_bytes bytes)
{
    return bytes.len > 0 && memchr(bytes.data, 0, bytes.len) != NULL;
}

pulsar_result meta_decode(proto_bytes bytes, meta_in *out)
{
    proto_cursor cursor;
    proto_field field;
    proto_bytes key;
    proto_bytes value;
    unsigned required = 0;
    int rc;

    memset(out, 0, sizeof *out);
    out->raw = bytes;
    proto_cursor_init(&cursor, bytes.data, bytes.len);
    while ((rc = proto_next_field(&cursor, &field)) == 1) {
        bool is_len = field.wire_type == PROTO_WIRE_LEN;
        switch (field.number) {
        case 1:
            if (!is_len || has_nul(field.bytes)) {
                return PULSAR_ERR_MALFORMED;
            }
            out->producer_name = field.bytes;
            required |= 1;
            break;
        case 2:
            out->sequence_id = field.varint;
            required |= 2;
            break;
        case 3:
            out->publish_time_ms = field.varint;
            required |= 4;
            break;
        case 4:
            if (!is_len || !decode_key_value(field.bytes, &key, &value)) {
                return PULSAR_ERR_MALFORMED;
            }
            break;
        case 6:
            /* A key with a NUL byte is delivered with its length (pulsar_message.key_len). */
            if (!is_len) {
                return PULSAR_ERR_MALFORMED;
            }
            out->partition_key = field.bytes;
            out->has_partition_key = true;
            break;
        case 8:
            out->compression = (uint32_t)field.varint;
            break;
        case 9:
            out->uncompressed_size = (uint32_t)field.varint;
            break;
        case 11:
            out->num_messages_in_batch = (int32_t)field.varint;
            out->has_num_messages = true;
            break;
        case 12:
            out->event_time_ms = field.varint;
            break;
        default:
            break;
        }
    }
    if (rc < 0 || required != 7) {
        return PULSAR_ERR_MALFORMED;
    }
    return PULSAR_OK;
}

void batch_append(proto_buf *batch, const batch_entry_out *entry, const void *payload,
                  size_t payload_len)
{
    size_t size_at = batch->len;
    proto_put_u32be(batch, 0);
    size_t start = batch->len;

    put_properties(batch, 1, entry->properties, entry->property_count);
    if (entry->partition_key != NULL) {
        proto_put_string_field(batch, 2, entry->partition_key);
    }
    proto_put_int_field(batch, 3, (int64_t)payload_len);
    if (entry->event_time_ms != 0) {
        proto_put_uint_field(batch, 5, entry->event_time_ms);
    }
    if (entry->has_sequence_id) {
        proto_put_uint_field(batch, 8, entry->sequence_id);
    }
    if (!proto_buf_ok(batch)) {
        return;
    }
    proto_patch_u32be(batch, size_at, (uint32_t)(batch->len - start));
    proto_put_raw(batch, payload, payload_len);
}

pulsar_result batch_next(proto_cursor *cursor, batch_entry_in *out)
{
    uint32_t size;
    proto_cursor meta;
    proto_field field;
    proto_bytes key;
    proto_bytes value;
    bool has_payload_size = false;
    uint64_t payload_size = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (!proto_read_u32be(cursor, &size) || !proto_read_bytes(cursor, size, &out->raw)) {
        return PULSAR_ERR_MALFORMED;
    }
    proto_cursor_init(&meta, out->raw.data, out->raw.len);
    while ((rc = proto_next_field(&meta, &field)) == 1) {
        bool is_len = field.wire_type == PROTO_WIRE_LEN;
        switch (field.number) {
        case 1:
            if (!is_len || !decode_key_value(field.bytes, &key, &value)) {
                return PULSAR_ERR_MALFORMED;
            }
            break;
        case 2:
            if (!is_len) {
                return PULSAR_ERR_MALFORMED;
            }
            out->partition_key = field.bytes;
            out->has_partition_key = true;
            break;
        case 3:
            payload_size = field.varint;
            has_payload_size = true;
            break;
        case 4:
            out->compacted_out = field.varint != 0;
            break;
        case 5:
            out->event_time_ms = field.varint;
            break;
        case 8:
            out->sequence_id = field.varint;
            out->has_sequence_id = true;
            break;
        default:
            break;
        }
    }
    /* payload_size is an int32 on the wire, so a negative value arrives as a huge one. */
    if (rc < 0 || !has_payload_size || payload_size > proto_cursor_remaining(cursor)) {
        return PULSAR_ERR_MALFORMED;
    }
    proto_read_bytes(cursor, (size_t)payload_size, &out->payload);
    return PULSAR_OK;
}
