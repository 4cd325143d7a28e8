/*
 * A pulsar-perf-like load generator for the C Pulsar client (src/pulsar/).
 *
 *   pulsar_bench produce URL TOPIC [options]
 *   pulsar_bench consume URL TOPIC [options]
 *
 * `produce` sends messages of --size bytes with pulsar_producer_send_async as
 * fast as the pending queue allows, for --messages messages or --seconds
 * seconds (whichever ends first), then flushes. Throughput is measured from
 * the first send to the end of the flush, so every counted message is
 * persisted.
 *
 * `consume` subscribes to TOPIC with subscription --subscription (exclusive,
 * earliest position), receives and acknowledges each message one by one,
 * and stops after --messages messages or --seconds seconds. With --messages
 * 0 it also stops, with a warning, when no message arrives for 10 s. Throughput
 * is measured from the return of subscribe to the last acknowledgement.
 *
 * bench/pulsar/java/JavaPerf.java is the same program over the official Java
 * client, with the same options and output, so bench/pulsar/run.sh can run
 * both side by side. CPU time and peak RSS are measured from outside, by
 * /usr/bin/time, for both.
 *
 * Output, one line on stdout:
 *   messages N bytes N seconds S msg_per_s R mb_per_s R
 * where bytes counts payload bytes and MB is 10^6 bytes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pulsar/pulsar.h"

typedef struct {
    const char *mode;
    const char *url;
    const char *topic;
    const char *subscription;
    unsigned long size;
    unsigned long messages; /* 0: no limit */
    unsigned long seconds;  /* 0: no limit */
    unsigned long pending;
    unsigned long receiver_queue;
    unsigned long batch_max_messages;
    unsigned long batch_max_bytes;
    unsigned long batch_delay_ms;
    bool batching;
    pulsar_compression compression;
} bench_options;

/* Completion counters shared between the sending thread and the I/O thread. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned long completed;
    pulsar_result first_error;
} send_progress;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(const char *program)
{
    fprintf(stderr,
            "usage: %s produce|consume URL TOPIC [options]\n"
            "  --size BYTES              payload size of each message (1024)\n"
            "  --messages N              stop after N messages; 0 for no limit (0)\n"
            "  --seconds N               stop after N seconds; 0 for no limit (0)\n"
            "  --pending N               producer's pending-queue size in messages (1000)\n"
            "  --batch-max-messages N    messages per batch (1000)\n"
            "  --batch-max-bytes N       payload bytes per batch (131072)\n"
            "  --batch-delay-ms N        longest wait of a message in a batch (1)\n"
            "  --no-batching             send each message in its own frame\n"
            "  --compression CODEC       none, lz4, zlib or zstd (none)\n"
            "  --subscription NAME       consumer's subscription (bench)\n"
            "  --receiver-queue N        consumer's receiver-queue size in messages (1000)\n"
            "One of --messages and --seconds must be above 0.\n",
            program);
}

static bool parse_number(const char *text, unsigned long *value_out)
{
    char *end = NULL;
    if (text == NULL || text[0] < '0' || text[0] > '9') {
        return false;
    }
    unsigned long value = strtoul(text, &end, 10);
    if (*end != '\0') {
        return false;
    }
    *value_out = value;
    return true;
}

/* Returns the field of options that the numeric option `name` sets, or NULL. */
static unsigned long *numeric_option(bench_options *options, const char *name)
{
    if (strcmp(name, "--size") == 0) {
        return &options->size;
    }
    if (strcmp(name, "--messages") == 0) {
        return &options->messages;
    }
    if (strcmp(name, "--seconds") == 0) {
        return &options->seconds;
    }
    if (strcmp(name, "--pending") == 0) {
        return &options->pending;
    }
    if (strcmp(name, "--receiver-queue") == 0) {
        return &options->receiver_queue;
    }
    if (strcmp(name, "--batch-max-messages") == 0) {
        return &options->batch_max_messages;
    }
    if (strcmp(name, "--batch-max-bytes") == 0) {
        return &options->batch_max_bytes;
    }
    if (strcmp(name, "--batch-delay-ms") == 0) {
        return &options->batch_delay_ms;
    }
    return NULL;
}

