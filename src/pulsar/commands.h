/*
 * Pulsar's BaseCommand: encoders for what a client sends and one decoder for
 * what a broker sends.
 *
 * Field numbers follow PulsarApi.proto as published in apache/pulsar-client-cpp
 * (proto/PulsarApi.proto, protocol version 20). Every encoder
 * writes the command's proto2 `required` fields even when they are zero,
 * because the broker's parser rejects a command that lacks one. Encoders
 * append to a proto_buf and report allocation failure through it.
 *
 * cmd_decode() fills a flat proto_command whose proto_bytes point into the
 * caller's buffer; it allocates nothing. It returns PULSAR_ERR_MALFORMED
 * for wire errors and for a missing required field of a known command type.
 */
#ifndef SWITCHYARD_PULSAR_COMMANDS_H
#define SWITCHYARD_PULSAR_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pulsar/proto_wire.h"
#include "pulsar/pulsar.h"

/* BaseCommand.Type values, equal to the field number of each sub-command. */
enum {
    CMD_CONNECT = 2,
    CMD_CONNECTED = 3,
    CMD_SUBSCRIBE = 4,
    CMD_PRODUCER = 5,
    CMD_SEND = 6,
    CMD_SEND_RECEIPT = 7,
    CMD_SEND_ERROR = 8,
    CMD_MESSAGE = 9,
    CMD_ACK = 10,
    CMD_FLOW = 11,
    CMD_UNSUBSCRIBE = 12,
    CMD_SUCCESS = 13,
    CMD_ERROR = 14,
    CMD_CLOSE_PRODUCER = 15,
    CMD_CLOSE_CONSUMER = 16,
    CMD_PRODUCER_SUCCESS = 17,
    CMD_PING = 18,
    CMD_PONG = 19,
    CMD_REDELIVER_UNACKNOWLEDGED = 20,
    CMD_PARTITIONED_METADATA = 21,
    CMD_PARTITIONED_METADATA_RESPONSE = 22,
    CMD_LOOKUP = 23,
    CMD_LOOKUP_RESPONSE = 24,
    CMD_REACHED_END_OF_TOPIC = 27,
    CMD_ACTIVE_CONSUMER_CHANGE = 31,
    CMD_AUTH_CHALLENGE = 36,
    CMD_ACK_RESPONSE = 38,
    CMD_TOPIC_MIGRATED = 68,
};

/* The protocol version this client announces in CONNECT. */
#define CMD_PROTOCOL_VERSION 19

/* CommandLookupTopicResponse.LookupType */
enum { CMD_LOOKUP_REDIRECT = 0, CMD_LOOKUP_CONNECT = 1, CMD_LOOKUP_FAILED = 2 };
/* CommandPartitionedTopicMetadataResponse.LookupType */
enum { CMD_PARTITIONS_SUCCESS = 0, CMD_PARTITIONS_FAILED = 1 };
/* CommandAck.AckType and ValidationError */
enum { CMD_ACK_INDIVIDUAL = 0, CMD_ACK_CUMULATIVE = 1 };
enum { CMD_VALIDATION_DECOMPRESSION = 1, CMD_VALIDATION_CHECKSUM = 2, CMD_VALIDATION_BATCH = 3 };

typedef struct {
    uint64_t ledger_id;
    uint64_t entry_id;
    int32_t partition;   /* -1 when absent */
    int32_t batch_index; /* -1 when absent */
    int32_t batch_size;  /* 0 when absent */
} cmd_message_id;

/* A decoded broker command. Fields that the command does not carry are zero,
 * except the message id defaults noted above. */
typedef struct {
    uint32_t type;
    uint64_t request_id;
    uint64_t producer_id;
    uint64_t consumer_id;
    uint64_t sequence_id;
    uint64_t highest_sequence_id;
    int64_t last_sequence_id; /* PRODUCER_SUCCESS; -1 when absent */
    bool has_error;
    uint32_t error;      /* ServerError */
    proto_bytes message; /* error text */
    proto_bytes server_version;
    int32_t protocol_version;
    int32_t max_message_size; /* CONNECTED; 0 when absent */
    proto_bytes producer_name;
    bool producer_ready; /* PRODUCER_SUCCESS; true when absent */
    bool has_message_id;
    cmd_message_id message_id;
    uint32_t redelivery_count;
    proto_bytes broker_url;
    proto_bytes broker_url_tls;
    uint32_t response; /* LookupType of either response */
    bool authoritative;
    bool proxy_through_service_url;
    uint32_t partitions;
    bool is_active; /* ACTIVE_CONSUMER_CHANGE */
} proto_command;

/* Decodes one BaseCommand (the bytes between commandSize and the payload). */
pulsar_result cmd_decode(const uint8_t *data, size_t len, proto_command *out);

/* Returns the name of a command type ("SEND_RECEIPT"), or "UNKNOWN". */
const char *cmd_type_name(uint32_t type);

/*
 * Encoders. Each writes one BaseCommand (without frame header) into buf.
 * Strings may be NULL only where a comment allows it.
 */
void cmd_encode_connect(proto_buf *buf, const char *client_version, const char *auth_token);
void cmd_encode_empty(proto_buf *buf, uint32_t type); /* PING and PONG */
void cmd_encode_lookup(proto_buf *buf, const char *topic, uint64_t request_id, bool authoritative);
void cmd_encode_partitioned_metadata(proto_buf *buf, const char *topic, uint64_t request_id);
/* producer_name NULL lets the broker choose one; user_provided false re-registers a
 * name that the broker chose earlier. */
void cmd_encode_producer(proto_buf *buf, const char *topic, uint64_t producer_id,
                         uint64_t request_id, const char *producer_name, bool user_provided,
                         uint64_t epoch);
/* highest_sequence_id is written only when it differs from sequence_id. */
void cmd_encode_send(proto_buf *buf, uint64_t producer_id, uint64_t sequence_id,
                     uint64_t highest_sequence_id, int32_t num_messages);
void cmd_encode_close_producer(proto_buf *buf, uint64_t producer_id, uint64_t request_id);

typedef struct {
    const char *topic;
    const char *subscription;
    uint32_t sub_type;
    uint64_t consumer_id;
    uint64_t request_id;
    const char *consumer_name; /* may be NULL */
    uint32_t initial_position;
} cmd_subscribe_args;

void cmd_encode_subscribe(proto_buf *buf, const cmd_subscribe_args *args);
void cmd_encode_flow(proto_buf *buf, uint64_t consumer_id, uint32_t permits);
/* validation_error < 0 omits it. Only ledger and entry of each id are sent. */
void cmd_encode_ack(proto_buf *buf, uint64_t consumer_id, uint32_t ack_type,
                    const cmd_message_id *ids, size_t id_count, int validation_error);
/* id_count 0 requests every unacknowledged message. */
void cmd_encode_redeliver(proto_buf *buf, uint64_t consumer_id, const cmd_message_id *ids,
                          size_t id_count);
void cmd_encode_unsubscribe(proto_buf *buf, uint64_t consumer_id, uint64_t request_id);
void cmd_encode_close_consumer(proto_buf *buf, uint64_t consumer_id, uint64_t request_id);

/* Writes a MessageIdData message as field `number`. */
void cmd_encode_message_id(proto_buf *buf, uint32_t number, const cmd_message_id *id);
/* Decodes a MessageIdData message; false when malformed or a required field is missing. */
bool cmd_decode_message_id(proto_bytes bytes, cmd_message_id *out);

#endif
