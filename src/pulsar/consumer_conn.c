/*
 * Consumer parts on the wire: subscription (LOOKUP, then SUBSCRIBE, then
 * FLOW), incoming MESSAGE frames (checksum, decompression, batch split),
 * reconnects with back-off and the negative-ack timer.
 *
 * Part states are those of producer parts: IDLE -> LOOKUP -> REGISTERING
 * -> READY, back to IDLE on a lost connection or a CLOSE_CONSUMER; FAILED
 * only when the first subscription fails with a fatal error.
 */
#include "pulsar/consumer_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pulsar/batch.h"
#include "pulsar/compress.h"

consumer_part *consumer_find_part(pulsar_client *client, uint64_t id)
{
    for (consumer_part *part = client->consumer_parts; part != NULL; part = part->next) {
        if (part->id == id) {
            return part;
        }
    }
    return NULL;
}

void consumer_part_send(consumer_part *part, const proto_buf *frame)
{
    if (part->state == PART_READY && part->conn != NULL && proto_buf_ok(frame)) {
        conn_send(part->conn, frame);
    }
}

static void send_flow(consumer_part *part, uint32_t permits)
{
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_flow(&frame, part->id, permits);
    frame_end_simple(&frame, start);
    consumer_part_send(part, &frame);
    proto_buf_free(&frame);
}

void consumer_grant_permits(consumer_part *part, uint32_t count)
{
    uint32_t queue_size = part->consumer->config.receiver_queue_size;
    uint32_t threshold = queue_size / 2 > 0 ? queue_size / 2 : 1;
    part->permits_to_grant += count;
    if (part->state == PART_READY && part->permits_to_grant >= threshold) {
        send_flow(part, part->permits_to_grant);
        part->permits_to_grant = 0;
    }
}

void consumer_drop_queued(consumer_part *part)
{
    pulsar_consumer *consumer = part->consumer;
    queued_message **link = &consumer->queue_head;
    consumer->queue_tail = NULL;
    while (*link != NULL) {
        queued_message *queued = *link;
        if (queued->part_id != part->id) {
            consumer->queue_tail = queued;
            link = &queued->next;
            continue;
        }
        *link = queued->next;
        pulsar_message_free(queued->message);
        free(queued);
        consumer->queue_len--;
        part->permits_to_grant++;
    }
}

static void retry_or_fail(consumer_part *part, pulsar_result result)
{
    pulsar_client *client = part->consumer->client;
    part->conn = NULL;
    part->last_error = result;
    if (!part->ever_ready && !pulsar_result_is_retriable(result)) {
        part->state = PART_FAILED;
        pthread_cond_broadcast(&client->cond);
        return;
    }
    part->state = PART_IDLE;
    part->backoff_ms = client_next_backoff(client, part->backoff_ms);
    part->reconnect_at_ms = client_now_ms() + part->backoff_ms;
    client_log(client, PULSAR_LOG_WARN, "consumer on %s: %s; retrying in %u ms", part->topic,
               pulsar_result_str(result), part->backoff_ms);
}

static void send_close_consumer(conn *c, uint64_t consumer_id, uint64_t request_id)
{
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_close_consumer(&frame, consumer_id, request_id);
    frame_end_simple(&frame, start);
    conn_send(c, &frame);
    proto_buf_free(&frame);
}

