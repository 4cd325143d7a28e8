/*
 * Producer structures shared by producer.c (public API, batching) and
 * producer_conn.c (registration, receipts, reconnects, timers).
 *
 * A pulsar_producer has one producer_part per partition (one for a
 * non-partitioned topic). Each part owns, in order:
 *   - `batch`: messages being collected into the next batch (batching only),
 *   - the pending list: whole SEND frames, each waiting for its receipt.
 * Invariants:
 *   1. Frames in the pending list are in sequence-id order and stay until
 *      their receipt, failure or time-out. While the part is READY every one
 *      of them has been written to its connection. After a reconnect all are
 *      written again in order, and the broker's deduplication drops copies.
 *   2. producer->pending_messages counts messages in batches plus in the
 *      pending lists of all parts; it bounds max_pending_messages.
 *   3. A frame is built once, with the part's registered producer name; the
 *      name never changes after the first registration.
 */
#ifndef SWITCHYARD_PULSAR_PRODUCER_INTERNAL_H
#define SWITCHYARD_PULSAR_PRODUCER_INTERNAL_H

#include "pulsar/client_internal.h"

typedef struct {
    pulsar_send_callback callback;
    void *user_data;
    int64_t sequence_id;
} pending_message;

typedef struct pending_entry {
    struct pending_entry *next;
    uint64_t sequence_first;
    uint64_t sequence_last;
    uint32_t count;
    bool batched;
    uint8_t *frame;
    size_t frame_len;
    uint64_t created_ms;
    pending_message *messages; /* count entries */
} pending_entry;

typedef enum {
    PART_IDLE, /* not connected; the next attempt is at reconnect_at_ms */
    PART_LOOKUP,
    PART_REGISTERING, /* PRODUCER or SUBSCRIBE sent */
    PART_READY,
    PART_FAILED, /* first registration failed with a fatal error */
} part_state;

struct producer_part {
    producer_part *next; /* in client->producer_parts */
    pulsar_producer *producer;
    uint64_t id;
    char *topic;
    int32_t partition; /* -1 on a non-partitioned topic */
    part_state state;
    pulsar_result last_error;
    bool ever_ready;
    conn *conn;
    uint64_t reconnect_at_ms;
    uint32_t backoff_ms;
    uint64_t epoch;
    char *name;
    int64_t next_sequence_id;

    pending_entry *head;
    pending_entry *tail;

    proto_buf batch;
    pending_message *batch_messages;
    uint32_t batch_count;
    uint32_t batch_cap;
    uint64_t batch_sequence_first;
    uint64_t batch_sequence_last;
    uint64_t batch_deadline_ms;
    char *batch_key; /* key shared by every message of the open batch, or NULL */

    uint64_t queued_total;    /* messages accepted, ever */
    uint64_t completed_total; /* messages completed (either way), ever */
};

struct pulsar_producer {
    pulsar_client *client;
    pulsar_producer *next; /* in client->producers */
    pulsar_producer_config config;
    char *topic;
    char *user_name; /* copy of config.producer_name, or NULL */
    producer_part **parts;
    uint32_t part_count;
    uint32_t round_robin;
    size_t pending_messages;
    int64_t last_sequence_id;
    bool closed;
    pulsar_result flush_error;
    int waiters; /* threads inside pulsar_producer_send or _flush; close waits for them */
};

/* producer_conn.c */
producer_part *producer_find_part(pulsar_client *client, uint64_t id);
void producer_part_connect(producer_part *part);
void producer_part_write_entry(producer_part *part, pending_entry *entry);
/* Completes and frees every message of entry with result (never PULSAR_OK). */
void producer_fail_entry(producer_part *part, pending_entry *entry, pulsar_result result);

/* producer.c */
/* Turns the part's open batch into a pending frame and writes it when ready. */
void producer_flush_batch(producer_part *part);
/* Sends open batches and waits until every message queued so far has completed or
 * deadline_ms passes (0: no limit). Returns the first error seen, or PULSAR_ERR_TIMEOUT. */
pulsar_result producer_flush_locked(pulsar_producer *producer, uint64_t deadline_ms);

#endif
