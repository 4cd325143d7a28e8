/*
 * Lake sink benchmark program (bench/lake/run.sh runs it).
 *
 *   lake_bench fill URL TOPIC COUNT
 *       publishes COUNT 200-byte device messages to TOPIC (batched).
 *   lake_bench sink URL TOPIC SUBSCRIPTION COMPRESSION DIR COUNT
 *       runs the lake sink (lake_pulsar.h, the code behind `switchyard
 *       sink`) on TOPIC with a new subscription into the local store DIR,
 *       until COUNT records are written and acknowledged.
 *   lake_bench bare URL TOPIC SUBSCRIPTION COMPRESSION COUNT
 *       the same consumer settings and individual acknowledgements, and
 *       each payload compressed with the same compression and level in
 *       streams of MAX_RECORDS messages, with no JSON, no files and no store.
 *   lake_bench encode URL TOPIC SUBSCRIPTION COMPRESSION COUNT
 *       as bare, but each message is first encoded as the sink's JSON line
 *       (lake_jsonl_encode), so the compressor gets the bytes the sink's does.
 *   lake_bench lines URL TOPIC SUBSCRIPTION COMPRESSION COUNT
 *       as bare, but compresses the sink's JSON line of each message, which
 *       an untimed first pass over the topic (subscription SUBSCRIPTION-pre)
 *       encoded beforehand. The compressor gets the bytes the sink's does,
 *       and the timed pass does no JSON encoding.
 *
 * sink, bare, encode and lines print one line: "messages N seconds S msg_per_s R
 * mb_per_s M", where M is payload megabytes (10^6 bytes) per second, timed
 * from the first received message to the last one written (sink) or
 * compressed (the others). All take the default compression level.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "lake/lake_compress.h"
#include "lake/lake_jsonl.h"
#include "lake/lake_pulsar.h"
#include "pulsar/pulsar.h"

#define PAYLOAD_BYTES 200
#define MAX_RECORDS   10000

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "lake_bench: %s: %s\n", what, detail);
    return 1;
}

/* Fills payload with a 200-byte JSON device message numbered n. */
static void make_payload(char payload[PAYLOAD_BYTES + 1], unsigned long n)
{
    int len =
        snprintf(payload, PAYLOAD_BYTES + 1,
                 "{\"device_id\":\"d%lu\",\"n\":%lu,\"command\":\"NOOP\",\"pad\":\"", n % 1000, n);
    memset(payload + len, 'x', (size_t)(PAYLOAD_BYTES - len - 2));
    memcpy(payload + PAYLOAD_BYTES - 2, "\"}", 3);
}

static int fill(pulsar_client *client, const char *topic, unsigned long count)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.batching_enabled = true;
    pulsar_producer *producer = NULL;
    pulsar_result rc = pulsar_producer_create(client, &config, &producer);
    if (rc != PULSAR_OK) {
        return fail("creating the producer", pulsar_result_str(rc));
    }
    for (unsigned long n = 0; n < count; n++) {
        char payload[PAYLOAD_BYTES + 1];
        char device[16];
        make_payload(payload, n);
        snprintf(device, sizeof device, "d%lu", n % 1000);
        const pulsar_property properties[] = {{"env", "prod"}, {"device_id", device}};
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = PAYLOAD_BYTES;
        message.properties = properties;
        message.property_count = 2;
        do {
            rc = pulsar_producer_send_async(producer, &message, NULL, NULL);
            if (rc == PULSAR_ERR_QUEUE_FULL) {
                pulsar_producer_flush(producer);
            }
        } while (rc == PULSAR_ERR_QUEUE_FULL);
        if (rc != PULSAR_OK) {
            return fail("sending", pulsar_result_str(rc));
        }
    }
    rc = pulsar_producer_flush(producer);
    pulsar_producer_close(producer);
    return rc == PULSAR_OK ? 0 : fail("flushing the producer", pulsar_result_str(rc));
}

static void report(unsigned long count, double seconds)
{
    printf("messages %lu seconds %.3f msg_per_s %.0f mb_per_s %.2f\n", count, seconds,
           (double)count / seconds, (double)count * PAYLOAD_BYTES / seconds / 1e6);
}

