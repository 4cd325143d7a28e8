/*
 * The record model: one Pulsar message as the lake sink receives it.
 *
 * The Pulsar glue fills a lake_record from a received message and hands it
 * to lake_sink_add (lake_sink.h). Nothing here depends on the Pulsar client,
 * so every part of the sink is tested without a broker.
 *
 * Ownership: a lake_record only points at memory the caller owns; every
 * function that takes one copies what it keeps before returning.
 */
#ifndef SWITCHYARD_LAKE_RECORD_H
#define SWITCHYARD_LAKE_RECORD_H

#include <stddef.h>
#include <stdint.h>

/*
 * A Pulsar message id by its parts. partition is -1 for a non-partitioned
 * topic and batch_index is -1 for a message that was not sent in a batch.
 */
typedef struct {
    uint64_t ledger_id;
    uint64_t entry_id;
    int32_t partition;
    int32_t batch_index;
} lake_message_id;

/* Maximum size of the text that lake_message_id_format writes, with its NUL. */
#define LAKE_MESSAGE_ID_TEXT_MAX 64

/* One message property; both strings are NUL-terminated and should be UTF-8. */
typedef struct {
    const char *key;
    const char *value;
} lake_property;

typedef struct {
    const uint8_t *payload; /* may be NULL when payload_len is 0 */
    size_t payload_len;
    const lake_property *properties;
    size_t property_count;
    const char *key; /* partition key, NULL when the message has none */
    lake_message_id id;
    const char *topic;       /* full name: persistent://tenant/namespace/topic[-partition-N] */
    int64_t publish_time_ms; /* broker time, milliseconds since 1970-01-01 UTC */
    int64_t event_time_ms;   /* producer's event time, 0 when unset */
    void *ack_handle;        /* the glue's own pointer, returned when the record is persisted */
} lake_record;

/*
 * Writes the id as "ledger:entry:partition:batch_index" (decimal, the form
 * Pulsar's clients print) into text, which must hold
 * LAKE_MESSAGE_ID_TEXT_MAX bytes.
 */
void lake_message_id_format(const lake_message_id *id, char text[LAKE_MESSAGE_ID_TEXT_MAX]);

#endif
