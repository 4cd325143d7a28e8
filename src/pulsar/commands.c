/*
 * BaseCommand encoders and the table-driven decoder declared in commands.h.
 *
 * The decoder reads each broker command through a field table (number, kind,
 * required, destination in proto_command) instead of one hand-written
 * parser per command. Adding a field is one table row, and every command
 * gets the same checks: the wire type matches the kind, required fields are
 * present, and unknown fields are skipped.
 */
#include "pulsar/commands.h"

#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------- encoders */

static size_t begin_command(proto_buf *buf, uint32_t type)
{
    proto_put_uint_field(buf, 1, type);
    return proto_begin_message(buf, type);
}

void cmd_encode_connect(proto_buf *buf, const char *client_version, const char *auth_token)
{
    size_t body = begin_command(buf, CMD_CONNECT);
    proto_put_string_field(buf, 1, client_version);
    if (auth_token != NULL) {
        proto_put_string_field(buf, 3, auth_token);
    }
    proto_put_int_field(buf, 4, CMD_PROTOCOL_VERSION);
    if (auth_token != NULL) {
        proto_put_string_field(buf, 5, "token");
    }
    proto_end_message(buf, body);
}

void cmd_encode_empty(proto_buf *buf, uint32_t type)
{
    size_t body = begin_command(buf, type);
    proto_end_message(buf, body);
}

void cmd_encode_lookup(proto_buf *buf, const char *topic, uint64_t request_id, bool authoritative)
{
    size_t body = begin_command(buf, CMD_LOOKUP);
    proto_put_string_field(buf, 1, topic);
    proto_put_uint_field(buf, 2, request_id);
    proto_put_uint_field(buf, 3, authoritative ? 1 : 0);
    proto_end_message(buf, body);
}

void cmd_encode_partitioned_metadata(proto_buf *buf, const char *topic, uint64_t request_id)
{
    size_t body = begin_command(buf, CMD_PARTITIONED_METADATA);
    proto_put_string_field(buf, 1, topic);
    proto_put_uint_field(buf, 2, request_id);
    proto_end_message(buf, body);
}

void cmd_encode_producer(proto_buf *buf, const char *topic, uint64_t producer_id,
                         uint64_t request_id, const char *producer_name, bool user_provided,
                         uint64_t epoch)
{
    size_t body = begin_command(buf, CMD_PRODUCER);
    proto_put_string_field(buf, 1, topic);
    proto_put_uint_field(buf, 2, producer_id);
    proto_put_uint_field(buf, 3, request_id);
    if (producer_name != NULL) {
        proto_put_string_field(buf, 4, producer_name);
    }
    proto_put_uint_field(buf, 8, epoch);
    proto_put_uint_field(buf, 9, producer_name != NULL && user_provided ? 1 : 0);
    proto_end_message(buf, body);
}

void cmd_encode_send(proto_buf *buf, uint64_t producer_id, uint64_t sequence_id,
                     uint64_t highest_sequence_id, int32_t num_messages)
{
    size_t body = begin_command(buf, CMD_SEND);
    proto_put_uint_field(buf, 1, producer_id);
    proto_put_uint_field(buf, 2, sequence_id);
    proto_put_int_field(buf, 3, num_messages);
    if (highest_sequence_id != sequence_id) {
        proto_put_uint_field(buf, 6, highest_sequence_id);
    }
    proto_end_message(buf, body);
}

void cmd_encode_close_producer(proto_buf *buf, uint64_t producer_id, uint64_t request_id)
{
    size_t body = begin_command(buf, CMD_CLOSE_PRODUCER);
    proto_put_uint_field(buf, 1, producer_id);
    proto_put_uint_field(buf, 2, request_id);
    proto_end_message(buf, body);
}

