/*
 * Reconnection across a real broker restart: messages acknowledged before
 * the restart are counted, messages sent while the broker is down wait in
 * the producer's queue and are delivered once it is back, and the consumer
 * resubscribes on its own. The restart wipes the broker's data (scripts/
 * pulsar.sh always starts fresh), so only the second half is on the topic
 * afterwards.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL, SWITCHYARD_TEST_ADMIN_URL and the
 * settings of the broker to restart (PULSAR_BROKER_PORT, PULSAR_WEB_PORT,
 * PULSAR_RUN_DIR, as scripts/test.sh exports them); fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pulsar_test_util.h"

static int run_broker_script(const char *action)
{
    char command[1024];
    snprintf(command, sizeof command, "'%s/scripts/pulsar.sh' %s", SWITCHYARD_SOURCE_DIR, action);
    int status = system(command);
    if (status != 0) {
        fprintf(stderr, "%s exited with status %d\n", command, status);
    }
    return status;
}

static void broker_restart_loses_nothing_queued(void **state)
{
    pulsar_fixture *fixture = *state;
    static const char *const settings[] = {"PULSAR_BROKER_PORT", "PULSAR_WEB_PORT",
                                           "PULSAR_RUN_DIR"};
    for (size_t i = 0; i < 3; i++) {
        if (getenv(settings[i]) == NULL) {
            fprintf(stderr, "%s is not set: this test restarts the broker of scripts/test.sh\n",
                    settings[i]);
        }
        assert_non_null(getenv(settings[i]));
    }

    char topic[256];
    pulsar_test_topic(fixture, "restart", topic, sizeof topic);
    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = topic;
    consumer_config.subscription = "sub";
    consumer_config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(fixture->client, &consumer_config, &consumer),
                     PULSAR_OK);
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    config.producer_name = "restart-producer";
    config.send_timeout_ms = 180000; /* longer than the restart takes */
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(fixture->client, &config, &producer), PULSAR_OK);

    char text[32];
    for (int i = 0; i < 50; i++) {
        snprintf(text, sizeof text, "m-%d", i);
        pulsar_test_send(producer, text, NULL);
    }
    char *before[50] = {0};
    assert_int_equal(pulsar_test_drain(consumer, before, 50, 2000), 50);
    for (int i = 0; i < 50; i++) {
        snprintf(text, sizeof text, "m-%d", i);
        assert_string_equal(before[i], text);
        free(before[i]);
    }

    assert_int_equal(run_broker_script("stop"), 0);
    send_counter counter;
    send_counter_init(&counter);
    for (int i = 50; i < 100; i++) {
        snprintf(text, sizeof text, "m-%d", i);
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = text;
        message.payload_len = strlen(text);
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(counter.ok + counter.failed, 0);
    assert_int_equal(run_broker_script("start"), 0);

    assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
    assert_int_equal(counter.ok, 50);
    assert_true(counter.in_order);

    static int seen[100];
    memset(seen, 0, sizeof seen);
    pulsar_message *message = NULL;
    while (pulsar_consumer_receive(consumer, 5000, &message) == PULSAR_OK) {
        int n = -1;
        char copy[32] = {0};
        memcpy(copy, message->payload, message->payload_len < 31 ? message->payload_len : 31);
        assert_int_equal(sscanf(copy, "m-%d", &n), 1);
        assert_true(n >= 50 && n < 100);
        seen[n]++;
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        pulsar_message_free(message);
    }
    for (int n = 50; n < 100; n++) {
        if (seen[n] != 1) {
            fprintf(stderr, "m-%d arrived %d times\n", n, seen[n]);
        }
        assert_int_equal(seen[n], 1);
    }
    pulsar_producer_close(producer);
    pulsar_consumer_close(consumer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broker_restart_loses_nothing_queued),
    };
    return cmocka_run_group_tests(tests, pulsar_fixture_setup, pulsar_fixture_teardown);
}
