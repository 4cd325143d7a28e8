/*
 * Producer parts on the wire: creation and registration (LOOKUP, then
 * PRODUCER), receipts and send errors, reconnects with back-off, timers and
 * close.
 *
 * Part states: IDLE -> LOOKUP -> REGISTERING -> READY, back to IDLE on a
 * lost connection or a CLOSE_PRODUCER from the broker, with the next attempt
 * at reconnect_at_ms. Only a part that never was READY can end in FAILED,
 * and only on a fatal error: once a producer works it keeps retrying, and
 * its messages fail by send time-out instead.
 */
#include "pulsar/producer_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

producer_part *producer_find_part(pulsar_client *client, uint64_t id)
{
    for (producer_part *part = client->producer_parts; part != NULL; part = part->next) {
        if (part->id == id) {
            return part;
        }
    }
    return NULL;
}

void producer_part_write_entry(producer_part *part, pending_entry *entry)
{
    proto_buf frame = {entry->frame, entry->frame_len, entry->frame_len, false};
    conn_send(part->conn, &frame);
}

static void complete_messages(producer_part *part, pending_entry *entry, pulsar_result result,
                              const cmd_message_id *id)
{
    pulsar_producer *producer = part->producer;
    pulsar_client *client = producer->client;

    for (uint32_t i = 0; i < entry->count; i++) {
        pending_message *m = &entry->messages[i];
        pulsar_message_id message_id = {0, 0, part->partition, -1, 0};
        if (id != NULL) {
            message_id.ledger_id = id->ledger_id;
            message_id.entry_id = id->entry_id;
            if (entry->batched) {
                message_id.batch_index = (int32_t)i;
                message_id.batch_size = (int32_t)entry->count;
            }
        }
        client_defer_send(client, m->callback, m->user_data, result,
                          id != NULL ? &message_id : NULL, m->sequence_id);
    }
    if (result != PULSAR_OK && producer->flush_error == PULSAR_OK) {
        producer->flush_error = result;
    }
    producer->pending_messages -= entry->count;
    part->completed_total += entry->count;
    free(entry->messages);
    free(entry->frame);
    free(entry);
    pthread_cond_broadcast(&client->cond);
}

static pending_entry *pop_head(producer_part *part)
{
    pending_entry *entry = part->head;
    part->head = entry->next;
    if (part->head == NULL) {
        part->tail = NULL;
    }
    return entry;
}

void producer_fail_entry(producer_part *part, pending_entry *entry, pulsar_result result)
{
    complete_messages(part, entry, result, NULL);
}

static void retry_or_fail(producer_part *part, pulsar_result result)
{
    pulsar_client *client = part->producer->client;
    part->conn = NULL;
    part->last_error = result;
    /* A name already in use fails creation at once. After a reconnect it is retried,
     * because the broker may not yet have seen our previous connection die. */
    if (!part->ever_ready &&
        (!pulsar_result_is_retriable(result) || result == PULSAR_ERR_BROKER_PRODUCER_BUSY)) {
        part->state = PART_FAILED;
        pthread_cond_broadcast(&client->cond);
        return;
    }
    part->state = PART_IDLE;
    part->backoff_ms = client_next_backoff(client, part->backoff_ms);
    part->reconnect_at_ms = client_now_ms() + part->backoff_ms;
    client_log(client, PULSAR_LOG_WARN, "producer on %s: %s; retrying in %u ms", part->topic,
               pulsar_result_str(result), part->backoff_ms);
}

static void send_close_producer(conn *c, uint64_t producer_id, uint64_t request_id)
{
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_close_producer(&frame, producer_id, request_id);
    frame_end_simple(&frame, start);
    conn_send(c, &frame);
    proto_buf_free(&frame);
}

