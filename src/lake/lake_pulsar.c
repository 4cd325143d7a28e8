/*
 * Pulsar glue of the lake sink (lake_pulsar.h).
 *
 * Each received message becomes a lake_record whose ack_handle is a small
 * heap record of the consumer and the message id. on_persisted acknowledges
 * and frees those records. A message that lake_sink_add rejects with
 * LAKE_ERR_BUSY is kept in `held` and offered again on the next pass, so
 * intake pauses while uploads are failing instead of piling up in memory.
 */
#include "lake/lake_pulsar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

typedef struct {
    pulsar_consumer *consumer;
    pulsar_message_id id;
} pending_ack;

struct lake_pulsar_sink {
    pulsar_consumer **consumers;
    size_t consumer_count;
    size_t next_consumer; /* round-robin start of the next receive pass */
    lake_path_template *path_template;
    lake_tz *time_zone;
    lake_sink *sink;
    pulsar_message *held; /* refused with LAKE_ERR_BUSY, offered again later */
    pulsar_consumer *held_consumer;
    lake_property *properties; /* reused conversion buffer */
    size_t property_cap;
    uint64_t ack_failures;
};

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void acknowledge(void *context, const char *object_name, const lake_ack *acks, size_t count)
{
    lake_pulsar_sink *sink = context;
    for (size_t i = 0; i < count; i++) {
        pending_ack *ack = acks[i].ack_handle;
        pulsar_result rc = pulsar_consumer_ack(ack->consumer, &ack->id);
        if (rc != PULSAR_OK) {
            /* The message is in the lake; Pulsar will deliver it again, which only duplicates it.
             */
            sink->ack_failures++;
            sy_log(SY_LOG_WARN, "sink", "acknowledging a message of %s failed: %s", object_name,
                   pulsar_result_str(rc));
        }
        free(ack);
    }
}

static void release(void *context, const char *object_name, const lake_ack *acks, size_t count)
{
    (void)context;
    (void)object_name;
    for (size_t i = 0; i < count; i++) {
        free(acks[i].ack_handle);
    }
}

static pulsar_subscription_type subscription_type(lake_subscription_type type)
{
    switch (type) {
    case LAKE_SUBSCRIPTION_EXCLUSIVE:
        return PULSAR_SUBSCRIPTION_EXCLUSIVE;
    case LAKE_SUBSCRIPTION_SHARED:
        return PULSAR_SUBSCRIPTION_SHARED;
    case LAKE_SUBSCRIPTION_KEY_SHARED:
        return PULSAR_SUBSCRIPTION_KEY_SHARED;
    case LAKE_SUBSCRIPTION_FAILOVER:
        break;
    }
    return PULSAR_SUBSCRIPTION_FAILOVER;
}

static void free_sink(lake_pulsar_sink *sink)
{
    for (size_t i = 0; i < sink->consumer_count; i++) {
        pulsar_consumer_close(sink->consumers[i]);
    }
    pulsar_message_free(sink->held);
    lake_sink_free(sink->sink);
    lake_path_template_free(sink->path_template);
    lake_tz_free(sink->time_zone);
    free(sink->consumers);
    free(sink->properties);
    free(sink);
}

static lake_err make_batching_sink(lake_pulsar_sink *sink, const lake_sink_settings *settings,
                                   lake_store *store, char *error, size_t error_size)
{
    lake_err rc = lake_path_template_parse(settings->path, &sink->path_template, error, error_size);
    if (rc == LAKE_OK) {
        rc = lake_tz_load(settings->time_zone, &sink->time_zone, error, error_size);
    }
    if (rc != LAKE_OK) {
        return rc;
    }
    lake_sink_config config = {
        .env = settings->environment,
        .path_template = sink->path_template,
        .time_zone = sink->time_zone,
        .format = lake_format_find(settings->format),
        .compression = settings->compression,
        .compression_level = settings->compression_level,
        .max_records = (size_t)settings->max_records,
        .max_bytes = (size_t)settings->max_bytes,
        .max_age_ms = settings->max_age_ms,
        .max_pending_files = (size_t)settings->max_pending_files,
        .retry_initial_ms = settings->retry_initial_ms,
        .retry_max_ms = settings->retry_max_ms,
        .store = store,
        .on_persisted = acknowledge,
        .persisted_context = sink,
        .on_discarded = release,
    };
    return lake_sink_new(&config, &sink->sink, error, error_size);
}

lake_err lake_pulsar_sink_start(pulsar_client *client, const lake_sink_settings *settings,
                                lake_store *store, lake_pulsar_sink **out, char *error,
                                size_t error_size)
{
    if (settings->topic_count == 0) {
        /* NOTE: a namespace needs its topics listed through the admin API, which is not wired in
         * yet. */
        snprintf(error, error_size,
                 "sink %s names a namespace; the sink consumes listed topics only so far: "
                 "list them under topics",
                 settings->name);
        return LAKE_ERR_INVALID;
    }
    lake_pulsar_sink *sink = calloc(1, sizeof *sink);
    if (sink == NULL ||
        (sink->consumers = calloc(settings->topic_count, sizeof *sink->consumers)) == NULL) {
        free(sink);
        return LAKE_ERR_NOMEM;
    }
    lake_err rc = make_batching_sink(sink, settings, store, error, error_size);

    for (size_t i = 0; rc == LAKE_OK && i < settings->topic_count; i++) {
        pulsar_consumer_config config;
        pulsar_consumer_config_init(&config);
        config.topic = settings->topics[i];
        config.subscription = settings->subscription;
        config.type = subscription_type(settings->subscription_type);
        config.initial_position = PULSAR_POSITION_EARLIEST;
        pulsar_result result =
            pulsar_consumer_subscribe(client, &config, &sink->consumers[sink->consumer_count]);
        if (result != PULSAR_OK) {
            snprintf(error, error_size, "subscribing %s to %s failed: %s", settings->subscription,
                     settings->topics[i], pulsar_result_str(result));
            rc = LAKE_ERR_NETWORK;
            break;
        }
        sink->consumer_count++;
    }
    if (rc != LAKE_OK) {
        free_sink(sink);
        return rc;
    }
    sy_log(SY_LOG_INFO, "sink", "sink %s subscribed as %s to %zu topics", settings->name,
           settings->subscription, sink->consumer_count);
    *out = sink;
    return LAKE_OK;
}

