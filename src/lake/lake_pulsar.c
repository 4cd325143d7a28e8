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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "lake/lake_topics.h"

/*
 * Messages taken from one consumer per pass, before the next consumer's
 * turn and the next age and retry check. A batch spreads those checks
 * over many messages, and its limit keeps one busy topic from starving
 * the others.
 */
#define RECEIVE_BATCH 256

typedef struct {
    pulsar_consumer *consumer;
    pulsar_message_id id;
} pending_ack;

struct lake_pulsar_sink {
    char *name; /* the sink's name, for log lines */
    pulsar_client *client;
    admin_http *admin;    /* NULL unless namespace_name is set */
    char *namespace_name; /* NULL when the topics are listed */
    char *subscription;
    pulsar_subscription_type subscription_type;
    uint32_t receiver_queue;
    int64_t refresh_ms;      /* interval between listings of the namespace's topics */
    int64_t next_refresh_ms; /* monotonic time of the next listing */
    pulsar_consumer **consumers;
    char **consumer_topics; /* the topic of each consumer */
    size_t consumer_count;
    size_t consumer_cap;
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

/*
 * Acknowledges the messages of one stored file with one ACK command per
 * consumer, so that a crash never leaves a file half acknowledged. A
 * redelivered half would form a file of another name, and its messages
 * would then be in two objects.
 */
static void acknowledge(void *context, const char *object_name, const lake_ack *acks, size_t count)
{
    lake_pulsar_sink *sink = context;
    pulsar_message_id *ids = malloc((count > 0 ? count : 1) * sizeof *ids);
    bool *done = calloc(count > 0 ? count : 1, sizeof *done);

    for (size_t first = 0; ids != NULL && done != NULL && first < count; first++) {
        if (done[first]) {
            continue;
        }
        pulsar_consumer *consumer = ((pending_ack *)acks[first].ack_handle)->consumer;
        size_t id_count = 0;
        for (size_t i = first; i < count; i++) {
            pending_ack *ack = acks[i].ack_handle;
            if (!done[i] && ack->consumer == consumer) {
                ids[id_count++] = ack->id;
                done[i] = true;
            }
        }
        pulsar_result rc = pulsar_consumer_ack_list(consumer, ids, id_count);
        if (rc != PULSAR_OK) {
            /* The messages are in the lake; Pulsar delivers them again, which only duplicates. */
            sink->ack_failures += id_count;
            sy_log(SY_LOG_WARN, "sink", "acknowledging %zu messages of %s failed: %s", id_count,
                   object_name, pulsar_result_str(rc));
        }
    }
    if (ids == NULL || done == NULL) {
        sink->ack_failures += count;
        sy_log(SY_LOG_WARN, "sink", "acknowledging the messages of %s failed: out of memory",
               object_name);
    }

    for (size_t i = 0; i < count; i++) {
        free(acks[i].ack_handle);
    }
    free(ids);
    free(done);
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
        free(sink->consumer_topics[i]);
    }
    free(sink->consumer_topics);
    free(sink->name);
    free(sink->namespace_name);
    free(sink->subscription);
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

/* Subscribes to one more topic; the consumer arrays grow as a namespace gains topics. */
static lake_err subscribe_topic(lake_pulsar_sink *sink, const char *topic, char *error,
                                size_t error_size)
{
    if (sink->consumer_count == sink->consumer_cap) {
        size_t cap = sink->consumer_cap == 0 ? 8 : sink->consumer_cap * 2;
        pulsar_consumer **consumers = realloc(sink->consumers, cap * sizeof *consumers);
        if (consumers == NULL) {
            return LAKE_ERR_NOMEM;
        }
        sink->consumers = consumers;
        char **topics = realloc(sink->consumer_topics, cap * sizeof *topics);
        if (topics == NULL) {
            return LAKE_ERR_NOMEM;
        }
        sink->consumer_topics = topics;
        sink->consumer_cap = cap;
    }
    char *name = strdup(topic);
    if (name == NULL) {
        return LAKE_ERR_NOMEM;
    }

    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = sink->subscription;
    config.type = sink->subscription_type;
    config.receiver_queue_size = sink->receiver_queue;
    config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_result result =
        pulsar_consumer_subscribe(sink->client, &config, &sink->consumers[sink->consumer_count]);
    if (result != PULSAR_OK) {
        free(name);
        snprintf(error, error_size, "subscribing %s to %s failed: %s", sink->subscription, topic,
                 pulsar_result_str(result));
        return LAKE_ERR_NETWORK;
    }
    sink->consumer_topics[sink->consumer_count++] = name;
    return LAKE_OK;
}

static bool subscribed(const lake_pulsar_sink *sink, const char *topic)
{
    for (size_t i = 0; i < sink->consumer_count; i++) {
        if (strcmp(sink->consumer_topics[i], topic) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Lists the namespace's topics and subscribes to those not consumed yet.
 * Topics that disappear keep their consumer, which then receives nothing.
 * Returns the first failure; a topic whose subscription failed is tried
 * again at the next listing.
 */
static lake_err refresh_topics(lake_pulsar_sink *sink, char *error, size_t error_size)
{
    sink->next_refresh_ms = monotonic_ms() + sink->refresh_ms;
    lake_topic_list list;
    lake_err rc =
        lake_topic_list_fetch(sink->admin, sink->namespace_name, &list, error, error_size);
    if (rc != LAKE_OK) {
        return rc;
    }
    for (size_t i = 0; i < list.count; i++) {
        if (subscribed(sink, list.names[i])) {
            continue;
        }
        char topic_error[512] = "";
        lake_err topic_rc = subscribe_topic(sink, list.names[i], topic_error, sizeof topic_error);
        if (topic_rc == LAKE_OK) {
            sy_log(SY_LOG_INFO, "sink", "sink %s subscribed to %s of %s", sink->name, list.names[i],
                   sink->namespace_name);
        } else if (rc == LAKE_OK) {
            rc = topic_rc;
            snprintf(error, error_size, "%s", topic_error);
        }
    }
    lake_topic_list_free(&list);
    return rc;
}

static lake_err copy_source(lake_pulsar_sink *sink, pulsar_client *client, admin_http *admin,
                            const lake_sink_settings *settings)
{
    sink->client = client;
    sink->admin = admin;
    sink->subscription_type = subscription_type(settings->subscription_type);
    sink->receiver_queue = settings->receiver_queue > 0 ? (uint32_t)settings->receiver_queue
                                                        : LAKE_DEFAULT_RECEIVER_QUEUE;
    sink->refresh_ms = settings->topic_refresh_ms > 0 ? settings->topic_refresh_ms : 30000;
    sink->name = strdup(settings->name != NULL ? settings->name : "sink");
    sink->subscription = strdup(settings->subscription);
    if (settings->namespace_name != NULL) {
        sink->namespace_name = strdup(settings->namespace_name);
        if (sink->namespace_name == NULL) {
            return LAKE_ERR_NOMEM;
        }
    }
    return sink->name == NULL || sink->subscription == NULL ? LAKE_ERR_NOMEM : LAKE_OK;
}

lake_err lake_pulsar_sink_start(pulsar_client *client, admin_http *admin,
                                const lake_sink_settings *settings, lake_store *store,
                                lake_pulsar_sink **out, char *error, size_t error_size)
{
    if (settings->namespace_name != NULL && admin == NULL) {
        snprintf(error, error_size,
                 "sink %s names namespace %s, whose topics are listed through the admin API: "
                 "set pulsar.admin_url or SWITCHYARD_ADMIN_URL",
                 settings->name, settings->namespace_name);
        return LAKE_ERR_INVALID;
    }
    lake_pulsar_sink *sink = calloc(1, sizeof *sink);
    if (sink == NULL) {
        return LAKE_ERR_NOMEM;
    }
    lake_err rc = copy_source(sink, client, admin, settings);
    if (rc == LAKE_OK) {
        rc = make_batching_sink(sink, settings, store, error, error_size);
    }

    if (rc == LAKE_OK && sink->namespace_name != NULL) {
        rc = refresh_topics(sink, error, error_size);
    }
    for (size_t i = 0; rc == LAKE_OK && i < settings->topic_count; i++) {
        rc = subscribe_topic(sink, settings->topics[i], error, error_size);
    }
    if (rc != LAKE_OK) {
        free_sink(sink);
        return rc;
    }
    if (sink->namespace_name != NULL) {
        sy_log(SY_LOG_INFO, "sink",
               "sink %s subscribed as %s to the %zu topics of %s; listing them again every %lld ms",
               sink->name, sink->subscription, sink->consumer_count, sink->namespace_name,
               (long long)sink->refresh_ms);
    } else {
        sy_log(SY_LOG_INFO, "sink", "sink %s subscribed as %s to %zu topics", sink->name,
               sink->subscription, sink->consumer_count);
    }
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

/* Lists the namespace's topics again when the interval is over; failures wait for the next one. */
static void refresh_if_due(lake_pulsar_sink *sink)
{
    if (sink->namespace_name == NULL || monotonic_ms() < sink->next_refresh_ms) {
        return;
    }
    char error[512] = "";
    lake_err rc = refresh_topics(sink, error, sizeof error);
    if (rc != LAKE_OK) {
        sy_log(SY_LOG_WARN, "sink", "sink %s: %s: %s; trying again in %lld ms", sink->name,
               lake_err_str(rc), error, (long long)sink->refresh_ms);
    }
}

/* Waits up to wait_ms, or until the next listing is due, for a sink without topics yet. */
static void idle(const lake_pulsar_sink *sink, int wait_ms)
{
    int64_t wait = wait_ms;
    int64_t until_refresh = sink->next_refresh_ms - monotonic_ms();
    if (sink->namespace_name != NULL && until_refresh < wait) {
        wait = until_refresh;
    }
    if (wait > 0) {
        struct timespec pause = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000};
        nanosleep(&pause, NULL);
    }
}

lake_err lake_pulsar_sink_run_once(lake_pulsar_sink *sink, int wait_ms, char *error,
                                   size_t error_size)
{
    lake_sink_poll(sink->sink);
    refresh_if_due(sink);
    if (sink->consumer_count == 0) {
        idle(sink, wait_ms);
        return LAKE_OK;
    }
    if (sink->held != NULL) {
        pulsar_message *message = sink->held;
        sink->held = NULL;
        lake_err rc = offer(sink, sink->held_consumer, message, error, error_size);
        if (rc != LAKE_OK || sink->held != NULL) {
            return rc; /* still busy: no new intake until uploads catch up */
        }
    }

    /*
     * One pass over all consumers, taking up to RECEIVE_BATCH waiting messages
     * from each; wait only when every one was empty.
     */
    size_t received = 0;
    for (size_t n = 0; n < sink->consumer_count && sink->held == NULL; n++) {
        size_t index = (sink->next_consumer + n) % sink->consumer_count;
        int timeout = received == 0 && n + 1 == sink->consumer_count ? wait_ms : 0;
        for (size_t taken = 0; taken < RECEIVE_BATCH && sink->held == NULL; taken++) {
            pulsar_message *message = NULL;
            pulsar_result result =
                pulsar_consumer_receive(sink->consumers[index], taken == 0 ? timeout : 0, &message);
            if (result == PULSAR_ERR_TIMEOUT) {
                break;
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
