/*
 * Load generator and receiver of the router benchmark (bench/route/run.sh).
 *
 * Subscribes to OUTPUT, then produces COUNT device messages of 200 bytes to
 * INPUT (batched, keyed by device, properties device_id and env), at RATE
 * messages per second or as fast as the client sends (RATE 0), and receives
 * them from OUTPUT. With a WINDOW above 0 the producer never runs more than
 * WINDOW messages ahead of the receiver, so that the backlog between them
 * stays bounded; WINDOW 0 lets it grow without limit. INPUT and OUTPUT are the same topic for the broker's
 * pass-through. For the router, INPUT is the ingest topic and OUTPUT the
 * topic that the router writes to. Each payload carries its send time, so
 * the receiver measures end-to-end latency on one clock.
 *
 * Prints one line: messages, seconds from first send to last receive,
 * messages per second, and latency p50, p99 and max in milliseconds.
 *
 * usage: route_bench SERVICE_URL INPUT OUTPUT COUNT RATE WINDOW [WARMUP]
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
    uint64_t last_ns;

    /* The window: the producer sleeps until received reaches resume_at. */
    pthread_mutex_t lock;
    pthread_cond_t drained;
    size_t received;  /* atomic */
    size_t resume_at; /* atomic; 0 while the producer does not wait */
} receiver;

/* Counts one received message and wakes the producer when its window has drained. */
static void count_received(receiver *r)
{
    size_t received = __atomic_add_fetch(&r->received, 1, __ATOMIC_SEQ_CST);
    size_t resume_at = __atomic_load_n(&r->resume_at, __ATOMIC_SEQ_CST);
    if (resume_at != 0 && received >= resume_at) {
        pthread_mutex_lock(&r->lock);
        pthread_cond_signal(&r->drained);
        pthread_mutex_unlock(&r->lock);
    }
}

/*
 * Waits until fewer than window of the first sent messages are unreceived.
 * It waits for half the window to drain, not one message, so that the
 * receiver wakes it once per half window. The sequentially consistent
 * order of received and resume_at keeps the wake-up from being lost.
 */
static void wait_for_window(receiver *r, size_t sent, size_t window)
{
    if (window == 0 || sent < __atomic_load_n(&r->received, __ATOMIC_SEQ_CST) + window) {
        return;
    }
    pthread_mutex_lock(&r->lock);
    __atomic_store_n(&r->resume_at, sent - window / 2, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&r->received, __ATOMIC_SEQ_CST) < sent - window / 2) {
        pthread_cond_wait(&r->drained, &r->lock);
    }
    __atomic_store_n(&r->resume_at, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&r->lock);
}

static void *receive_all(void *arg)
{
    receiver *r = arg;
    for (size_t i = 0; i < r->expected; i++) {
        pulsar_message *m = NULL;
        if (pulsar_consumer_receive(r->consumer, 30000, &m) != PULSAR_OK) {
            fprintf(stderr, "route_bench: no message for 30 s after %zu of %zu\n", i,
                    r->expected);
            /* Lets a waiting producer go on. run() reports the shortfall. */
            __atomic_store_n(&r->received, r->expected, __ATOMIC_RELEASE);
            pthread_mutex_lock(&r->lock);
            pthread_cond_signal(&r->drained);
            pthread_mutex_unlock(&r->lock);
            r->expected = i;
            return NULL;
        }
        uint64_t now = now_ns();
        const char *t = memmem(m->payload, m->payload_len, "\"t\":", 4);
        uint64_t sent = t != NULL ? strtoull(t + 4, NULL, 10) : now;
        r->latencies_ns[i] = now > sent ? now - sent : 0;
        r->last_ns = now;
        pulsar_consumer_ack(r->consumer, &m->id);
        pulsar_message_free(m);
        count_received(r);
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

/*
 * Returns a letter or digit from a fixed pseudo-random sequence (xorshift64).
 * LZ4 finds few repeats in such padding, so compressed batches do not look
 * smaller than batches of real readings would.
 */
static char random_alnum(void)
{
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static uint64_t state = 0x9e3779b97f4a7c15u;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return alphabet[state % (sizeof alphabet - 1)];
}

/*
 * Sends count messages numbered from first at rate per second (0: no
 * limit), at most window of them ahead of receiver r (0: no limit).
 */
static int produce(pulsar_producer *producer, receiver *r, size_t first, size_t count,
                   double rate, size_t window, size_t *failures)
{
    uint64_t start = now_ns();
    for (size_t i = 0; i < count; i++) {
        if (rate > 0) {
            sleep_until(start + (uint64_t)((double)i * 1e9 / rate));
        }
        wait_for_window(r, i, window);
        size_t n = first + i;
        char device[16];
        snprintf(device, sizeof device, "d%zu", n % DEVICES);
        char payload[PAYLOAD_BYTES + 1];
        int len = snprintf(payload, sizeof payload,
                           "{\"device_id\":\"%s\",\"n\":%zu,\"t\":%" PRIu64 ",\"pad\":\"", device,
                           n, now_ns());
        while (len < PAYLOAD_BYTES - 2) {
            payload[len++] = random_alnum();
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
               double rate, size_t window, bool print)
{
    receiver r = {.consumer = consumer, .expected = count,
                  .latencies_ns = calloc(count, sizeof(uint64_t))};
    if (r.latencies_ns == NULL) {
        return -1;
    }
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.drained, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, receive_all, &r);
    size_t failures = 0;
    uint64_t start = now_ns();
    int rc = produce(producer, &r, first, count, rate, window, &failures);
    pthread_join(thread, NULL);
    pthread_cond_destroy(&r.drained);
    pthread_mutex_destroy(&r.lock);
    if (rc != 0 || failures > 0 || r.expected != count) {
        fprintf(stderr, "route_bench: %zu of %zu received, %zu sends failed\n", r.expected, count,
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
    if (argc < 7 || argc > 8) {
        fprintf(stderr, "usage: route_bench SERVICE_URL INPUT OUTPUT COUNT RATE WINDOW [WARMUP]\n");
        return 2;
    }
    size_t count = strtoul(argv[4], NULL, 10);
    double rate = strtod(argv[5], NULL);
    size_t window = strtoul(argv[6], NULL, 10);
    size_t warmup = argc == 8 ? strtoul(argv[7], NULL, 10) : 2000;

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
    if (warmup > 0 && run(producer, consumer, 0, warmup, 0, window, false) != 0) {
        status = 1;
    } else if (run(producer, consumer, warmup, count, rate, window, true) != 0) {
        status = 1;
    }
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
    pulsar_client_close(client);
    return status;
}