void cmd_encode_subscribe(proto_buf *buf, const cmd_subscribe_args *args)
{
    size_t body = begin_command(buf, CMD_SUBSCRIBE);
    proto_put_string_field(buf, 1, args->topic);
    proto_put_string_field(buf, 2, args->subscription);
    proto_put_uint_field(buf, 3, args->sub_type);
    proto_put_uint_field(buf, 4, args->consumer_id);
    proto_put_uint_field(buf, 5, args->request_id);
    if (args->consumer_name != NULL) {
        proto_put_string_field(buf, 6, args->consumer_name);
    }
    proto_put_uint_field(buf, 8, 1); /* durable */
    proto_put_uint_field(buf, 13, args->initial_position);
    if (args->sub_type == PULSAR_SUBSCRIPTION_KEY_SHARED) {
        /* KeySharedMeta.keySharedMode is required; AUTO_SPLIT (0) lets the broker assign
         * hash ranges. */
        size_t meta = proto_begin_message(buf, 17);
        proto_put_uint_field(buf, 1, 0);
        proto_end_message(buf, meta);
    }
    proto_end_message(buf, body);
}

void cmd_encode_flow(proto_buf *buf, uint64_t consumer_id, uint32_t permits)
{
    size_t body = begin_command(buf, CMD_FLOW);
    proto_put_uint_field(buf, 1, consumer_id);
    proto_put_uint_field(buf, 2, permits);
    proto_end_message(buf, body);
}

void cmd_encode_message_id(proto_buf *buf, uint32_t number, const cmd_message_id *id)
{
    size_t body = proto_begin_message(buf, number);
    proto_put_uint_field(buf, 1, id->ledger_id);
    proto_put_uint_field(buf, 2, id->entry_id);
    if (id->partition >= 0) {
        proto_put_int_field(buf, 3, id->partition);
    }
    if (id->batch_index >= 0) {
        proto_put_int_field(buf, 4, id->batch_index);
    }
    proto_end_message(buf, body);
}

/* Acks and redeliveries name whole entries: batch indexes are resolved by the consumer. */
static void put_entry_ids(proto_buf *buf, uint32_t number, const cmd_message_id *ids, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        cmd_message_id entry = {ids[i].ledger_id, ids[i].entry_id, -1, -1, 0};
        cmd_encode_message_id(buf, number, &entry);
    }
}

void cmd_encode_ack(proto_buf *buf, uint64_t consumer_id, uint32_t ack_type,
                    const cmd_message_id *ids, size_t id_count, int validation_error)
{
    size_t body = begin_command(buf, CMD_ACK);
    proto_put_uint_field(buf, 1, consumer_id);
    proto_put_uint_field(buf, 2, ack_type);
    put_entry_ids(buf, 3, ids, id_count);
    if (validation_error >= 0) {
        proto_put_uint_field(buf, 4, (uint64_t)validation_error);
    }
    proto_end_message(buf, body);
}

void cmd_encode_redeliver(proto_buf *buf, uint64_t consumer_id, const cmd_message_id *ids,
                          size_t id_count)
{
    size_t body = begin_command(buf, CMD_REDELIVER_UNACKNOWLEDGED);
    proto_put_uint_field(buf, 1, consumer_id);
    put_entry_ids(buf, 2, ids, id_count);
    proto_end_message(buf, body);
}

void cmd_encode_unsubscribe(proto_buf *buf, uint64_t consumer_id, uint64_t request_id)
{
    size_t body = begin_command(buf, CMD_UNSUBSCRIBE);
    proto_put_uint_field(buf, 1, consumer_id);
    proto_put_uint_field(buf, 2, request_id);
    proto_end_message(buf, body);
}

void cmd_encode_close_consumer(proto_buf *buf, uint64_t consumer_id, uint64_t request_id)
{
    size_t body = begin_command(buf, CMD_CLOSE_CONSUMER);
    proto_put_uint_field(buf, 1, consumer_id);
    proto_put_uint_field(buf, 2, request_id);
    proto_end_message(buf, body);
}

/* ------------------------------------------------------------- decoder */

