/*
 * Consumer behaviour against a real broker: each subscription type's
 * delivery rule, acknowledgement (individual, cumulative, negative), the
 * initial position, and reconnection after the broker unloads a topic in
 * the middle of a stream, with every message accounted for.
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
#include <time.h>

#include "pulsar_test_util.h"

static pulsar_consumer *subscribe_as(pulsar_fixture *fixture, const char *topic,
                                     pulsar_subscription_type type, const char *name,
                                     uint32_t queue_size)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "sub";
    config.type = type;
    config.consumer_name = name;
    config.initial_position = PULSAR_POSITION_EARLIEST;
    config.receiver_queue_size = queue_size;
    config.negative_ack_delay_ms = 200;
    pulsar_consumer *consumer = NULL;
    pulsar_result rc = pulsar_consumer_subscribe(fixture->client, &config, &consumer);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "subscribe %s to %s failed: %s\n", name, topic, pulsar_result_str(rc));
    }
    assert_int_equal(rc, PULSAR_OK);
    return consumer;
}

static pulsar_producer *plain_producer(pulsar_fixture *fixture, const char *topic)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(fixture->client, &config, &producer), PULSAR_OK);
    return producer;
}

/* Index n of payload "m-<n>", or -1. */
static int payload_index(const pulsar_message *message)
{
    char text[32];
    if (message->payload_len >= sizeof text) {
        return -1;
    }
    memcpy(text, message->payload, message->payload_len);
    text[message->payload_len] = '\0';
    int n = -1;
    return sscanf(text, "m-%d", &n) == 1 ? n : -1;
}

static void send_numbered(pulsar_producer *producer, int count, const char *const *keys,
                          int key_count)
{
    for (int i = 0; i < count; i++) {
        char text[32];
        snprintf(text, sizeof text, "m-%d", i);
        pulsar_test_send(producer, text, keys != NULL ? keys[i % key_count] : NULL);
    }
}

static void exclusive_rejects_second_consumer(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "exclusive", topic, sizeof topic);
    pulsar_consumer *first = subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 10);

    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "sub";
    pulsar_consumer *second = NULL;
    assert_int_equal(pulsar_consumer_subscribe(fixture->client, &config, &second),
                     PULSAR_ERR_BROKER_CONSUMER_BUSY);
    assert_null(second);
    assert_false(pulsar_result_is_retriable(PULSAR_ERR_BROKER_CONSUMER_BUSY));

    /* A subscription of another type on the same name is rejected the same way. */
    config.type = PULSAR_SUBSCRIPTION_SHARED;
    assert_int_equal(pulsar_consumer_subscribe(fixture->client, &config, &second),
                     PULSAR_ERR_BROKER_CONSUMER_BUSY);
    pulsar_consumer_close(first);
}

/* Receives from both consumers until both are silent; counts[i][n] tallies message n. */
static void receive_both(pulsar_consumer *consumers[2], int counts[2][200], char keys[2][200][8])
{
    int idle_rounds = 0;
    while (idle_rounds < 6) {
        bool any = false;
        for (int c = 0; c < 2; c++) {
            pulsar_message *message = NULL;
            if (pulsar_consumer_receive(consumers[c], 150, &message) != PULSAR_OK) {
                continue;
            }
            any = true;
            int n = payload_index(message);
            assert_true(n >= 0 && n < 200);
            counts[c][n]++;
            if (keys != NULL && message->key != NULL) {
                snprintf(keys[c][n], sizeof keys[c][n], "%s", message->key);
            }
            assert_int_equal(pulsar_consumer_ack(consumers[c], &message->id), PULSAR_OK);
            pulsar_message_free(message);
        }
        idle_rounds = any ? 0 : idle_rounds + 1;
    }
}

