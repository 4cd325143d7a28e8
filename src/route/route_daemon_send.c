/*
 * Deciding and sending one input message, and acknowledging it from the
 * send callback (invariants 1 to 3 of route_daemon.h).
 *
 * Life of an input:
 *   received -> gate check -> decided -> output queued (inflight + 1)
 *     -> receipt:  ack the input                      (inflight - 1)
 *     -> failure:  nack the input, close the gate     (inflight - 1)
 * A gate check that finds the partition's gate closed nacks the input
 * without sending it, unless the input is the one that closed the gate (or
 * earlier), which reopens it.
 *
 * On a partitioned output topic the router picks the partition itself and
 * keeps one producer per partition, because deduplication works per
 * partition: a replayed output must reach the partition its first copy
 * reached. A message with a key goes where the Java client would send it
 * (pulsar_key_partition), so one device stays in one partition. A message
 * without a key goes to partition (input partition mod output partitions),
 * which keeps the input's order. The client's own round robin for messages
 * without a key would not be the same after a restart.
 *
 * Batches: an output is fresh when its sequence id is above the producer's
 * fresh_floor, and a replay otherwise. The floor starts at the broker's last
 * sequence id for the name when the producer is created, rises with every
 * output queued, and drops below an output that failed. When the kind changes, the router first
 * waits until every output queued on the producer has completed, so every
 * batch contains one kind. A batch of replays is then
 * dropped as a duplicate only when its outputs were all stored before, and
 * a batch of fresh outputs is never judged a duplicate.
 */
#include "route/route_daemon_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* Wait before the next attempt when an output producer cannot be created. */
#define PRODUCER_RETRY_DELAY_MS 500

/* What a producer has queued since it was last idle. */
enum { BATCH_EMPTY, BATCH_FRESH, BATCH_REPLAY };

/* Batching limits of output producers: the wait adds at most this much latency. */
#define OUTPUT_BATCH_MAX_MESSAGES 1000
#define OUTPUT_BATCH_MAX_DELAY_MS 5

typedef struct {
    route_daemon *daemon;
    daemon_output *output;
    pulsar_message_id input_id;
    uint64_t started_ns;
} send_context;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void daemon_log_error(route_daemon *daemon, const char *format, ...)
{
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);

    pthread_mutex_lock(&daemon->log_lock);
    time_t now = time(NULL);
    if (now == daemon->last_error_log) {
        daemon->suppressed_errors++;
        pthread_mutex_unlock(&daemon->log_lock);
        return;
    }
    unsigned long suppressed = daemon->suppressed_errors;
    daemon->suppressed_errors = 0;
    daemon->last_error_log = now;
    pthread_mutex_unlock(&daemon->log_lock);
    if (suppressed > 0) {
        sy_log(SY_LOG_ERROR, "route", "%s (%lu similar errors suppressed in the last second)",
               text, suppressed);
    } else {
        sy_log(SY_LOG_ERROR, "route", "%s", text);
    }
}

/* Orders two positions of the same partition. */
static int compare_position(const pulsar_message_id *a, const pulsar_message_id *b)
{
    if (a->ledger_id != b->ledger_id) {
        return a->ledger_id < b->ledger_id ? -1 : 1;
    }
    if (a->entry_id != b->entry_id) {
        return a->entry_id < b->entry_id ? -1 : 1;
    }
    if (a->batch_index != b->batch_index) {
        return a->batch_index < b->batch_index ? -1 : 1;
    }
    return 0;
}

static daemon_gate *gate_of(route_daemon *daemon, const pulsar_message_id *id)
{
    size_t index = id->partition < 0 ? 0 : (size_t)id->partition;
    return index < daemon->gate_count ? &daemon->gates[index] : NULL;
}

/* Closes the gate of id's partition at id, unless it is closed at an earlier input. */
static void close_gate(route_daemon *daemon, const pulsar_message_id *id)
{
    pthread_mutex_lock(&daemon->lock);
    daemon_gate *gate = gate_of(daemon, id);
    if (gate != NULL && (!gate->closed || compare_position(id, &gate->reopen_at) < 0)) {
        gate->closed = true;
        gate->reopen_at = *id;
    }
    pthread_mutex_unlock(&daemon->lock);
}