static void on_subscribed(pulsar_client *client, conn *c, void *context, pulsar_result result,
                          const proto_command *cmd)
{
    uint64_t id = (uint64_t)(uintptr_t)context;
    consumer_part *part = consumer_find_part(client, id);
    if (part == NULL || part->state != PART_REGISTERING || part->conn != c ||
        part->consumer->closed) {
        if (result == PULSAR_OK) {
            send_close_consumer(c, id, client_next_id(client));
        }
        return;
    }
    if (result != PULSAR_OK) {
        if (cmd != NULL) {
            client_log(client, PULSAR_LOG_WARN, "broker rejected subscription %s on %s: %.*s",
                       part->consumer->subscription, part->topic, (int)cmd->message.len,
                       (const char *)cmd->message.data);
        }
        retry_or_fail(part, result);
        return;
    }

    /* The broker delivers every unacknowledged message again, so drop the old copies. */
    consumer_drop_queued(part);
    part->state = PART_READY;
    part->ever_ready = true;
    part->backoff_ms = 0;
    part->last_error = PULSAR_OK;
    part->permits_to_grant = 0;
    send_flow(part, part->consumer->config.receiver_queue_size);
    client_log(client, PULSAR_LOG_INFO, "subscription %s ready on %s", part->consumer->subscription,
               part->topic);
    pthread_cond_broadcast(&client->cond);
}

static void on_lookup(pulsar_client *client, uint64_t owner_id, pulsar_result result, conn *broker)
{
    consumer_part *part = consumer_find_part(client, owner_id);
    if (part == NULL || part->state != PART_LOOKUP || part->consumer->closed) {
        return;
    }
    if (result != PULSAR_OK) {
        retry_or_fail(part, result);
        return;
    }
    pulsar_consumer *consumer = part->consumer;
    part->state = PART_REGISTERING;
    part->conn = broker;
    uint64_t request_id = client_next_id(client);
    cmd_subscribe_args args = {
        .topic = part->topic,
        .subscription = consumer->subscription,
        .sub_type = (uint32_t)consumer->config.type,
        .consumer_id = part->id,
        .request_id = request_id,
        .consumer_name = consumer->consumer_name,
        .initial_position = (uint32_t)consumer->config.initial_position,
    };
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_subscribe(&frame, &args);
    frame_end_simple(&frame, start);
    conn_request_send(broker, request_id, &frame, on_subscribed, (void *)(uintptr_t)part->id);
    proto_buf_free(&frame);
}

void consumer_part_connect(consumer_part *part)
{
    part->state = PART_LOOKUP;
    lookup_start(part->consumer->client, part->topic, part->id, on_lookup);
}

static void enqueue(consumer_part *part, pulsar_message *message)
{
    pulsar_consumer *consumer = part->consumer;
    queued_message *queued = malloc(sizeof *queued);
    if (queued == NULL) {
        /* Not acknowledged, so the broker redelivers it after a reconnect or redelivery. */
        pulsar_message_free(message);
        consumer->dropped++;
        consumer_grant_permits(part, 1);
        return;
    }
    queued->next = NULL;
    queued->message = message;
    queued->part_id = part->id;
    if (consumer->queue_tail == NULL) {
        consumer->queue_head = queued;
    } else {
        consumer->queue_tail->next = queued;
    }
    consumer->queue_tail = queued;
    consumer->queue_len++;
}

/* Drops a corrupt entry. The acknowledgement with a validation error stops the broker from
 * redelivering it, as the Java client does, and the entry's permits are returned. */
static void drop_entry(consumer_part *part, const proto_command *cmd, int validation_error,
                       uint32_t messages, const char *reason)
{
    pulsar_consumer *consumer = part->consumer;
    client_log(consumer->client, PULSAR_LOG_ERROR,
               "consumer on %s dropped entry %llu:%llu (%u messages): %s", part->topic,
               (unsigned long long)cmd->message_id.ledger_id,
               (unsigned long long)cmd->message_id.entry_id, messages, reason);
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_ack(&frame, part->id, CMD_ACK_INDIVIDUAL, &cmd->message_id, 1, validation_error);
    frame_end_simple(&frame, start);
    consumer_part_send(part, &frame);
    proto_buf_free(&frame);
    consumer->dropped += messages;
    consumer_grant_permits(part, messages);
}

/* The messages of one entry, built without the client lock. */
typedef struct {
    pulsar_message **messages; /* count of them, NULL where a message is not delivered */
    uint32_t count;
    const char *error; /* why the entry is dropped, or NULL */
    int validation;    /* the entry's validation error when error is set */
} built_entry;