/* Fills options from argv. On an invalid argument, prints the reason and returns false. */
static bool parse_options(int argc, char **argv, bench_options *options)
{
    *options = (bench_options){
        .subscription = "bench",
        .size = 1024,
        .pending = 1000,
        .receiver_queue = 1000,
        .batch_max_messages = 1000,
        .batch_max_bytes = 131072,
        .batch_delay_ms = 1,
        .batching = true,
        .compression = PULSAR_COMPRESSION_NONE,
    };
    if (argc < 4 || (strcmp(argv[1], "produce") != 0 && strcmp(argv[1], "consume") != 0)) {
        usage(argv[0]);
        return false;
    }
    options->mode = argv[1];
    options->url = argv[2];
    options->topic = argv[3];

    for (int i = 4; i < argc; i++) {
        const char *name = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long *number = numeric_option(options, name);
        if (strcmp(name, "--no-batching") == 0) {
            options->batching = false;
            continue;
        }
        if (number != NULL) {
            if (!parse_number(value, number)) {
                fprintf(stderr, "invalid value '%s' for %s: expected a whole number\n",
                        value ? value : "", name);
                return false;
            }
        } else if (strcmp(name, "--compression") == 0) {
            if (!pulsar_compression_parse(value, &options->compression)) {
                fprintf(stderr, "invalid value '%s' for --compression: use none, lz4, zlib or zstd\n",
                        value ? value : "");
                return false;
            }
        } else if (strcmp(name, "--subscription") == 0 && value != NULL) {
            options->subscription = value;
        } else {
            fprintf(stderr, "unknown option '%s'\n", name);
            usage(argv[0]);
            return false;
        }
        i++;
    }

    if (options->messages == 0 && options->seconds == 0) {
        fprintf(stderr, "set --messages or --seconds above 0, so the run ends\n");
        return false;
    }
    if (options->size == 0 || options->size > 4u * 1024 * 1024) {
        fprintf(stderr, "invalid --size %lu: use 1 to 4194304 bytes\n", options->size);
        return false;
    }
    const struct {
        const char *name;
        unsigned long value;
        unsigned long min;
    } limits[] = {
        {"--pending", options->pending, 1},
        {"--receiver-queue", options->receiver_queue, 1},
        {"--batch-max-messages", options->batch_max_messages, 1},
        {"--batch-max-bytes", options->batch_max_bytes, 1},
        {"--batch-delay-ms", options->batch_delay_ms, 0},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        if (limits[i].value < limits[i].min || limits[i].value > UINT32_MAX) {
            fprintf(stderr, "invalid %s %lu: use %lu to %u\n", limits[i].name, limits[i].value,
                    limits[i].min, UINT32_MAX);
            return false;
        }
    }
    return true;
}

static void on_sent(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                    void *user_data)
{
    (void)id;
    (void)sequence_id;
    send_progress *progress = user_data;
    pthread_mutex_lock(&progress->lock);
    progress->completed++;
    if (result != PULSAR_OK && progress->first_error == PULSAR_OK) {
        progress->first_error = result;
    }
    pthread_cond_signal(&progress->changed);
    pthread_mutex_unlock(&progress->lock);
}

/* Waits until the count of completed sends passes `seen`, so the pending queue has room. */
static void wait_for_completion(send_progress *progress, unsigned long seen)
{
    pthread_mutex_lock(&progress->lock);
    while (progress->completed == seen && progress->first_error == PULSAR_OK) {
        pthread_cond_wait(&progress->changed, &progress->lock);
    }
    pthread_mutex_unlock(&progress->lock);
}

static unsigned long completed_count(send_progress *progress)
{
    pthread_mutex_lock(&progress->lock);
    unsigned long completed = progress->completed;
    pthread_mutex_unlock(&progress->lock);
    return completed;
}

static void print_result(unsigned long messages, unsigned long size, double seconds)
{
    double bytes = (double)messages * (double)size;
    printf("messages %lu bytes %.0f seconds %.3f msg_per_s %.0f mb_per_s %.2f\n", messages, bytes,
           seconds, (double)messages / seconds, bytes / 1e6 / seconds);
}

/*
 * Fills payload with pseudo-random capital letters. JavaPerf.java makes the
 * same bytes, so compressed runs compress alike for both clients.
 */
static void fill_payload(char *payload, size_t size)
{
    unsigned int state = 12345;
    for (size_t i = 0; i < size; i++) {
        state = state * 1103515245u + 12345u;
        payload[i] = (char)('A' + (state >> 16) % 26);
    }
}

