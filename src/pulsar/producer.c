/*
 * Producer public API: create, send (sync and async), batching, flush and
 * close. Registration, receipts and reconnects are in producer_conn.c.
 *
 * Frames are built under the client lock when a message is queued (plain
 * message) or when its batch closes, so a reconnect only has to write the
 * same bytes again.
 */
#include "pulsar/producer_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pulsar/batch.h"
#include "pulsar/compress.h"
#include "pulsar/frame.h"

void pulsar_producer_config_init(pulsar_producer_config *config)
{
    memset(config, 0, sizeof *config);
    config->max_pending_messages = 1000;
    config->batching_max_messages = 1000;
    config->batching_max_bytes = 128u * 1024u;
    config->batching_max_delay_ms = 10;
    config->send_timeout_ms = 30000;
    config->initial_sequence_id = -1;
}

static uint64_t wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Builds the SEND frame for metadata plus payload, compressing the payload first. */
static pulsar_result build_frame(producer_part *part, meta_out *meta, const uint8_t *payload,
                                 size_t payload_len, uint32_t num_messages, pending_entry *entry)
{
    pulsar_producer *producer = part->producer;
    proto_buf packed;
    proto_buf metadata;
    proto_buf frame;
    pulsar_result rc = PULSAR_OK;

    proto_buf_init(&packed);
    proto_buf_init(&metadata);
    proto_buf_init(&frame);
    if (producer->config.compression != PULSAR_COMPRESSION_NONE) {
        rc = compress_payload(producer->config.compression, payload, payload_len, &packed);
        if (rc != PULSAR_OK) {
            goto done;
        }
        meta->compression = producer->config.compression;
        meta->uncompressed_size = (uint32_t)payload_len;
        payload = packed.data;
        payload_len = packed.len;
    }
    meta->producer_name = part->name;
    meta->publish_time_ms = wall_clock_ms();
    meta_encode(&metadata, meta);

    size_t start = frame_begin(&frame);
    cmd_encode_send(&frame, part->id, meta->sequence_id, meta->highest_sequence_id,
                    (int32_t)num_messages);
    frame_end_payload(&frame, start, metadata.data, metadata.len, payload, payload_len);
    if (!proto_buf_ok(&metadata) || !proto_buf_ok(&frame)) {
        rc = PULSAR_ERR_NO_MEMORY;
        goto done;
    }
    entry->frame = proto_buf_detach(&frame, &entry->frame_len);

done:
    proto_buf_free(&packed);
    proto_buf_free(&metadata);
    proto_buf_free(&frame);
    return rc;
}

static void append_entry(producer_part *part, pending_entry *entry)
{
    entry->created_ms = client_now_ms();
    if (part->tail == NULL) {
        part->head = entry;
    } else {
        part->tail->next = entry;
    }
    part->tail = entry;
    if (part->state == PART_READY) {
        producer_part_write_entry(part, entry);
    }
}

static void reset_batch(producer_part *part)
{
    proto_buf_reset(&part->batch);
    part->batch_count = 0;
    part->batch_deadline_ms = 0;
    free(part->batch_key);
    part->batch_key = NULL;
}