static void built_entry_free(built_entry *built)
{
    for (uint32_t i = 0; built->messages != NULL && i < built->count; i++) {
        pulsar_message_free(built->messages[i]);
    }
    free(built->messages);
}

static void fail_entry(built_entry *built, int validation, const char *error)
{
    built->validation = validation;
    built->error = error;
}

static void base_parts(const consumer_part *part, const proto_command *cmd, const meta_in *meta,
                       message_parts *out)
{
    memset(out, 0, sizeof *out);
    out->topic = part->topic;
    out->id = (pulsar_message_id){cmd->message_id.ledger_id, cmd->message_id.entry_id,
                                  part->partition, -1, 0};
    out->redelivery_count = cmd->redelivery_count;
    out->producer_name = meta->producer_name;
    out->publish_time_ms = meta->publish_time_ms;
    out->sequence_id = meta->sequence_id;
}

static void build_single(const consumer_part *part, const proto_command *cmd, const meta_in *meta,
                         proto_bytes payload, built_entry *built)
{
    message_parts parts;
    base_parts(part, cmd, meta, &parts);
    parts.has_key = meta->has_partition_key;
    parts.key = meta->partition_key;
    parts.event_time_ms = meta->event_time_ms;
    parts.properties_raw = meta->raw;
    parts.properties_field = 4;
    parts.payload = payload;
    built->messages[0] = consumer_build_message(&parts);
    if (built->messages[0] == NULL) {
        fail_entry(built, CMD_VALIDATION_BATCH, "message could not be built");
    }
}

/*
 * Builds every message of a batch. A compacted-out message, or one that
 * cannot be built, stays NULL and is not delivered.
 */
static void build_batch(const consumer_part *part, const proto_command *cmd, const meta_in *meta,
                        proto_bytes payload, built_entry *built)
{
    uint32_t count = built->count;
    batch_entry_in *entries = calloc(count, sizeof *entries);
    if (entries == NULL) {
        fail_entry(built, CMD_VALIDATION_BATCH, "out of memory");
        return;
    }

    /* Parse the whole batch first, so that a corrupt batch delivers nothing. */
    proto_cursor cursor;
    proto_cursor_init(&cursor, payload.data, payload.len);
    for (uint32_t i = 0; i < count; i++) {
        if (batch_next(&cursor, &entries[i]) != PULSAR_OK) {
            free(entries);
            fail_entry(built, CMD_VALIDATION_BATCH, "malformed batch");
            return;
        }
    }

    for (uint32_t i = 0; i < count; i++) {
        if (entries[i].compacted_out) {
            continue;
        }
        message_parts parts;
        base_parts(part, cmd, meta, &parts);
        parts.id.batch_index = (int32_t)i;
        parts.id.batch_size = (int32_t)count;
        parts.has_key = entries[i].has_partition_key;
        parts.key = entries[i].partition_key;
        parts.event_time_ms = entries[i].event_time_ms;
        if (entries[i].has_sequence_id) {
            parts.sequence_id = entries[i].sequence_id;
        } else {
            parts.sequence_id = meta->sequence_id + i;
        }
        parts.properties_raw = entries[i].raw;
        parts.properties_field = 1;
        parts.payload = entries[i].payload;
        built->messages[i] = consumer_build_message(&parts);
    }
    free(entries);
}