bool cmd_decode_message_id(proto_bytes bytes, cmd_message_id *out)
{
    proto_cursor cursor;
    proto_field field;
    bool has_ledger = false;
    bool has_entry = false;
    cmd_message_id id = {0, 0, -1, -1, 0};
    int rc;

    proto_cursor_init(&cursor, bytes.data, bytes.len);
    while ((rc = proto_next_field(&cursor, &field)) == 1) {
        if (field.wire_type != PROTO_WIRE_VARINT) {
            continue;
        }
        switch (field.number) {
        case 1:
            id.ledger_id = field.varint;
            has_ledger = true;
            break;
        case 2:
            id.entry_id = field.varint;
            has_entry = true;
            break;
        case 3:
            id.partition = (int32_t)field.varint;
            break;
        case 4:
            id.batch_index = (int32_t)field.varint;
            break;
        case 6:
            id.batch_size = (int32_t)field.varint;
            break;
        default:
            break;
        }
    }
    if (rc < 0 || !has_ledger || !has_entry) {
        return false;
    }
    *out = id;
    return true;
}

typedef enum {
    SLOT_U64,
    SLOT_I64,
    SLOT_U32,
    SLOT_I32,
    SLOT_BOOL,
    SLOT_BYTES,
    SLOT_MSGID,
    SLOT_ERROR
} slot_kind;

typedef struct {
    uint32_t number;
    slot_kind kind;
    bool required;
    size_t offset;
} field_spec;

typedef struct {
    uint32_t type;
    const char *name;
    const field_spec *fields;
    size_t field_count;
} command_spec;

#define SLOT(n, k, req, member)                                                                    \
    {                                                                                              \
        n, k, req, offsetof(proto_command, member)                                                 \
    }

static const field_spec connected_fields[] = {
    SLOT(1, SLOT_BYTES, true, server_version),
    SLOT(2, SLOT_I32, false, protocol_version),
    SLOT(3, SLOT_I32, false, max_message_size),
};
static const field_spec send_receipt_fields[] = {
    SLOT(1, SLOT_U64, true, producer_id),
    SLOT(2, SLOT_U64, true, sequence_id),
    SLOT(3, SLOT_MSGID, false, message_id),
    SLOT(4, SLOT_U64, false, highest_sequence_id),
};
static const field_spec send_error_fields[] = {
    SLOT(1, SLOT_U64, true, producer_id),
    SLOT(2, SLOT_U64, true, sequence_id),
    SLOT(3, SLOT_ERROR, true, error),
    SLOT(4, SLOT_BYTES, true, message),
};
static const field_spec message_fields[] = {
    SLOT(1, SLOT_U64, true, consumer_id),
    SLOT(2, SLOT_MSGID, true, message_id),
    SLOT(3, SLOT_U32, false, redelivery_count),
};
static const field_spec success_fields[] = {
    SLOT(1, SLOT_U64, true, request_id),
};
static const field_spec error_fields[] = {
    SLOT(1, SLOT_U64, true, request_id),
    SLOT(2, SLOT_ERROR, true, error),
    SLOT(3, SLOT_BYTES, true, message),
};
static const field_spec close_producer_fields[] = {
    SLOT(1, SLOT_U64, true, producer_id),
    SLOT(2, SLOT_U64, true, request_id),
};
static const field_spec close_consumer_fields[] = {
    SLOT(1, SLOT_U64, true, consumer_id),
    SLOT(2, SLOT_U64, true, request_id),
};
static const field_spec producer_success_fields[] = {
    SLOT(1, SLOT_U64, true, request_id),
    SLOT(2, SLOT_BYTES, true, producer_name),
    SLOT(3, SLOT_I64, false, last_sequence_id),
    SLOT(6, SLOT_BOOL, false, producer_ready),
};
static const field_spec partitions_fields[] = {
    SLOT(1, SLOT_U32, false, partitions), SLOT(2, SLOT_U64, true, request_id),
    SLOT(3, SLOT_U32, false, response),   SLOT(4, SLOT_ERROR, false, error),
    SLOT(5, SLOT_BYTES, false, message),
};
static const field_spec lookup_response_fields[] = {
    SLOT(1, SLOT_BYTES, false, broker_url),   SLOT(2, SLOT_BYTES, false, broker_url_tls),
    SLOT(3, SLOT_U32, false, response),       SLOT(4, SLOT_U64, true, request_id),
    SLOT(5, SLOT_BOOL, false, authoritative), SLOT(6, SLOT_ERROR, false, error),
    SLOT(7, SLOT_BYTES, false, message),      SLOT(8, SLOT_BOOL, false, proxy_through_service_url),
};
static const field_spec consumer_only_fields[] = {
    SLOT(1, SLOT_U64, true, consumer_id),
};
static const field_spec active_consumer_fields[] = {
    SLOT(1, SLOT_U64, true, consumer_id),
    SLOT(2, SLOT_BOOL, false, is_active),
};
static const field_spec ack_response_fields[] = {
    SLOT(1, SLOT_U64, true, consumer_id),
    SLOT(4, SLOT_ERROR, false, error),
    SLOT(5, SLOT_BYTES, false, message),
    SLOT(6, SLOT_U64, false, request_id),
};

