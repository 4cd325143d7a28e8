/*
 * The routing daemon against a real broker: a stream with every kind of
 * message routed exactly (topics, properties, key, event time, metrics),
 * the rules reloaded mid-stream from a changed registry and on SIGHUP, and
 * two routers sharing one subscription (failover and key_shared).
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL; fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "route/route_sequence.h"
#include "route_it_util.h"

#define EVENT_TIME_BASE 1764806400000u
#define MAX_PROPS 8
#define D1 "{\"device_id\":\"d-1\"}"
#define D15092 "{\"device_id\":\"15092\"}"
#define D22449 "{\"device_id\":\"22449\"}"

static const char config_yaml[] =
    "environments:\n"
    "  - name: prod\n"
    "    namespace: TENANT/prod\n"
    "    topics: [{name: commands, partitions: 0}]\n"
    "  - name: test\n"
    "    namespace: TENANT/test\n"
    "    topics: [{name: commands, partitions: 0}]\n"
    "  - name: dev\n"
    "    namespace: TENANT/dev\n"
    "    topics: [{name: commands, partitions: 0}]\n"
    "developer_environment:\n"
    "  namespace: TENANT/dev-{developer}\n"
    "  topics: [{name: commands, partitions: 0}]\n"
    "developers:\n"
    "  - {name: alice, role: alice}\n"
    "router:\n"
    "  subscription: switchyard-router\n"
    "  default_environment: prod\n"
    "  target_topic: commands\n"
    "  unknown_environment: quarantine\n"
    "  registry: devices.yaml\n";

static const char registry_yaml[] = "default_environments: [prod]\n"
                                    "devices:\n"
                                    "  - id: \"22449\"\n"
                                    "    developer: alice\n"
                                    "    environments: [prod, dev]\n"
                                    "  - id: \"15092\"\n"
                                    "    environments: [prod, test]\n"
                                    "  - id: \"30001\"\n"
                                    "    environments: [prod, dev]\n";

static const char *const namespaces[] = {"prod", "test", "dev", "dev-alice"};

/* One input message and where it must end. */
typedef struct {
    const char *props[MAX_PROPS][2]; /* after "case"; ends at a NULL key */
    const char *key;
    const char *payload;
    const char *target;  /* namespace of the output topic; "Q" for quarantine */
    const char *outcome; /* the rule when routed, the reason when quarantined */
    const char *environment; /* switchyard.environment when routed */
    /* For properties that must be encoded: the expected output list replaces the input's. */
    const char *encoded[MAX_PROPS][2];
} stream_case;

