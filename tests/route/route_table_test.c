/*
 * Routing table validation, and the properties that the router adds to
 * each output message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "route_test_tables.h"

typedef struct {
    const char *name;
    route_environment_spec environments[3];
    size_t environment_count;
    const char *default_environment;
    const char *unknown_environment;
    const char *quarantine_topic;
    const char *error;
} bad_table;

#define PROD                                                                                       \
    {                                                                                              \
        "prod", "persistent://t/prod/commands", NULL                                               \
    }
#define DEV                                                                                        \
    {                                                                                              \
        "dev", "persistent://t/dev/commands", NULL                                                 \
    }
#define Q "persistent://t/ingest/quarantine"

/* clang-format off */
static const bad_table bad_tables[] = {
    {"bad name", {{"Prod", "persistent://t/p/c", NULL}}, 1, "Prod", NULL, Q,
     "environment 'Prod' is not a valid name: use 1 to 48 of a-z, 0-9 and '-', starting with a "
     "letter"},
    {"reserved prefix", {PROD, {"dev-x", "persistent://t/d/c", NULL}}, 2, "prod", NULL, Q,
     "environment 'dev-x': names starting with 'dev-' are reserved for developer environments: "
     "rename it or set its developer"},
    {"developer name mismatch", {PROD, {"dev-x", "persistent://t/d/c", "y"}}, 2, "prod", NULL, Q,
     "environment 'dev-x' of developer 'y' must be named 'dev-y'"},
    {"bad developer", {PROD, {"dev-X", "persistent://t/d/c", "X"}}, 2, "prod", NULL, Q,
     "environment 'dev-X' is not a valid name: use 1 to 48 of a-z, 0-9 and '-', starting with a "
     "letter"},
    {"repeated", {PROD, DEV, PROD}, 3, "prod", NULL, Q,
     "environment 'prod' is listed twice: remove one"},
    {"unknown placeholder", {{"prod", "persistent://t/{tenant}/c", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 'persistent://t/{tenant}/c' has an unknown or unclosed "
     "placeholder (use {env}, {developer} or {device})"},
    {"unclosed placeholder", {{"prod", "persistent://t/{env/c", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 'persistent://t/{env/c' has an unknown or unclosed "
     "placeholder (use {env}, {developer} or {device})"},
    {"stray brace", {{"prod", "persistent://t/env}/c", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 'persistent://t/env}/c' has an unknown or unclosed "
     "placeholder (use {env}, {developer} or {device})"},
    {"developer outside", {{"prod", "persistent://t/{developer}/c", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 'persistent://t/{developer}/c' uses {developer}, "
     "which only the developer environment template may use"},
    {"no scheme", {{"prod", "t/prod/c", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 't/prod/c' does not expand to "
     "persistent://TENANT/NAMESPACE/TOPIC of valid names"},
    {"four parts", {{"prod", "persistent://t/prod/c/d", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 'persistent://t/prod/c/d' does not expand to "
     "persistent://TENANT/NAMESPACE/TOPIC of valid names"},
    {"device in namespace", {{"prod", "persistent://t/{device}/c", NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template 'persistent://t/{device}/c' uses {device} outside the "
     "local topic name: put it after the last '/'"},
    {"partition suffix", {{"prod", "persistent://t/p/c-partition-{device}", NULL}}, 1, "prod",
     NULL, Q,
     "environment 'prod': topic template 'persistent://t/p/c-partition-{device}' does not "
     "expand to persistent://TENANT/NAMESPACE/TOPIC of valid names"},
    {"too long",
     {{"prod",
       "persistent://tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt/"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn/"
       "cccccccccccccccccccccccccccccccccccccccccccccccccccccc{device}",
       NULL}},
     1, "prod", NULL, Q, NULL},
    {"no template", {{"prod", NULL, NULL}}, 1, "prod", NULL, Q,
     "environment 'prod': topic template is missing: set it"},
    {"default missing", {PROD}, 1, "production", NULL, Q,
     "default environment 'production' is not a configured shared environment: name one of "
     "them"},
    {"default developer", {PROD, {"dev-a", "persistent://t/dev-a/c", "a"}}, 2, "dev-a", NULL, Q,
     "default environment 'dev-a' is not a configured shared environment: name one of them"},
    {"unknown missing", {PROD, DEV}, 2, "prod", "test", Q,
     "unknown-environment target 'test' is not a configured shared environment: name one of "
     "them, or quarantine"},
    {"unknown is production", {PROD, DEV}, 2, "prod", "prod", Q,
     "unknown-environment target 'prod' is the default (production) environment, which must "
     "never receive unknown values: name another one, or quarantine"},
    {"quarantine placeholder", {PROD}, 1, "prod", NULL, "persistent://t/ingest/{env}",
     "quarantine topic 'persistent://t/ingest/{env}' is not a valid "
     "persistent://TENANT/NAMESPACE/TOPIC name"},
    {"quarantine missing", {PROD}, 1, "prod", NULL, NULL,
     "quarantine topic '' is not a valid persistent://TENANT/NAMESPACE/TOPIC name"},
};
/* clang-format on */

static void table_rejects_invalid_specs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_tables / sizeof bad_tables[0]; i++) {
        const bad_table *c = &bad_tables[i];
        print_message("table: %s\n", c->name);
        route_table_spec spec = {c->environments, c->environment_count, c->default_environment,
                                 c->unknown_environment, c->quarantine_topic};
        char error[512] = "";
        assert_null(route_table_create(&spec, error, sizeof error));
        if (c->error != NULL) {
            assert_string_equal(error, c->error);
        } else {
            assert_non_null(strstr(error, "expands to more than 255 bytes"));
        }
    }
}

static void table_reports_configured_names(void **state)
{
    (void)state;
    route_table *table = test_full_table();
    assert_non_null(table);
    assert_string_equal(route_table_quarantine_topic(table), TEST_QUARANTINE);
    assert_true(route_table_has_environment(table, "prod"));
    assert_true(route_table_has_environment(table, "dev-alice"));
    assert_false(route_table_has_environment(table, "dev-carol"));
    assert_false(route_table_has_environment(table, "staging"));
    assert_true(route_table_has_developer(table, "bob"));
    assert_false(route_table_has_developer(table, "carol"));
    route_table_free(table);
}

static const route_property *find(const route_property *properties, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++) {
        if (properties[i].key_len == strlen(key) &&
            memcmp(properties[i].key, key, properties[i].key_len) == 0) {
            return &properties[i];
        }
    }
    return NULL;
}

static void assert_property(const route_property *properties, size_t count, const char *key,
                            const char *value)
{
    const route_property *property = find(properties, count, key);
    assert_non_null(property);
    assert_int_equal(property->value_len, strlen(value));
    assert_memory_equal(property->value, value, strlen(value));
}

static void output_properties_of_routed_message(void **state)
{
    (void)state;
    route_table *table = test_full_table();
    route_property input[] = {
        {"env", 3, "dev", 3},
        {"app_version", 11, "2", 1},
        {"reason", 6, "device says so", 14},
    };
    const char payload[] = "{\"device_id\": \"30001\"}";
    route_message message = {input, 3, "30001", 5, (const uint8_t *)payload, sizeof payload - 1};
    route_decision decision;
    route_decide(table, NULL, &message, &decision);
    assert_false(decision.quarantined);

    route_property out[8];
    assert_int_equal(
        route_output_properties(&message, &decision, "persistent://i/n/t", "12:34:-1:0", out, 7),
        0);
    size_t count =
        route_output_properties(&message, &decision, "persistent://i/n/t", "12:34:-1:0", out, 8);
    /* The input's reason property goes: only quarantine sets reason. */
    assert_int_equal(count, 6);
    assert_property(out, count, "env", "dev");
    assert_property(out, count, "app_version", "2");
    assert_property(out, count, ROUTE_PROP_RULE, "env_property");
    assert_property(out, count, ROUTE_PROP_ENVIRONMENT, "dev");
    assert_property(out, count, ROUTE_PROP_SOURCE_TOPIC, "persistent://i/n/t");
    assert_property(out, count, ROUTE_PROP_SOURCE_ID, "12:34:-1:0");
    assert_null(find(out, count, ROUTE_PROP_REASON));
    route_table_free(table);
}

static void output_properties_of_quarantined_message(void **state)
{
    (void)state;
    route_table *table = test_full_table();
    route_property input[] = {{"env", 3, "prod/../x", 9}};
    const char payload[] = "{\"device_id\": \"30001\"}";
    route_message message = {input, 1, "30001", 5, (const uint8_t *)payload, sizeof payload - 1};
    route_decision decision;
    route_decide(table, NULL, &message, &decision);
    assert_true(decision.quarantined);

    route_property out[6];
    size_t count =
        route_output_properties(&message, &decision, "persistent://i/n/t", "1:2:-1:0", out, 6);
    assert_int_equal(count, 5);
    assert_property(out, count, "env", "prod/../x");
    assert_property(out, count, ROUTE_PROP_RULE, "quarantine");
    assert_property(out, count, ROUTE_PROP_REASON, "invalid_env");
    assert_property(out, count, ROUTE_PROP_SOURCE_TOPIC, "persistent://i/n/t");
    assert_property(out, count, ROUTE_PROP_SOURCE_ID, "1:2:-1:0");
    assert_null(find(out, count, ROUTE_PROP_ENVIRONMENT));
    route_table_free(table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_rejects_invalid_specs),
        cmocka_unit_test(table_reports_configured_names),
        cmocka_unit_test(output_properties_of_routed_message),
        cmocka_unit_test(output_properties_of_quarantined_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
