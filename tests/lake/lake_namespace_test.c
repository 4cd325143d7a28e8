/*
 * A sink with `namespace:` against a real Pulsar standalone. It consumes
 * every topic of the namespace (a partitioned topic through one consumer,
 * and a plain one) and writes one file per message with the exact names.
 * A topic created after the start is consumed from the next listing on.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL (set by
 * scripts/test.sh); fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin/admin_http.h"
#include "common/log.h"
#include "lake/lake_pulsar.h"

#define MAX_FILES 16

typedef struct {
    pulsar_client *client;
    admin_http *admin;
    char namespace_name[96];
    char root[128];
    lake_store *store;
    lake_sink_settings settings;
    char expected[MAX_FILES][256]; /* relative file names, in the order the test sent them */
    size_t expected_count;
} fixture;

static int setup(void **state)
{
    const char *url = getenv("SWITCHYARD_TEST_PULSAR_URL");
    const char *admin_url = getenv("SWITCHYARD_TEST_ADMIN_URL");
    if (url == NULL || url[0] == '\0' || admin_url == NULL || admin_url[0] == '\0') {
        fprintf(stderr, "SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL must be set: "
                        "run the integration tests through 'make test', which starts the broker\n");
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    assert_int_equal(pulsar_client_create(&config, &f->client), PULSAR_OK);
    f->admin = admin_http_new(admin_url, NULL, 30000);
    assert_non_null(f->admin);

    /* A namespace of its own per run, so it holds only this test's topics. */
    static unsigned sequence;
    snprintf(f->namespace_name, sizeof f->namespace_name, "public/lake-ns-%ld-%ld-%u",
             (long)getpid(), (long)time(NULL), ++sequence);
    char path[256];
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", f->namespace_name);
    admin_response response = {0};
    assert_int_equal(admin_http_request(f->admin, "PUT", path, NULL, &response), 0);
    assert_int_equal(response.status, 204);
    admin_response_clear(&response);

    snprintf(f->root, sizeof f->root, "/tmp/lake-namespace-test-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    char error[256] = "";
    assert_int_equal(lake_store_fs_new(f->root, &f->store, error, sizeof error), LAKE_OK);

    f->settings = (lake_sink_settings){
        .name = "namespace-it",
        .environment = "prod",
        .namespace_name = f->namespace_name,
        .topic_refresh_ms = 300,
        .subscription = "lake-namespace-it",
        .subscription_type = LAKE_SUBSCRIPTION_FAILOVER,
        .format = "jsonl",
        .compression = LAKE_COMPRESSION_NONE,
        .path = "{env}/{topic}/{partition}",
        .time_zone = "UTC",
        .max_records = 1,
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
    admin_http_free(f->admin);
    pulsar_client_close(f->client);
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", f->root);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static void create_topic(fixture *f, const char *topic, int partitions)
{
    char path[256];
    char body[16];
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/%s%s", f->namespace_name, topic,
             partitions > 0 ? "/partitions" : "");
    snprintf(body, sizeof body, "%d", partitions);
    admin_response response = {0};
    assert_int_equal(
        admin_http_request(f->admin, "PUT", path, partitions > 0 ? body : NULL, &response), 0);
    assert_int_equal(response.status, 204);
    admin_response_clear(&response);
}

/* Sends count messages without keys, so a partitioned topic gets them in turn, noting each file. */
static void publish(fixture *f, const char *topic, int count)
{
    char full_name[256];
    snprintf(full_name, sizeof full_name, "persistent://%s/%s", f->namespace_name, topic);
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = full_name;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(f->client, &config, &producer), PULSAR_OK);
    for (int i = 0; i < count; i++) {
        char payload[64];
        snprintf(payload, sizeof payload, "{\"topic\":\"%s\",\"n\":%d}", topic, i);
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = strlen(payload);
        pulsar_message_id id;
        assert_int_equal(pulsar_producer_send(producer, &message, &id), PULSAR_OK);

        assert_true(f->expected_count < MAX_FILES);
        char *name = f->expected[f->expected_count++];
        if (id.partition >= 0) {
            snprintf(name, 256, "prod/%s/%" PRId32 "/%" PRIu64 "-%" PRIu64 "-p%" PRId32 ".jsonl",
                     topic, id.partition, id.ledger_id, id.entry_id, id.partition);
        } else {
            snprintf(name, 256, "prod/%s/none/%" PRIu64 "-%" PRIu64 ".jsonl", topic, id.ledger_id,
                     id.entry_id);
        }
    }
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
}

static void run_until_written(lake_pulsar_sink *sink, uint64_t records)
{
    lake_sink_stats stats;
    for (int pass = 0; pass < 150; pass++) {
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
    fail_msg("only %llu of %llu records written after 15 s",
             (unsigned long long)stats.records_written, (unsigned long long)records);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Asserts that the store contains exactly the expected files. */
static void assert_files(fixture *f)
{
    char found[MAX_FILES + 1][256];
    size_t found_count = 0;
    char command[256];
    snprintf(command, sizeof command, "cd '%s' && find . -type f | sed 's|^\\./||'", f->root);
    FILE *listing = popen(command, "r");
    assert_non_null(listing);
    while (found_count <= MAX_FILES && fgets(found[found_count], 256, listing) != NULL) {
        found[found_count][strcspn(found[found_count], "\n")] = '\0';
        found_count++;
    }
    pclose(listing);

    char expected[MAX_FILES][256];
    memcpy(expected, f->expected, sizeof expected);
    qsort(expected, f->expected_count, 256, compare_names);
    qsort(found, found_count, 256, compare_names);
    assert_int_equal(found_count, f->expected_count);
    for (size_t i = 0; i < found_count; i++) {
        assert_string_equal(found[i], expected[i]);
    }
}

static void namespace_sink_finds_topics(void **state)
{
    fixture *f = *state;
    create_topic(f, "plain", 0);
    create_topic(f, "parts", 2);
    publish(f, "plain", 2);
    publish(f, "parts", 4);

    char error[256] = "";
    lake_pulsar_sink *sink = NULL;
    if (lake_pulsar_sink_start(f->client, f->admin, &f->settings, f->store, &sink, error,
                               sizeof error) != LAKE_OK) {
        fail_msg("start: %s", error);
    }
    run_until_written(sink, 6);
    assert_files(f);

    /* A topic made after the start is found at the next listing, 300 ms later. */
    create_topic(f, "later", 0);
    publish(f, "later", 1);
    run_until_written(sink, 7);
    assert_int_equal(lake_pulsar_sink_stop(sink, 0, error, sizeof error), LAKE_OK);
    assert_files(f);
}

static void namespace_sink_needs_admin(void **state)
{
    fixture *f = *state;
    char error[256] = "";
    lake_pulsar_sink *sink = NULL;
    assert_int_equal(
        lake_pulsar_sink_start(f->client, NULL, &f->settings, f->store, &sink, error, sizeof error),
        LAKE_ERR_INVALID);
    char expected[256];
    snprintf(expected, sizeof expected,
             "sink namespace-it names namespace %s, whose topics are listed through the admin "
             "API: set pulsar.admin_url or SWITCHYARD_ADMIN_URL",
             f->namespace_name);
    assert_string_equal(error, expected);
    assert_null(sink);
}

static void namespace_sink_missing_namespace(void **state)
{
    fixture *f = *state;
    f->settings.namespace_name = "public/lake-ns-does-not-exist";
    char error[256] = "";
    lake_pulsar_sink *sink = NULL;
    assert_int_equal(lake_pulsar_sink_start(f->client, f->admin, &f->settings, f->store, &sink,
                                            error, sizeof error),
                     LAKE_ERR_HTTP_STATUS);
    const char *prefix = "listing topics with GET /admin/v2/persistent/public/lake-ns-does-not-"
                         "exist returned HTTP 404: ";
    assert_int_equal(strncmp(error, prefix, strlen(prefix)), 0);
    assert_null(sink);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(namespace_sink_finds_topics, setup, teardown),
        cmocka_unit_test_setup_teardown(namespace_sink_needs_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(namespace_sink_missing_namespace, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