static bool same_key(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

void producer_flush_batch(producer_part *part)
{
    if (part->batch_count == 0) {
        return;
    }
    pulsar_client *client = part->producer->client;
    pending_entry *entry = calloc(1, sizeof *entry);
    pending_message *messages = malloc(part->batch_count * sizeof *messages);
    pulsar_result rc = PULSAR_ERR_NO_MEMORY;
    if (entry != NULL && messages != NULL) {
        memcpy(messages, part->batch_messages, part->batch_count * sizeof *messages);
        entry->messages = messages;
        entry->count = part->batch_count;
        entry->batched = true;
        entry->sequence_first = part->batch_sequence_first;
        entry->sequence_last = part->batch_sequence_last;
        meta_out meta = {
            .sequence_id = entry->sequence_first,
            .partition_key = part->batch_key,
            .num_messages_in_batch = (int32_t)entry->count,
            .highest_sequence_id = entry->sequence_last,
        };
        rc = proto_buf_ok(&part->batch)
                 ? build_frame(part, &meta, part->batch.data, part->batch.len, entry->count, entry)
                 : PULSAR_ERR_NO_MEMORY;
    }
    if (rc != PULSAR_OK) {
        /* The messages fail together: their callbacks learn why. */
        for (uint32_t i = 0; i < part->batch_count; i++) {
            pending_message *m = &part->batch_messages[i];
            client_defer_send(client, m->callback, m->user_data, rc, NULL, m->sequence_id);
        }
        part->producer->pending_messages -= part->batch_count;
        part->completed_total += part->batch_count;
        reset_batch(part);
        free(messages);
        free(entry);
        pthread_cond_broadcast(&client->cond);
        return;
    }
    reset_batch(part);
    append_entry(part, entry);
}

/*
 * A batch as large as the pending queue would leave the connection idle while
 * its receipt travels back, because no new message fits until it arrives.
 * Closing batches at half of the queue keeps one filling while one is in flight.
 */
static uint32_t batch_message_limit(const pulsar_producer_config *config)
{
    uint32_t half_queue = config->max_pending_messages / 2;
    if (half_queue == 0) {
        half_queue = 1;
    }
    return config->batching_max_messages < half_queue ? config->batching_max_messages : half_queue;
}

static pulsar_result add_to_batch(producer_part *part, const pulsar_outgoing_message *message,
                                  uint64_t sequence_id, pulsar_send_callback callback,
                                  void *user_data)
{
    const pulsar_producer_config *config = &part->producer->config;

    /* One key per batch: the broker routes a whole batch by its key on key_shared
     * subscriptions, so mixing keys would break their per-key order. */
    if (part->batch_count > 0 &&
        (part->batch.len + message->payload_len > config->batching_max_bytes ||
         (!config->batching_mixed_keys && !same_key(part->batch_key, message->key)))) {
        producer_flush_batch(part);
    }
    if (part->batch_count == 0 && !config->batching_mixed_keys) {
        free(part->batch_key);
        part->batch_key = message->key != NULL ? strdup(message->key) : NULL;
        if (message->key != NULL && part->batch_key == NULL) {
            return PULSAR_ERR_NO_MEMORY;
        }
    }
    if (part->batch_count == part->batch_cap) {
        uint32_t cap = part->batch_cap == 0 ? 16 : part->batch_cap * 2;
        pending_message *grown = realloc(part->batch_messages, cap * sizeof *grown);
        if (grown == NULL) {
            return PULSAR_ERR_NO_MEMORY;
        }
        part->batch_messages = grown;
        part->batch_cap = cap;
    }

    size_t len_before = part->batch.len;
    batch_entry_out entry = {
        .properties = message->properties,
        .property_count = message->property_count,
        .partition_key = message->key,
        .event_time_ms = message->event_time_ms,
        .has_sequence_id = true,
        .sequence_id = sequence_id,
    };
    batch_append(&part->batch, &entry, message->payload, message->payload_len);
    if (!proto_buf_ok(&part->batch)) {
        part->batch.len = len_before;
        part->batch.failed = false;
        return PULSAR_ERR_NO_MEMORY;
    }

    if (part->batch_count == 0) {
        part->batch_sequence_first = sequence_id;
        part->batch_deadline_ms = client_now_ms() + config->batching_max_delay_ms;
    }
    part->batch_sequence_last = sequence_id;
    part->batch_messages[part->batch_count++] =
        (pending_message){callback, user_data, (int64_t)sequence_id};
    if (part->batch_count >= batch_message_limit(config) ||
        part->batch.len >= config->batching_max_bytes) {
        producer_flush_batch(part);
    }
    return PULSAR_OK;
}

static pulsar_result add_single(producer_part *part, const pulsar_outgoing_message *message,
                                uint64_t sequence_id, pulsar_send_callback callback,
                                void *user_data)
{
    pending_entry *entry = calloc(1, sizeof *entry);
    pending_message *one = malloc(sizeof *one);
    if (entry == NULL || one == NULL) {
        free(entry);
        free(one);
        return PULSAR_ERR_NO_MEMORY;
    }
    *one = (pending_message){callback, user_data, (int64_t)sequence_id};
    entry->messages = one;
    entry->count = 1;
    entry->sequence_first = sequence_id;
    entry->sequence_last = sequence_id;

    meta_out meta = {
        .sequence_id = sequence_id,
        .properties = message->properties,
        .property_count = message->property_count,
        .partition_key = message->key,
        .num_messages_in_batch = -1,
        .event_time_ms = message->event_time_ms,
        .highest_sequence_id = sequence_id,
    };
    pulsar_result rc = build_frame(part, &meta, message->payload, message->payload_len, 1, entry);
    if (rc != PULSAR_OK) {
        free(one);
        free(entry);
        return rc;
    }
    append_entry(part, entry);
    return PULSAR_OK;
}

static producer_part *choose_part(pulsar_producer *producer, const char *key)
{
    if (producer->part_count == 1) {
        return producer->parts[0];
    }
    if (key != NULL) {
        return producer->parts[pulsar_key_partition(key, producer->part_count)];
    }
    return producer->parts[producer->round_robin++ % producer->part_count];
}

static bool message_valid(const pulsar_outgoing_message *message)
{
    if (message->payload == NULL && message->payload_len > 0) {
        return false;
    }
    if (message->properties == NULL && message->property_count > 0) {
        return false;
    }
    for (size_t i = 0; i < message->property_count; i++) {
        if (message->properties[i].key == NULL || message->properties[i].value == NULL) {
            return false;
        }
    }
    return true;
}

pulsar_result pulsar_producer_send_async(pulsar_producer *producer,
                                         const pulsar_outgoing_message *message,
                                         pulsar_send_callback callback, void *user_data)
{
    if (producer == NULL || message == NULL || !message_valid(message)) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = producer->client;
    pthread_mutex_lock(&client->lock);

    pulsar_result rc = PULSAR_OK;
    producer_part *part = choose_part(producer, message->key);
    size_t max_size =
        part->conn != NULL ? part->conn->max_message_size : FRAME_DEFAULT_MAX_MESSAGE_SIZE;
    if (producer->closed) {
        rc = PULSAR_ERR_CLOSED;
    } else if (producer->pending_messages >= producer->config.max_pending_messages) {
        rc = PULSAR_ERR_QUEUE_FULL;
    } else if (message->payload_len > max_size) {
        rc = PULSAR_ERR_TOO_LARGE;
    }
    if (rc != PULSAR_OK) {
        pthread_mutex_unlock(&client->lock);
        return rc;
    }

    uint64_t sequence_id;
    if (message->sequence_id >= 0) {
        sequence_id = (uint64_t)message->sequence_id;
    } else {
        sequence_id = (uint64_t)part->next_sequence_id;
    }
    if (producer->config.batching_enabled) {
        rc = add_to_batch(part, message, sequence_id, callback, user_data);
    } else {
        rc = add_single(part, message, sequence_id, callback, user_data);
    }
    if (rc == PULSAR_OK) {
        if ((int64_t)sequence_id >= part->next_sequence_id) {
            part->next_sequence_id = (int64_t)sequence_id + 1;
        }
        producer->last_sequence_id = (int64_t)sequence_id;
        producer->pending_messages++;
        part->queued_total++;
    }
    pthread_mutex_unlock(&client->lock);
    return rc;
}

typedef struct {
    pulsar_client *client;
    bool done;
    pulsar_result result;
    pulsar_message_id id;
} send_wait;

static void sync_send_done(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                           void *user_data)
{
    (void)sequence_id;
    send_wait *wait = user_data;
    pthread_mutex_lock(&wait->client->lock);
    wait->result = result;
    if (id != NULL) {
        wait->id = *id;
    }
    wait->done = true;
    pthread_cond_broadcast(&wait->client->cond);
    pthread_mutex_unlock(&wait->client->lock);
}

pulsar_result pulsar_producer_send(pulsar_producer *producer,
                                   const pulsar_outgoing_message *message,
                                   pulsar_message_id *id_out)
{
    if (producer == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = producer->client;
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    send_wait wait = {client, false, PULSAR_OK, {0, 0, -1, -1, 0}};
    pthread_mutex_lock(&client->lock);
    producer->waiters++;
    pthread_mutex_unlock(&client->lock);
    pulsar_result rc = pulsar_producer_send_async(producer, message, sync_send_done, &wait);

    pthread_mutex_lock(&client->lock);
    /* A synchronous send should not wait for the batch delay. */
    if (rc == PULSAR_OK && !producer->closed && producer->config.batching_enabled) {
        for (uint32_t i = 0; i < producer->part_count; i++) {
            producer_flush_batch(producer->parts[i]);
        }
    }
    /* A close meanwhile fails the message, so its callback still arrives. */
    while (rc == PULSAR_OK && !wait.done) {
        client_wait_until(client, 0);
    }
    producer->waiters--;
    pthread_cond_broadcast(&client->cond);
    pthread_mutex_unlock(&client->lock);
    if (rc != PULSAR_OK) {
        return rc;
    }
    if (wait.result == PULSAR_OK && id_out != NULL) {
        *id_out = wait.id;
    }
    return wait.result;
}

pulsar_result producer_flush_locked(pulsar_producer *producer, uint64_t deadline_ms)
{
    pulsar_client *client = producer->client;
    uint64_t *targets = calloc(producer->part_count, sizeof *targets);
    if (targets == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    producer->flush_error = PULSAR_OK;
    for (uint32_t i = 0; i < producer->part_count; i++) {
        producer_flush_batch(producer->parts[i]);
        targets[i] = producer->parts[i]->queued_total;
    }

    pulsar_result rc = PULSAR_OK;
    for (;;) {
        /* Checked before any part is read: a concurrent close sets it once every message
         * has failed, and frees the parts only after this thread has left. */
        if (producer->closed) {
            rc = PULSAR_ERR_CLOSED;
            break;
        }
        bool complete = true;
        for (uint32_t i = 0; i < producer->part_count; i++) {
            complete = complete && producer->parts[i]->completed_total >= targets[i];
        }
        if (complete) {
            rc = producer->flush_error;
            client_wait_deferred(client);
            break;
        }
        if (!client_wait_until(client, deadline_ms)) {
            rc = PULSAR_ERR_TIMEOUT;
            break;
        }
    }
    free(targets);
    return rc;
}

pulsar_result pulsar_producer_flush(pulsar_producer *producer)
{
    if (producer == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = producer->client;
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&client->lock);
    producer->waiters++;
    pulsar_result rc = producer->closed ? PULSAR_ERR_CLOSED : producer_flush_locked(producer, 0);
    producer->waiters--;
    pthread_cond_broadcast(&client->cond);
    pthread_mutex_unlock(&client->lock);
    return rc;
}

const char *pulsar_producer_name(const pulsar_producer *producer)
{
    if (producer == NULL || producer->part_count == 0) {
        return NULL;
    }
    return producer->parts[0]->name;
}

int64_t pulsar_producer_last_sequence_id(const pulsar_producer *producer)
{
    if (producer == NULL) {
        return -1;
    }
    pthread_mutex_lock(&producer->client->lock);
    int64_t last = producer->last_sequence_id;
    pthread_mutex_unlock(&producer->client->lock);
    return last;
}