static void on_registered(pulsar_client *client, conn *c, void *context, pulsar_result result,
                          const proto_command *cmd)
{
    uint64_t id = (uint64_t)(uintptr_t)context;
    producer_part *part = producer_find_part(client, id);
    if (part == NULL || part->state != PART_REGISTERING || part->conn != c ||
        part->producer->closed) {
        /* The part closed or moved on while the broker registered it: undo that. */
        if (result == PULSAR_OK) {
            send_close_producer(c, id, client_next_id(client));
        }
        return;
    }
    if (result != PULSAR_OK) {
        if (cmd != NULL) {
            client_log(client, PULSAR_LOG_WARN, "broker rejected producer on %s: %.*s", part->topic,
                       (int)cmd->message.len, (const char *)cmd->message.data);
        }
        retry_or_fail(part, result);
        return;
    }

    if (part->name == NULL) {
        part->name = proto_bytes_strdup(cmd->producer_name);
        if (part->name == NULL) {
            retry_or_fail(part, PULSAR_ERR_NO_MEMORY);
            return;
        }
    }
    int64_t broker_last = cmd->last_sequence_id;
    int64_t initial = part->producer->config.initial_sequence_id;
    if (!part->ever_ready) {
        part->next_sequence_id = initial >= 0 ? initial : broker_last + 1;
    } else if (part->head == NULL && part->batch_count == 0 &&
               broker_last + 1 > part->next_sequence_id) {
        part->next_sequence_id = broker_last + 1;
    }
    if (part->next_sequence_id < 0) {
        part->next_sequence_id = 0;
    }

    part->state = PART_READY;
    part->ever_ready = true;
    part->backoff_ms = 0;
    part->last_error = PULSAR_OK;
    size_t resent = 0;
    for (pending_entry *entry = part->head; entry != NULL; entry = entry->next) {
        producer_part_write_entry(part, entry);
        resent++;
    }
    client_log(client, PULSAR_LOG_INFO,
               "producer %s ready on %s (last sequence id %lld, %zu frames re-sent)", part->name,
               part->topic, (long long)broker_last, resent);
    pthread_cond_broadcast(&client->cond);
}

static void on_lookup(pulsar_client *client, uint64_t owner_id, pulsar_result result, conn *broker)
{
    producer_part *part = producer_find_part(client, owner_id);
    if (part == NULL || part->state != PART_LOOKUP || part->producer->closed) {
        return;
    }
    if (result != PULSAR_OK) {
        retry_or_fail(part, result);
        return;
    }
    part->state = PART_REGISTERING;
    part->conn = broker;
    uint64_t request_id = client_next_id(client);
    const char *name = part->name != NULL ? part->name : part->producer->user_name;
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_producer(&frame, part->topic, part->id, request_id, name,
                        part->producer->user_name != NULL, part->epoch++);
    frame_end_simple(&frame, start);
    conn_request_send(broker, request_id, &frame, on_registered, (void *)(uintptr_t)part->id);
    proto_buf_free(&frame);
}

void producer_part_connect(producer_part *part)
{
    part->state = PART_LOOKUP;
    lookup_start(part->producer->client, part->topic, part->id, on_lookup);
}

void producer_handle_receipt(pulsar_client *client, const proto_command *cmd)
{
    producer_part *part = producer_find_part(client, cmd->producer_id);
    if (part == NULL || part->state != PART_READY || part->head == NULL) {
        return;
    }
    pending_entry *head = part->head;
    if (cmd->sequence_id < head->sequence_first) {
        return; /* a receipt for a frame sent twice around a reconnect */
    }
    if (cmd->sequence_id > head->sequence_first) {
        /* Receipts come in order, so a later one means the broker lost frames: reconnecting
         * re-sends everything pending. */
        client_log(client, PULSAR_LOG_ERROR,
                   "producer %s on %s: receipt for sequence id %llu, expected %llu", part->name,
                   part->topic, (unsigned long long)cmd->sequence_id,
                   (unsigned long long)head->sequence_first);
        conn_fail(part->conn, PULSAR_ERR_PROTOCOL);
        return;
    }
    pop_head(part);
    cmd_message_id none = {0, 0, -1, -1, 0};
    complete_messages(part, head, PULSAR_OK, cmd->has_message_id ? &cmd->message_id : &none);
}