static int run_producer(pulsar_client *client, const bench_options *options)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = options->topic;
    config.max_pending_messages = (uint32_t)options->pending;
    config.batching_enabled = options->batching;
    config.batching_max_messages = (uint32_t)options->batch_max_messages;
    config.batching_max_bytes = (uint32_t)options->batch_max_bytes;
    config.batching_max_delay_ms = (uint32_t)options->batch_delay_ms;
    config.compression = options->compression;
    pulsar_producer *producer = NULL;
    pulsar_result rc = pulsar_producer_create(client, &config, &producer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "creating a producer on %s failed: %s\n", options->topic,
                pulsar_result_str(rc));
        return 1;
    }

    char *payload = malloc(options->size);
    if (payload == NULL) {
        fprintf(stderr, "allocating a payload of %lu bytes failed\n", options->size);
        pulsar_producer_close(producer);
        return 1;
    }
    fill_payload(payload, options->size);
    send_progress progress = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, PULSAR_OK};

    double start = now_seconds();
    double deadline = options->seconds > 0 ? start + (double)options->seconds : 0.0;
    unsigned long sent = 0;
    while (options->messages == 0 || sent < options->messages) {
        if (deadline > 0.0 && now_seconds() >= deadline) {
            break;
        }
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = options->size;
        unsigned long seen = completed_count(&progress);
        rc = pulsar_producer_send_async(producer, &message, on_sent, &progress);
        if (rc == PULSAR_ERR_QUEUE_FULL) {
            /* As the Java client does with blockIfQueueFull: wait for a receipt, then retry. */
            wait_for_completion(&progress, seen);
            continue;
        }
        if (rc != PULSAR_OK) {
            fprintf(stderr, "send_async of message %lu failed: %s\n", sent, pulsar_result_str(rc));
            break;
        }
        sent++;
    }
    pulsar_result flushed = pulsar_producer_flush(producer);
    double seconds = now_seconds() - start;

    int status = 0;
    if (rc != PULSAR_OK && rc != PULSAR_ERR_QUEUE_FULL) {
        status = 1;
    } else if (flushed != PULSAR_OK || progress.first_error != PULSAR_OK) {
        fprintf(stderr, "a send failed: %s\n",
                pulsar_result_str(flushed != PULSAR_OK ? flushed : progress.first_error));
        status = 1;
    } else {
        print_result(sent, options->size, seconds);
    }
    pulsar_producer_close(producer);
    free(payload);
    return status;
}

static int run_consumer(pulsar_client *client, const bench_options *options)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = options->topic;
    config.subscription = options->subscription;
    config.initial_position = PULSAR_POSITION_EARLIEST;
    config.receiver_queue_size = (uint32_t)options->receiver_queue;
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(client, &config, &consumer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "subscribing to %s as %s failed: %s\n", options->topic,
                options->subscription, pulsar_result_str(rc));
        return 1;
    }

    double start = now_seconds();
    double deadline = options->seconds > 0 ? start + (double)options->seconds : 0.0;
    double last = start;
    unsigned long received = 0;
    unsigned long bytes = 0;
    int status = 0;
    while (options->messages == 0 || received < options->messages) {
        if (deadline > 0.0 && now_seconds() >= deadline) {
            break;
        }
        pulsar_message *message = NULL;
        rc = pulsar_consumer_receive(consumer, 10000, &message);
        if (rc == PULSAR_ERR_TIMEOUT && received > 0 && options->messages == 0) {
            /* A run limited only by time ends early, and is still valid, when the backlog is read. */
            fprintf(stderr, "the backlog of %s ran out after %lu messages in %.3f s\n",
                    options->topic, received, last - start);
            break;
        }
        if (rc != PULSAR_OK) {
            fprintf(stderr, "receive after %lu messages failed: %s. The backlog of %s may be "
                            "shorter than the run needs: write more messages first.\n",
                    received, pulsar_result_str(rc), options->topic);
            status = 1;
            break;
        }
        bytes += message->payload_len;
        rc = pulsar_consumer_ack(consumer, &message->id);
        pulsar_message_free(message);
        if (rc != PULSAR_OK) {
            fprintf(stderr, "acknowledging message %lu failed: %s\n", received,
                    pulsar_result_str(rc));
            status = 1;
            break;
        }
        received++;
        last = now_seconds();
    }
    if (status == 0 && received > 0) {
        print_result(received, bytes / received, last - start);
    }
    pulsar_consumer_close(consumer);
    return status;
}

int main(int argc, char **argv)
{
    bench_options options;
    if (!parse_options(argc, argv, &options)) {
        return 2;
    }

    pulsar_client_config client_config;
    pulsar_client_config_init(&client_config);
    client_config.service_url = options.url;
    pulsar_client *client = NULL;
    pulsar_result rc = pulsar_client_create(&client_config, &client);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "creating a client for %s failed: %s\n", options.url,
                pulsar_result_str(rc));
        return 1;
    }
    int status = strcmp(options.mode, "produce") == 0 ? run_producer(client, &options)
                                                       : run_consumer(client, &options);
    pulsar_client_close(client);
    return status;
}
