/*
 * The audit trail beside the router, both run as the switchyard program:
 * on a fresh tenant, `switchyard route` and an audit `switchyard sink`
 * consume the same ingest topic. After a mix of routable and quarantined
 * messages, the audit files contain every message sent (compared by
 * payload and properties). The quarantine topic receives exactly the
 * quarantined ones with their reasons, and the production topic the rest.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL (set by
 * scripts/test.sh); fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lake_it_support.h"
#include "pulsar/pulsar.h"

#define ROUNDS        3
#define KINDS         8
#define MESSAGE_COUNT (ROUNDS * KINDS)

typedef struct {
    const char *pulsar_url;
    const char *admin_url;
    pulsar_client *client;
    char tenant[64];
    char ingest_topic[160];
    char quarantine_topic[160];
    char prod_topic[160];
    char dir[128];
    char config_path[192];
    char router_log[192];
    char sink_log[192];
} fixture;

/* One message of the mix; reason is NULL for a message that the router routes to prod. */
typedef struct {
    char payload[128];
    const char *key;
    pulsar_property properties[2];
    size_t property_count;
    const char *reason;
} mix_message;

static void admin_put(const fixture *f, const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", f->admin_url, path);
    long status = it_http("PUT", url, body, NULL);
    if (status != 204 && status != 200) {
        fail_msg("PUT %s returned %ld", url, status);
    }
}

static void write_config(const fixture *f)
{
    char text[3072];
    snprintf(text, sizeof text,
             "pulsar:\n"
             "  service_url: %s\n"
             "  admin_url: %s\n"
             "ingest:\n"
             "  namespace: %s/ingest\n"
             "  topic: device-messages\n"
             "  partitions: 2\n"
             "  quarantine_topic: quarantine\n"
             "environments:\n"
             "  - name: prod\n"
             "    namespace: %s/prod\n"
             "    topics:\n"
             "      - {name: commands, partitions: 0}\n"
             "router:\n"
             "  subscription: switchyard-router\n"
             "  unknown_environment: quarantine\n"
             "sink:\n"
             "  audit:\n"
             "    environment: audit\n"
             "    topics: [%s]\n"
             "    subscription: switchyard-audit\n"
             "    compression: zstd\n"
             "    max_records: 4\n"
             "    max_age_seconds: 1\n"
             "    store: {kind: local, directory: audit}\n",
             f->pulsar_url, f->admin_url, f->tenant, f->tenant, f->ingest_topic);
    it_write_file(f->config_path, text);
}

