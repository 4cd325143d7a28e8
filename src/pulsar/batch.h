/*
 * MessageMetadata, SingleMessageMetadata and the batch payload layout.
 *
 * A batch payload is N entries of
 *   [u32 big-endian size of SingleMessageMetadata][SingleMessageMetadata][payload]
 * where SingleMessageMetadata.payload_size gives the payload's length. The
 * whole concatenation is what gets compressed. MessageMetadata then carries
 * num_messages_in_batch = N; a message whose metadata lacks that field is a
 * single plain message, as Java producers write batches even of one.
 *
 * Decoders return views into the caller's bytes and allocate nothing.
 * Properties are kept as the raw message and walked with meta_next_property,
 * so there is no count to trust before the bytes are read.
 */
#ifndef SWITCHYARD_PULSAR_BATCH_H
#define SWITCHYARD_PULSAR_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pulsar/proto_wire.h"
#include "pulsar/pulsar.h"

/* Cap on messages in one batch that a consumer accepts, so a forged count
 * cannot make it allocate without bound (Java producers default to 1000). */
#define BATCH_MAX_MESSAGES 100000

typedef struct {
    const char *producer_name;
    uint64_t sequence_id;
    uint64_t publish_time_ms;
    const pulsar_property *properties;
    size_t property_count;
    const char *partition_key;     /* NULL for none */
    uint32_t compression;          /* pulsar_compression */
    uint32_t uncompressed_size;    /* written when compression is not NONE */
    int32_t num_messages_in_batch; /* -1 for a plain message */
    uint64_t event_time_ms;        /* 0 for none */
    uint64_t highest_sequence_id;  /* written when above sequence_id */
} meta_out;

void meta_encode(proto_buf *buf, const meta_out *meta);

typedef struct {
    proto_bytes raw; /* the whole message, for meta_next_property */
    proto_bytes producer_name;
    uint64_t sequence_id;
    uint64_t publish_time_ms;
    bool has_partition_key;
    proto_bytes partition_key;
    uint32_t compression;
    uint32_t uncompressed_size;
    bool has_num_messages;
    int32_t num_messages_in_batch;
    uint64_t event_time_ms;
} meta_in;

/* Decodes MessageMetadata. PULSAR_ERR_MALFORMED on wire errors, a missing
 * producer_name, sequence_id or publish_time, or an invalid property. */
pulsar_result meta_decode(proto_bytes bytes, meta_in *out);

/*
 * Walks the KeyValue entries of field `number` (4 in MessageMetadata, 1 in
 * SingleMessageMetadata) of a decoded message. Start with a cursor from
 * proto_cursor_init(raw). Returns 1 with key and value set, 0 at the end,
 * -1 when an entry is malformed (the decoders have already rejected those).
 */
int meta_next_property(proto_cursor *cursor, uint32_t number, proto_bytes *key, proto_bytes *value);

typedef struct {
    const pulsar_property *properties;
    size_t property_count;
    const char *partition_key; /* NULL for none */
    uint64_t event_time_ms;    /* 0 for none */
    bool has_sequence_id;
    uint64_t sequence_id;
} batch_entry_out;

/* Appends one entry (size, SingleMessageMetadata, payload) to a batch payload. */
void batch_append(proto_buf *batch, const batch_entry_out *entry, const void *payload,
                  size_t payload_len);

typedef struct {
    proto_bytes raw; /* the SingleMessageMetadata, for meta_next_property */
    bool has_partition_key;
    proto_bytes partition_key;
    uint64_t event_time_ms;
    bool has_sequence_id;
    uint64_t sequence_id;
    bool compacted_out;
    proto_bytes payload;
} batch_entry_in;

/* Reads the next entry of a batch payload from cursor. Returns PULSAR_OK or
 * PULSAR_ERR_MALFORMED (truncated entry, missing payload_size, bad property). */
pulsar_result batch_next(proto_cursor *cursor, batch_entry_in *out);

#endif