static const stream_case cases[] = {
    /* 0 */ {{{"device_id", "d-1"}}, "d-1", "{\"device_id\":\"d-1\"}", "prod",
             "default_environment", "prod", {{NULL}}},
    /* 1 */ {{{"env", "prod"}, {"device_id", "15092"}}, "15092", "{\"device_id\":\"15092\"}",
             "prod", "env_property", "prod", {{NULL}}},
    /* 2 */ {{{"env", "test"}, {"device_id", "15092"}}, "15092", "{\"device_id\":15092}", "test",
             "env_property", "test", {{NULL}}},
    /* 3 */ {{{"env", "dev"}, {"device_id", "22449"}}, "22449", "{\"device_id\":\"22449\"}",
             "dev-alice", "developer_environment", "dev-alice", {{NULL}}},
    /* 4 */ {{{"env", "dev"}, {"device_id", "30001"}}, NULL, "{\"device_id\":\"30001\"}", "dev",
             "env_property", "dev", {{NULL}}},
    /* 5 */ {{{"env", "dev-alice"}, {"developer", "alice"}, {"device_id", "22449"}}, "22449",
             "{\"device_id\":\"22449\",\"command\":\"PING\"}", "dev-alice", "env_property", "dev-alice", {{NULL}}},
    /* 6 */ {{{"env", "prod"}}, NULL, "{\"command\":\"NOOP\"}", "Q", "missing_device_id", NULL,
             {{NULL}}},
    /* 7 */ {{{"device_id", "../../etc"}}, NULL, "{}", "Q", "invalid_device_id", NULL, {{NULL}}},
    /* 8 */ {{{"device_id", "d-1"}}, "d-2", "{}", "Q", "device_id_mismatch", NULL, {{NULL}}},
    /* 9 */ {{{"device_id", "d-1"}}, "d-1", "{\"device_id\":\"d-9\"}", "Q", "device_id_mismatch",
             NULL, {{NULL}}},
    /* 10 */ {{{"env", "prod/../x"}, {"device_id", "d-1"}}, "d-1", "{}", "Q", "invalid_env", NULL,
              {{NULL}}},
    /* 11 */ {{{"env", "prod/commands"}, {"device_id", "d-1"}}, "d-1", "{}", "Q", "invalid_env",
              NULL, {{NULL}}},
    /* 12 */ {{{"env", "staging"}, {"device_id", "d-1"}}, "d-1", D1, "Q", "unknown_env", NULL,
              {{NULL}}},
    /* 13 */ {{{"env", "test"}, {"device_id", "22449"}}, "22449", D22449, "Q", "env_not_allowed",
              NULL, {{NULL}}},
    /* 14 */ {{{"env", "dev"}, {"device_id", "15092"}}, "15092", D15092, "Q",
              "dev_without_developer", NULL, {{NULL}}},
    /* 15 */ {{{"env", "dev"}, {"developer", "bob"}, {"device_id", "22449"}}, "22449", D22449, "Q",
              "developer_mismatch", NULL, {{NULL}}},
    /* 16 */ {{{"device_id", "d-1"}, {"note", "\x01" "bell"}}, "d-1", "{}", "Q",
              "invalid_property", NULL, {{NULL}}},
    /* 17: a key that the router sets is carried encoded, base64("switchyard.rule") "." base64("x") */
    {{{"device_id", "d-1"}, {"switchyard.rule", "x"}}, "d-1", "{}", "Q", "invalid_property", NULL,
     {{"case", "17"}, {"device_id", "d-1"}, {"switchyard.raw.2", "c3dpdGNoeWFyZC5ydWxl.eA=="}}},
    /* 18: invalid UTF-8 is carried encoded, base64("blob") "." base64(FF FE) */
    {{{"device_id", "d-1"}, {"blob", "\xff\xfe"}}, "d-1", "{}", "Q", "invalid_property", NULL,
     {{"case", "18"}, {"device_id", "d-1"}, {"switchyard.raw.2", "YmxvYg==.//4="}}},
    /* 19 */ {{{"device_id", "d-1"}}, "d-1", "not json", "Q", "unparseable_payload", NULL,
              {{NULL}}},
    /* 20 */ {{{"env", "../prod"}, {"device_id", "d-1"}}, "d-1", "{}", "Q", "invalid_env", NULL,
              {{NULL}}},
    /* 21 */ {{{"env", "prod"}, {"reason", "x"}, {"device_id", "d-1"}}, "d-1", D1, "prod",
              "env_property", "prod", {{NULL}}},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

typedef struct {
    pulsar_message_id id; /* receipt of the input */
} sent_input;

static void send_case(pulsar_producer *producer, size_t index, sent_input *sent)
{
    const stream_case *c = &cases[index];
    char number[16];
    snprintf(number, sizeof number, "%zu", index);
    pulsar_property props[MAX_PROPS + 1];
    size_t count = 0;
    props[count++] = (pulsar_property){"case", number};
    for (size_t i = 0; i < MAX_PROPS && c->props[i][0] != NULL; i++) {
        props[count++] = (pulsar_property){c->props[i][0], c->props[i][1]};
    }
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = c->payload;
    message.payload_len = strlen(c->payload);
    message.key = c->key;
    message.properties = props;
    message.property_count = count;
    message.event_time_ms = EVENT_TIME_BASE + index;
    assert_int_equal(pulsar_producer_send(producer, &message, &sent->id), PULSAR_OK);
}

static pulsar_producer *ingest_producer(route_it_env *env)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = env->ingest_topic;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(env->fixture->client, &config, &producer), PULSAR_OK);
    return producer;
}

static void assert_property(const pulsar_message *m, size_t index, const char *key,
                            const char *value)
{
    assert_true(index < m->property_count);
    assert_string_equal(m->properties[index].key, key);
    assert_string_equal(m->properties[index].value, value);
}