static int setup(void **state)
{
    const char *pulsar_url = it_require_env("SWITCHYARD_TEST_PULSAR_URL");
    const char *admin_url = it_require_env("SWITCHYARD_TEST_ADMIN_URL");
    if (pulsar_url == NULL || admin_url == NULL) {
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->pulsar_url = pulsar_url;
    f->admin_url = admin_url;
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = pulsar_url;
    assert_int_equal(pulsar_client_create(&config, &f->client), PULSAR_OK);

    /* A tenant of its own per run, with a partitioned ingest topic as production would have. */
    snprintf(f->tenant, sizeof f->tenant, "audit-it-%ld-%ld", (long)getpid(), (long)time(NULL));
    char path[256];
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", f->tenant);
    admin_put(f, path, "{\"adminRoles\":[],\"allowedClusters\":[\"standalone\"]}");
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s/ingest", f->tenant);
    admin_put(f, path, NULL);
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s/prod", f->tenant);
    admin_put(f, path, NULL);
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/ingest/device-messages/partitions",
             f->tenant);
    admin_put(f, path, "2");
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/ingest/quarantine", f->tenant);
    admin_put(f, path, NULL);
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/prod/commands", f->tenant);
    admin_put(f, path, NULL);

    snprintf(f->ingest_topic, sizeof f->ingest_topic, "persistent://%s/ingest/device-messages",
             f->tenant);
    snprintf(f->quarantine_topic, sizeof f->quarantine_topic, "persistent://%s/ingest/quarantine",
             f->tenant);
    snprintf(f->prod_topic, sizeof f->prod_topic, "persistent://%s/prod/commands", f->tenant);
    it_make_temp_dir("lake-audit-test", f->dir, sizeof f->dir);
    snprintf(f->config_path, sizeof f->config_path, "%s/switchyard.yaml", f->dir);
    snprintf(f->router_log, sizeof f->router_log, "%s/router.log", f->dir);
    snprintf(f->sink_log, sizeof f->sink_log, "%s/sink.log", f->dir);
    char audit_dir[160];
    snprintf(audit_dir, sizeof audit_dir, "%s/audit", f->dir);
    assert_int_equal(mkdir(audit_dir, 0755), 0);
    write_config(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pulsar_client_close(f->client);
    it_remove_tree(f->dir);
    free(f);
    return 0;
}

/* Fills the mix: each round has three routable messages and five that the router quarantines. */
static void make_mix(mix_message *mix)
{
    for (int round = 0; round < ROUNDS; round++) {
        for (int kind = 0; kind < KINDS; kind++) {
            mix_message *m = &mix[round * KINDS + kind];
            int n = round * KINDS + kind;
            memset(m, 0, sizeof *m);
            snprintf(m->payload, sizeof m->payload, "{\"device_id\":\"d%d\",\"n\":%d}", kind, n);
            m->properties[0] = (pulsar_property){"device_id", NULL};
            m->property_count = 1;
            switch (kind) {
            case 0: /* explicit production */
                m->properties[1] = (pulsar_property){"env", "prod"};
                m->property_count = 2;
                break;
            case 1: /* no env: production by default */
                break;
            case 2:
                m->properties[1] = (pulsar_property){"env", "staging"};
                m->property_count = 2;
                m->reason = "unknown_env";
                break;
            case 3:
                m->properties[1] = (pulsar_property){"env", "prod/../x"};
                m->property_count = 2;
                m->reason = "invalid_env";
                break;
            case 4: /* neither a device_id property nor a key */
                snprintf(m->payload, sizeof m->payload, "{\"n\":%d}", n);
                m->property_count = 0;
                m->reason = "missing_device_id";
                break;
            case 5:
                snprintf(m->payload, sizeof m->payload, "not json %d", n);
                m->reason = "unparseable_payload";
                break;
            case 6: /* the key names another device than the property */
                m->key = "d99";
                m->reason = "device_id_mismatch";
                break;
            default:
                m->properties[1] = (pulsar_property){"env", "prod"};
                m->property_count = 2;
                break;
            }
        }
    }
}

static void fill_device_ids(mix_message *mix, char ids[][16])
{
    for (int i = 0; i < MESSAGE_COUNT; i++) {
        snprintf(ids[i], 16, "d%d", i % KINDS);
        if (mix[i].property_count > 0) {
            mix[i].properties[0].value = ids[i];
        }
    }
}

static void publish_mix(fixture *f, const mix_message *mix)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = f->ingest_topic;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(f->client, &config, &producer), PULSAR_OK);
    for (int i = 0; i < MESSAGE_COUNT; i++) {
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = mix[i].payload;
        message.payload_len = strlen(mix[i].payload);
        message.key = mix[i].key;
        message.properties = mix[i].properties;
        message.property_count = mix[i].property_count;
        assert_int_equal(pulsar_producer_send(producer, &message, NULL), PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
}

static pulsar_consumer *subscribe(fixture *f, const char *topic)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "test-check";
    config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(f->client, &config, &consumer), PULSAR_OK);
    return consumer;
}

static int find_payload(const mix_message *mix, const char *payload, size_t len)
{
    for (int i = 0; i < MESSAGE_COUNT; i++) {
        if (strlen(mix[i].payload) == len && memcmp(mix[i].payload, payload, len) == 0) {
            return i;
        }
    }
    return -1;
}

/*
 * Receives exactly `expected` messages from consumer, each matching one of
 * the mix's messages whose reason is (or, for prod, is not) set, and checks
 * each quarantined one's reason. A message more within a second fails.
 */
static void expect_outputs(pulsar_consumer *consumer, const mix_message *mix, bool quarantine,
                           int expected)
{
    int seen[MESSAGE_COUNT] = {0};
    for (int count = 0; count <= expected; count++) {
        pulsar_message *message = NULL;
        pulsar_result rc =
            pulsar_consumer_receive(consumer, count == expected ? 1000 : 30000, &message);
        if (count == expected) {
            assert_int_equal(rc, PULSAR_ERR_TIMEOUT);
            break;
        }
        if (rc != PULSAR_OK) {
            fail_msg("received %d of %d %s messages: %s", count, expected,
                     quarantine ? "quarantined" : "production", pulsar_result_str(rc));
        }
        int index = find_payload(mix, (const char *)message->payload, message->payload_len);
        if (index < 0) {
            fail_msg("unexpected output payload '%.*s'", (int)message->payload_len,
                     (const char *)message->payload);
        }
        assert_int_equal(seen[index], 0);
        seen[index] = 1;
        assert_int_equal(mix[index].reason != NULL, quarantine);
        if (quarantine) {
            const char *reason = pulsar_message_property(message, "reason");
            assert_non_null(reason);
            assert_string_equal(reason, mix[index].reason);
        }
        pulsar_message_free(message);
    }
}