/* Offers one message to the batching sink; keeps it in held when the sink is busy. */
static lake_err offer(lake_pulsar_sink *sink, pulsar_consumer *consumer, pulsar_message *message,
                      char *error, size_t error_size)
{
    if (message->property_count > sink->property_cap) {
        lake_property *grown = realloc(sink->properties, message->property_count * sizeof *grown);
        if (grown == NULL) {
            pulsar_message_free(message);
            return LAKE_ERR_NOMEM;
        }
        sink->properties = grown;
        sink->property_cap = message->property_count;
    }
    for (size_t i = 0; i < message->property_count; i++) {
        sink->properties[i] =
            (lake_property){message->properties[i].key, message->properties[i].value};
    }
    pending_ack *ack = malloc(sizeof *ack);
    if (ack == NULL) {
        pulsar_message_free(message);
        return LAKE_ERR_NOMEM;
    }
    *ack = (pending_ack){consumer, message->id};

    lake_record record = {
        .payload = message->payload,
        .payload_len = message->payload_len,
        .properties = sink->properties,
        .property_count = message->property_count,
        .key = message->key,
        .id = {message->id.ledger_id, message->id.entry_id, message->id.partition,
               message->id.batch_index},
        .topic = message->topic,
        .publish_time_ms = (int64_t)message->publish_time_ms,
        .event_time_ms = (int64_t)message->event_time_ms,
        .ack_handle = ack,
    };
    lake_err rc = lake_sink_add(sink->sink, &record, error, error_size);
    if (rc == LAKE_ERR_BUSY) {
        free(ack);
        sink->held = message;
        sink->held_consumer = consumer;
        return LAKE_OK;
    }
    if (rc != LAKE_OK) {
        free(ack);
    }
    /* The sink copied what it keeps; the message itself is no longer needed. */
    pulsar_message_free(message);
    return rc;
}

lake_err lake_pulsar_sink_run_once(lake_pulsar_sink *sink, int wait_ms, char *error,
                                   size_t error_size)
{
    lake_sink_poll(sink->sink);
    if (sink->held != NULL) {
        pulsar_message *message = sink->held;
        sink->held = NULL;
        lake_err rc = offer(sink, sink->held_consumer, message, error, error_size);
        if (rc != LAKE_OK || sink->held != NULL) {
            return rc; /* still busy: no new intake until uploads catch up */
        }
    }

    /* One pass over all consumers without waiting; wait only when every one was empty. */
    size_t received = 0;
    for (size_t n = 0; n < sink->consumer_count && sink->held == NULL; n++) {
        size_t index = (sink->next_consumer + n) % sink->consumer_count;
        pulsar_message *message = NULL;
        int timeout = received == 0 && n + 1 == sink->consumer_count ? wait_ms : 0;
        pulsar_result result = pulsar_consumer_receive(sink->consumers[index], timeout, &message);
        if (result == PULSAR_ERR_TIMEOUT) {
            continue;
        }
        if (result != PULSAR_OK) {
            snprintf(error, error_size, "receiving failed: %s", pulsar_result_str(result));
            return LAKE_ERR_NETWORK;
        }
        received++;
        lake_err rc = offer(sink, sink->consumers[index], message, error, error_size);
        if (rc != LAKE_OK) {
            return rc;
        }
    }
    sink->next_consumer = (sink->next_consumer + 1) % sink->consumer_count;
    return LAKE_OK;
}

void lake_pulsar_sink_stats(const lake_pulsar_sink *sink, lake_sink_stats *stats)
{
    lake_sink_get_stats(sink->sink, stats);
}

lake_err lake_pulsar_sink_stop(lake_pulsar_sink *sink, int64_t deadline_ms, char *error,
                               size_t error_size)
{
    lake_err rc = lake_sink_flush(sink->sink, error, error_size);
    while (rc != LAKE_OK && lake_err_retriable(rc) && monotonic_ms() < deadline_ms) {
        int64_t wait = lake_sink_next_deadline(sink->sink) - monotonic_ms();
        int64_t left = deadline_ms - monotonic_ms();
        wait = wait < left ? wait : left;
        if (wait > 0) {
            struct timespec pause = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000};
            nanosleep(&pause, NULL);
        }
        rc = lake_sink_flush(sink->sink, error, error_size);
    }
    lake_sink_stats stats;
    lake_sink_get_stats(sink->sink, &stats);
    if (rc != LAKE_OK) {
        sy_log(SY_LOG_ERROR, "sink",
               "stopping with %zu files not uploaded (%s); their messages stay unacknowledged "
               "and will be delivered again",
               stats.pending_files, error);
    }
    free_sink(sink);
    return rc;
}