/* Returns true when id may be sent: its gate is open, or id reopens it. */
static bool pass_gate(route_daemon *daemon, const pulsar_message_id *id)
{
    pthread_mutex_lock(&daemon->lock);
    daemon_gate *gate = gate_of(daemon, id);
    bool pass = true;
    if (gate != NULL && gate->closed) {
        if (compare_position(id, &gate->reopen_at) <= 0) {
            gate->closed = false;
        } else {
            pass = false;
        }
    }
    pthread_mutex_unlock(&daemon->lock);
    return pass;
}

static void finish_inflight(route_daemon *daemon, daemon_output *output)
{
    pthread_mutex_lock(&daemon->lock);
    daemon->inflight--;
    output->pending--;
    size_t inflight = daemon->inflight;
    pthread_cond_broadcast(&daemon->inflight_changed);
    pthread_mutex_unlock(&daemon->lock);
    route_metrics_set_inflight(daemon->metrics, inflight);
}

/* Runs on the client's I/O thread (see pulsar.h); acks or nacks the input. */
static void on_sent(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                    void *user_data)
{
    send_context *context = user_data;
    route_daemon *daemon = context->daemon;
    double latency = (double)(now_ns() - context->started_ns) / 1e9;
    /* Formatted only for the log lines of the failures below. */
    char input[ROUTE_MESSAGE_ID_TEXT_BYTES + 1];

    if (result == PULSAR_OK) {
        bool duplicate = pulsar_message_id_is_duplicate(id);
        route_metrics_send_done(daemon->metrics, false, duplicate, latency);
        pulsar_result ack = pulsar_consumer_ack(daemon->consumer, &context->input_id);
        if (ack != PULSAR_OK) {
            /* The input comes again and its copy is dropped as a duplicate. */
            route_message_id_format(&context->input_id, input, sizeof input);
            daemon_log_error(daemon, "cannot acknowledge input %s: %s", input,
                             pulsar_result_str(ack));
        }
    } else {
        route_metrics_send_done(daemon->metrics, true, false, latency);
        /* The failed id never reached the broker: sent again, it must count as fresh. */
        pthread_mutex_lock(&daemon->lock);
        if (sequence_id >= 0 && sequence_id - 1 < context->output->fresh_floor) {
            context->output->fresh_floor = sequence_id - 1;
        }
        pthread_mutex_unlock(&daemon->lock);
        close_gate(daemon, &context->input_id);
        pulsar_consumer_negative_ack(daemon->consumer, &context->input_id);
        route_message_id_format(&context->input_id, input, sizeof input);
        daemon_log_error(daemon,
                         "send of input %s (sequence id %" PRId64 ") failed: %s; the input "
                         "will be delivered again",
                         input, sequence_id, pulsar_result_str(result));
    }
    daemon_output *output = context->output;
    free(context);
    finish_inflight(daemon, output);
}

static daemon_output *find_output(route_daemon *daemon, int32_t partition, const char *topic)
{
    for (daemon_output *o = daemon->outputs; o != NULL; o = o->next) {
        if (o->partition == partition && strcmp(o->topic, topic) == 0) {
            return o;
        }
    }
    return NULL;
}

/* Looks up the partition count of topic, once; false after logging. */
static bool topic_partitions(route_daemon *daemon, const char *topic, uint32_t *partitions)
{
    for (daemon_topic *t = daemon->topics; t != NULL; t = t->next) {
        if (strcmp(t->topic, topic) == 0) {
            *partitions = t->partitions;
            return true;
        }
    }
    pulsar_result rc = pulsar_client_partition_count(daemon->client, topic, partitions);
    if (rc != PULSAR_OK) {
        daemon_log_error(daemon, "cannot look up the partitions of %s: %s", topic,
                         pulsar_result_str(rc));
        return false;
    }
    daemon_topic *entry = calloc(1, sizeof *entry);
    char *copy = strdup(topic);
    if (entry == NULL || copy == NULL) {
        free(entry);
        free(copy);
        daemon_log_error(daemon, "out of memory looking up %s", topic);
        return false;
    }
    *entry = (daemon_topic){daemon->topics, copy, *partitions};
    daemon->topics = entry;
    return true;
}

/*
 * Writes the topic (or topic partition) that the output of input goes to
 * into out; false after logging.
 */