static void shared_spreads_messages(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "shared", topic, sizeof topic);
    pulsar_consumer *consumers[2] = {
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_SHARED, "a", 10),
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_SHARED, "b", 10),
    };
    pulsar_producer *producer = plain_producer(fixture, topic);
    send_numbered(producer, 200, NULL, 0);

    static int counts[2][200];
    memset(counts, 0, sizeof counts);
    receive_both(consumers, counts, NULL);
    int per_consumer[2] = {0, 0};
    for (int n = 0; n < 200; n++) {
        assert_int_equal(counts[0][n] + counts[1][n], 1);
        per_consumer[0] += counts[0][n];
        per_consumer[1] += counts[1][n];
    }
    assert_true(per_consumer[0] > 0);
    assert_true(per_consumer[1] > 0);
    assert_int_equal(
        pulsar_consumer_ack_cumulative(consumers[0], &(pulsar_message_id){0, 0, -1, -1, 0}),
        PULSAR_ERR_INVALID_STATE);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumers[0]);
    pulsar_consumer_close(consumers[1]);
}

static void failover_delivers_to_one_consumer(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "failover", topic, sizeof topic);
    pulsar_consumer *consumers[2] = {
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_FAILOVER, "a", 10),
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_FAILOVER, "b", 10),
    };
    pulsar_producer *producer = plain_producer(fixture, topic);
    send_numbered(producer, 50, NULL, 0);

    static int counts[2][200];
    memset(counts, 0, sizeof counts);
    receive_both(consumers, counts, NULL);
    int per_consumer[2] = {0, 0};
    for (int n = 0; n < 50; n++) {
        assert_int_equal(counts[0][n] + counts[1][n], 1);
        per_consumer[0] += counts[0][n];
        per_consumer[1] += counts[1][n];
    }
    assert_true((per_consumer[0] == 50 && per_consumer[1] == 0) ||
                (per_consumer[0] == 0 && per_consumer[1] == 50));

    /* When the active consumer leaves, the other one takes over. */
    int active = per_consumer[0] == 50 ? 0 : 1;
    pulsar_consumer_close(consumers[active]);
    pulsar_test_send(producer, "m-100", NULL);
    pulsar_message *message = NULL;
    assert_int_equal(pulsar_consumer_receive(consumers[1 - active], 10000, &message), PULSAR_OK);
    assert_int_equal(payload_index(message), 100);
    pulsar_consumer_ack(consumers[1 - active], &message->id);
    pulsar_message_free(message);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumers[1 - active]);
}

static void key_shared_keeps_key_on_one_consumer(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "key-shared", topic, sizeof topic);
    pulsar_consumer *consumers[2] = {
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_KEY_SHARED, "a", 100),
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_KEY_SHARED, "b", 100),
    };
    pulsar_producer *producer = plain_producer(fixture, topic);
    static const char *const keys[] = {"dev-0", "dev-1", "dev-2", "dev-3", "dev-4",
                                       "dev-5", "dev-6", "dev-7", "dev-8", "dev-9"};
    send_numbered(producer, 200, keys, 10);

    static int counts[2][200];
    static char seen_keys[2][200][8];
    memset(counts, 0, sizeof counts);
    memset(seen_keys, 0, sizeof seen_keys);
    receive_both(consumers, counts, seen_keys);

    int owner[10];
    for (int k = 0; k < 10; k++) {
        owner[k] = -1;
    }
    for (int n = 0; n < 200; n++) {
        assert_int_equal(counts[0][n] + counts[1][n], 1);
        int c = counts[0][n] == 1 ? 0 : 1;
        assert_string_equal(seen_keys[c][n], keys[n % 10]);
        int k = n % 10;
        if (owner[k] < 0) {
            owner[k] = c;
        }
        assert_int_equal(owner[k], c);
    }
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumers[0]);
    pulsar_consumer_close(consumers[1]);
}

