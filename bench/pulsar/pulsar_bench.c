/*
 * Producer and consumer throughput of the C Pulsar client against a running
 * broker.
 *
 *   pulsar_bench URL TOPIC COUNT SIZE BATCHING CODEC
 *
 * Subscribes to TOPIC (earliest), sends COUNT messages of SIZE bytes with
 * send_async (BATCHING 0 or 1; CODEC none, lz4, zlib or zstd), flushes,
 * then receives and acknowledges all of them. Prints one line:
 *   produce_msgs_per_s N produce_mb_per_s N p50_ms N p99_ms N consume_msgs_per_s N
 * where p50/p99 are send-to-receipt latencies under that full load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pulsar/pulsar.h"

typedef struct {
    double *sent_at;
    double *latency_ms;
    size_t done;
} bench_state;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void on_sent(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                    void *user_data)
{
    (void)id;
    bench_state *state = user_data;
    if (result != PULSAR_OK) {
        fprintf(stderr, "send of sequence id %lld failed: %s\n", (long long)sequence_id,
                pulsar_result_str(result));
        exit(1);
    }
    /* Callbacks run on the one I/O thread, so no lock is needed here. */
    state->latency_ms[state->done++] = now_ms() - state->sent_at[sequence_id];
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static pulsar_compression parse_codec(const char *name)
{
    if (strcmp(name, "lz4") == 0) {
        return PULSAR_COMPRESSION_LZ4;
    }
    if (strcmp(name, "zlib") == 0) {
        return PULSAR_COMPRESSION_ZLIB;
    }
    if (strcmp(name, "zstd") == 0) {
        return PULSAR_COMPRESSION_ZSTD;
    }
    return PULSAR_COMPRESSION_NONE;
}

static void check(pulsar_result rc, const char *what)
{
    if (rc != PULSAR_OK) {
        fprintf(stderr, "%s failed: %s\n", what, pulsar_result_str(rc));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s URL TOPIC COUNT SIZE BATCHING(0|1) CODEC(none|lz4|zlib|zstd)\n",
                argv[0]);
        return 2;
    }
    size_t count = strtoul(argv[3], NULL, 10);
    size_t size = strtoul(argv[4], NULL, 10);
    if (count == 0) {
        fprintf(stderr, "COUNT must be above 0\n");
        return 2;
    }

    pulsar_client_config client_config;
    pulsar_client_config_init(&client_config);
    client_config.service_url = argv[1];
    pulsar_client *client = NULL;
    check(pulsar_client_create(&client_config, &client), "pulsar_client_create");

    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = argv[2];
    consumer_config.subscription = "bench";
    consumer_config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    check(pulsar_consumer_subscribe(client, &consumer_config, &consumer), "subscribe");

    pulsar_producer_config producer_config;
    pulsar_producer_config_init(&producer_config);
    producer_config.topic = argv[2];
    producer_config.batching_enabled = strcmp(argv[5], "1") == 0;
    producer_config.compression = parse_codec(argv[6]);
    producer_config.max_pending_messages = 10000;
    producer_config.initial_sequence_id = 0;
    pulsar_producer *producer = NULL;
    check(pulsar_producer_create(client, &producer_config, &producer), "producer");

    /* One device-like JSON record repeated; it compresses better than real device data. */
    char *payload = malloc(size + 1);
    bench_state state = {calloc(count, sizeof(double)), calloc(count, sizeof(double)), 0};
    if (payload == NULL || state.sent_at == NULL || state.latency_ms == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    static const char pattern[] = "{\"device_id\":\"device-0042\",\"command\":\"NOOP\",\"t\":1} ";
    for (size_t i = 0; i < size; i++) {
        payload[i] = pattern[i % (sizeof pattern - 1)];
    }

    double start = now_ms();
    for (size_t i = 0; i < count; i++) {
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = size;
        state.sent_at[i] = now_ms();
        pulsar_result rc;
        while ((rc = pulsar_producer_send_async(producer, &message, on_sent, &state)) ==
               PULSAR_ERR_QUEUE_FULL) {
            struct timespec pause = {0, 200 * 1000};
            nanosleep(&pause, NULL);
            state.sent_at[i] = now_ms();
        }
        check(rc, "send_async");
    }
    check(pulsar_producer_flush(producer), "flush");
    double produce_ms = now_ms() - start;

    start = now_ms();
    for (size_t i = 0; i < count; i++) {
        pulsar_message *message = NULL;
        check(pulsar_consumer_receive(consumer, 30000, &message), "receive");
        check(pulsar_consumer_ack(consumer, &message->id), "ack");
        pulsar_message_free(message);
    }
    double consume_ms = now_ms() - start;

    qsort(state.latency_ms, state.done, sizeof(double), compare_doubles);
    double p50 = state.latency_ms[state.done / 2];
    double p99 = state.latency_ms[(state.done * 99) / 100];
    printf("produce_msgs_per_s %.0f produce_mb_per_s %.1f p50_ms %.1f p99_ms %.1f "
           "consume_msgs_per_s %.0f\n",
           (double)count * 1000.0 / produce_ms,
           (double)(count * size) / 1048576.0 * 1000.0 / produce_ms, p50, p99,
           (double)count * 1000.0 / consume_ms);

    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
    pulsar_client_close(client);
    free(payload);
    free(state.sent_at);
    free(state.latency_ms);
    return 0;
}