#define SPEC(type, name, fields)                                                                   \
    {                                                                                              \
        type, name, fields, sizeof fields / sizeof fields[0]                                       \
    }

static const command_spec command_specs[] = {
    {CMD_CONNECT, "CONNECT", NULL, 0},
    SPEC(CMD_CONNECTED, "CONNECTED", connected_fields),
    {CMD_SUBSCRIBE, "SUBSCRIBE", NULL, 0},
    {CMD_PRODUCER, "PRODUCER", NULL, 0},
    {CMD_SEND, "SEND", NULL, 0},
    SPEC(CMD_SEND_RECEIPT, "SEND_RECEIPT", send_receipt_fields),
    SPEC(CMD_SEND_ERROR, "SEND_ERROR", send_error_fields),
    SPEC(CMD_MESSAGE, "MESSAGE", message_fields),
    {CMD_ACK, "ACK", NULL, 0},
    {CMD_FLOW, "FLOW", NULL, 0},
    {CMD_UNSUBSCRIBE, "UNSUBSCRIBE", NULL, 0},
    SPEC(CMD_SUCCESS, "SUCCESS", success_fields),
    SPEC(CMD_ERROR, "ERROR", error_fields),
    SPEC(CMD_CLOSE_PRODUCER, "CLOSE_PRODUCER", close_producer_fields),
    SPEC(CMD_CLOSE_CONSUMER, "CLOSE_CONSUMER", close_consumer_fields),
    SPEC(CMD_PRODUCER_SUCCESS, "PRODUCER_SUCCESS", producer_success_fields),
    {CMD_PING, "PING", NULL, 0},
    {CMD_PONG, "PONG", NULL, 0},
    {CMD_REDELIVER_UNACKNOWLEDGED, "REDELIVER_UNACKNOWLEDGED_MESSAGES", NULL, 0},
    {CMD_PARTITIONED_METADATA, "PARTITIONED_METADATA", NULL, 0},
    SPEC(CMD_PARTITIONED_METADATA_RESPONSE, "PARTITIONED_METADATA_RESPONSE", partitions_fields),
    {CMD_LOOKUP, "LOOKUP", NULL, 0},
    SPEC(CMD_LOOKUP_RESPONSE, "LOOKUP_RESPONSE", lookup_response_fields),
    SPEC(CMD_REACHED_END_OF_TOPIC, "REACHED_END_OF_TOPIC", consumer_only_fields),
    SPEC(CMD_ACTIVE_CONSUMER_CHANGE, "ACTIVE_CONSUMER_CHANGE", active_consumer_fields),
    {CMD_AUTH_CHALLENGE, "AUTH_CHALLENGE", NULL, 0},
    SPEC(CMD_ACK_RESPONSE, "ACK_RESPONSE", ack_response_fields),
    {CMD_TOPIC_MIGRATED, "TOPIC_MIGRATED", NULL, 0},
};

