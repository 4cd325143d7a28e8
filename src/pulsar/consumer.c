/*
 * Consumer public API: subscribe, receive, acknowledgement (individual,
 * cumulative, negative), redelivery, unsubscribe and close. The wire side
 * is in consumer_conn.c.
 */
#include "pulsar/consumer_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pulsar_consumer_config_init(pulsar_consumer_config *config)
{
    memset(config, 0, sizeof *config);
    config->type = PULSAR_SUBSCRIPTION_EXCLUSIVE;
    config->initial_position = PULSAR_POSITION_LATEST;
    config->receiver_queue_size = 1000;
    config->negative_ack_delay_ms = 1000;
}

bool consumer_track_batch(pulsar_consumer *consumer, int32_t partition, uint64_t ledger_id,
                          uint64_t entry_id, uint32_t size)
{
    batch_tracker *tracker = tracker_find(&consumer->trackers, partition, ledger_id, entry_id);
    if (tracker == NULL) {
        return tracker_add(&consumer->trackers, partition, ledger_id, entry_id, size) != NULL;
    }
    if (tracker->size != size) {
        return false;
    }
    /* A redelivered entry: every message is delivered, and to be acknowledged, again. */
    memset(tracker->acked, 0, (size + 7) / 8);
    tracker->remaining = size;
    return true;
}

static consumer_part *part_for(pulsar_consumer *consumer, const pulsar_message_id *id)
{
    int32_t index = id->partition < 0 ? 0 : id->partition;
    if ((uint32_t)index >= consumer->part_count) {
        return NULL;
    }
    return consumer->parts[index];
}

static void send_ack(consumer_part *part, uint32_t ack_type, uint64_t ledger_id, uint64_t entry_id)
{
    cmd_message_id id = {ledger_id, entry_id, -1, -1, 0};
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_ack(&frame, part->id, ack_type, &id, 1, -1);
    frame_end_simple(&frame, start);
    /* NOTE: an acknowledgement made while the part is reconnecting is not sent; the broker
     * then delivers the message again (a duplicate, never a loss). */
    consumer_part_send(part, &frame);
    proto_buf_free(&frame);
}