/* Checks one output against its case: properties in order, key, event time, payload. */
static void check_output(const route_it_env *env, const pulsar_message *m, size_t index,
                         const sent_input *sent)
{
    const stream_case *c = &cases[index];
    bool quarantined = strcmp(c->target, "Q") == 0;
    size_t p = 0;
    if (c->encoded[0][0] != NULL) {
        for (size_t i = 0; i < MAX_PROPS && c->encoded[i][0] != NULL; i++) {
            assert_property(m, p++, c->encoded[i][0], c->encoded[i][1]);
        }
    } else {
        char number[16];
        snprintf(number, sizeof number, "%zu", index);
        assert_property(m, p++, "case", number);
        for (size_t i = 0; i < MAX_PROPS && c->props[i][0] != NULL; i++) {
            /* A routed message loses an input "reason", which only the router may set. */
            if (!quarantined && strcmp(c->props[i][0], "reason") == 0) {
                continue;
            }
            assert_property(m, p++, c->props[i][0], c->props[i][1]);
        }
    }
    assert_property(m, p++, "switchyard.rule", quarantined ? "quarantine" : c->outcome);
    if (!quarantined) {
        assert_property(m, p++, "switchyard.environment", c->environment);
    }
    char source_topic[300];
    snprintf(source_topic, sizeof source_topic, "%s-partition-%d", env->ingest_topic,
             (int)sent->id.partition);
    assert_property(m, p++, "switchyard.source_topic", source_topic);
    char source_id[ROUTE_MESSAGE_ID_TEXT_BYTES + 1];
    assert_true(route_message_id_format(&sent->id, source_id, sizeof source_id));
    assert_property(m, p++, "switchyard.source_id", source_id);
    if (quarantined) {
        assert_property(m, p++, "reason", c->outcome);
    }
    assert_int_equal(m->property_count, p);

    if (c->key == NULL) {
        assert_null(m->key);
    } else {
        assert_non_null(m->key);
        assert_string_equal(m->key, c->key);
    }
    assert_int_equal(m->event_time_ms, EVENT_TIME_BASE + index);
    assert_int_equal(m->payload_len, strlen(c->payload));
    assert_memory_equal(m->payload, c->payload, m->payload_len);
}

static size_t case_of(const pulsar_message *m)
{
    const char *number = pulsar_message_property(m, "case");
    assert_non_null(number);
    return (size_t)strtoul(number, NULL, 10);
}

static void router_routes_every_kind(void **state)
{
    route_it_env env;
    route_it_env_create(&env, *state, "rt-stream", namespaces, 4, 2, config_yaml);
    route_it_write_registry(&env, registry_yaml);

    static const char *const targets[] = {"prod", "test", "dev", "dev-alice", "Q"};
    enum { TARGETS = 5 };
    pulsar_consumer *consumers[TARGETS];
    size_t expected[TARGETS] = {0};
    for (size_t t = 0; t < TARGETS; t++) {
        char topic[256];
        if (strcmp(targets[t], "Q") == 0) {
            snprintf(topic, sizeof topic, "%s", env.quarantine_topic);
        } else {
            route_it_topic(&env, targets[t], "commands", topic, sizeof topic);
        }
        consumers[t] = route_it_subscribe(env.fixture, topic);
        for (size_t i = 0; i < CASE_COUNT; i++) {
            expected[t] += strcmp(cases[i].target, targets[t]) == 0 ? 1 : 0;
        }
    }

    pid_t router = route_it_start_router(&env, NULL);
    pulsar_producer *producer = ingest_producer(&env);
    sent_input sent[CASE_COUNT];
    for (size_t i = 0; i < CASE_COUNT; i++) {
        send_case(producer, i, &sent[i]);
    }

    bool seen[CASE_COUNT] = {false};
    for (size_t t = 0; t < TARGETS; t++) {
        pulsar_message *got[CASE_COUNT + 4];
        /* Wait for one more than expected, so that an extra message is counted too. */
        size_t n = route_it_collect(consumers[t], got, CASE_COUNT + 4, expected[t] + 1, 5000);
        if (n != expected[t]) {
            fprintf(stderr, "topic %s: %zu messages, expected %zu\n", targets[t], n, expected[t]);
        }
        assert_int_equal(n, expected[t]);
        for (size_t k = 0; k < n; k++) {
            size_t index = case_of(got[k]);
            assert_true(index < CASE_COUNT);
            assert_string_equal(cases[index].target, targets[t]);
            assert_false(seen[index]);
            seen[index] = true;
            check_output(&env, got[k], index, &sent[index]);
            pulsar_message_free(got[k]);
        }
    }

    assert_int_equal(route_it_metric(&env, "switchyard_router_messages_in_total"), CASE_COUNT);
    assert_int_equal(route_it_metric(&env, "switchyard_router_routed_total{environment=\"prod\"}"),
                     3);
    assert_int_equal(
        route_it_metric(&env, "switchyard_router_routed_total{environment=\"dev-alice\"}"), 2);
    assert_int_equal(
        route_it_metric(&env, "switchyard_router_quarantined_total{reason=\"invalid_env\"}"), 3);
    assert_int_equal(
        route_it_metric(&env, "switchyard_router_quarantined_total{reason=\"invalid_property\"}"),
        3);
    assert_int_equal(
        route_it_metric(&env, "switchyard_router_quarantined_total{reason=\"unknown_developer\"}"),
        0);
    assert_int_equal(route_it_metric(&env, "switchyard_router_sends_total{result=\"ok\"}"),
                     CASE_COUNT);
    assert_int_equal(route_it_metric(&env, "switchyard_router_inflight"), 0);

    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
    assert_int_equal(route_it_stop_router(router, SIGTERM), 0);
    for (size_t t = 0; t < TARGETS; t++) {
        pulsar_consumer_close(consumers[t]);
    }
    route_it_env_destroy(&env);
}

