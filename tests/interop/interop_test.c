/*
 * Interoperability with the official Pulsar Java client (4.2.4): Java
 * produces batched, compressed messages with keys, properties and event
 * times that this client consumes, and this client produces messages that
 * Java consumes and checks (tests/interop/Interop.java). Every field is
 * compared on both sides.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL, Java and Maven; fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pulsar/pulsar.h"

#define INTEROP_COUNT   25
#define EVENT_TIME_BASE UINT64_C(1700000000000)

typedef struct {
    const char *url;
    pulsar_client *client;
    char prefix[64];
} interop_fixture;

static int setup(void **state)
{
    const char *url = getenv("SWITCHYARD_TEST_PULSAR_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "SWITCHYARD_TEST_PULSAR_URL is not set: run the integration tests "
                        "through 'make test', which starts the broker\n");
        return -1;
    }
    interop_fixture *fixture = calloc(1, sizeof *fixture);
    if (fixture == NULL) {
        return -1;
    }
    fixture->url = url;
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    if (pulsar_client_create(&config, &fixture->client) != PULSAR_OK) {
        free(fixture);
        return -1;
    }
    snprintf(fixture->prefix, sizeof fixture->prefix, "interop-%ld-%ld", (long)getpid(),
             (long)time(NULL));
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    interop_fixture *fixture = *state;
    pulsar_client_close(fixture->client);
    free(fixture);
    return 0;
}

/* Runs java.sh with the arguments; returns its exit status. */
static int run_java(const char *mode, const char *url, const char *topic, const char *codec)
{
    char command[1024];
    snprintf(command, sizeof command, "'%s' %s '%s' '%s' %d %s", INTEROP_JAVA_SH, mode, url, topic,
             INTEROP_COUNT, codec != NULL ? codec : "");
    int status = system(command);
    if (status != 0) {
        fprintf(stderr, "%s exited with status %d\n", command, status);
    }
    return status;
}

static void check_java_messages(interop_fixture *fixture, const char *codec)
{
    char topic[256];
    snprintf(topic, sizeof topic, "persistent://public/default/%s-from-java-%s", fixture->prefix,
             codec);
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "c-interop";
    config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(fixture->client, &config, &consumer), PULSAR_OK);

    assert_int_equal(run_java("produce", fixture->url, topic, codec), 0);

    int batched = 0;
    for (int i = 0; i < INTEROP_COUNT; i++) {
        pulsar_message *message = NULL;
        char text[32];
        char key[16];
        char index[16];
        assert_int_equal(pulsar_consumer_receive(consumer, 20000, &message), PULSAR_OK);
        snprintf(text, sizeof text, "java-%d", i);
        snprintf(key, sizeof key, "key-%d", i % 3);
        snprintf(index, sizeof index, "%d", i);
        assert_int_equal(message->payload_len, strlen(text));
        assert_memory_equal(message->payload, text, strlen(text));
        assert_string_equal(message->key, key);
        assert_int_equal(message->property_count, 2);
        assert_string_equal(pulsar_message_property(message, "index"), index);
        assert_string_equal(pulsar_message_property(message, "lang"), "java");
        assert_int_equal(message->event_time_ms, EVENT_TIME_BASE + (uint64_t)i);
        assert_int_equal(message->sequence_id, (uint64_t)i);
        assert_string_equal(message->producer_name, "java-interop");
        batched += message->id.batch_index >= 0;
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        pulsar_message_free(message);
    }
    /* The Java producer batches, so these came split out of batches. */
    assert_int_equal(batched, INTEROP_COUNT);
    assert_int_equal(pulsar_consumer_dropped_count(consumer), 0);
    pulsar_message *extra = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 500, &extra), PULSAR_ERR_TIMEOUT);
    pulsar_consumer_close(consumer);
}

static void java_lz4_batches_reach_c(void **state)
{
    check_java_messages(*state, "LZ4");
}

static void java_zstd_batches_reach_c(void **state)
{
    check_java_messages(*state, "ZSTD");
}

static void java_zlib_batches_reach_c(void **state)
{
    check_java_messages(*state, "ZLIB");
}

static void c_messages_reach_java(void **state)
{
    interop_fixture *fixture = *state;
    static const pulsar_compression codecs[] = {PULSAR_COMPRESSION_ZSTD, PULSAR_COMPRESSION_LZ4};
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        char topic[256];
        snprintf(topic, sizeof topic, "persistent://public/default/%s-from-c-%zu", fixture->prefix,
                 c);
        pulsar_producer_config config;
        pulsar_producer_config_init(&config);
        config.topic = topic;
        config.producer_name = "c-interop";
        config.batching_enabled = true;
        config.batching_max_messages = 10;
        config.compression = codecs[c];
        pulsar_producer *producer = NULL;
        assert_int_equal(pulsar_producer_create(fixture->client, &config, &producer), PULSAR_OK);
        for (int i = 0; i < INTEROP_COUNT; i++) {
            char text[32];
            char key[16];
            char index[16];
            snprintf(text, sizeof text, "c-%d", i);
            /* Runs of one key, so that the C batches hold several messages. */
            snprintf(key, sizeof key, "key-%d", i % 3);
            snprintf(index, sizeof index, "%d", i);
            pulsar_property props[] = {{"index", index}, {"lang", "c"}};
            pulsar_outgoing_message message;
            pulsar_outgoing_message_init(&message);
            message.payload = text;
            message.payload_len = strlen(text);
            message.key = key;
            message.properties = props;
            message.property_count = 2;
            message.event_time_ms = EVENT_TIME_BASE + (uint64_t)i;
            assert_int_equal(pulsar_producer_send_async(producer, &message, NULL, NULL), PULSAR_OK);
        }
        assert_int_equal(pulsar_producer_flush(producer), PULSAR_OK);
        assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
        assert_int_equal(run_java("consume", fixture->url, topic, NULL), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(java_lz4_batches_reach_c),
        cmocka_unit_test(java_zstd_batches_reach_c),
        cmocka_unit_test(java_zlib_batches_reach_c),
        cmocka_unit_test(c_messages_reach_java),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