static void negative_ack_redelivers(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "nack", topic, sizeof topic);
    pulsar_consumer *consumer = subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_SHARED, "a", 10);
    pulsar_producer *producer = plain_producer(fixture, topic);
    send_numbered(producer, 3, NULL, 0);

    pulsar_message *message = NULL;
    int redelivered = -1;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
        assert_int_equal(payload_index(message), i);
        assert_int_equal(message->redelivery_count, 0);
        if (i == 1) {
            assert_int_equal(pulsar_consumer_negative_ack(consumer, &message->id), PULSAR_OK);
        } else {
            assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        }
        pulsar_message_free(message);
    }
    assert_int_equal(pulsar_consumer_receive(consumer, 10000, &message), PULSAR_OK);
    redelivered = payload_index(message);
    assert_int_equal(redelivered, 1);
    assert_int_equal(message->redelivery_count, 1);
    assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
    pulsar_message_free(message);
    assert_int_equal(pulsar_consumer_receive(consumer, 1000, &message), PULSAR_ERR_TIMEOUT);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void cumulative_ack_covers_earlier_messages(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "cumulative", topic, sizeof topic);
    pulsar_consumer *consumer =
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 100);
    pulsar_producer *producer = plain_producer(fixture, topic);
    send_numbered(producer, 10, NULL, 0);

    pulsar_message *message = NULL;
    pulsar_message_id seventh = {0};
    for (int i = 0; i < 10; i++) {
        assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
        assert_int_equal(payload_index(message), i);
        if (i == 6) {
            seventh = message->id;
        }
        pulsar_message_free(message);
    }
    assert_int_equal(pulsar_consumer_ack_cumulative(consumer, &seventh), PULSAR_OK);
    pulsar_consumer_close(consumer);

    /* Reopened, the subscription starts after the seventh message. */
    consumer = subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 100);
    for (int i = 7; i < 10; i++) {
        assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
        assert_int_equal(payload_index(message), i);
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        pulsar_message_free(message);
    }
    assert_int_equal(pulsar_consumer_receive(consumer, 1000, &message), PULSAR_ERR_TIMEOUT);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void ack_list_acknowledges_batched_messages(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "ack-list", topic, sizeof topic);
    pulsar_consumer *consumer =
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 100);

    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.batching_enabled = true;
    config.batching_max_delay_ms = 50;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(fixture->client, &config, &producer), PULSAR_OK);
    send_counter counter;
    send_counter_init(&counter);
    for (int i = 0; i < 10; i++) {
        char text[32];
        snprintf(text, sizeof text, "m-%d", i);
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = text;
        message.payload_len = strlen(text);
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(send_counter_wait(&counter, 10, 10000), 10);

    pulsar_message_id ids[10];
    for (int i = 0; i < 10; i++) {
        pulsar_message *message = NULL;
        assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
        assert_int_equal(payload_index(message), i);
        ids[i] = message->id;
        pulsar_message_free(message);
    }
    /* The messages went out as a batch, so the entry is acknowledged once all ten are. */
    assert_true(ids[9].batch_index >= 0);

    /* An id of a partition this consumer does not have: nothing is taken. */
    pulsar_message_id stray[2] = {ids[0], ids[0]};
    stray[1].partition = 7;
    assert_int_equal(pulsar_consumer_ack_list(consumer, stray, 2), PULSAR_ERR_INVALID_ARGUMENT);

    assert_int_equal(pulsar_consumer_ack_list(consumer, ids, 10), PULSAR_OK);
    pulsar_consumer_close(consumer);

    /* Reopened, the subscription has nothing left to deliver. */
    consumer = subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 100);
    pulsar_message *message = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 1500, &message), PULSAR_ERR_TIMEOUT);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

static void latest_position_skips_older_messages(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "latest", topic, sizeof topic);
    pulsar_producer *producer = plain_producer(fixture, topic);
    send_numbered(producer, 3, NULL, 0);

    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "late";
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(fixture->client, &config, &consumer), PULSAR_OK);
    pulsar_test_send(producer, "m-3", NULL);
    pulsar_message *message = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
    assert_int_equal(payload_index(message), 3);
    pulsar_consumer_ack(consumer, &message->id);
    pulsar_message_free(message);
    assert_int_equal(pulsar_consumer_receive(consumer, 500, &message), PULSAR_ERR_TIMEOUT);
    pulsar_producer_close(producer);
    assert_int_equal(pulsar_consumer_unsubscribe(consumer), PULSAR_OK);
}