/* Decompresses the payload and builds the entry's messages. Needs no lock. */
static void build_entry(const consumer_part *part, const conn *c, const proto_command *cmd,
                        const meta_in *meta, proto_bytes payload, built_entry *built)
{
    built->messages = calloc(built->count, sizeof *built->messages);
    if (built->messages == NULL) {
        fail_entry(built, CMD_VALIDATION_BATCH, "out of memory");
        return;
    }
    uint8_t *unpacked = NULL;
    if (meta->compression != PULSAR_COMPRESSION_NONE) {
        size_t max_size = (size_t)c->max_message_size + FRAME_PADDING;
        pulsar_result rc = decompress_payload(meta->compression, payload.data, payload.len,
                                              meta->uncompressed_size, max_size, &unpacked);
        if (rc != PULSAR_OK) {
            fail_entry(built, CMD_VALIDATION_DECOMPRESSION, pulsar_result_str(rc));
            return;
        }
        payload.data = unpacked;
        payload.len = meta->uncompressed_size;
    }
    if (meta->has_num_messages) {
        build_batch(part, cmd, meta, payload, built);
    } else {
        build_single(part, cmd, meta, payload, built);
    }
    free(unpacked);
}

/* Queues the built messages of an entry, which then belong to the queue. */
static void deliver_entry(consumer_part *part, const proto_command *cmd, bool batched,
                          built_entry *built)
{
    pulsar_consumer *consumer = part->consumer;
    uint32_t count = built->count;
    if (batched && !consumer_track_batch(consumer, part->partition, cmd->message_id.ledger_id,
                                         cmd->message_id.entry_id, count)) {
        drop_entry(part, cmd, CMD_VALIDATION_BATCH, count, "out of memory");
        return;
    }

    uint32_t skipped = 0;
    for (uint32_t i = 0; i < count; i++) {
        pulsar_message *message = built->messages[i];
        built->messages[i] = NULL;
        if (message != NULL) {
            enqueue(part, message);
            continue;
        }
        /* Messages not delivered count as acknowledged, so that the entry can still be
         * acknowledged as a whole. */
        batch_tracker *tracker = tracker_find(&consumer->trackers, part->partition,
                                              cmd->message_id.ledger_id, cmd->message_id.entry_id);
        if (tracker != NULL && (tracker->acked[i / 8] & (1u << (i % 8))) == 0) {
            tracker->acked[i / 8] |= (uint8_t)(1u << (i % 8));
            tracker->remaining--;
        }
        skipped++;
    }
    if (skipped > 0) {
        consumer_grant_permits(part, skipped);
    }
}

void consumer_handle_message(pulsar_client *client, conn *c, const proto_command *cmd,
                             const frame_view *frame)
{
    consumer_part *part = consumer_find_part(client, cmd->consumer_id);
    if (part == NULL || part->state != PART_READY || part->conn != c) {
        return;
    }
    meta_in meta;
    if (!frame->has_payload || meta_decode(frame->metadata, &meta) != PULSAR_OK) {
        drop_entry(part, cmd, CMD_VALIDATION_BATCH, 1, "malformed metadata");
        return;
    }
    bool batched = meta.has_num_messages;
    if (batched &&
        (meta.num_messages_in_batch <= 0 || meta.num_messages_in_batch > BATCH_MAX_MESSAGES)) {
        drop_entry(part, cmd, CMD_VALIDATION_BATCH, 1, "invalid batch size");
        return;
    }
    uint32_t messages = batched ? (uint32_t)meta.num_messages_in_batch : 1;
    if (!frame->checksum_ok) {
        drop_entry(part, cmd, CMD_VALIDATION_CHECKSUM, messages, "checksum mismatch");
        return;
    }

    /*
     * Decompressing and building the messages is most of a consumer's work,
     * so it runs with the lock released and receivers keep taking messages
     * meanwhile. The frame's bytes stay put, because only this thread reads
     * into the connection's buffer, and the part stays allocated, because
     * closing the consumer waits for `building` to reach 0.
     */
    pulsar_consumer *consumer = part->consumer;
    built_entry built = {NULL, messages, NULL, 0};
    consumer->building++;
    pthread_mutex_unlock(&client->lock);
    build_entry(part, c, cmd, &meta, frame->payload, &built);
    pthread_mutex_lock(&client->lock);
    consumer->building--;

    if (consumer->closed || part->state != PART_READY || part->conn != c) {
        /* Closed or reconnected meanwhile: the broker delivers the entry again if needed. */
        built_entry_free(&built);
    } else if (built.error != NULL) {
        built_entry_free(&built);
        drop_entry(part, cmd, built.validation, messages, built.error);
    } else {
        deliver_entry(part, cmd, batched, &built);
        built_entry_free(&built);
    }
    pthread_cond_broadcast(&client->cond);
}