static bool output_topic(route_daemon *daemon, const char *topic, const char *key,
                         const pulsar_message_id *input, char *out, size_t size)
{
    uint32_t partitions = 0;
    if (!topic_partitions(daemon, topic, &partitions)) {
        return false;
    }
    int n;
    if (partitions == 0) {
        /* Copied without snprintf, which was a visible share of the router's time. */
        size_t len = strlen(topic);
        n = len < size ? (int)len : -1;
        if (n >= 0) {
            memcpy(out, topic, len + 1);
        }
    } else {
        uint32_t input_partition = input->partition < 0 ? 0u : (uint32_t)input->partition;
        uint32_t partition = key != NULL ? pulsar_key_partition(key, partitions)
                                         : input_partition % partitions;
        n = snprintf(out, size, "%s-partition-%" PRIu32, topic, partition);
    }
    if (n < 0 || (size_t)n >= size) {
        daemon_log_error(daemon, "output topic name of %s is too long", topic);
        return false;
    }
    return true;
}

/* Returns the output of (partition, topic), creating it on first use; NULL after logging. */
static daemon_output *output_for(route_daemon *daemon, int32_t partition, const char *topic)
{
    daemon_output *found = find_output(daemon, partition, topic);
    if (found != NULL) {
        return found;
    }
    char name[ROUTE_PRODUCER_NAME_BYTES + 1];
    /*
     * Under failover an input partition moves between routers, and its
     * outputs must keep their names to stay deduplicated, so the instance is
     * left out. Under key_shared several routers read one partition at once,
     * and each needs names of its own.
     */
    const char *instance = daemon->options->subscription_type == PULSAR_SUBSCRIPTION_KEY_SHARED
                               ? daemon->options->instance
                               : NULL;
    if (!route_producer_name(daemon->config->router.subscription, instance, partition, topic,
                             name, sizeof name)) {
        daemon_log_error(daemon, "producer name for %s is longer than %d bytes", topic,
                         ROUTE_PRODUCER_NAME_BYTES);
        return NULL;
    }

    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.producer_name = name;
    config.batching_enabled = true;
    config.batching_mixed_keys = !daemon->options->output_batches_by_key;
    config.batching_max_messages = OUTPUT_BATCH_MAX_MESSAGES;
    config.batching_max_delay_ms = OUTPUT_BATCH_MAX_DELAY_MS;
    config.compression = daemon->options->output_compression;
    /* The global inflight limit keeps the queue from filling. */
    config.max_pending_messages = daemon->options->max_inflight + 1;
    /* No send time-out: after a reconnect the client sends pending outputs again, in order. */
    config.send_timeout_ms = 0;
    pulsar_producer *producer = NULL;
    pulsar_result rc = pulsar_producer_create(daemon->client, &config, &producer);
    if (rc != PULSAR_OK) {
        daemon_log_error(daemon, "cannot create producer %s on %s: %s%s", name, topic,
                         pulsar_result_str(rc),
                         rc == PULSAR_ERR_BROKER_PRODUCER_BUSY
                             ? " (another router still holds this input partition; retrying)"
                             : "");
        return NULL;
    }

    daemon_output *output = calloc(1, sizeof *output);
    char *topic_copy = strdup(topic);
    if (output == NULL || topic_copy == NULL) {
        free(output);
        free(topic_copy);
        pulsar_producer_close(producer);
        daemon_log_error(daemon, "out of memory creating the producer for %s", topic);
        return NULL;
    }
    /* The broker's last sequence id for this name: what an earlier run may have stored. */
    int64_t last = pulsar_producer_last_sequence_id(producer);
    *output = (daemon_output){daemon->outputs, partition, topic_copy, producer, last, 0,
                              BATCH_EMPTY};
    daemon->outputs = output;
    sy_log(SY_LOG_INFO, "route", "producer %s on %s ready (last sequence id %" PRId64 ")", name,
           topic, last);
    return output;
}

/* Returns BATCH_FRESH or BATCH_REPLAY for sequence_id on output. */
static int batch_kind(route_daemon *daemon, const daemon_output *output, int64_t sequence_id)
{
    pthread_mutex_lock(&daemon->lock);
    bool fresh = sequence_id < 0 || sequence_id > output->fresh_floor;
    pthread_mutex_unlock(&daemon->lock);
    return fresh ? BATCH_FRESH : BATCH_REPLAY;
}