/* Sends one message with env and device 15092. */
static void send_env(pulsar_producer *producer, const char *environment, const char *number)
{
    pulsar_property props[] = {{"case", number}, {"env", environment}, {"device_id", "15092"}};
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = D15092;
    message.payload_len = strlen(D15092);
    message.key = "15092";
    message.properties = props;
    message.property_count = 3;
    assert_int_equal(pulsar_producer_send(producer, &message, NULL), PULSAR_OK);
}

/* Receives exactly one message within 10 s and checks its case and rule or reason. */
static void expect_one(pulsar_consumer *consumer, const char *number, const char *property,
                       const char *value)
{
    pulsar_message *got[2];
    size_t n = route_it_collect(consumer, got, 2, 1, 10000);
    assert_int_equal(n, 1);
    assert_string_equal(pulsar_message_property(got[0], "case"), number);
    assert_string_equal(pulsar_message_property(got[0], property), value);
    pulsar_message_free(got[0]);
}

static void router_reloads_rules_midstream(void **state)
{
    route_it_env env;
    route_it_env_create(&env, *state, "rt-reload", namespaces, 4, 0, config_yaml);
    route_it_write_registry(&env, "devices:\n"
                                  "  - id: \"15092\"\n"
                                  "    environments: [prod]\n");
    char topic[256];
    route_it_topic(&env, "test", "commands", topic, sizeof topic);
    pulsar_consumer *test_topic = route_it_subscribe(env.fixture, topic);
    pulsar_consumer *quarantine = route_it_subscribe(env.fixture, env.quarantine_topic);
    pid_t router = route_it_start_router(&env, NULL);
    pulsar_producer *producer = ingest_producer(&env);

    send_env(producer, "test", "1");
    expect_one(quarantine, "1", "reason", "env_not_allowed");

    /* The registry file changes: the next message follows the new rules. */
    route_it_write_registry(&env, "devices:\n"
                                  "  - id: \"15092\"\n"
                                  "    environments: [prod, test]\n");
    assert_int_equal(
        route_it_wait_metric(&env, "switchyard_router_reloads_total{result=\"ok\"}", 1, 10000), 1);
    send_env(producer, "test", "2");
    expect_one(test_topic, "2", "switchyard.rule", "env_property");

    /* A registry that fails the check against the table keeps the old rules. */
    route_it_write_registry(&env, "devices:\n"
                                  "  - id: \"15092\"\n"
                                  "    environments: [staging]\n");
    assert_int_equal(
        route_it_wait_metric(&env, "switchyard_router_reloads_total{result=\"failed\"}", 1, 10000),
        1);
    send_env(producer, "test", "3");
    expect_one(test_topic, "3", "switchyard.rule", "env_property");

    /* SIGHUP reloads the configuration: unknown environments now go to test. */
    route_it_write_registry(&env, "devices:\n"
                                  "  - id: \"15092\"\n"
                                  "    environments: [prod, test]\n");
    assert_int_equal(
        route_it_wait_metric(&env, "switchyard_router_reloads_total{result=\"ok\"}", 2, 10000), 2);
    send_env(producer, "staging", "4");
    expect_one(quarantine, "4", "reason", "unknown_env");
    route_it_edit_config(&env, "unknown_environment: quarantine", "unknown_environment: test");
    kill(router, SIGHUP);
    assert_int_equal(
        route_it_wait_metric(&env, "switchyard_router_reloads_total{result=\"ok\"}", 3, 10000), 3);
    send_env(producer, "staging", "5");
    expect_one(test_topic, "5", "switchyard.rule", "unknown_environment");

    assert_int_equal(route_it_metric(&env, "switchyard_router_reloads_total{result=\"failed\"}"),
                     1);
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
    assert_int_equal(route_it_stop_router(router, SIGTERM), 0);
    pulsar_consumer_close(test_topic);
    pulsar_consumer_close(quarantine);
    route_it_env_destroy(&env);
}

