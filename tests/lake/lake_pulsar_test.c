/*
 * The lake sink end to end against a real Pulsar standalone: messages
 * published to a topic land in a local-store file with the exact name and
 * lines, and are acknowledged only after the file is written. Messages of
 * a file that could not be written are delivered again.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL (set by scripts/test.sh); fails without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "lake/lake_jsonl.h"
#include "lake/lake_pulsar.h"

#define MESSAGE_COUNT 5

typedef struct {
    pulsar_client *client;
    char topic[160];
    char root[128];
    lake_store *store;
    lake_sink_settings settings;
    char *topics[1];
} fixture;

static int setup(void **state)
{
    const char *url = getenv("SWITCHYARD_TEST_PULSAR_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "SWITCHYARD_TEST_PULSAR_URL is not set: run the integration tests "
                        "through 'make test', which starts the broker\n");
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    assert_int_equal(pulsar_client_create(&config, &f->client), PULSAR_OK);

    /* A topic of its own per run, so a rerun on the same broker starts empty. */
    static unsigned sequence;
    snprintf(f->topic, sizeof f->topic, "persistent://public/default/lake-it-%ld-%ld-%u",
             (long)getpid(), (long)time(NULL), ++sequence);
    snprintf(f->root, sizeof f->root, "/tmp/lake-pulsar-test-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char error[256] = "";
    assert_int_equal(lake_store_fs_new(f->root, &f->store, error, sizeof error), LAKE_OK);

    f->topics[0] = f->topic;
    f->settings = (lake_sink_settings){
        .name = "it",
        .environment = "prod",
        .topics = f->topics,
        .topic_count = 1,
        .subscription = "lake-it",
        .subscription_type = LAKE_SUBSCRIPTION_FAILOVER,
        .format = "jsonl",
        .compression = LAKE_COMPRESSION_NONE,
        .path = "{env}/{tenant}/{namespace}/{topic}/{yyyy}/{mm}/{dd}/{hh}",
        .time_zone = "UTC",
        .max_records = MESSAGE_COUNT,
        .max_bytes = 1 << 20,
        .max_age_ms = 60000,
        .max_pending_files = 2,
        .retry_initial_ms = 50,
        .retry_max_ms = 200,
    };
    sy_log_set_level(SY_LOG_ERROR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lake_store_free(f->store);
    pulsar_client_close(f->client);
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", f->root);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static void publish(fixture *f)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = f->topic;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(f->client, &config, &producer), PULSAR_OK);
    for (int i = 0; i < MESSAGE_COUNT; i++) {
        char payload[64];
        snprintf(payload, sizeof payload, "{\"device_id\":\"22449\",\"n\":%d}", i);
        const pulsar_property properties[] = {{"env", "prod"}, {"device_id", "22449"}};
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = strlen(payload);
        message.key = "22449";
        message.properties = properties;
        message.property_count = 2;
        message.event_time_ms = 1796389500000 + (uint64_t)i;
        assert_int_equal(pulsar_producer_send(producer, &message, NULL), PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
}

/* Runs the sink until it has written `records` records or 30 s pass. */
static void run_until_written(lake_pulsar_sink *sink, uint64_t records)
{
    lake_sink_stats stats;
    for (int pass = 0; pass < 300; pass++) {
        char error[256] = "";
        lake_err rc = lake_pulsar_sink_run_once(sink, 100, error, sizeof error);
        if (rc != LAKE_OK) {
            fail_msg("run_once: %s: %s", lake_err_str(rc), error);
        }
        lake_pulsar_sink_stats(sink, &stats);
        if (stats.records_written >= records) {
            return;
        }
    }
    fail_msg("only %llu of %llu records written after 30 s",
             (unsigned long long)stats.records_written, (unsigned long long)records);
}

/* Counts messages still waiting on the subscription, acknowledging none. */
static int count_redelivered(fixture *f)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = f->topic;
    config.subscription = "lake-it";
    config.type = PULSAR_SUBSCRIPTION_FAILOVER;
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(f->client, &config, &consumer), PULSAR_OK);
    int count = 0;
    pulsar_message *message = NULL;
    while (pulsar_consumer_receive(consumer, 3000, &message) == PULSAR_OK) {
        count++;
        pulsar_message_free(message);
    }
    pulsar_consumer_close(consumer);
    return count;
}

static void pulsar_sink_writes_then_acks(void **state)
{
    fixture *f = *state;
    char error[256] = "";
    lake_pulsar_sink *sink = NULL;
    if (lake_pulsar_sink_start(f->client, NULL, &f->settings, f->store, &sink, error,
                               sizeof error) != LAKE_OK) {
        fail_msg("start: %s", error);
    }
    publish(f);
    run_until_written(sink, MESSAGE_COUNT);
    assert_int_equal(lake_pulsar_sink_stop(sink, 0, error, sizeof error), LAKE_OK);

    /* The file's first line names its directory and file name. */
    char find[512];
    snprintf(find, sizeof find, "find '%s' -type f", f->root);
    FILE *listing = popen(find, "r");
    char path[1024] = "";
    assert_non_null(fgets(path, sizeof path, listing));
    char extra[1024];
    assert_null(fgets(extra, sizeof extra, listing));
    pclose(listing);
    path[strcspn(path, "\n")] = '\0';

    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char line[1024];
    for (int i = 0; i < MESSAGE_COUNT; i++) {
        assert_non_null(fgets(line, sizeof line, file));
        json_t *object = json_loads(line, 0, NULL);
        assert_non_null(object);
        char payload[64];
        snprintf(payload, sizeof payload, "{\"device_id\":\"22449\",\"n\":%d}", i);
        assert_string_equal(json_string_value(json_object_get(object, "payload")), payload);
        assert_string_equal(json_string_value(json_object_get(object, "topic")), f->topic);
        assert_string_equal(json_string_value(json_object_get(object, "key")), "22449");
        json_t *properties = json_object_get(object, "properties");
        assert_int_equal(json_object_size(properties), 2);
        assert_string_equal(json_string_value(json_object_get(properties, "env")), "prod");
        char event_time[25];
        lake_format_utc_ms(1796389500000 + i, event_time);
        assert_string_equal(json_string_value(json_object_get(object, "event_time")), event_time);

        if (i == 0) {
            unsigned long long ledger = 0;
            unsigned long long entry = 0;
            const char *id = json_string_value(json_object_get(object, "message_id"));
            assert_int_equal(sscanf(id, "%llu:%llu:-1:-1", &ledger, &entry), 2);
            const char *published = json_string_value(json_object_get(object, "publish_time"));
            char expected[1024];
            snprintf(expected, sizeof expected,
                     "%s/prod/public/default/%s/%.4s/%.2s/%.2s/%.2s/%llu-%llu.jsonl", f->root,
                     strrchr(f->topic, '/') + 1, published, published + 5, published + 8,
                     published + 11, ledger, entry);
            assert_string_equal(path, expected);
        }
        json_decref(object);
    }
    assert_null(fgets(line, sizeof line, file));
    fclose(file);

    assert_int_equal(count_redelivered(f), 0);
}

/* A store that never succeeds. */
static lake_err failing_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                            const char *content_type, char *error, size_t error_size)
{
    (void)store;
    (void)name;
    (void)bytes;
    (void)len;
    (void)content_type;
    snprintf(error, error_size, "store unavailable");
    return LAKE_ERR_IO;
}