/* Waits until nothing is pending on output; false when a stop was requested first. */
static bool wait_idle(route_daemon *daemon, daemon_output *output)
{
    pthread_mutex_lock(&daemon->lock);
    /*
     * pulsar_producer_flush would wait without limit while the broker is
     * unreachable (no send time-out), and a stop must not hang on it. The
     * open batch goes out by itself after OUTPUT_BATCH_MAX_DELAY_MS.
     */
    while (output->pending > 0 && !daemon->stop_requested) {
        struct timespec wake;
        clock_gettime(CLOCK_REALTIME, &wake);
        wake.tv_nsec += 50 * 1000 * 1000;
        if (wake.tv_nsec >= 1000000000) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&daemon->inflight_changed, &daemon->lock, &wake);
    }
    bool idle = output->pending == 0;
    pthread_mutex_unlock(&daemon->lock);
    return idle;
}

/*
 * Waits for output to become idle when sequence_id is of another kind than
 * what it has queued. Returns false when a stop interrupted the wait.
 */
static bool separate_batches(route_daemon *daemon, daemon_output *output, int64_t sequence_id)
{
    int kind = batch_kind(daemon, output, sequence_id);
    if (output->batch_mode != BATCH_EMPTY && output->batch_mode != kind) {
        if (!wait_idle(daemon, output)) {
            return false;
        }
        /* A failure reported during the wait may have lowered the floor. */
        kind = batch_kind(daemon, output, sequence_id);
    }
    output->batch_mode = kind;
    return true;
}

/* Records that sequence_id was queued on output. */
static void raise_floor(route_daemon *daemon, daemon_output *output, int64_t sequence_id)
{
    pthread_mutex_lock(&daemon->lock);
    if (sequence_id > output->fresh_floor) {
        output->fresh_floor = sequence_id;
    }
    pthread_mutex_unlock(&daemon->lock);
}

void daemon_close_outputs(route_daemon *daemon)
{
    while (daemon->topics != NULL) {
        daemon_topic *topic = daemon->topics;
        daemon->topics = topic->next;
        free(topic->topic);
        free(topic);
    }
    while (daemon->outputs != NULL) {
        daemon_output *output = daemon->outputs;
        daemon->outputs = output->next;
        pulsar_result rc = pulsar_producer_close(output->producer);
        if (rc != PULSAR_OK) {
            sy_log(SY_LOG_WARN, "route", "closing the producer on %s: %s", output->topic,
                   pulsar_result_str(rc));
        }
        free(output->topic);
        free(output);
    }
}

/*
 * Waits until another output may be in flight, and counts it. A stop request
 * ends the wait too, so that an unreachable broker cannot hold up a stop.
 * The limit is then exceeded by one.
 */
static void reserve_inflight(route_daemon *daemon, daemon_output *output)
{
    pthread_mutex_lock(&daemon->lock);
    while (daemon->inflight >= daemon->options->max_inflight && !daemon->stop_requested) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 100 * 1000 * 1000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&daemon->inflight_changed, &daemon->lock, &deadline);
    }
    daemon->inflight++;
    output->pending++;
    size_t inflight = daemon->inflight;
    pthread_mutex_unlock(&daemon->lock);
    route_metrics_set_inflight(daemon->metrics, inflight);
}

static void count_decision(route_daemon *daemon, const route_decision *decision)
{
    if (decision->quarantined) {
        route_metrics_quarantined(daemon->metrics, decision->reason);
    } else {
        route_metrics_routed(daemon->metrics, decision->environment);
    }
}