void consumer_handle_close(pulsar_client *client, uint64_t consumer_id)
{
    consumer_part *part = consumer_find_part(client, consumer_id);
    if (part == NULL || part->state != PART_READY) {
        return;
    }
    client_log(client, PULSAR_LOG_INFO, "broker closed consumer on %s; reconnecting", part->topic);
    part->state = PART_IDLE;
    part->conn = NULL;
    part->reconnect_at_ms = client_now_ms();
}

void consumer_handle_active_change(pulsar_client *client, const proto_command *cmd)
{
    consumer_part *part = consumer_find_part(client, cmd->consumer_id);
    if (part != NULL) {
        part->active = cmd->is_active;
    }
}

void consumer_conn_lost(pulsar_client *client, conn *c)
{
    for (consumer_part *part = client->consumer_parts; part != NULL; part = part->next) {
        if (part->conn == c && part->state == PART_READY) {
            part->state = PART_IDLE;
            part->conn = NULL;
            part->backoff_ms = client_next_backoff(client, part->backoff_ms);
            part->reconnect_at_ms = client_now_ms() + part->backoff_ms;
        }
    }
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
    return a == 0 || (b != 0 && b < a) ? b : a;
}

/* Sends one REDELIVER for the due negative acks of part; returns the next due time or 0. */
static uint64_t redeliver_due(consumer_part *part, uint64_t now_ms)
{
    pulsar_consumer *consumer = part->consumer;
    cmd_message_id ids[64];
    size_t count = 0;
    uint64_t next = 0;

    nack_entry **link = &consumer->nacks;
    while (*link != NULL) {
        nack_entry *nack = *link;
        if (nack->partition != part->partition || part->state != PART_READY) {
            link = &nack->next;
            continue;
        }
        if (nack->due_ms > now_ms || count == sizeof ids / sizeof ids[0]) {
            next = earlier(next, nack->due_ms > now_ms ? nack->due_ms : now_ms + 1);
            link = &nack->next;
            continue;
        }
        ids[count++] = (cmd_message_id){nack->ledger_id, nack->entry_id, -1, -1, 0};
        *link = nack->next;
        free(nack);
    }
    if (count == 0) {
        return next;
    }

    /* Only shared subscriptions redeliver single messages; the others redeliver everything
     * unacknowledged, so the queued copies go first. */
    bool shared = consumer->config.type == PULSAR_SUBSCRIPTION_SHARED ||
                  consumer->config.type == PULSAR_SUBSCRIPTION_KEY_SHARED;
    if (!shared) {
        consumer_drop_queued(part);
    }
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_redeliver(&frame, part->id, ids, shared ? count : 0);
    frame_end_simple(&frame, start);
    consumer_part_send(part, &frame);
    proto_buf_free(&frame);
    if (!shared) {
        consumer_grant_permits(part, 0);
    }
    return next;
}

uint64_t consumer_run_timers(pulsar_client *client, uint64_t now_ms)
{
    uint64_t next = 0;
    for (consumer_part *part = client->consumer_parts; part != NULL; part = part->next) {
        if (part->consumer->closed) {
            continue;
        }
        consumer_flush_acks(part);
        if (part->state == PART_IDLE) {
            if (part->reconnect_at_ms <= now_ms) {
                consumer_part_connect(part);
            } else {
                next = earlier(next, part->reconnect_at_ms);
            }
        }
        if (part->consumer->nacks != NULL) {
            next = earlier(next, redeliver_due(part, now_ms));
        }
    }
    return next;
}