static void failing_free(lake_store *store)
{
    (void)store;
}

static const lake_store_ops failing_ops = {"failing", failing_put, failing_free};

static void pulsar_sink_unwritten_redelivered(void **state)
{
    fixture *f = *state;
    lake_store failing = {&failing_ops};
    char error[256] = "";
    lake_pulsar_sink *sink = NULL;
    assert_int_equal(
        lake_pulsar_sink_start(f->client, NULL, &f->settings, &failing, &sink, error, sizeof error),
        LAKE_OK);
    publish(f);

    lake_sink_stats stats = {0};
    for (int pass = 0; pass < 300 && stats.upload_failures == 0; pass++) {
        assert_int_equal(lake_pulsar_sink_run_once(sink, 100, error, sizeof error), LAKE_OK);
        lake_pulsar_sink_stats(sink, &stats);
    }
    assert_true(stats.upload_failures >= 1);
    assert_int_equal(stats.records_written, 0);
    assert_int_equal(lake_pulsar_sink_stop(sink, 0, error, sizeof error), LAKE_ERR_IO);
    assert_string_equal(error, "store unavailable");

    assert_int_equal(count_redelivered(f), MESSAGE_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pulsar_sink_writes_then_acks, setup, teardown),
        cmocka_unit_test_setup_teardown(pulsar_sink_unwritten_redelivered, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