static int run_sink(pulsar_client *client, const char *topic, const char *subscription,
                    lake_compression compression, const char *dir, unsigned long count)
{
    char error[512] = "";
    lake_store *store = NULL;
    if (lake_store_fs_new(dir, &store, error, sizeof error) != LAKE_OK) {
        return fail("opening the local store", error);
    }
    char *topics[] = {(char *)topic};
    lake_sink_settings settings = {
        .name = "bench",
        .environment = "prod",
        .topics = topics,
        .topic_count = 1,
        .subscription = (char *)subscription,
        .subscription_type = LAKE_SUBSCRIPTION_FAILOVER,
        .format = "jsonl",
        .compression = compression,
        .path = "{env}/{tenant}/{namespace}/{topic}/{yyyy}/{mm}/{dd}/{hh}",
        .time_zone = "UTC",
        .max_records = MAX_RECORDS,
        .max_bytes = 64 << 20,
        .max_age_ms = 300000,
        .max_pending_files = 4,
        .receiver_queue = LAKE_DEFAULT_RECEIVER_QUEUE,
        .retry_initial_ms = 1000,
        .retry_max_ms = 60000,
    };
    lake_pulsar_sink *sink = NULL;
    if (lake_pulsar_sink_start(client, NULL, &settings, store, &sink, error, sizeof error) !=
        LAKE_OK) {
        lake_store_free(store);
        return fail("starting the sink", error);
    }

    double start = 0;
    lake_sink_stats stats = {0};
    int status = 0;
    while (stats.records_written < count) {
        if (lake_pulsar_sink_run_once(sink, 1000, error, sizeof error) != LAKE_OK) {
            status = fail("running the sink", error);
            break;
        }
        lake_pulsar_sink_stats(sink, &stats);
        if (start == 0 && (stats.open_files > 0 || stats.records_written > 0)) {
            start = now_seconds();
        }
    }
    double seconds = now_seconds() - start;
    if (status == 0) {
        report((unsigned long)stats.records_written, seconds);
    }
    lake_pulsar_sink_stop(sink, 0, error, sizeof error);
    lake_store_free(store);
    return status;
}

/* Encodes message as the sink's glue does (lake_pulsar.c, offer). */
static lake_err encode_line(const pulsar_message *message, lake_buf *line)
{
    lake_property properties[16];
    size_t property_count = message->property_count < 16 ? message->property_count : 16;
    for (size_t i = 0; i < property_count; i++) {
        properties[i] = (lake_property){message->properties[i].key, message->properties[i].value};
    }
    lake_record record = {
        .payload = message->payload,
        .payload_len = message->payload_len,
        .properties = properties,
        .property_count = property_count,
        .key = message->key,
        .id = {message->id.ledger_id, message->id.entry_id, message->id.partition,
               message->id.batch_index},
        .topic = message->topic,
        .publish_time_ms = (int64_t)message->publish_time_ms,
        .event_time_ms = (int64_t)message->event_time_ms,
    };
    return lake_jsonl_encode(&record, line);
}

/* What run_bare gives the compressor for each message. */
typedef enum { BYTES_PAYLOAD, BYTES_ENCODED, BYTES_PREENCODED } bare_bytes;

/* The JSON lines of the first count messages of a subscription, in order. */
typedef struct {
    lake_buf text;   /* every line, one after the other */
    size_t *offsets; /* count + 1 offsets into text */
    pulsar_message_id *ids;
} encoded_lines;

static void encoded_lines_free(encoded_lines *lines)
{
    lake_buf_clear(&lines->text);
    free(lines->offsets);
    free(lines->ids);
}

static pulsar_consumer *subscribe_earliest(pulsar_client *client, const char *topic,
                                           const char *subscription)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = subscription;
    config.type = PULSAR_SUBSCRIPTION_FAILOVER;
    config.receiver_queue_size = LAKE_DEFAULT_RECEIVER_QUEUE; /* the sink's own */
    config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(client, &config, &consumer);
    if (rc != PULSAR_OK) {
        fail("subscribing", pulsar_result_str(rc));
        return NULL;
    }
    return consumer;
}

/* Reads the first count messages of topic and encodes each as the sink's JSON line. */
static int preencode(pulsar_client *client, const char *topic, const char *subscription,
                     unsigned long count, encoded_lines *lines)
{
    char name[256];
    snprintf(name, sizeof name, "%s-pre", subscription);
    pulsar_consumer *consumer = subscribe_earliest(client, topic, name);
    if (consumer == NULL) {
        return 1;
    }
    lines->offsets = calloc(count + 1, sizeof *lines->offsets);
    lines->ids = calloc(count, sizeof *lines->ids);
    int status = lines->offsets == NULL || lines->ids == NULL ? fail("preencoding", "no memory") : 0;

    for (unsigned long n = 0; n < count && status == 0; n++) {
        pulsar_message *message = NULL;
        pulsar_result rc = pulsar_consumer_receive(consumer, 10000, &message);
        if (rc != PULSAR_OK) {
            status = fail("receiving", pulsar_result_str(rc));
            break;
        }
        lines->offsets[n] = lines->text.len;
        lines->ids[n] = message->id;
        if (encode_line(message, &lines->text) != LAKE_OK) {
            status = fail("encoding", "lake_jsonl_encode failed");
        }
        lines->offsets[n + 1] = lines->text.len;
        pulsar_consumer_ack(consumer, &message->id);
        pulsar_message_free(message);
    }
    pulsar_consumer_close(consumer);
    return status;
}

static bool same_position(const pulsar_message_id *a, const pulsar_message_id *b)
{
    return a->ledger_id == b->ledger_id && a->entry_id == b->entry_id &&
           a->partition == b->partition && a->batch_index == b->batch_index;
}