void producer_handle_send_error(pulsar_client *client, conn *c, const proto_command *cmd)
{
    producer_part *part = producer_find_part(client, cmd->producer_id);
    if (part == NULL || part->state != PART_READY) {
        return;
    }
    pulsar_result result = (pulsar_result)(PULSAR_ERR_BROKER_BASE + (int)cmd->error);
    client_log(client, PULSAR_LOG_WARN, "producer %s on %s: send error for sequence id %llu: %.*s",
               part->name, part->topic, (unsigned long long)cmd->sequence_id, (int)cmd->message.len,
               (const char *)cmd->message.data);
    if (result == PULSAR_ERR_BROKER_TOPIC_TERMINATED || result == PULSAR_ERR_BROKER_NOT_ALLOWED) {
        while (part->head != NULL) {
            producer_fail_entry(part, pop_head(part), result);
        }
        return;
    }
    /* Other errors (persistence, a duplicate still in flight, checksum) are transient:
     * reconnecting re-sends the pending frames, as the Java client does. */
    conn_fail(c, PULSAR_ERR_DISCONNECTED);
}

void producer_handle_close(pulsar_client *client, uint64_t producer_id)
{
    producer_part *part = producer_find_part(client, producer_id);
    if (part == NULL || part->state != PART_READY) {
        return;
    }
    client_log(client, PULSAR_LOG_INFO, "broker closed producer %s on %s; reconnecting", part->name,
               part->topic);
    part->state = PART_IDLE;
    part->conn = NULL;
    part->reconnect_at_ms = client_now_ms();
}

