/*
 * Load generator and receiver of the router benchmark (bench/route/run.sh).
 *
 * Subscribes to OUTPUT, then produces COUNT device messages of 200 bytes to
 * INPUT (batched, keyed by device, properties device_id and env), at RATE
 * messages per second or as fast as the client sends (RATE 0), and receives
 * them from OUTPUT. INPUT and OUTPUT are the same topic for the broker's
 * pass-through. For the router, INPUT is the ingest topic and OUTPUT the
 * topic that the router writes to. Each payload carries its send time, so
 * the receiver measures end-to-end latency on one clock.
 *
 * Prints one line: messages, seconds from first send to last receive,
 * messages per second, and latency p50, p99 and max in milliseconds.
 *
 * usage: route_bench SERVICE_URL INPUT OUTPUT COUNT RATE [WARMUP]
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pulsar/pulsar.h"

#define PAYLOAD_BYTES 200
#define DEVICES 256

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t deadline_ns)
{
    uint64_t now = now_ns();
    if (deadline_ns > now) {
        uint64_t wait = deadline_ns - now;
        struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    pulsar_consumer *consumer;
    size_t expected;
    uint64_t *latencies_ns;
    size_t received;
    uint64_t last_ns;
} receiver;

static void *receive_all(void *arg)
{
    receiver *r = arg;
    while (r->received < r->expected) {
        pulsar_message *m = NULL;
        if (pulsar_consumer_receive(r->consumer, 30000, &m) != PULSAR_OK) {
            fprintf(stderr, "route_bench: no message for 30 s after %zu of %zu\n", r->received,
                    r->expected);
            return NULL;
        }
        uint64_t now = now_ns();
        const char *t = memmem(m->payload, m->payload_len, "\"t\":", 4);
        uint64_t sent = t != NULL ? strtoull(t + 4, NULL, 10) : now;
        r->latencies_ns[r->received++] = now > sent ? now - sent : 0;
        r->last_ns = now;
        pulsar_consumer_ack(r->consumer, &m->id);
        pulsar_message_free(m);
    }
    return NULL;
}

static void on_sent(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                    void *user_data)
{
    (void)id;
    (void)sequence_id;
    if (result != PULSAR_OK) {
        __atomic_add_fetch((size_t *)user_data, 1, __ATOMIC_RELAXED);
    }
}

/* Sends count messages numbered from first at rate per second (0: no limit). */
static int produce(pulsar_producer *producer, size_t first, size_t count, double rate,
                   size_t *failures)
{
    uint64_t start = now_ns();
    for (size_t i = 0; i < count; i++) {
        if (rate > 0) {
            sleep_until(start + (uint64_t)((double)i * 1e9 / rate));
        }
        size_t n = first + i;
        char device[16];
        snprintf(device, sizeof device, "d%zu", n % DEVICES);
        char payload[PAYLOAD_BYTES + 1];
        int len = snprintf(payload, sizeof payload,
                           "{\"device_id\":\"%s\",\"n\":%zu,\"t\":%" PRIu64 ",\"pad\":\"", device,
                           n, now_ns());
        while (len < PAYLOAD_BYTES - 2) {
            payload[len++] = 'x';
        }
        memcpy(payload + len, "\"}", 2);
        pulsar_property props[] = {{"device_id", device}, {"env", "prod"}};
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = PAYLOAD_BYTES;
        message.key = device;
        message.properties = props;
        message.property_count = 2;
        pulsar_result rc;
        while ((rc = pulsar_producer_send_async(producer, &message, on_sent, failures)) ==
               PULSAR_ERR_QUEUE_FULL) {
            sleep_until(now_ns() + 200000);
        }
        if (rc != PULSAR_OK) {
            fprintf(stderr, "route_bench: send failed: %s\n", pulsar_result_str(rc));
            return -1;
        }
    }
    return pulsar_producer_flush(producer) == PULSAR_OK ? 0 : -1;
}

/* Produces count messages and receives them; prints the result line. */
static int run(pulsar_producer *producer, pulsar_consumer *consumer, size_t first, size_t count,
               double rate, bool print)
{
    receiver r = {consumer, count, calloc(count, sizeof(uint64_t)), 0, 0};
    if (r.latencies_ns == NULL) {
        return -1;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, receive_all, &r);
    size_t failures = 0;
    uint64_t start = now_ns();
    int rc = produce(producer, first, count, rate, &failures);
    pthread_join(thread, NULL);
    if (rc != 0 || failures > 0 || r.received != count) {
        fprintf(stderr, "route_bench: %zu of %zu received, %zu sends failed\n", r.received, count,
                failures);
        free(r.latencies_ns);
        return -1;
    }
    if (print) {
        qsort(r.latencies_ns, count, sizeof(uint64_t), compare_u64);
        double seconds = (double)(r.last_ns - start) / 1e9;
        printf("messages %zu seconds %.3f rate %.0f p50_ms %.2f p99_ms %.2f max_ms %.2f\n", count,
               seconds, (double)count / seconds, (double)r.latencies_ns[count / 2] / 1e6,
               (double)r.latencies_ns[count * 99 / 100] / 1e6,
               (double)r.latencies_ns[count - 1] / 1e6);
    }
    free(r.latencies_ns);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: route_bench SERVICE_URL INPUT OUTPUT COUNT RATE [WARMUP]\n");
        return 2;
    }
    size_t count = strtoul(argv[4], NULL, 10);
    double rate = strtod(argv[5], NULL);
    size_t warmup = argc == 7 ? strtoul(argv[6], NULL, 10) : 2000;

    pulsar_client_config client_config;
    pulsar_client_config_init(&client_config);
    client_config.service_url = argv[1];
    pulsar_client *client = NULL;
    if (pulsar_client_create(&client_config, &client) != PULSAR_OK) {
        fprintf(stderr, "route_bench: cannot create a client for %s\n", argv[1]);
        return 1;
    }
    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = argv[3];
    consumer_config.subscription = "route-bench";
    consumer_config.initial_position = PULSAR_POSITION_LATEST;
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(client, &consumer_config, &consumer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "route_bench: subscribing to %s failed: %s\n", argv[3], pulsar_result_str(rc));
        return 1;
    }
    pulsar_producer_config producer_config;
    pulsar_producer_config_init(&producer_config);
    producer_config.topic = argv[2];
    producer_config.batching_enabled = true;
    producer_config.max_pending_messages = 10000;
    pulsar_producer *producer = NULL;
    rc = pulsar_producer_create(client, &producer_config, &producer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "route_bench: creating a producer on %s failed: %s\n", argv[2], pulsar_result_str(rc));
        return 1;
    }

    int status = 0;
    if (warmup > 0 && run(producer, consumer, 0, warmup, 0, false) != 0) {
        status = 1;
    } else if (run(producer, consumer, warmup, count, rate, true) != 0) {
        status = 1;
    }
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
    pulsar_client_close(client);
    return status;
}