static const command_spec *find_spec(uint32_t type)
{
    for (size_t i = 0; i < sizeof command_specs / sizeof command_specs[0]; i++) {
        if (command_specs[i].type == type) {
            return &command_specs[i];
        }
    }
    return NULL;
}

const char *cmd_type_name(uint32_t type)
{
    const command_spec *spec = find_spec(type);
    return spec == NULL ? "UNKNOWN" : spec->name;
}

static bool store_field(proto_command *out, const field_spec *spec, const proto_field *field)
{
    void *slot = (char *)out + spec->offset;
    bool is_len = spec->kind == SLOT_BYTES || spec->kind == SLOT_MSGID;

    if ((field->wire_type == PROTO_WIRE_LEN) != is_len) {
        return false;
    }
    switch (spec->kind) {
    case SLOT_U64:
        *(uint64_t *)slot = field->varint;
        break;
    case SLOT_I64:
        *(int64_t *)slot = (int64_t)field->varint;
        break;
    case SLOT_U32:
        *(uint32_t *)slot = (uint32_t)field->varint;
        break;
    case SLOT_I32:
        *(int32_t *)slot = (int32_t)field->varint;
        break;
    case SLOT_BOOL:
        *(bool *)slot = field->varint != 0;
        break;
    case SLOT_BYTES:
        *(proto_bytes *)slot = field->bytes;
        break;
    case SLOT_MSGID:
        if (!cmd_decode_message_id(field->bytes, (cmd_message_id *)slot)) {
            return false;
        }
        out->has_message_id = true;
        break;
    case SLOT_ERROR:
        *(uint32_t *)slot = (uint32_t)field->varint;
        out->has_error = true;
        break;
    }
    return true;
}

static pulsar_result decode_body(const command_spec *spec, proto_bytes body, proto_command *out)
{
    proto_cursor cursor;
    proto_field field;
    uint32_t seen = 0;
    int rc;

    proto_cursor_init(&cursor, body.data, body.len);
    while ((rc = proto_next_field(&cursor, &field)) == 1) {
        for (size_t i = 0; i < spec->field_count; i++) {
            if (spec->fields[i].number != field.number) {
                continue;
            }
            if (!store_field(out, &spec->fields[i], &field)) {
                return PULSAR_ERR_MALFORMED;
            }
            seen |= 1u << i;
        }
    }
    if (rc < 0) {
        return PULSAR_ERR_MALFORMED;
    }
    for (size_t i = 0; i < spec->field_count; i++) {
        if (spec->fields[i].required && (seen & (1u << i)) == 0) {
            return PULSAR_ERR_MALFORMED;
        }
    }
    return PULSAR_OK;
}

pulsar_result cmd_decode(const uint8_t *data, size_t len, proto_command *out)
{
    proto_cursor cursor;
    proto_field field;
    bool has_type = false;
    uint32_t type = 0;
    proto_bytes body = {NULL, 0};
    uint32_t body_number = 0;
    int rc;

    memset(out, 0, sizeof *out);
    out->last_sequence_id = -1;
    out->producer_ready = true;
    out->message_id.partition = -1;
    out->message_id.batch_index = -1;

    proto_cursor_init(&cursor, data, len);
    while ((rc = proto_next_field(&cursor, &field)) == 1) {
        if (field.number == 1 && field.wire_type == PROTO_WIRE_VARINT) {
            if (field.varint > UINT32_MAX) {
                return PULSAR_ERR_MALFORMED;
            }
            type = (uint32_t)field.varint;
            has_type = true;
        } else if (field.wire_type == PROTO_WIRE_LEN) {
            body = field.bytes;
            body_number = field.number;
        }
    }
    if (rc < 0 || !has_type) {
        return PULSAR_ERR_MALFORMED;
    }
    out->type = type;

    const command_spec *spec = find_spec(type);
    if (spec == NULL || spec->field_count == 0) {
        /* Types without a table (unknown, or ones a broker does not send) carry nothing we use. */
        return PULSAR_OK;
    }
    if (body_number != type) {
        return PULSAR_ERR_MALFORMED;
    }
    return decode_body(spec, body, out);
}