/* Queues the output of message for decision's topic; on a failure nacks the input. */
static void send_output(route_daemon *daemon, const pulsar_message *message,
                        const daemon_input *input, const route_decision *decision,
                        const char *source_id)
{
    const pulsar_message_id *id = &message->id;
    daemon_output_fields fields;
    if (!daemon_output_fields_build(input, decision, message->topic, source_id, &fields)) {
        daemon_log_error(daemon, "out of memory building the output of input %s", source_id);
        close_gate(daemon, id);
        pulsar_consumer_negative_ack(daemon->consumer, id);
        return;
    }

    /* A partition name adds "-partition-" and up to 10 digits. */
    char topic[ROUTE_MAX_TOPIC_BYTES + 32];
    daemon_output *output = NULL;
    if (output_topic(daemon, decision->topic, fields.key, id, topic, sizeof topic)) {
        output = output_for(daemon, id->partition, topic);
    }
    if (output == NULL) {
        daemon_output_fields_free(&fields);
        close_gate(daemon, id);
        pulsar_consumer_negative_ack(daemon->consumer, id);
        /* Avoid a busy loop while the broker refuses the producer. */
        struct timespec delay = {0, PRODUCER_RETRY_DELAY_MS * 1000000L};
        nanosleep(&delay, NULL);
        return;
    }

    pulsar_outgoing_message out;
    pulsar_outgoing_message_init(&out);
    out.payload = message->payload;
    out.payload_len = message->payload_len;
    out.key = fields.key;
    out.properties = fields.properties;
    out.property_count = fields.property_count;
    out.event_time_ms = message->event_time_ms;
    if (!route_sequence_from_id(id, &out.sequence_id)) {
        /* Still routed, not quarantined: only the duplicate protection is lost. */
        route_metrics_sequence_overflow(daemon->metrics);
        daemon_log_error(daemon,
                         "input %s does not fit a sequence id (ledger below 2^%d, entry below "
                         "2^%d, batch index below 2^%d): sent without deduplication",
                         source_id, ROUTE_SEQUENCE_LEDGER_BITS, ROUTE_SEQUENCE_ENTRY_BITS,
                         ROUTE_SEQUENCE_BATCH_BITS);
        out.sequence_id = -1;
    }

    send_context *context = malloc(sizeof *context);
    if (context == NULL) {
        daemon_output_fields_free(&fields);
        close_gate(daemon, id);
        pulsar_consumer_negative_ack(daemon->consumer, id);
        return;
    }
    *context = (send_context){daemon, output, *id, now_ns()};
    if (!separate_batches(daemon, output, out.sequence_id)) {
        /* Stopping: the input stays unacknowledged and is delivered again. */
        free(context);
        daemon_output_fields_free(&fields);
        return;
    }
    reserve_inflight(daemon, output);
    pulsar_result rc = pulsar_producer_send_async(output->producer, &out, on_sent, context);
    daemon_output_fields_free(&fields);
    if (rc == PULSAR_OK) {
        raise_floor(daemon, output, out.sequence_id);
    } else {
        free(context);
        finish_inflight(daemon, output);
        route_metrics_send_done(daemon->metrics, true, false, 0.0);
        close_gate(daemon, id);
        pulsar_consumer_negative_ack(daemon->consumer, id);
        daemon_log_error(daemon, "cannot queue input %s for %s: %s", source_id, decision->topic,
                         pulsar_result_str(rc));
    }
}

void daemon_route_message(route_daemon *daemon, pulsar_message *message)
{
    route_metrics_message_in(daemon->metrics);
    char source_id[ROUTE_MESSAGE_ID_TEXT_BYTES + 1];
    route_message_id_format(&message->id, source_id, sizeof source_id);

    if (!pass_gate(daemon, &message->id)) {
        sy_log(SY_LOG_DEBUG, "route", "input %s held back behind a failed send", source_id);
        pulsar_consumer_negative_ack(daemon->consumer, &message->id);
        pulsar_message_free(message);
        return;
    }

    daemon_input input;
    if (!daemon_input_init(&input, message)) {
        daemon_log_error(daemon, "out of memory reading input %s", source_id);
        close_gate(daemon, &message->id);
        pulsar_consumer_negative_ack(daemon->consumer, &message->id);
        pulsar_message_free(message);
        return;
    }
    route_decision decision;
    route_decide(daemon->table, daemon->registry, &input.message, &decision);
    count_decision(daemon, &decision);
    if (sy_log_get_level() <= SY_LOG_DEBUG) {
        sy_log(SY_LOG_DEBUG, "route", "input %s (%zu bytes) %s %s %s", source_id,
               message->payload_len, decision.quarantined ? "quarantined to" : "routed to",
               decision.topic,
               decision.quarantined ? route_reason_name(decision.reason)
                                    : route_rule_name(decision.rule));
    }

    send_output(daemon, message, &input, &decision, source_id);
    daemon_input_free(&input);
    pulsar_message_free(message);
}