static int run_bare(pulsar_client *client, const char *topic, const char *subscription,
                    lake_compression compression, bare_bytes kind, unsigned long count)
{
    lake_buf line = {0};
    encoded_lines lines = {0};
    if (kind == BYTES_PREENCODED && preencode(client, topic, subscription, count, &lines) != 0) {
        encoded_lines_free(&lines);
        return 1;
    }
    pulsar_consumer *consumer = subscribe_earliest(client, topic, subscription);
    if (consumer == NULL) {
        encoded_lines_free(&lines);
        return 1;
    }

    pulsar_result rc;
    lake_compressor *compressor = NULL;
    lake_buf out = {0};
    size_t in_stream = 0;
    size_t compressed_bytes = 0;
    double start = 0;
    int status = 0;
    for (unsigned long n = 0; n < count && status == 0; n++) {
        pulsar_message *message = NULL;
        rc = pulsar_consumer_receive(consumer, 10000, &message);
        if (rc != PULSAR_OK) {
            status = fail("receiving", pulsar_result_str(rc));
            break;
        }
        if (start == 0) {
            start = now_seconds();
        }
        if (compressor == NULL && lake_compressor_new(compression, 0, &compressor) != LAKE_OK) {
            status = fail("compressing", "lake_compressor_new failed");
        }
        const uint8_t *bytes = message->payload;
        size_t len = message->payload_len;
        if (status == 0 && kind == BYTES_ENCODED) {
            line.len = 0;
            if (encode_line(message, &line) != LAKE_OK) {
                status = fail("encoding", "lake_jsonl_encode failed");
            }
            bytes = line.data;
            len = line.len;
        } else if (status == 0 && kind == BYTES_PREENCODED) {
            /* A new subscription gets the same messages in the same order. */
            if (!same_position(&lines.ids[n], &message->id)) {
                status = fail("compressing lines", "messages arrived in another order");
            }
            bytes = lines.text.data + lines.offsets[n];
            len = lines.offsets[n + 1] - lines.offsets[n];
        }
        if (status == 0 && lake_compressor_write(compressor, bytes, len, &out) != LAKE_OK) {
            status = fail("compressing", "lake_compressor_write failed");
        }
        if (status == 0 && (++in_stream == MAX_RECORDS || n + 1 == count)) {
            lake_compressor_finish(compressor, &out);
            lake_compressor_free(compressor);
            compressor = NULL;
            in_stream = 0;
            compressed_bytes += out.len;
            out.len = 0;
        }
        pulsar_consumer_ack(consumer, &message->id);
        pulsar_message_free(message);
    }
    double seconds = now_seconds() - start;
    if (status == 0) {
        report(count, seconds);
        static const char *const names[] = {"bare", "encode", "lines"};
        fprintf(stderr, "lake_bench: %s: %zu compressed bytes\n", names[kind], compressed_bytes);
    }
    lake_compressor_free(compressor);
    lake_buf_clear(&out);
    lake_buf_clear(&line);
    encoded_lines_free(&lines);
    pulsar_consumer_close(consumer);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: lake_bench fill URL TOPIC COUNT\n"
                        "       lake_bench sink URL TOPIC SUBSCRIPTION COMPRESSION DIR COUNT\n"
                        "       lake_bench bare URL TOPIC SUBSCRIPTION COMPRESSION COUNT\n"
                        "       lake_bench encode URL TOPIC SUBSCRIPTION COMPRESSION COUNT\n"
                        "       lake_bench lines URL TOPIC SUBSCRIPTION COMPRESSION COUNT\n");
        return 2;
    }
    const char *mode = argv[1];
    sy_log_set_level(SY_LOG_WARN);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = argv[2];
    pulsar_client *client = NULL;
    if (pulsar_client_create(&config, &client) != PULSAR_OK) {
        return fail("creating the client", argv[2]);
    }

    int status = 2;
    lake_compression compression = LAKE_COMPRESSION_NONE;
    if (strcmp(mode, "fill") == 0) {
        status = fill(client, argv[3], strtoul(argv[4], NULL, 10));
    } else if (argc >= 7 && !lake_compression_parse(argv[5], &compression)) {
        fprintf(stderr, "lake_bench: invalid compression '%s': use none, gzip or zstd\n", argv[5]);
    } else if (strcmp(mode, "sink") == 0 && argc == 8) {
        status =
            run_sink(client, argv[3], argv[4], compression, argv[6], strtoul(argv[7], NULL, 10));
    } else if (strcmp(mode, "bare") == 0 && argc == 7) {
        status = run_bare(client, argv[3], argv[4], compression, BYTES_PAYLOAD,
                          strtoul(argv[6], NULL, 10));
    } else if (strcmp(mode, "encode") == 0 && argc == 7) {
        status = run_bare(client, argv[3], argv[4], compression, BYTES_ENCODED,
                          strtoul(argv[6], NULL, 10));
    } else if (strcmp(mode, "lines") == 0 && argc == 7) {
        status = run_bare(client, argv[3], argv[4], compression, BYTES_PREENCODED,
                          strtoul(argv[6], NULL, 10));
    } else {
        fprintf(stderr, "lake_bench: unknown mode or wrong argument count: run without arguments "
                        "for the usage\n");
    }
    pulsar_client_close(client);
    return status;
}
