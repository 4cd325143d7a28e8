/*
 * Producer behaviour against a real broker. The tests cover the exact round
 * trip of payload, key, properties and event time, async completion order
 * and the queue limit. They cover batching with each compression codec, and
 * key routing on a partitioned topic as the Java client routes. Last come
 * deduplication of a re-sent sequence id and concurrent senders.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL; fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pulsar_test_util.h"

static pulsar_consumer *subscribe(pulsar_fixture *fixture, const char *topic, const char *sub)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = sub;
    config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(fixture->client, &config, &consumer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "subscribe to %s failed: %s\n", topic, pulsar_result_str(rc));
    }
    assert_int_equal(rc, PULSAR_OK);
    return consumer;
}

static pulsar_producer *create_producer(pulsar_fixture *fixture, pulsar_producer_config *config)
{
    pulsar_producer *producer = NULL;
    pulsar_result rc = pulsar_producer_create(fixture->client, config, &producer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "producer on %s failed: %s\n", config->topic, pulsar_result_str(rc));
    }
    assert_int_equal(rc, PULSAR_OK);
    return producer;
}

static void round_trip_keeps_every_field(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "round-trip", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");

    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.producer_name = "round-trip-producer";
    pulsar_producer *producer = create_producer(fixture, &config);
    assert_string_equal(pulsar_producer_name(producer), "round-trip-producer");
    assert_int_equal(pulsar_producer_last_sequence_id(producer), -1);

    static const uint8_t payload[] = {'{', '"', 'c', '"', ':', 0, 0xFF, '}'};
    pulsar_property props[] = {{"env", "dev"}, {"device_id", "device-7"}, {"empty", ""}};
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = payload;
    message.payload_len = sizeof payload;
    message.key = "device-7";
    message.properties = props;
    message.property_count = 3;
    message.event_time_ms = 1764806399123u;
    pulsar_message_id sent_id;
    assert_int_equal(pulsar_producer_send(producer, &message, &sent_id), PULSAR_OK);
    assert_int_equal(sent_id.partition, -1);
    assert_int_equal(sent_id.batch_index, -1);
    assert_int_equal(pulsar_producer_last_sequence_id(producer), 0);

    pulsar_message *received = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 10000, &received), PULSAR_OK);
    assert_int_equal(received->payload_len, sizeof payload);
    assert_memory_equal(received->payload, payload, sizeof payload);
    assert_string_equal(received->key, "device-7");
    assert_int_equal(received->property_count, 3);
    assert_string_equal(received->properties[0].key, "env");
    assert_string_equal(received->properties[0].value, "dev");
    assert_string_equal(pulsar_message_property(received, "device_id"), "device-7");
    assert_string_equal(pulsar_message_property(received, "empty"), "");
    assert_null(pulsar_message_property(received, "missing"));
    assert_int_equal(received->event_time_ms, 1764806399123u);
    assert_true(received->publish_time_ms > 1764806399123u);
    assert_int_equal(received->sequence_id, 0);
    assert_string_equal(received->producer_name, "round-trip-producer");
    assert_string_equal(received->topic, topic);
    assert_int_equal(received->id.ledger_id, sent_id.ledger_id);
    assert_int_equal(received->id.entry_id, sent_id.entry_id);
    assert_int_equal(received->redelivery_count, 0);
    assert_int_equal(pulsar_consumer_ack(consumer, &received->id), PULSAR_OK);
    pulsar_message_free(received);

    /* A message without key or properties reads back without them. */
    pulsar_test_send(producer, "bare", NULL);
    assert_int_equal(pulsar_consumer_receive(consumer, 10000, &received), PULSAR_OK);
    assert_null(received->key);
    assert_int_equal(received->property_count, 0);
    assert_int_equal(received->event_time_ms, 0);
    assert_int_equal(received->sequence_id, 1);
    pulsar_message_free(received);

    assert_int_equal(pulsar_consumer_receive(consumer, 0, &received), PULSAR_ERR_TIMEOUT);
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
    assert_int_equal(pulsar_consumer_close(consumer), PULSAR_OK);
}