pulsar_result pulsar_consumer_ack(pulsar_consumer *consumer, const pulsar_message_id *id)
{
    if (consumer == NULL || id == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    return pulsar_consumer_ack_list(consumer, id, 1);
}

/* Returns true when id may be acknowledged on part (a batch index inside its batch). */
static bool ack_id_valid(const consumer_part *part, const pulsar_message_id *id)
{
    return part != NULL && !(id->batch_index >= 0 && id->batch_index >= id->batch_size);
}

/*
 * Marks id acknowledged and returns true when its whole entry now is, so
 * that the entry's acknowledgement is due. Runs with the client lock held.
 */
static bool ack_completes_entry(pulsar_consumer *consumer, const consumer_part *part,
                                const pulsar_message_id *id)
{
    if (id->batch_index < 0) {
        return true;
    }
    batch_tracker *tracker =
        tracker_find(&consumer->trackers, part->partition, id->ledger_id, id->entry_id);
    uint32_t i = (uint32_t)id->batch_index;
    if (tracker == NULL || i >= tracker->size || (tracker->acked[i / 8] & (1u << (i % 8))) != 0) {
        return false;
    }
    tracker->acked[i / 8] |= (uint8_t)(1u << (i % 8));
    if (--tracker->remaining > 0) {
        return false;
    }
    tracker_remove(&consumer->trackers, tracker);
    return true;
}

/* Maximum list length that pulsar_consumer_ack_list handles without allocating. */
#define ACK_LIST_ON_STACK 16

/* Maximum entries gathered for one ACK command. Reaching it sends the command at once. */
#define CONSUMER_ACK_GROUP_MAX 1000

void consumer_flush_acks(consumer_part *part)
{
    if (part->ack_count == 0) {
        return;
    }
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_ack(&frame, part->id, CMD_ACK_INDIVIDUAL, part->acks, part->ack_count, -1);
    frame_end_simple(&frame, start);
    /* As in send_ack: not sent while the part reconnects, so redelivered, not lost. */
    consumer_part_send(part, &frame);
    proto_buf_free(&frame);
    part->ack_count = 0;
}

/* Adds completed entries to part's next ACK command. Returns false when out of memory. */
static bool gather_acks(consumer_part *part, const cmd_message_id *entries, size_t count)
{
    if (part->ack_count + count > part->ack_cap) {
        size_t cap = part->ack_cap == 0 ? 64 : part->ack_cap;
        while (cap < part->ack_count + count) {
            cap *= 2;
        }
        cmd_message_id *grown = realloc(part->acks, cap * sizeof *grown);
        if (grown == NULL) {
            return false;
        }
        part->acks = grown;
        part->ack_cap = cap;
    }
    memcpy(part->acks + part->ack_count, entries, count * sizeof *entries);
    part->ack_count += count;

    if (part->ack_count >= CONSUMER_ACK_GROUP_MAX) {
        consumer_flush_acks(part);
    } else {
        client_wake(part->consumer->client);
    }
    return true;
}

pulsar_result pulsar_consumer_ack_list(pulsar_consumer *consumer, const pulsar_message_id *ids,
                                       size_t count)
{
    if (consumer == NULL || (ids == NULL && count > 0)) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = consumer->client;
    /* Short lists, a single acknowledgement above all, need no allocation. */
    consumer_part *parts_on_stack[ACK_LIST_ON_STACK];
    cmd_message_id entries_on_stack[ACK_LIST_ON_STACK];
    bool on_stack = count <= ACK_LIST_ON_STACK;
    consumer_part **parts = on_stack ? parts_on_stack : calloc(count, sizeof *parts);
    cmd_message_id *entries = on_stack ? entries_on_stack : calloc(count, sizeof *entries);
    pthread_mutex_lock(&client->lock);
    pulsar_result rc = PULSAR_OK;

    if (consumer->closed) {
        rc = PULSAR_ERR_CLOSED;
    } else if (count > 0 && (parts == NULL || entries == NULL)) {
        rc = PULSAR_ERR_NO_MEMORY;
    }
    /* Every id is checked before any is taken, so an error acknowledges nothing. */
    for (size_t i = 0; rc == PULSAR_OK && i < count; i++) {
        parts[i] = part_for(consumer, &ids[i]);
        if (!ack_id_valid(parts[i], &ids[i])) {
            rc = PULSAR_ERR_INVALID_ARGUMENT;
        }
    }

    /* One ACK command per partition, holding every entry that became complete. */
    for (size_t first = 0; rc == PULSAR_OK && first < count; first++) {
        consumer_part *part = parts[first];
        if (part == NULL) {
            continue;
        }
        size_t entry_count = 0;
        for (size_t i = first; i < count; i++) {
            if (parts[i] != part) {
                continue;
            }
            parts[i] = NULL;
            if (ack_completes_entry(consumer, part, &ids[i])) {
                entries[entry_count++] = (cmd_message_id){ids[i].ledger_id, ids[i].entry_id, -1,
                                                          -1, 0};
            }
        }
        if (entry_count > 0 && !gather_acks(part, entries, entry_count)) {
            rc = PULSAR_ERR_NO_MEMORY;
        }
    }
    pthread_mutex_unlock(&client->lock);
    if (!on_stack) {
        free(parts);
        free(entries);
    }
    return rc;
}

pulsar_result pulsar_consumer_ack_cumulative(pulsar_consumer *consumer, const pulsar_message_id *id)
{
    if (consumer == NULL || id == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    if (consumer->config.type == PULSAR_SUBSCRIPTION_SHARED ||
        consumer->config.type == PULSAR_SUBSCRIPTION_KEY_SHARED) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pulsar_client *client = consumer->client;
    pthread_mutex_lock(&client->lock);
    consumer_part *part = part_for(consumer, id);
    if (consumer->closed || part == NULL) {
        pthread_mutex_unlock(&client->lock);
        return consumer->closed ? PULSAR_ERR_CLOSED : PULSAR_ERR_INVALID_ARGUMENT;
    }

    /* Inside a batch only the entry before it is complete (as the Java client does). */
    bool partial = id->batch_index >= 0 && id->batch_index < id->batch_size - 1;
    if (!partial || id->entry_id > 0) {
        uint64_t entry = partial ? id->entry_id - 1 : id->entry_id;
        send_ack(part, CMD_ACK_CUMULATIVE, id->ledger_id, entry);
        tracker_remove_through(&consumer->trackers, part->partition, id->ledger_id, entry);
    }
    pthread_mutex_unlock(&client->lock);
    return PULSAR_OK;
}

pulsar_result pulsar_consumer_negative_ack(pulsar_consumer *consumer, const pulsar_message_id *id)
{
    if (consumer == NULL || id == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = consumer->client;
    pthread_mutex_lock(&client->lock);
    pulsar_result rc = PULSAR_OK;
    consumer_part *part = part_for(consumer, id);
    nack_entry *nack = NULL;
    if (consumer->closed) {
        rc = PULSAR_ERR_CLOSED;
    } else if (part == NULL) {
        rc = PULSAR_ERR_INVALID_ARGUMENT;
    } else if ((nack = calloc(1, sizeof *nack)) == NULL) {
        rc = PULSAR_ERR_NO_MEMORY;
    } else {
        batch_tracker *tracker =
            tracker_find(&consumer->trackers, part->partition, id->ledger_id, id->entry_id);
        if (tracker != NULL) {
            tracker_remove(&consumer->trackers, tracker);
        }
        nack->partition = part->partition;
        nack->ledger_id = id->ledger_id;
        nack->entry_id = id->entry_id;
        nack->due_ms = client_now_ms() + consumer->config.negative_ack_delay_ms;
        nack->next = consumer->nacks;
        consumer->nacks = nack;
        client_wake(client);
    }
    pthread_mutex_unlock(&client->lock);
    return rc;
}

pulsar_result pulsar_consumer_redeliver_unacknowledged(pulsar_consumer *consumer)
{
    if (consumer == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = consumer->client;
    pthread_mutex_lock(&client->lock);
    if (consumer->closed) {
        pthread_mutex_unlock(&client->lock);
        return PULSAR_ERR_CLOSED;
    }
    for (uint32_t i = 0; i < consumer->part_count; i++) {
        consumer_part *part = consumer->parts[i];
        consumer_flush_acks(part);
        consumer_drop_queued(part);
        proto_buf frame;
        proto_buf_init(&frame);
        size_t start = frame_begin(&frame);
        cmd_encode_redeliver(&frame, part->id, NULL, 0);
        frame_end_simple(&frame, start);
        consumer_part_send(part, &frame);
        proto_buf_free(&frame);
        consumer_grant_permits(part, 0);
    }
    tracker_clear(&consumer->trackers);
    pthread_mutex_unlock(&client->lock);
    return PULSAR_OK;
}

uint64_t pulsar_consumer_dropped_count(const pulsar_consumer *consumer)
{
    if (consumer == NULL) {
        return 0;
    }
    pthread_mutex_lock(&consumer->client->lock);
    uint64_t dropped = consumer->dropped;
    pthread_mutex_unlock(&consumer->client->lock);
    return dropped;
}

pulsar_result pulsar_consumer_receive(pulsar_consumer *consumer, int timeout_ms,
                                      pulsar_message **message_out)
{
    if (consumer == NULL || message_out == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = consumer->client;
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    uint64_t deadline = timeout_ms < 0 ? 0 : client_now_ms() + (uint64_t)timeout_ms;

    pthread_mutex_lock(&client->lock);
    pulsar_result rc = PULSAR_OK;
    consumer->waiters++;
    for (;;) {
        if (consumer->closed) {
            rc = PULSAR_ERR_CLOSED;
            break;
        }
        queued_message *queued = consumer->queue_head;
        if (queued != NULL) {
            consumer->queue_head = queued->next;
            if (consumer->queue_head == NULL) {
                consumer->queue_tail = NULL;
            }
            consumer->queue_len--;
            consumer_part *part = consumer_find_part(client, queued->part_id);
            if (part != NULL) {
                consumer_grant_permits(part, 1);
            }
            *message_out = queued->message;
            free(queued);
            break;
        }
        if (timeout_ms == 0 || !client_wait_until(client, deadline)) {
            rc = PULSAR_ERR_TIMEOUT;
            break;
        }
    }
    consumer->waiters--;
    if (consumer->closed) {
        /* The closing thread waits for the last receiver to leave. */
        pthread_cond_broadcast(&client->cond);
    }
    pthread_mutex_unlock(&client->lock);
    return rc;
}

static void unlink_consumer(pulsar_client *client, pulsar_consumer *consumer)
{
    for (pulsar_consumer **link = &client->consumers; *link != NULL; link = &(*link)->next) {
        if (*link == consumer) {
            *link = consumer->next;
            return;
        }
    }
}

static void unlink_part(pulsar_client *client, consumer_part *part)
{
    for (consumer_part **link = &client->consumer_parts; *link != NULL; link = &(*link)->next) {
        if (*link == part) {
            *link = part->next;
            return;
        }
    }
}

typedef struct {
    bool done;
    pulsar_result result;
} request_wait;

static void on_request_done(pulsar_client *client, conn *c, void *context, pulsar_result result,
                            const proto_command *cmd)
{
    (void)c;
    (void)cmd;
    request_wait *wait = context;
    wait->result = result;
    wait->done = true;
    pthread_cond_broadcast(&client->cond);
}

/* Sends CLOSE_CONSUMER or UNSUBSCRIBE for a READY part and waits for the response. Lock
 * held. */
static pulsar_result part_request(consumer_part *part, uint32_t type)
{
    pulsar_client *client = part->consumer->client;
    if (part->state != PART_READY || part->conn == NULL) {
        return PULSAR_ERR_DISCONNECTED;
    }
    consumer_flush_acks(part);
    request_wait wait = {false, PULSAR_OK};
    uint64_t request_id = client_next_id(client);
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    if (type == CMD_UNSUBSCRIBE) {
        cmd_encode_unsubscribe(&frame, part->id, request_id);
    } else {
        cmd_encode_close_consumer(&frame, part->id, request_id);
    }
    frame_end_simple(&frame, start);
    conn_request_send(part->conn, request_id, &frame, on_request_done, &wait);
    proto_buf_free(&frame);
    while (!wait.done) {
        client_wait_until(client, 0);
    }
    return wait.result;
}

/* Closes every part on the broker, frees queued messages and the consumer. Lock held. */
static void destroy_locked(pulsar_consumer *consumer)
{
    pulsar_client *client = consumer->client;
    consumer->closed = true;
    /* Threads blocked in receive see `closed` and leave before the memory goes. */
    pthread_cond_broadcast(&client->cond);
    while (consumer->waiters > 0 || consumer->building > 0) {
        client_wait_until(client, 0);
    }
    for (uint32_t i = 0; i < consumer->part_count; i++) {
        consumer_part *part = consumer->parts[i];
        if (part == NULL) {
            continue;
        }
        if (part->state == PART_READY) {
            part_request(part, CMD_CLOSE_CONSUMER);
        }
        unlink_part(client, part);
        free(part->acks);
        free(part->topic);
        free(part);
    }
    while (consumer->queue_head != NULL) {
        queued_message *queued = consumer->queue_head;
        consumer->queue_head = queued->next;
        pulsar_message_free(queued->message);
        free(queued);
    }
    tracker_clear(&consumer->trackers);
    while (consumer->nacks != NULL) {
        nack_entry *nack = consumer->nacks;
        consumer->nacks = nack->next;
        free(nack);
    }
    unlink_consumer(client, consumer);
    free(consumer->parts);
    free(consumer->topic);
    free(consumer->subscription);
    free(consumer->consumer_name);
    free(consumer);
    pthread_cond_broadcast(&client->cond);
}

static pulsar_result add_parts(pulsar_consumer *consumer, uint32_t partitions)
{
    pulsar_client *client = consumer->client;
    uint32_t count = partitions == 0 ? 1 : partitions;
    consumer->parts = calloc(count, sizeof *consumer->parts);
    if (consumer->parts == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    consumer->part_count = count;
    for (uint32_t i = 0; i < count; i++) {
        consumer_part *part = calloc(1, sizeof *part);
        if (part == NULL) {
            return PULSAR_ERR_NO_MEMORY;
        }
        consumer->parts[i] = part;
        part->consumer = consumer;
        part->id = client_next_id(client);
        part->partition = partitions == 0 ? -1 : (int32_t)i;
        size_t len = strlen(consumer->topic) + 32;
        part->topic = malloc(len);
        if (part->topic == NULL) {
            return PULSAR_ERR_NO_MEMORY;
        }
        if (partitions == 0) {
            snprintf(part->topic, len, "%s", consumer->topic);
        } else {
            snprintf(part->topic, len, "%s-partition-%u", consumer->topic, (unsigned)i);
        }
        part->next = client->consumer_parts;
        client->consumer_parts = part;
    }
    return PULSAR_OK;
}

static pulsar_result wait_ready(pulsar_consumer *consumer, uint64_t deadline_ms)
{
    for (;;) {
        bool all_ready = true;
        for (uint32_t i = 0; i < consumer->part_count; i++) {
            consumer_part *part = consumer->parts[i];
            if (part->state == PART_FAILED) {
                return part->last_error;
            }
            all_ready = all_ready && part->state == PART_READY;
        }
        if (all_ready) {
            return PULSAR_OK;
        }
        if (!client_wait_until(consumer->client, deadline_ms)) {
            pulsar_result last = consumer->parts[0]->last_error;
            return last != PULSAR_OK ? last : PULSAR_ERR_TIMEOUT;
        }
    }
}

pulsar_result pulsar_consumer_subscribe(pulsar_client *client, const pulsar_consumer_config *config,
                                        pulsar_consumer **consumer_out)
{
    if (client == NULL || config == NULL || consumer_out == NULL || config->topic == NULL ||
        config->topic[0] == '\0' || config->subscription == NULL ||
        config->subscription[0] == '\0' || config->receiver_queue_size == 0 ||
        config->type > PULSAR_SUBSCRIPTION_KEY_SHARED ||
        config->initial_position > PULSAR_POSITION_EARLIEST) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pulsar_consumer *consumer = calloc(1, sizeof *consumer);
    if (consumer == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    consumer->client = client;
    consumer->config = *config;
    consumer->topic = lookup_full_topic(config->topic);
    consumer->subscription = strdup(config->subscription);
    consumer->consumer_name = config->consumer_name != NULL ? strdup(config->consumer_name) : NULL;
    consumer->config.topic = consumer->topic;
    consumer->config.subscription = consumer->subscription;
    consumer->config.consumer_name = consumer->consumer_name;

    pthread_mutex_lock(&client->lock);
    consumer->next = client->consumers;
    client->consumers = consumer;
    uint64_t deadline = client_now_ms() + client->config.operation_timeout_ms;
    uint32_t partitions = 0;
    pulsar_result rc = PULSAR_OK;
    if (client->stopping) {
        rc = PULSAR_ERR_CLOSED;
    } else if (consumer->topic == NULL || consumer->subscription == NULL ||
               (config->consumer_name != NULL && consumer->consumer_name == NULL)) {
        rc = PULSAR_ERR_NO_MEMORY;
    } else {
        rc = lookup_partitions_locked(client, consumer->topic, &partitions);
    }
    if (rc == PULSAR_OK) {
        rc = add_parts(consumer, partitions);
    }
    if (rc == PULSAR_OK) {
        for (uint32_t i = 0; i < consumer->part_count; i++) {
            consumer_part_connect(consumer->parts[i]);
        }
        rc = wait_ready(consumer, deadline);
    }
    if (rc != PULSAR_OK) {
        destroy_locked(consumer);
        pthread_mutex_unlock(&client->lock);
        return rc;
    }
    pthread_mutex_unlock(&client->lock);
    *consumer_out = consumer;
    return PULSAR_OK;
}

pulsar_result pulsar_consumer_close(pulsar_consumer *consumer)
{
    if (consumer == NULL) {
        return PULSAR_OK;
    }
    pulsar_client *client = consumer->client;
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&client->lock);
    destroy_locked(consumer);
    pthread_mutex_unlock(&client->lock);
    return PULSAR_OK;
}

pulsar_result pulsar_consumer_unsubscribe(pulsar_consumer *consumer)
{
    if (consumer == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    pulsar_client *client = consumer->client;
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&client->lock);
    pulsar_result rc = PULSAR_OK;
    for (uint32_t i = 0; i < consumer->part_count; i++) {
        pulsar_result part_rc = part_request(consumer->parts[i], CMD_UNSUBSCRIBE);
        if (rc == PULSAR_OK) {
            rc = part_rc;
        }
    }
    destroy_locked(consumer);
    pthread_mutex_unlock(&client->lock);
    return rc;
}

void consumer_close_all(pulsar_client *client)
{
    for (;;) {
        pthread_mutex_lock(&client->lock);
        pulsar_consumer *consumer = client->consumers;
        pthread_mutex_unlock(&client->lock);
        if (consumer == NULL) {
            return;
        }
        pulsar_consumer_close(consumer);
    }
}