typedef struct {
    pulsar_consumer *consumer;
    pulsar_result result;
} receiver_args;

static void *receive_without_limit(void *data)
{
    receiver_args *args = data;
    pulsar_message *message = NULL;
    args->result = pulsar_consumer_receive(args->consumer, -1, &message);
    pulsar_message_free(message);
    return NULL;
}

static void close_wakes_blocked_receiver(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    pulsar_test_topic(fixture, "close-wakes", topic, sizeof topic);
    receiver_args args = {subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 10),
                          PULSAR_OK};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, receive_without_limit, &args), 0);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(pulsar_consumer_close(args.consumer), PULSAR_OK);
    pthread_join(thread, NULL);
    assert_int_equal(args.result, PULSAR_ERR_CLOSED);
}

static void unload_mid_stream_loses_nothing(void **state)
{
    pulsar_fixture *fixture = *state;
    char topic[256];
    char path[512];
    pulsar_test_topic(fixture, "unload", topic, sizeof topic);
    snprintf(path, sizeof path, "/admin/v2/persistent/public/default/%s-unload/unload",
             fixture->prefix);
    pulsar_consumer *consumer =
        subscribe_as(fixture, topic, PULSAR_SUBSCRIPTION_EXCLUSIVE, "a", 50);
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.producer_name = "unload-producer";
    config.batching_enabled = true;
    config.batching_max_messages = 20;
    config.batching_max_delay_ms = 5;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(fixture->client, &config, &producer), PULSAR_OK);

    send_counter counter;
    send_counter_init(&counter);
    static int seen[200];
    memset(seen, 0, sizeof seen);
    int received = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = round * 100; i < round * 100 + 100; i++) {
            char text[32];
            snprintf(text, sizeof text, "m-%d", i);
            pulsar_outgoing_message message;
            pulsar_outgoing_message_init(&message);
            message.payload = text;
            message.payload_len = strlen(text);
            assert_int_equal(
                pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
                PULSAR_OK);
        }
        if (round == 0) {
            /* Receive a few before the unload, so the consumer has to resume mid-stream. */
            for (int i = 0; i < 10; i++) {
                pulsar_message *message = NULL;
                assert_int_equal(pulsar_consumer_receive(consumer, 5000, &message), PULSAR_OK);
                seen[payload_index(message)]++;
                received++;
                pulsar_consumer_ack(consumer, &message->id);
                pulsar_message_free(message);
            }
            pulsar_test_admin(fixture, "PUT", path, NULL, 204);
        }
    }
    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(counter.ok, 200);
    assert_int_equal(counter.failed, 0);

    pulsar_message *message = NULL;
    while (pulsar_consumer_receive(consumer, 3000, &message) == PULSAR_OK) {
        int n = payload_index(message);
        assert_true(n >= 0 && n < 200);
        seen[n]++;
        received++;
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        pulsar_message_free(message);
    }
    /* Each message at least once; a redelivery after the reconnect may repeat some. */
    for (int n = 0; n < 200; n++) {
        if (seen[n] == 0) {
            fprintf(stderr, "message m-%d never arrived\n", n);
        }
        assert_true(seen[n] >= 1);
    }
    assert_true(received >= 200);
    assert_int_equal(pulsar_consumer_dropped_count(consumer), 0);
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exclusive_rejects_second_consumer),
        cmocka_unit_test(shared_spreads_messages),
        cmocka_unit_test(failover_delivers_to_one_consumer),
        cmocka_unit_test(key_shared_keeps_key_on_one_consumer),
        cmocka_unit_test(negative_ack_redelivers),
        cmocka_unit_test(cumulative_ack_covers_earlier_messages),
        cmocka_unit_test(ack_list_acknowledges_batched_messages),
        cmocka_unit_test(latest_position_skips_older_messages),
        cmocka_unit_test(close_wakes_blocked_receiver),
        cmocka_unit_test(unload_mid_stream_loses_nothing),
    };
    return cmocka_run_group_tests(tests, pulsar_fixture_setup, pulsar_fixture_teardown);
}
