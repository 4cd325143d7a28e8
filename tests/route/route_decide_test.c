/*
 * route_decide over tables of cases: every rule, every quarantine reason,
 * the injection attempts on `env`, and the proof of concept's behaviour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_test_tables.h"

#define MAX_CASE_PROPERTIES 4

typedef struct {
    const char *key;
    const char *value;
} text_property;

typedef struct {
    const char *name;
    text_property properties[MAX_CASE_PROPERTIES]; /* ends at the first NULL key */
    const char *key;                               /* message key, NULL for none */
    const char *payload; /* NULL: {"device_id": <device_id property, else key>} */
    route_reason reason;
    route_rule rule;
    const char *environment; /* expected; "" when none was chosen */
    const char *topic;       /* expected; ignored when quarantined (the quarantine topic) */
} decide_case;

/* Runs one case and checks every field of the decision. */
static void run_case(const route_table *table, const route_registry *registry, const decide_case *c)
{
    route_property properties[MAX_CASE_PROPERTIES];
    size_t count = 0;
    const char *device_id = c->key;
    for (; count < MAX_CASE_PROPERTIES && c->properties[count].key != NULL; count++) {
        const text_property *p = &c->properties[count];
        properties[count] = (route_property){p->key, strlen(p->key), p->value, strlen(p->value)};
        if (strcmp(p->key, "device_id") == 0) {
            device_id = p->value;
        }
    }

    char payload[512];
    if (c->payload != NULL) {
        snprintf(payload, sizeof payload, "%s", c->payload);
    } else {
        snprintf(payload, sizeof payload, "{\"device_id\": \"%s\", \"command\": \"NOOP\"}",
                 device_id != NULL ? device_id : "");
    }

    route_message message = {
        .properties = properties,
        .property_count = count,
        .key = c->key,
        .key_len = c->key != NULL ? strlen(c->key) : 0,
        .payload = (const uint8_t *)payload,
        .payload_len = strlen(payload),
    };
    route_decision decision;
    route_decide(table, registry, &message, &decision);

    print_message("case: %s\n", c->name);
    assert_string_equal(route_reason_name(decision.reason), route_reason_name(c->reason));
    assert_string_equal(route_rule_name(decision.rule), route_rule_name(c->rule));
    assert_int_equal(decision.quarantined, c->reason != ROUTE_REASON_NONE);
    assert_string_equal(decision.environment, c->environment);
    if (c->reason != ROUTE_REASON_NONE) {
        assert_string_equal(decision.topic, TEST_QUARANTINE);
    } else {
        assert_string_equal(decision.topic, c->topic);
    }
}

#define ROUTED(rule_, env_, topic_) ROUTE_REASON_NONE, ROUTE_RULE_##rule_, env_, topic_
#define QUARANTINED(reason_, env_)  ROUTE_REASON_##reason_, ROUTE_RULE_QUARANTINE, env_, NULL

#define PROD_TOPIC "persistent://iot-system/prod/commands"
#define DEV_TOPIC  "persistent://iot-system/dev/commands"

/* clang-format off */
static const decide_case poc_cases[] = {
    {"poc test goes to dev", {{"env", "test"}}, "7", NULL,
     ROUTED(UNKNOWN_ENVIRONMENT, "dev", DEV_TOPIC)},
    {"poc prod goes to prod", {{"env", "prod"}}, "7", NULL,
     ROUTED(ENV_PROPERTY, "prod", PROD_TOPIC)},
    {"poc missing env goes to prod", {{NULL, NULL}}, "7", NULL,
     ROUTED(DEFAULT_ENVIRONMENT, "prod", PROD_TOPIC)},
    {"poc dev goes to dev", {{"env", "dev"}}, "7", NULL, ROUTED(ENV_PROPERTY, "dev", DEV_TOPIC)},
    {"poc staging goes to dev", {{"env", "staging"}}, "7", NULL,
     ROUTED(UNKNOWN_ENVIRONMENT, "dev", DEV_TOPIC)},
    {"poc path escape is quarantined", {{"env", "prod/../x"}}, "7", NULL,
     QUARANTINED(INVALID_ENV, "")},
    {"poc upper case is quarantined", {{"env", "PROD"}}, "7", NULL,
     QUARANTINED(INVALID_ENV, "")},
    {"poc keeps device check", {{"env", "test"}}, NULL, "{\"device_id\": \"7\"}",
     QUARANTINED(MISSING_DEVICE_ID, "")},
};
/* clang-format on */