void producer_conn_lost(pulsar_client *client, conn *c)
{
    for (producer_part *part = client->producer_parts; part != NULL; part = part->next) {
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

uint64_t producer_run_timers(pulsar_client *client, uint64_t now_ms)
{
    uint64_t next = 0;
    for (producer_part *part = client->producer_parts; part != NULL; part = part->next) {
        pulsar_producer *producer = part->producer;
        if (producer->closed) {
            continue;
        }
        if (part->state == PART_IDLE) {
            if (part->reconnect_at_ms <= now_ms) {
                producer_part_connect(part);
            } else {
                next = earlier(next, part->reconnect_at_ms);
            }
        }
        if (part->batch_count > 0) {
            if (part->batch_deadline_ms <= now_ms) {
                producer_flush_batch(part);
            } else {
                next = earlier(next, part->batch_deadline_ms);
            }
        }
        uint32_t timeout = producer->config.send_timeout_ms;
        while (timeout > 0 && part->head != NULL && part->head->created_ms + timeout <= now_ms) {
            client_log(client, PULSAR_LOG_WARN, "producer on %s: sequence id %llu timed out",
                       part->topic, (unsigned long long)part->head->sequence_first);
            producer_fail_entry(part, pop_head(part), PULSAR_ERR_TIMEOUT);
        }
        if (timeout > 0 && part->head != NULL) {
            next = earlier(next, part->head->created_ms + timeout);
        }
    }
    return next;
}

static void free_part(producer_part *part)
{
    free(part->topic);
    free(part->name);
    free(part->batch_messages);
    free(part->batch_key);
    proto_buf_free(&part->batch);
    free(part);
}

static void unlink_part(pulsar_client *client, producer_part *part)
{
    for (producer_part **link = &client->producer_parts; *link != NULL; link = &(*link)->next) {
        if (*link == part) {
            *link = part->next;
            return;
        }
    }
}

static void unlink_producer(pulsar_client *client, pulsar_producer *producer)
{
    for (pulsar_producer **link = &client->producers; *link != NULL; link = &(*link)->next) {
        if (*link == producer) {
            *link = producer->next;
            return;
        }
    }
}

typedef struct {
    bool done;
} close_wait;

static void on_closed(pulsar_client *client, conn *c, void *context, pulsar_result result,
                      const proto_command *cmd)
{
    (void)c;
    (void)result;
    (void)cmd;
    close_wait *wait = context;
    wait->done = true;
    pthread_cond_broadcast(&client->cond);
}

static void deregister_part(pulsar_client *client, producer_part *part)
{
    close_wait wait = {false};
    uint64_t request_id = client_next_id(client);
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_close_producer(&frame, part->id, request_id);
    frame_end_simple(&frame, start);
    conn_request_send(part->conn, request_id, &frame, on_closed, &wait);
    proto_buf_free(&frame);
    while (!wait.done) {
        client_wait_until(client, 0);
    }
}

/* Deregisters every part, fails what is left, unlinks and frees the producer. Lock held. */
static void destroy_locked(pulsar_producer *producer)
{
    pulsar_client *client = producer->client;
    producer->closed = true;

    for (uint32_t i = 0; i < producer->part_count; i++) {
        producer_part *part = producer->parts[i];
        if (part == NULL) {
            continue;
        }
        if (part->state == PART_READY && part->conn != NULL) {
            deregister_part(client, part);
        }
        unlink_part(client, part);
        for (uint32_t j = 0; j < part->batch_count; j++) {
            pending_message *m = &part->batch_messages[j];
            client_defer_send(client, m->callback, m->user_data, PULSAR_ERR_CLOSED, NULL,
                              m->sequence_id);
        }
        producer->pending_messages -= part->batch_count;
        part->completed_total += part->batch_count;
        part->batch_count = 0;
        while (part->head != NULL) {
            producer_fail_entry(part, pop_head(part), PULSAR_ERR_CLOSED);
        }
    }

    /* Threads blocked in send or flush leave once they see `closed` (a sender after its
     * failed message's callback ran), and only then does the memory go. */
    pthread_cond_broadcast(&client->cond);
    while (producer->waiters > 0) {
        client_wait_until(client, 0);
    }
    for (uint32_t i = 0; i < producer->part_count; i++) {
        if (producer->parts[i] != NULL) {
            free_part(producer->parts[i]);
        }
    }
    unlink_producer(client, producer);
    free(producer->parts);
    free(producer->topic);
    free(producer->user_name);
    free(producer);
    pthread_cond_broadcast(&client->cond);
    client_wake(client);
}

static pulsar_result add_parts(pulsar_producer *producer, uint32_t partitions)
{
    pulsar_client *client = producer->client;
    uint32_t count = partitions == 0 ? 1 : partitions;
    producer->parts = calloc(count, sizeof *producer->parts);
    if (producer->parts == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    producer->part_count = count;
    for (uint32_t i = 0; i < count; i++) {
        producer_part *part = calloc(1, sizeof *part);
        if (part == NULL) {
            return PULSAR_ERR_NO_MEMORY;
        }
        producer->parts[i] = part;
        part->producer = producer;
        part->id = client_next_id(client);
        part->partition = partitions == 0 ? -1 : (int32_t)i;
        proto_buf_init(&part->batch);
        if (producer->user_name != NULL) {
            part->name = strdup(producer->user_name);
        }
        size_t len = strlen(producer->topic) + 32;
        part->topic = malloc(len);
        if (part->topic == NULL || (producer->user_name != NULL && part->name == NULL)) {
            return PULSAR_ERR_NO_MEMORY;
        }
        if (partitions == 0) {
            memcpy(part->topic, producer->topic, strlen(producer->topic) + 1);
        } else {
            snprintf(part->topic, len, "%s-partition-%u", producer->topic, (unsigned)i);
        }
        part->next = client->producer_parts;
        client->producer_parts = part;
    }
    return PULSAR_OK;
}

/* Waits until every part is READY, one FAILED, or the deadline passed. Lock held. */
static pulsar_result wait_ready(pulsar_producer *producer, uint64_t deadline_ms)
{
    for (;;) {
        bool all_ready = true;
        for (uint32_t i = 0; i < producer->part_count; i++) {
            producer_part *part = producer->parts[i];
            if (part->state == PART_FAILED) {
                return part->last_error;
            }
            all_ready = all_ready && part->state == PART_READY;
        }
        if (all_ready) {
            return PULSAR_OK;
        }
        if (!client_wait_until(producer->client, deadline_ms)) {
            pulsar_result last = producer->parts[0]->last_error;
            return last != PULSAR_OK ? last : PULSAR_ERR_TIMEOUT;
        }
    }
}

pulsar_result pulsar_producer_create(pulsar_client *client, const pulsar_producer_config *config,
                                     pulsar_producer **producer_out)
{
    if (client == NULL || config == NULL || producer_out == NULL || config->topic == NULL ||
        config->topic[0] == '\0' || config->max_pending_messages == 0 ||
        (config->batching_enabled &&
         (config->batching_max_messages == 0 || config->batching_max_bytes == 0)) ||
        (config->producer_name != NULL && config->producer_name[0] == '\0')) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    if (config->compression > PULSAR_COMPRESSION_ZSTD) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pulsar_producer *producer = calloc(1, sizeof *producer);
    if (producer == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    producer->client = client;
    producer->config = *config;
    producer->last_sequence_id = -1;
    producer->topic = lookup_full_topic(config->topic);
    producer->user_name = config->producer_name != NULL ? strdup(config->producer_name) : NULL;
    producer->config.topic = producer->topic;
    producer->config.producer_name = producer->user_name;

    pthread_mutex_lock(&client->lock);
    producer->next = client->producers;
    client->producers = producer;
    uint64_t deadline = client_now_ms() + client->config.operation_timeout_ms;
    uint32_t partitions = 0;
    pulsar_result rc = PULSAR_OK;
    if (client->stopping) {
        rc = PULSAR_ERR_CLOSED;
    } else if (producer->topic == NULL ||
               (config->producer_name != NULL && producer->user_name == NULL)) {
        rc = PULSAR_ERR_NO_MEMORY;
    } else {
        rc = lookup_partitions_locked(client, producer->topic, &partitions);
    }
    if (rc == PULSAR_OK) {
        rc = add_parts(producer, partitions);
    }
    if (rc == PULSAR_OK) {
        for (uint32_t i = 0; i < producer->part_count; i++) {
            producer_part_connect(producer->parts[i]);
        }
        rc = wait_ready(producer, deadline);
    }
    if (rc != PULSAR_OK) {
        destroy_locked(producer);
        pthread_mutex_unlock(&client->lock);
        return rc;
    }
    producer->last_sequence_id = producer->parts[0]->next_sequence_id - 1;
    pthread_mutex_unlock(&client->lock);
    *producer_out = producer;
    return PULSAR_OK;
}

pulsar_result pulsar_producer_close(pulsar_producer *producer)
{
    if (producer == NULL) {
        return PULSAR_OK;
    }
    pulsar_client *client = producer->client;
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&client->lock);
    pulsar_result rc = PULSAR_OK;
    if (!producer->closed) {
        uint64_t deadline = client_now_ms() + client->config.operation_timeout_ms;
        rc = producer_flush_locked(producer, deadline);
    }
    destroy_locked(producer);
    pthread_mutex_unlock(&client->lock);
    return rc;
}

void producer_close_all(pulsar_client *client)
{
    for (;;) {
        pthread_mutex_lock(&client->lock);
        pulsar_producer *producer = client->producers;
        pthread_mutex_unlock(&client->lock);
        if (producer == NULL) {
            return;
        }
        pulsar_producer_close(producer);
    }
}