/* Reads every audit file into one JSON array of records. */
static json_t *read_audit(const fixture *f)
{
    json_t *records = json_array();
    char command[256];
    snprintf(command, sizeof command, "find '%s/audit' -type f -name '*.jsonl.zst' 2>/dev/null",
             f->dir);
    FILE *listing = popen(command, "r");
    assert_non_null(listing);
    char path[1024];
    while (fgets(path, sizeof path, listing) != NULL) {
        path[strcspn(path, "\n")] = '\0';
        FILE *file = fopen(path, "rb");
        assert_non_null(file);
        lake_buf bytes = {0};
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
            assert_int_equal(lake_buf_append(&bytes, chunk, got), LAKE_OK);
        }
        fclose(file);
        json_t *lines = it_parse_lake_file(path, &bytes);
        lake_buf_clear(&bytes);
        json_array_extend(records, lines);
        json_decref(lines);
    }
    pclose(listing);
    return records;
}

static json_t *wait_for_audit(const fixture *f, size_t count, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        json_t *records = read_audit(f);
        if (json_array_size(records) >= count || it_now_ms() >= deadline) {
            return records;
        }
        json_decref(records);
        it_sleep_ms(200);
    }
}

static void audit_holds_every_message(void **state)
{
    fixture *f = *state;
    mix_message mix[MESSAGE_COUNT];
    char device_ids[MESSAGE_COUNT][16];
    make_mix(mix);
    fill_device_ids(mix, device_ids);
    int quarantined = 0;
    for (int i = 0; i < MESSAGE_COUNT; i++) {
        quarantined += mix[i].reason != NULL;
    }
    pulsar_consumer *quarantine = subscribe(f, f->quarantine_topic);
    pulsar_consumer *prod = subscribe(f, f->prod_topic);

    const char *router_argv[] = {"route", "--config", f->config_path, "--log-level", "warn", NULL};
    const char *sink_argv[] = {"sink",  "--config",    f->config_path, "--sink",
                               "audit", "--log-level", "warn",         NULL};
    pid_t router = it_spawn(f->router_log, router_argv);
    pid_t sink = it_spawn(f->sink_log, sink_argv);
    publish_mix(f, mix);

    expect_outputs(quarantine, mix, true, quarantined);
    expect_outputs(prod, mix, false, MESSAGE_COUNT - quarantined);
    json_t *records = wait_for_audit(f, MESSAGE_COUNT, 60000);

    int router_status = it_stop(router, SIGTERM, 30000);
    int sink_status = it_stop(sink, SIGTERM, 30000);
    if (router_status != 0 || sink_status != 0) {
        it_print_log(f->router_log);
        it_print_log(f->sink_log);
    }
    assert_int_equal(router_status, 0);
    assert_int_equal(sink_status, 0);

    /* Every message exactly once, with the properties it was sent with. */
    assert_int_equal(json_array_size(records), MESSAGE_COUNT);
    int seen[MESSAGE_COUNT] = {0};
    json_t *record;
    size_t index;
    json_array_foreach(records, index, record)
    {
        const char *payload = json_string_value(json_object_get(record, "payload"));
        assert_non_null(payload);
        int message = find_payload(mix, payload, strlen(payload));
        if (message < 0) {
            fail_msg("audit record with unexpected payload '%s'", payload);
        }
        assert_int_equal(seen[message], 0);
        seen[message] = 1;

        json_t *properties = json_object_get(record, "properties");
        assert_int_equal(json_object_size(properties), mix[message].property_count);
        for (size_t p = 0; p < mix[message].property_count; p++) {
            const char *value =
                json_string_value(json_object_get(properties, mix[message].properties[p].key));
            assert_non_null(value);
            assert_string_equal(value, mix[message].properties[p].value);
        }
        const char *topic = json_string_value(json_object_get(record, "topic"));
        assert_non_null(topic);
        assert_int_equal(strncmp(topic, f->ingest_topic, strlen(f->ingest_topic)), 0);
    }
    json_decref(records);
    pulsar_consumer_close(quarantine);
    pulsar_consumer_close(prod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(audit_holds_every_message, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