static void route_poc_configuration_behaviour(void **state)
{
    (void)state;
    route_table *table = test_poc_table();
    assert_non_null(table);
    for (size_t i = 0; i < sizeof poc_cases / sizeof poc_cases[0]; i++) {
        run_case(table, NULL, &poc_cases[i]);
    }
    route_table_free(table);
}

/* clang-format off */
static const decide_case registry_cases[] = {
    {"no env is production", {{"device_id", "22449"}}, NULL, NULL,
     ROUTED(DEFAULT_ENVIRONMENT, "prod", PROD_TOPIC)},
    {"prod from listed device", {{"env", "prod"}, {"device_id", "15092"}}, NULL, NULL,
     ROUTED(ENV_PROPERTY, "prod", PROD_TOPIC)},
    {"test template fills env", {{"env", "test"}, {"device_id", "15092"}}, NULL, NULL,
     ROUTED(ENV_PROPERTY, "test", "persistent://iot-system/test/commands")},
    {"dev with developer", {{"env", "dev"}, {"device_id", "22449"}}, NULL, NULL,
     ROUTED(DEVELOPER_ENVIRONMENT, "dev-alice", "persistent://iot-system/dev-alice/commands")},
    {"dev-alice named directly", {{"env", "dev-alice"}}, "22449", NULL,
     ROUTED(ENV_PROPERTY, "dev-alice", "persistent://iot-system/dev-alice/commands")},
    {"dev without developer allowed", {{"env", "dev"}}, "30001", NULL,
     ROUTED(ENV_PROPERTY, "dev", DEV_TOPIC)},
    {"device template fills id", {{"env", "lab"}}, "30001", NULL,
     ROUTED(ENV_PROPERTY, "lab", "persistent://iot-system/lab/commands-30001")},
    {"key alone gives device id", {{"env", "prod"}}, "15092", NULL,
     ROUTED(ENV_PROPERTY, "prod", PROD_TOPIC)},
    {"property and key agree", {{"device_id", "15092"}}, "15092", NULL,
     ROUTED(DEFAULT_ENVIRONMENT, "prod", PROD_TOPIC)},
    {"unlisted device uses defaults", {{NULL, NULL}}, "99999", NULL,
     ROUTED(DEFAULT_ENVIRONMENT, "prod", PROD_TOPIC)},
    {"payload integer device id", {{"env", "test"}}, "15092",
     "{\"device_id\": 15092, \"command\": \"PING\"}",
     ROUTED(ENV_PROPERTY, "test", "persistent://iot-system/test/commands")},
    {"developer property matches", {{"env", "dev"}, {"developer", "alice"}}, "22449", NULL,
     ROUTED(DEVELOPER_ENVIRONMENT, "dev-alice", "persistent://iot-system/dev-alice/commands")},
    {"other properties are kept", {{"app_version", "2"}, {"region", "Zürich"}}, "15092", NULL,
     ROUTED(DEFAULT_ENVIRONMENT, "prod", PROD_TOPIC)},

    {"dev without developer refused", {{"env", "dev"}}, "15092", NULL,
     QUARANTINED(DEV_WITHOUT_DEVELOPER, "dev")},
    {"dev from unlisted device", {{"env", "dev"}}, "99999", NULL,
     QUARANTINED(DEV_WITHOUT_DEVELOPER, "dev")},
    {"test not allowed", {{"env", "test"}}, "22449", NULL,
     QUARANTINED(ENV_NOT_ALLOWED, "test")},
    {"dev not in developer's list", {{"env", "dev"}}, "40001", NULL,
     QUARANTINED(ENV_NOT_ALLOWED, "dev-bob")},
    {"other developer's environment", {{"env", "dev-bob"}}, "22449", NULL,
     QUARANTINED(ENV_NOT_ALLOWED, "dev-bob")},
    {"unlisted device test", {{"env", "test"}}, "99999", NULL,
     QUARANTINED(ENV_NOT_ALLOWED, "test")},
    {"unknown env", {{"env", "staging"}}, "15092", NULL, QUARANTINED(UNKNOWN_ENV, "")},
    {"unknown developer env", {{"env", "dev-zed"}}, "15092", NULL,
     QUARANTINED(UNKNOWN_ENV, "")},
    {"no device id", {{"env", "prod"}}, NULL, "{\"device_id\": \"15092\"}",
     QUARANTINED(MISSING_DEVICE_ID, "")},
    {"empty device id", {{"device_id", ""}}, NULL, "{\"device_id\": \"\"}",
     QUARANTINED(MISSING_DEVICE_ID, "")},
    {"empty key", {{NULL, NULL}}, "", "{\"device_id\": \"\"}",
     QUARANTINED(MISSING_DEVICE_ID, "")},
    {"device id with path", {{"device_id", "15092/../x"}}, NULL, NULL,
     QUARANTINED(INVALID_DEVICE_ID, "")},
    {"device id with space", {{NULL, NULL}}, "150 92", NULL, QUARANTINED(INVALID_DEVICE_ID, "")},
    {"device id too long", {{NULL, NULL}},
     "12345678901234567890123456789012345678901234567890123456789012345", NULL,
     QUARANTINED(INVALID_DEVICE_ID, "")},
    {"property and key differ", {{"device_id", "15092"}}, "22449", NULL,
     QUARANTINED(DEVICE_ID_MISMATCH, "")},
    {"payload names other device", {{"env", "prod"}}, "15092", "{\"device_id\": \"22449\"}",
     QUARANTINED(DEVICE_ID_MISMATCH, "")},
    {"payload not json", {{NULL, NULL}}, "15092", "device_id=15092",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload empty", {{NULL, NULL}}, "15092", "", QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload is array", {{NULL, NULL}}, "15092", "[\"15092\"]",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload without device id", {{NULL, NULL}}, "15092", "{\"command\": \"NOOP\"}",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload device id null", {{NULL, NULL}}, "15092", "{\"device_id\": null}",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload negative device id", {{NULL, NULL}}, "15092", "{\"device_id\": -15092}",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload duplicate device id", {{NULL, NULL}}, "15092",
     "{\"device_id\": \"15092\", \"device_id\": \"22449\"}",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"payload trailing garbage", {{NULL, NULL}}, "15092", "{\"device_id\": \"15092\"} x",
     QUARANTINED(UNPARSEABLE_PAYLOAD, "")},
    {"developer property differs", {{"env", "dev"}, {"developer", "bob"}}, "22449", NULL,
     QUARANTINED(DEVELOPER_MISMATCH, "dev-alice")},
    {"developer property without registry developer", {{"developer", "alice"}}, "15092", NULL,
     QUARANTINED(DEVELOPER_MISMATCH, "prod")},
    {"reserved key prefix", {{"switchyard.rule", "env_property"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"repeated key", {{"app_version", "1"}, {"app_version", "2"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"key with space", {{"app version", "1"}}, "15092", NULL, QUARANTINED(INVALID_PROPERTY, "")},
    {"value with newline", {{"app_version", "1\n2"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value with escape", {{"app_version", "\x1b[31m"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value with delete", {{"app_version", "1\x7f"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value not utf-8", {{"app_version", "\xff"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value overlong utf-8", {{"app_version", "\xc0\xaf"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value truncated utf-8", {{"app_version", "\xe2\x82"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value surrogate", {{"app_version", "\xed\xa0\x80"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"value c1 control", {{"app_version", "\xc2\x85"}}, "15092", NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
    {"device id not utf-8", {{"device_id", "\xc3"}}, NULL, NULL,
     QUARANTINED(INVALID_PROPERTY, "")},
};
/* clang-format on */

/* Cases without a registry, on the full table. */
/* clang-format off */
static const decide_case open_cases[] = {
    {"any configured env", {{"env", "test"}}, "99999", NULL,
     ROUTED(ENV_PROPERTY, "test", "persistent://iot-system/test/commands")},
    {"developer env named directly", {{"env", "dev-bob"}}, "99999", NULL,
     ROUTED(ENV_PROPERTY, "dev-bob", "persistent://iot-system/dev-bob/commands")},
    {"dev is the shared one", {{"env", "dev"}}, "99999", NULL,
     ROUTED(ENV_PROPERTY, "dev", DEV_TOPIC)},
    {"device id with underscore", {{"env", "lab"}}, "a_B-9", NULL,
     ROUTED(ENV_PROPERTY, "lab", "persistent://iot-system/lab/commands-a_B-9")},
    /* Pulsar reads "<topic>-partition-<n>" as one partition, so the id must not form it. */
    {"device id names a partition", {{"env", "lab"}}, "x-partition-0", NULL,
     QUARANTINED(INVALID_TOPIC, "lab")},
    {"developer property without registry", {{"env", "dev"}, {"developer", "alice"}}, "99999",
     NULL, QUARANTINED(DEVELOPER_MISMATCH, "dev")},
};
/* clang-format on */

static void route_decides_without_registry(void **state)
{
    (void)state;
    route_table *table = test_full_table();
    assert_non_null(table);
    for (size_t i = 0; i < sizeof open_cases / sizeof open_cases[0]; i++) {
        run_case(table, NULL, &open_cases[i]);
    }
    route_table_free(table);
}

/* The unknown-environment fallback is still subject to the registry. */
static void route_fallback_checks_registry(void **state)
{
    (void)state;
    static const char yaml[] = "devices:\n"
                               "  - {id: \"7\", environments: [prod]}\n"
                               "  - {id: \"8\", environments: [prod, dev]}\n";
    char error[256];
    route_registry *registry =
        route_registry_load_string(yaml, strlen(yaml), "devices.yaml", error, sizeof error);
    assert_non_null(registry);
    route_table *table = test_poc_table();
    decide_case refused = {
        "fallback not allowed", {{"env", "test"}}, "7", NULL, QUARANTINED(ENV_NOT_ALLOWED, "dev")};
    run_case(table, registry, &refused);
    decide_case allowed = {"fallback allowed",
                           {{"env", "test"}},
                           "8",
                           NULL,
                           ROUTED(UNKNOWN_ENVIRONMENT, "dev", DEV_TOPIC)};
    run_case(table, registry, &allowed);
    route_table_free(table);
    route_registry_free(registry);
}

static void route_decides_with_registry(void **state)
{
    (void)state;
    route_table *table = test_full_table();
    route_registry *registry = test_registry();
    assert_non_null(table);
    assert_non_null(registry);
    for (size_t i = 0; i < sizeof registry_cases / sizeof registry_cases[0]; i++) {
        run_case(table, registry, &registry_cases[i]);
    }
    route_registry_free(registry);
    route_table_free(table);
}

/* Values of `env` that must never reach a topic name, each quarantined as invalid_env. */
static const char *const injected_envs[] = {
    "prod/../x",
    "prod/commands",
    "",
    "../prod",
    "/prod",
    "prod/",
    "persistent://iot-system/prod/commands",
    "dev-alice/../prod",
    "{env}",
    "prod{device}",
    "prod%2F..",
    "prod.",
    "prod\\x",
    " prod",
    "prod ",
    "PROD",
    "Prod",
    "1prod",
    "-prod",
    "prod\n",
    "prod\r\nX: y",
    "prod\t",
    "pr\x01od",
    "prod\x7f",
    "pr\xc3\xb6\x64",  /* o with diaeresis */
    "\xef\xbd\x90rod", /* full-width p */
    "pr\xd0\xbe\x64",  /* Cyrillic o */
    "\xff\xfe",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 49 bytes */
};

static void route_quarantines_injected_env(void **state)
{
    (void)state;
    route_table *tables[] = {test_poc_table(), test_full_table()};
    route_registry *registry = test_registry();
    for (size_t t = 0; t < 2; t++) {
        assert_non_null(tables[t]);
        for (size_t i = 0; i < sizeof injected_envs / sizeof injected_envs[0]; i++) {
            decide_case c = {injected_envs[i],
                             {{"env", injected_envs[i]}},
                             "15092",
                             NULL,
                             QUARANTINED(INVALID_ENV, "")};
            run_case(tables[t], t == 1 ? registry : NULL, &c);
        }
        route_table_free(tables[t]);
    }
    route_registry_free(registry);
}

static void route_accepts_longest_env_name(void **state)
{
    (void)state;
    /* 48 bytes is valid syntax; it is merely unknown. */
    route_table *table = test_full_table();
    decide_case c = {"48-byte env",
                     {{"env", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}},
                     "15092",
                     NULL,
                     QUARANTINED(UNKNOWN_ENV, "")};
    run_case(table, NULL, &c);
    route_table_free(table);
}

/* Properties with bytes that a C string cannot show: embedded NULs. */
static void route_quarantines_embedded_nul(void **state)
{
    (void)state;
    route_table *table = test_poc_table();
    const char payload[] = "{\"device_id\": \"7\"}";
    route_property env = {"env", 3, "prod\0/../x", 10};
    route_property nul_key = {"a\0b", 3, "1", 1};
    route_property nul_value = {"app_version", 11, "1\0", 2};
    route_property *cases[] = {&env, &nul_key, &nul_value};
    route_reason expected[] = {ROUTE_REASON_INVALID_ENV, ROUTE_REASON_INVALID_PROPERTY,
                               ROUTE_REASON_INVALID_PROPERTY};

    for (size_t i = 0; i < 3; i++) {
        route_message message = {cases[i], 1, "7", 1, (const uint8_t *)payload, sizeof payload - 1};
        route_decision decision;
        route_decide(table, NULL, &message, &decision);
        assert_true(decision.quarantined);
        assert_string_equal(route_reason_name(decision.reason), route_reason_name(expected[i]));
    }

    route_message message = {NULL, 0, "7\0x", 3, (const uint8_t *)payload, sizeof payload - 1};
    route_decision decision;
    route_decide(table, NULL, &message, &decision);
    assert_string_equal(route_reason_name(decision.reason), "invalid_device_id");

    /* The property decides the id; a key that differs only after a NUL still differs. */
    route_property device = {"device_id", 9, "7", 1};
    message.properties = &device;
    message.property_count = 1;
    route_decide(table, NULL, &message, &decision);
    assert_string_equal(route_reason_name(decision.reason), "device_id_mismatch");
    route_table_free(table);
}

static void route_quarantines_very_long_env(void **state)
{
    (void)state;
    route_table *table = test_poc_table();
    char env[4097];
    memset(env, 'a', sizeof env - 1);
    env[sizeof env - 1] = '\0';
    decide_case c = {"4096-byte env", {{"env", env}}, "7", NULL, QUARANTINED(INVALID_ENV, "")};
    run_case(table, NULL, &c);
    route_table_free(table);
}

/* Runs a message with count properties, each key of key_len and value of value_len bytes. */
static route_reason decide_sized(size_t count, size_t key_len, size_t value_len)
{
    route_table *table = test_poc_table();
    char *keys = malloc(count * (key_len + 1));
    char *value = malloc(value_len + 1);
    route_property *properties = calloc(count, sizeof *properties);
    assert_non_null(keys);
    assert_non_null(value);
    assert_non_null(properties);
    memset(value, 'v', value_len);

    for (size_t i = 0; i < count; i++) {
        char *key = keys + i * (key_len + 1);
        memset(key, 'k', key_len);
        /* Distinct keys: the index written at the start, as letters. */
        key[0] = (char)('a' + i % 26);
        key[1] = (char)('a' + i / 26);
        properties[i] = (route_property){key, key_len, value, value_len};
    }
    const char payload[] = "{\"device_id\": \"7\"}";
    route_message message = {properties,        count, "7", 1, (const uint8_t *)payload,
                             sizeof payload - 1};
    route_decision decision;
    route_decide(table, NULL, &message, &decision);

    free(properties);
    free(value);
    free(keys);
    route_table_free(table);
    return decision.reason;
}

static void route_property_limits_are_exact(void **state)
{
    (void)state;
    assert_int_equal(decide_sized(1, ROUTE_MAX_KEY_BYTES, ROUTE_MAX_VALUE_BYTES),
                     ROUTE_REASON_NONE);
    assert_int_equal(decide_sized(1, ROUTE_MAX_KEY_BYTES + 1, 1), ROUTE_REASON_INVALID_PROPERTY);
    assert_int_equal(decide_sized(1, 8, ROUTE_MAX_VALUE_BYTES + 1), ROUTE_REASON_INVALID_PROPERTY);
    assert_int_equal(decide_sized(ROUTE_MAX_PROPERTIES, 8, 1), ROUTE_REASON_NONE);
    assert_int_equal(decide_sized(ROUTE_MAX_PROPERTIES + 1, 8, 1), ROUTE_REASON_INVALID_PROPERTY);
}

static void route_unchecked_registry_unknown_developer(void **state)
{
    (void)state;
    /* A registry that never passed route_registry_check may name a developer the table lacks. */
    static const char yaml[] = "devices:\n"
                               "  - {id: \"5\", developer: carol, environments: [prod, dev]}\n";
    char error[256];
    route_registry *registry =
        route_registry_load_string(yaml, strlen(yaml), "devices.yaml", error, sizeof error);
    assert_non_null(registry);
    route_table *table = test_full_table();
    decide_case c = {"carol has no environment",
                     {{"env", "dev"}},
                     "5",
                     NULL,
                     QUARANTINED(UNKNOWN_DEVELOPER, "")};
    run_case(table, registry, &c);
    route_table_free(table);
    route_registry_free(registry);
}

static void route_oversized_payload_is_quarantined(void **state)
{
    (void)state;
    route_table *table = test_poc_table();
    size_t size = ROUTE_MAX_PAYLOAD_BYTES + 1;
    char *payload = malloc(size);
    assert_non_null(payload);
    /* A valid JSON object padded with white space past the limit. */
    memset(payload, ' ', size);
    memcpy(payload, "{\"device_id\": \"7\"}", 18);
    route_message message = {NULL, 0, "7", 1, (const uint8_t *)payload, size};
    route_decision decision;
    route_decide(table, NULL, &message, &decision);
    assert_string_equal(route_reason_name(decision.reason), "unparseable_payload");

    message.payload_len = ROUTE_MAX_PAYLOAD_BYTES;
    route_decide(table, NULL, &message, &decision);
    assert_false(decision.quarantined);
    assert_string_equal(decision.topic, PROD_TOPIC);
    free(payload);
    route_table_free(table);
}

static void route_names_are_stable(void **state)
{
    (void)state;
    static const char *const reasons[ROUTE_REASON_COUNT] = {
        "none",
        "missing_device_id",
        "invalid_device_id",
        "device_id_mismatch",
        "invalid_env",
        "unknown_env",
        "env_not_allowed",
        "dev_without_developer",
        "unknown_developer",
        "developer_mismatch",
        "invalid_property",
        "unparseable_payload",
        "invalid_topic",
    };
    for (int i = 0; i < ROUTE_REASON_COUNT; i++) {
        assert_string_equal(route_reason_name((route_reason)i), reasons[i]);
    }
    assert_string_equal(route_reason_name(ROUTE_REASON_COUNT), "unknown");
    assert_string_equal(route_rule_name(ROUTE_RULE_DEFAULT_ENVIRONMENT), "default_environment");
    assert_string_equal(route_rule_name(ROUTE_RULE_ENV_PROPERTY), "env_property");
    assert_string_equal(route_rule_name(ROUTE_RULE_DEVELOPER_ENVIRONMENT), "developer_environment");
    assert_string_equal(route_rule_name(ROUTE_RULE_UNKNOWN_ENVIRONMENT), "unknown_environment");
    assert_string_equal(route_rule_name(ROUTE_RULE_QUARANTINE), "quarantine");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(route_poc_configuration_behaviour),
        cmocka_unit_test(route_decides_with_registry),
        cmocka_unit_test(route_decides_without_registry),
        cmocka_unit_test(route_fallback_checks_registry),
        cmocka_unit_test(route_quarantines_injected_env),
        cmocka_unit_test(route_accepts_longest_env_name),
        cmocka_unit_test(route_quarantines_embedded_nul),
        cmocka_unit_test(route_quarantines_very_long_env),
        cmocka_unit_test(route_property_limits_are_exact),
        cmocka_unit_test(route_unchecked_registry_unknown_developer),
        cmocka_unit_test(route_oversized_payload_is_quarantined),
        cmocka_unit_test(route_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