static void async_sends_complete_in_order(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "async", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    pulsar_producer *producer = create_producer(fixture, &config);

    send_counter counter;
    send_counter_init(&counter);
    char text[32];
    for (int i = 0; i < 300; i++) {
        snprintf(text, sizeof text, "m-%03d", i);
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = text;
        message.payload_len = strlen(text);
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(send_counter_wait(&counter, 300, 20000), 300);
    assert_int_equal(counter.ok, 300);
    assert_true(counter.in_order);
    assert_int_equal(counter.last_sequence_id, 299);

    char *payloads[300] = {0};
    assert_int_equal(pulsar_test_drain(consumer, payloads, 300, 2000), 300);
    for (int i = 0; i < 300; i++) {
        snprintf(text, sizeof text, "m-%03d", i);
        assert_string_equal(payloads[i], text);
        free(payloads[i]);
    }
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void full_queue_rejects_send(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "queue-full", topic, sizeof topic);
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.max_pending_messages = 5;
    config.batching_enabled = true;
    config.batching_max_delay_ms = 60000; /* keeps the batch open until the flush */
    pulsar_producer *producer = create_producer(fixture, &config);

    send_counter counter;
    send_counter_init(&counter);
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = "x";
    message.payload_len = 1;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(
        pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
        PULSAR_ERR_QUEUE_FULL);
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(send_counter_wait(&counter, 5, 10000), 5);
    assert_int_equal(counter.ok, 5);
    /* Once the batch is persisted the queue has room again. */
    assert_int_equal(
        pulsar_producer_send_async(producer, &message, send_counter_callback, &counter), PULSAR_OK);
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
    assert_int_equal(counter.ok, 6);
}

/* Sends 25 keyed messages with properties in batches of at most 10 (a new key every 10
 * messages) and checks that each arrives as its own message with a batch index. */
static void check_batches(pulsar_fixture *fixture, const char *name, pulsar_compression compression,
                          bool batching)
{
    char topic[256];
    pulsar_test_topic(fixture, name, topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.batching_enabled = batching;
    config.batching_max_messages = 10;
    config.batching_max_delay_ms = 50;
    config.compression = compression;
    pulsar_producer *producer = create_producer(fixture, &config);

    send_counter counter;
    send_counter_init(&counter);
    char text[64];
    char key[16];
    char index[16];
    for (int i = 0; i < 25; i++) {
        /* Repetitive payloads, so every codec really shrinks them. */
        snprintf(text, sizeof text, "payload-%02d payload-%02d payload-%02d", i, i, i);
        snprintf(key, sizeof key, "k-%d", i / 10);
        snprintf(index, sizeof index, "%d", i);
        pulsar_property props[] = {{"index", index}};
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = text;
        message.payload_len = strlen(text);
        message.key = key;
        message.properties = props;
        message.property_count = 1;
        message.event_time_ms = 1000u + (uint64_t)i;
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(counter.ok, 25);

    for (int i = 0; i < 25; i++) {
        pulsar_message *received = NULL;
        assert_int_equal(pulsar_consumer_receive(consumer, 10000, &received), PULSAR_OK);
        snprintf(text, sizeof text, "payload-%02d payload-%02d payload-%02d", i, i, i);
        snprintf(key, sizeof key, "k-%d", i / 10);
        snprintf(index, sizeof index, "%d", i);
        assert_int_equal(received->payload_len, strlen(text));
        assert_memory_equal(received->payload, text, strlen(text));
        assert_string_equal(received->key, key);
        assert_string_equal(pulsar_message_property(received, "index"), index);
        assert_int_equal(received->event_time_ms, 1000u + (uint64_t)i);
        assert_int_equal(received->sequence_id, (uint64_t)i);
        if (batching) {
            assert_int_equal(received->id.batch_index, i % 10);
            assert_int_equal(received->id.batch_size, i < 20 ? 10 : 5);
        } else {
            assert_int_equal(received->id.batch_index, -1);
        }
        assert_int_equal(pulsar_consumer_ack(consumer, &received->id), PULSAR_OK);
        pulsar_message_free(received);
    }
    pulsar_message *extra = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 500, &extra), PULSAR_ERR_TIMEOUT);
    assert_int_equal(pulsar_consumer_dropped_count(consumer), 0);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void batches_split_into_messages(void **state)
{
    check_batches(*state, "batch-plain", PULSAR_COMPRESSION_NONE, true);
}

static void lz4_batches_round_trip(void **state)
{
    check_batches(*state, "batch-lz4", PULSAR_COMPRESSION_LZ4, true);
}

static void zstd_batches_round_trip(void **state)
{
    check_batches(*state, "batch-zstd", PULSAR_COMPRESSION_ZSTD, true);
}

static void zlib_batches_round_trip(void **state)
{
    check_batches(*state, "batch-zlib", PULSAR_COMPRESSION_ZLIB, true);
}

static void compressed_single_messages_round_trip(void **state)
{
    check_batches(*state, "single-zstd", PULSAR_COMPRESSION_ZSTD, false);
    check_batches(*state, "single-lz4", PULSAR_COMPRESSION_LZ4, false);
}

/* Sends one 1-byte message per key (NULL: no key) and waits until all are persisted. */
static void send_keyed(pulsar_producer *producer, const char *const *keys, size_t count)
{
    send_counter counter;
    send_counter_init(&counter);
    for (size_t i = 0; i < count; i++) {
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = "x";
        message.payload_len = 1;
        message.key = keys != NULL ? keys[i] : NULL;
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(send_counter_wait(&counter, count, 10000), count);
    assert_int_equal(counter.ok, count);
}

/* Receives count messages and checks each one's key, batch size and batch index. */
static void expect_batches(pulsar_consumer *consumer, const char *const *keys, const int *sizes,
                           const int *indexes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        pulsar_message *received = NULL;
        assert_int_equal(pulsar_consumer_receive(consumer, 10000, &received), PULSAR_OK);
        assert_int_equal(received->id.batch_size, sizes[i]);
        assert_int_equal(received->id.batch_index, indexes[i]);
        if (keys == NULL || keys[i] == NULL) {
            assert_null(received->key);
        } else {
            assert_string_equal(received->key, keys[i]);
        }
        assert_int_equal(pulsar_consumer_ack(consumer, &received->id), PULSAR_OK);
        pulsar_message_free(received);
    }
}

static void batch_closes_when_key_changes(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "batch-keys", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.batching_enabled = true;
    config.batching_max_delay_ms = 60000;
    pulsar_producer *producer = create_producer(fixture, &config);

    static const char *const keys[] = {"a", "a", "b", "b", "b", NULL};
    send_counter counter;
    send_counter_init(&counter);
    for (size_t i = 0; i < 6; i++) {
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = "x";
        message.payload_len = 1;
        message.key = keys[i];
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(counter.ok, 6);

    static const int sizes[] = {2, 2, 3, 3, 3, 1};
    static const int indexes[] = {0, 1, 0, 1, 2, 0};
    expect_batches(consumer, keys, sizes, indexes, 6);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

/* With batching_mixed_keys one batch contains every key, and each message keeps its own. */
static void mixed_batch_keeps_each_key(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "batch-mixed", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.batching_enabled = true;
    config.batching_mixed_keys = true;
    config.batching_max_messages = 6;
    config.batching_max_delay_ms = 60000;
    pulsar_producer *producer = create_producer(fixture, &config);

    /* Six messages fill the batch, so it goes out without a flush. */
    static const char *const keys[] = {"a", "b", "a", NULL, "c", "b"};
    send_keyed(producer, keys, 6);

    static const int sizes[] = {6, 6, 6, 6, 6, 6};
    static const int indexes[] = {0, 1, 2, 3, 4, 5};
    expect_batches(consumer, keys, sizes, indexes, 6);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

/* A batch closes at half of the pending queue, below batching_max_messages. */
static void batch_closes_at_half_the_queue(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "batch-half-queue", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.max_pending_messages = 8;
    config.batching_enabled = true;
    config.batching_max_delay_ms = 60000;
    pulsar_producer *producer = create_producer(fixture, &config);

    /* Both halves go out when full, without a flush and long before the delay. */
    send_keyed(producer, NULL, 8);

    static const int sizes[] = {4, 4, 4, 4, 4, 4, 4, 4};
    static const int indexes[] = {0, 1, 2, 3, 0, 1, 2, 3};
    expect_batches(consumer, NULL, sizes, indexes, 8);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void partitioned_topic_routes_keys(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    char path[512];
    pulsar_test_topic(fixture, "partitioned", topic, sizeof topic);
    snprintf(path, sizeof path, "/admin/v2/persistent/public/default/%s-partitioned/partitions",
             fixture->prefix);
    pulsar_test_admin(fixture, "PUT", path, "4", 204);

    uint32_t partitions = 0;
    assert_int_equal(pulsar_client_partition_count(fixture->client, topic, &partitions), PULSAR_OK);
    assert_int_equal(partitions, 4);

    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    pulsar_producer *producer = create_producer(fixture, &config);

    static const char *const keys[] = {"device-1", "device-42", "hello",
                                       "a",        "sensor-9",  "\xC3\xA9t\xC3\xA9"};
    size_t key_count = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < key_count; i++) {
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = keys[i];
        message.payload_len = strlen(keys[i]);
        message.key = keys[i];
        pulsar_message_id id;
        assert_int_equal(pulsar_producer_send(producer, &message, &id), PULSAR_OK);
        assert_int_equal(id.partition, (int32_t)pulsar_key_partition(keys[i], 4));
    }
    /* Without a key the partitions take turns. */
    int per_partition[4] = {0};
    for (int i = 0; i < 8; i++) {
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = "no-key";
        message.payload_len = 6;
        pulsar_message_id id;
        assert_int_equal(pulsar_producer_send(producer, &message, &id), PULSAR_OK);
        assert_true(id.partition >= 0 && id.partition < 4);
        per_partition[id.partition]++;
    }
    for (int p = 0; p < 4; p++) {
        assert_int_equal(per_partition[p], 2);
    }

    size_t keyed = 0;
    size_t unkeyed = 0;
    pulsar_message *received = NULL;
    while (pulsar_consumer_receive(consumer, 3000, &received) == PULSAR_OK) {
        char expected_topic[300];
        snprintf(expected_topic, sizeof expected_topic, "%s-partition-%d", topic,
                 (int)received->id.partition);
        assert_string_equal(received->topic, expected_topic);
        if (received->key != NULL) {
            assert_int_equal(received->id.partition,
                             (int32_t)pulsar_key_partition(received->key, 4));
            keyed++;
        } else {
            unkeyed++;
        }
        assert_int_equal(pulsar_consumer_ack(consumer, &received->id), PULSAR_OK);
        pulsar_message_free(received);
    }
    assert_int_equal(keyed, key_count);
    assert_int_equal(unkeyed, 8);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void deduplication_drops_resent_sequence(void **state)
{
    pulsar_fixture *fixture = *state;
    char ns[128];
    char path[256];
    char topic[256];
    snprintf(ns, sizeof ns, "public/%s-dedup", fixture->prefix);
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", ns);
    pulsar_test_admin(fixture, "PUT", path, NULL, 204);
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s/deduplication", ns);
    pulsar_test_admin(fixture, "POST", path, "true", 204);
    snprintf(topic, sizeof topic, "persistent://%s/events", ns);

    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.producer_name = "dedup-producer";
    pulsar_producer *producer = create_producer(fixture, &config);
    for (int i = 0; i < 5; i++) {
        char text[16];
        snprintf(text, sizeof text, "d-%d", i);
        pulsar_test_send(producer, text, NULL);
    }

    /* Sequence id 2 again: the broker drops it and returns the duplicate id. */
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = "d-2-again";
    message.payload_len = 9;
    message.sequence_id = 2;
    pulsar_message_id id;
    assert_int_equal(pulsar_producer_send(producer, &message, &id), PULSAR_OK);
    assert_true(pulsar_message_id_is_duplicate(&id));
    pulsar_producer_close(producer);

    /* A new producer with the same name continues after the broker's last sequence id. */
    producer = create_producer(fixture, &config);
    assert_int_equal(pulsar_producer_last_sequence_id(producer), 4);
    pulsar_test_send(producer, "d-5", NULL);
    assert_int_equal(pulsar_producer_last_sequence_id(producer), 5);

    char *payloads[8] = {0};
    assert_int_equal(pulsar_test_drain(consumer, payloads, 8, 2000), 6);
    for (int i = 0; i < 6; i++) {
        char text[16];
        snprintf(text, sizeof text, "d-%d", i);
        assert_string_equal(payloads[i], text);
        free(payloads[i]);
    }
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

typedef struct {
    pulsar_producer *producer;
    int thread;
    int failures;
} sender_args;

static void *send_from_thread(void *data)
{
    sender_args *args = data;
    for (int i = 0; i < 100; i++) {
        char text[32];
        snprintf(text, sizeof text, "t%d-%03d", args->thread, i);
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = text;
        message.payload_len = strlen(text);
        if (pulsar_producer_send(args->producer, &message, NULL) != PULSAR_OK) {
            args->failures++;
        }
    }
    return NULL;
}

static void concurrent_senders_share_producer(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "threads", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe(fixture, topic, "sub");
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.batching_enabled = true;
    pulsar_producer *producer = create_producer(fixture, &config);

    pthread_t threads[4];
    sender_args args[4];
    for (int t = 0; t < 4; t++) {
        args[t] = (sender_args){producer, t, 0};
        assert_int_equal(pthread_create(&threads[t], NULL, send_from_thread, &args[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        assert_int_equal(args[t].failures, 0);
    }

    /* Each thread's messages arrive complete and in the order it sent them. */
    int next[4] = {0, 0, 0, 0};
    pulsar_message *received = NULL;
    int total = 0;
    while (pulsar_consumer_receive(consumer, 2000, &received) == PULSAR_OK) {
        int thread = -1;
        int index = -1;
        char text[32] = {0};
        memcpy(text, received->payload, received->payload_len < 31 ? received->payload_len : 31);
        assert_int_equal(sscanf(text, "t%d-%d", &thread, &index), 2);
        assert_true(thread >= 0 && thread < 4);
        assert_int_equal(index, next[thread]);
        next[thread]++;
        total++;
        assert_int_equal(pulsar_consumer_ack(consumer, &received->id), PULSAR_OK);
        pulsar_message_free(received);
    }
    assert_int_equal(total, 400);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void second_named_producer_is_busy(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "busy", topic, sizeof topic);
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.producer_name = "only-one";
    pulsar_producer *first = create_producer(fixture, &config);
    pulsar_producer *second = NULL;
    assert_int_equal(pulsar_producer_create(fixture->client, &config, &second),
                     PULSAR_ERR_BROKER_PRODUCER_BUSY);
    assert_null(second);
    pulsar_producer_close(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_keeps_every_field),
        cmocka_unit_test(async_sends_complete_in_order),
        cmocka_unit_test(full_queue_rejects_send),
        cmocka_unit_test(batches_split_into_messages),
        cmocka_unit_test(lz4_batches_round_trip),
        cmocka_unit_test(zstd_batches_round_trip),
        cmocka_unit_test(zlib_batches_round_trip),
        cmocka_unit_test(compressed_single_messages_round_trip),
        cmocka_unit_test(batch_closes_when_key_changes),
        cmocka_unit_test(mixed_batch_keeps_each_key),
        cmocka_unit_test(batch_closes_at_half_the_queue),
        cmocka_unit_test(partitioned_topic_routes_keys),
        cmocka_unit_test(deduplication_drops_resent_sequence),
        cmocka_unit_test(concurrent_senders_share_producer),
        cmocka_unit_test(second_named_producer_is_busy),
    };
    return cmocka_run_group_tests(tests, pulsar_fixture_setup, pulsar_fixture_teardown);
}