/* Sends count messages "n" 0..count-1 from 32 devices without env, so all go to prod. */
static void send_numbered(route_it_env *env, long count)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = env->ingest_topic;
    config.batching_enabled = true;
    config.max_pending_messages = 5000;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(env->fixture->client, &config, &producer), PULSAR_OK);
    send_counter counter;
    send_counter_init(&counter);
    for (long n = 0; n < count; n++) {
        char device[16];
        char payload[96];
        snprintf(device, sizeof device, "d%ld", n % 32);
        snprintf(payload, sizeof payload, "{\"device_id\":\"%s\",\"n\":%ld}", device, n);
        pulsar_property props[] = {{"device_id", device}};
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = payload;
        message.payload_len = strlen(payload);
        message.key = device;
        message.properties = props;
        message.property_count = 1;
        assert_int_equal(
            pulsar_producer_send_async(producer, &message, send_counter_callback, &counter),
            PULSAR_OK);
    }
    assert_int_equal(send_counter_wait(&counter, (size_t)count, 30000), (size_t)count);
    assert_int_equal(counter.failed, 0);
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
}

/* Two routers on one subscription: each routes a share, together everything once. */
static void run_two_routers(void **state, const char *name, const char *const *args_a,
                            const char *const *args_b)
{
    route_it_env env;
    route_it_env_create(&env, *state, name, namespaces, 4, 4, config_yaml);
    route_it_write_registry(&env, registry_yaml);
    char topic[256];
    route_it_topic(&env, "prod", "commands", topic, sizeof topic);
    pulsar_consumer *prod = route_it_subscribe(env.fixture, topic);

    pid_t router_a = route_it_start_router(&env, args_a);
    route_it_env env_b = env;
    env_b.metrics_port = route_it_free_port();
    pid_t router_b = route_it_start_router(&env_b, args_b);
    /* Both must have subscribed before the stream starts, or the first takes everything. */
    assert_true(route_it_wait_metric(&env, "switchyard_router_inflight", 0, 10000) >= 0);
    assert_true(route_it_wait_metric(&env_b, "switchyard_router_inflight", 0, 10000) >= 0);
    /* The broker hands partitions over to a newly joined failover consumer after a delay. */
    route_it_sleep_ms(3000);

    enum { COUNT = 2000 };
    send_numbered(&env, COUNT);
    static bool seen[COUNT];
    memset(seen, 0, sizeof seen);
    size_t got = 0;
    for (;;) {
        pulsar_message *message = NULL;
        if (pulsar_consumer_receive(prod, 5000, &message) != PULSAR_OK) {
            break;
        }
        long n = route_it_payload_number(message);
        assert_true(n >= 0 && n < COUNT);
        assert_false(seen[n]);
        seen[n] = true;
        got++;
        pulsar_consumer_ack(prod, &message->id);
        pulsar_message_free(message);
    }
    assert_int_equal(got, COUNT);

    double in_a = route_it_metric(&env, "switchyard_router_messages_in_total");
    double in_b = route_it_metric(&env_b, "switchyard_router_messages_in_total");
    fprintf(stderr, "%s: router a received %.0f, router b %.0f\n", name, in_a, in_b);
    assert_true(in_a > 0);
    assert_true(in_b > 0);
    assert_int_equal(in_a + in_b, COUNT);
    assert_int_equal(route_it_stop_router(router_a, SIGTERM), 0);
    assert_int_equal(route_it_stop_router(router_b, SIGTERM), 0);
    pulsar_consumer_close(prod);
    route_it_env_destroy(&env);
}

static void routers_share_failover_partitions(void **state)
{
    /* Named consumers: the broker gives partition i to the (i mod 2)-th name in order. */
    static const char *const args_a[] = {"--instance", "a", NULL};
    static const char *const args_b[] = {"--instance", "b", NULL};
    run_two_routers(state, "rt-failover", args_a, args_b);
}

static void routers_share_key_shared_keys(void **state)
{
    static const char *const args_a[] = {"--subscription-type", "key_shared", "--instance", "a",
                                         NULL};
    static const char *const args_b[] = {"--subscription-type", "key_shared", "--instance", "b",
                                         NULL};
    run_two_routers(state, "rt-keyshared", args_a, args_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(router_routes_every_kind, route_it_kill_routers),
        cmocka_unit_test_teardown(router_reloads_rules_midstream, route_it_kill_routers),
        cmocka_unit_test_teardown(routers_share_failover_partitions, route_it_kill_routers),
        cmocka_unit_test_teardown(routers_share_key_shared_keys, route_it_kill_routers),
    };
    return cmocka_run_group_tests(tests, pulsar_fixture_setup, pulsar_fixture_teardown);
}
