/*
 * Consumer structures shared by consumer.c (public API, acknowledgement,
 * the receive queue) and consumer_conn.c (subscription, incoming messages,
 * reconnects, timers).
 *
 * Invariants:
 *   1. Every message in the receive queue came from a part in READY state,
 *      in its current connection: when a part reconnects its queued messages
 *      are dropped, because the broker delivers every unacknowledged message
 *      again to the new subscription. The I/O thread builds an entry's
 *      messages with the lock released, and checks this again before it
 *      queues them.
 *   2. Flow control: the broker may send as many messages as it has permits.
 *      A part starts each connection with receiver_queue_size permits and
 *      gives back one per message handed to the application or dropped,
 *      in one FLOW once half the queue size has accumulated.
 *   3. A batch is acknowledged to the broker as one entry, once all of its
 *      messages are acknowledged; batch_tracker counts them.
 *   4. Acknowledged entries wait in their part's `acks` until the I/O thread's
 *      next loop iteration, or until CONSUMER_ACK_GROUP_MAX have gathered,
 *      and then go out in one ACK command. A router that acknowledges each
 *      input as its output is stored thus sends one command per receipt, not
 *      one per message. CLOSE_CONSUMER, UNSUBSCRIBE and REDELIVER are sent
 *      only after the gathered acknowledgements.
 */
#ifndef SWITCHYARD_PULSAR_CONSUMER_INTERNAL_H
#define SWITCHYARD_PULSAR_CONSUMER_INTERNAL_H

#include "pulsar/client_internal.h"
#include "pulsar/producer_internal.h"
#include "pulsar/tracker.h"

typedef struct queued_message {
    struct queued_message *next;
    pulsar_message *message;
    uint64_t part_id;
} queued_message;

typedef struct nack_entry {
    struct nack_entry *next;
    int32_t partition;
    uint64_t ledger_id;
    uint64_t entry_id;
    uint64_t due_ms;
} nack_entry;

struct consumer_part {
    consumer_part *next; /* in client->consumer_parts */
    pulsar_consumer *consumer;
    uint64_t id;
    char *topic;
    int32_t partition;
    part_state state;
    pulsar_result last_error;
    bool ever_ready;
    bool active; /* from ACTIVE_CONSUMER_CHANGE on failover and exclusive subscriptions */
    conn *conn;
    uint64_t reconnect_at_ms;
    uint32_t backoff_ms;
    uint32_t permits_to_grant;
    cmd_message_id *acks; /* entries acknowledged since the last ACK command */
    size_t ack_count;
    size_t ack_cap;
};

struct pulsar_consumer {
    pulsar_client *client;
    pulsar_consumer *next; /* in client->consumers */
    pulsar_consumer_config config;
    char *topic;
    char *subscription;
    char *consumer_name;
    consumer_part **parts;
    uint32_t part_count;
    queued_message *queue_head;
    queued_message *queue_tail;
    size_t queue_len;
    tracker_table trackers;
    nack_entry *nacks;
    bool closed;
    uint64_t dropped;
    int waiters;  /* threads inside pulsar_consumer_receive; close waits for them to leave */
    int building; /* entries the I/O thread builds without the lock, which close waits for */
};

/* consumer_conn.c */
consumer_part *consumer_find_part(pulsar_client *client, uint64_t id);
void consumer_part_connect(consumer_part *part);
/* Gives `count` permits back to the broker, in one FLOW once enough have accumulated. */
void consumer_grant_permits(consumer_part *part, uint32_t count);
/* Frees the queued messages of part, returning their permits. */
void consumer_drop_queued(consumer_part *part);
/* Sends one command frame built by the caller on the part's connection, if it is READY. */
void consumer_part_send(consumer_part *part, const proto_buf *frame);

/* consumer.c */
/* Sends the acknowledgements that part has gathered, in one ACK command. */
void consumer_flush_acks(consumer_part *part);
/* Creates (or resets, on redelivery) the tracker of a batch entry of `size` messages. */
bool consumer_track_batch(pulsar_consumer *consumer, int32_t partition, uint64_t ledger_id,
                          uint64_t entry_id, uint32_t size);

/* consumer_message.c */
typedef struct {
    const char *topic;
    pulsar_message_id id;
    uint32_t redelivery_count;
    proto_bytes producer_name;
    uint64_t publish_time_ms;
    uint64_t sequence_id;
    bool has_key;
    proto_bytes key;
    uint64_t event_time_ms;
    proto_bytes properties_raw; /* MessageMetadata or SingleMessageMetadata */
    uint32_t properties_field;  /* 4 or 1 */
    proto_bytes payload;
} message_parts;

/* Builds a pulsar_message in one allocation (freed by pulsar_message_free); NULL when out
 * of memory or when a property is malformed. */
pulsar_message *consumer_build_message(const message_parts *parts);

#endif
