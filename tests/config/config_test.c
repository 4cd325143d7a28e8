/*
 * Unit tests of the configuration loader: the complete example loads with
 * exact values, and each validation error reports its file, line and fix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"

#define ALL_SECTIONS                                                                               \
    (SY_CONFIG_PULSAR | SY_CONFIG_TENANTS | SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS |            \
     SY_CONFIG_ROLES | SY_CONFIG_ROUTER)

/* Based on the example of docs/configuration.md; the tests below name these line numbers. */
/* clang-format off */
static const char full_config[] =
    "pulsar:\n"                                             /*  1 */
    "  service_url: pulsar://127.0.0.1:6650\n"              /*  2 */
    "  admin_url: http://127.0.0.1:8080\n"                  /*  3 */
    "  cluster: standalone\n"                               /*  4 */
    "  token_env: SWITCHYARD_TOKEN\n"                       /*  5 */
    "tenants:\n"                                            /*  6 */
    "  - name: iot-system\n"                                /*  7 */
    "    admin_roles: [iot-admin]\n"                        /*  8 */
    "ingest:\n"                                             /*  9 */
    "  namespace: iot-system/ingest\n"                      /* 10 */
    "  topic: device-messages\n"                            /* 11 */
    "  partitions: 4\n"                                     /* 12 */
    "  quarantine_topic: quarantine\n"                      /* 13 */
    "  retention: {minutes: 10080, size_mb: 1024}\n"        /* 14 */
    "environments:\n"                                       /* 15 */
    "  - name: prod\n"                                      /* 16 */
    "    namespace: iot-system/prod\n"                      /* 17 */
    "    topics:\n"                                         /* 18 */
    "      - {name: commands, partitions: 4}\n"             /* 19 */
    "      - {name: replies, partitions: 0}\n"              /* 20 */
    "    retention: {minutes: 10080, size_mb: 1024}\n"      /* 21 */
    "  - name: test\n"                                      /* 22 */
    "    namespace: iot-system/test\n"                      /* 23 */
    "    topics:\n"                                         /* 24 */
    "      - {name: commands}\n"                            /* 25 */
    "  - name: dev\n"                                       /* 26 */
    "    namespace: iot-system/dev\n"                       /* 27 */
    "    topics:\n"                                         /* 28 */
    "      - {name: commands, partitions: 0}\n"             /* 29 */
    "    message_ttl_seconds: 86400\n"                      /* 30 */
    "developer_environment:\n"                              /* 31 */
    "  namespace: iot-system/dev-{developer}\n"             /* 32 */
    "  topics:\n"                                           /* 33 */
    "    - {name: commands, partitions: 0}\n"               /* 34 */
    "    - {name: replies, partitions: 0}\n"                /* 35 */
    "  message_ttl_seconds: 86400\n"                        /* 36 */
    "developers:\n"                                         /* 37 */
    "  - {name: alice, role: alice}\n"                      /* 38 */
    "  - {name: bob, role: bob-token}\n"                    /* 39 */
    "roles:\n"                                              /* 40 */
    "  router: switchyard-router\n"                         /* 41 */
    "  audit: switchyard-audit\n"                           /* 42 */
    "  prod_backends: [backend-prod]\n"                     /* 43 */
    "router:\n"                                             /* 44 */
    "  subscription: switchyard-router\n"                   /* 45 */
    "  default_environment: prod\n"                         /* 46 */
    "  target_topic: commands\n"                            /* 47 */
    "  unknown_environment: dev\n"                          /* 48 */
    "  registry: devices.yaml\n"                            /* 49 */
    "  metrics_port: 9464\n";                               /* 50 */
/* clang-format on */

static sy_config *load(const char *text, unsigned flags, char *error, size_t error_size)
{
    return sy_config_load_string(text, strlen(text), "conf/switchyard.yaml", flags, error,
                                 error_size);
}

/* Returns full_config with the first occurrence of from replaced by to (caller frees). */
static char *edited(const char *from, const char *to)
{
    const char *at = strstr(full_config, from);
    assert_non_null(at);
    size_t size = strlen(full_config) - strlen(from) + strlen(to) + 1;
    char *text = malloc(size);
    assert_non_null(text);
    size_t prefix = (size_t)(at - full_config);
    memcpy(text, full_config, prefix);
    strcpy(text + prefix, to);
    strcat(text, at + strlen(from));
    return text;
}

static void expect_error_text(const char *text, unsigned flags, const char *expected)
{
    char error[512] = "";
    sy_config *config = load(text, flags, error, sizeof error);
    if (config != NULL) {
        sy_config_free(config);
        fail_msg("loaded, expected error: %s", expected);
    }
    assert_string_equal(error, expected);
}

static void expect_edit_error(const char *from, const char *to, const char *expected)
{
    char *text = edited(from, to);
    expect_error_text(text, ALL_SECTIONS, expected);
    free(text);
}

static int clear_url_overrides(void **state)
{
    (void)state;
    unsetenv("SWITCHYARD_PULSAR_URL");
    unsetenv("SWITCHYARD_ADMIN_URL");
    return 0;
}

static void config_loads_full_example(void **state)
{
    (void)state;
    char error[512] = "";
    sy_config *config = load(full_config, ALL_SECTIONS, error, sizeof error);
    assert_non_null(config);
    assert_string_equal(error, "");

    assert_string_equal(config->pulsar.service_url, "pulsar://127.0.0.1:6650");
    assert_string_equal(config->pulsar.admin_url, "http://127.0.0.1:8080");
    assert_string_equal(config->pulsar.cluster, "standalone");
    assert_string_equal(config->pulsar.token_env, "SWITCHYARD_TOKEN");
    assert_null(config->pulsar.token_file);

    assert_int_equal(config->tenant_count, 1);
    assert_string_equal(config->tenants[0].name, "iot-system");
    assert_int_equal(config->tenants[0].admin_role_count, 1);
    assert_string_equal(config->tenants[0].admin_roles[0], "iot-admin");
    assert_int_equal(config->tenants[0].allowed_cluster_count, 1);
    assert_string_equal(config->tenants[0].allowed_clusters[0], "standalone");

    assert_string_equal(config->ingest.namespace_name, "iot-system/ingest");
    assert_string_equal(config->ingest.tenant, "iot-system");
    assert_string_equal(config->ingest.topic, "device-messages");
    assert_int_equal(config->ingest.partitions, 4);
    assert_string_equal(config->ingest.quarantine_topic, "quarantine");
    assert_true(config->ingest.retention.set);
    assert_int_equal(config->ingest.retention.minutes, 10080);
    assert_int_equal(config->ingest.retention.size_mb, 1024);

    assert_int_equal(config->environment_count, 5);
    const sy_config_environment *prod = &config->environments[0];
    assert_string_equal(prod->name, "prod");
    assert_string_equal(prod->namespace_name, "iot-system/prod");
    assert_int_equal(prod->topic_count, 2);
    assert_string_equal(prod->topics[0].name, "commands");
    assert_int_equal(prod->topics[0].partitions, 4);
    assert_string_equal(prod->topics[1].name, "replies");
    assert_int_equal(prod->topics[1].partitions, 0);
    assert_true(prod->retention.set);
    assert_int_equal(prod->message_ttl_seconds, 0);
    assert_null(prod->developer);

    const sy_config_environment *test = &config->environments[1];
    assert_string_equal(test->name, "test");
    assert_int_equal(test->topic_count, 1);
    assert_int_equal(test->topics[0].partitions, 0);
    assert_false(test->retention.set);

    assert_string_equal(config->environments[2].name, "dev");
    assert_int_equal(config->environments[2].message_ttl_seconds, 86400);

    const sy_config_environment *alice = &config->environments[3];
    assert_string_equal(alice->name, "dev-alice");
    assert_string_equal(alice->namespace_name, "iot-system/dev-alice");
    assert_string_equal(alice->tenant, "iot-system");
    assert_string_equal(alice->developer, "alice");
    assert_string_equal(alice->developer_role, "alice");
    assert_int_equal(alice->topic_count, 2);
    assert_int_equal(alice->message_ttl_seconds, 86400);
    assert_int_equal(alice->line, 38);
    const sy_config_environment *bob = &config->environments[4];
    assert_string_equal(bob->name, "dev-bob");
    assert_string_equal(bob->namespace_name, "iot-system/dev-bob");
    assert_string_equal(bob->developer_role, "bob-token");

    assert_int_equal(config->developer_count, 2);
    assert_string_equal(config->roles.router, "switchyard-router");
    assert_string_equal(config->roles.audit, "switchyard-audit");
    assert_int_equal(config->roles.prod_backend_count, 1);
    assert_string_equal(config->roles.prod_backends[0], "backend-prod");

    assert_string_equal(config->router.subscription, "switchyard-router");
    assert_string_equal(config->router.default_environment, "prod");
    assert_string_equal(config->router.target_topic, "commands");
    assert_string_equal(config->router.unknown_environment, "dev");
    assert_string_equal(config->router.registry, "conf/devices.yaml");
    assert_int_equal(config->router.metrics_port, 9464);

    assert_ptr_equal(sy_config_find_environment(config, "dev-bob"), bob);
    assert_null(sy_config_find_environment(config, "dev-carol"));
    assert_ptr_equal(sy_config_find_topic(prod, "replies"), &prod->topics[1]);
    assert_null(sy_config_find_topic(test, "replies"));
    sy_config_free(config);
}

static void config_applies_defaults(void **state)
{
    (void)state;
    const char *text = "tenants:\n"
                       "  - name: iot-system\n"
                       "ingest:\n"
                       "  namespace: iot-system/ingest\n"
                       "  topic: in\n"
                       "environments:\n"
                       "  - {name: prod, namespace: iot-system/prod, topics: [{name: commands}]}\n"
                       "router: {}\n";
    char error[512] = "";
    sy_config *config =
        load(text, SY_CONFIG_TENANTS | SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS | SY_CONFIG_ROUTER,
             error, sizeof error);
    assert_non_null(config);
    assert_null(config->pulsar.cluster);
    assert_string_equal(config->tenants[0].allowed_clusters[0], "standalone");
    assert_int_equal(config->tenants[0].admin_role_count, 0);
    assert_string_equal(config->ingest.quarantine_topic, "quarantine");
    assert_int_equal(config->ingest.partitions, 0);
    assert_false(config->ingest.retention.set);
    assert_string_equal(config->router.subscription, "switchyard-router");
    assert_string_equal(config->router.default_environment, "prod");
    assert_string_equal(config->router.target_topic, "commands");
    assert_string_equal(config->router.unknown_environment, "quarantine");
    assert_null(config->router.registry);
    assert_int_equal(config->router.metrics_port, 0);
    sy_config_free(config);
}

static void config_env_overrides_urls(void **state)
{
    (void)state;
    setenv("SWITCHYARD_PULSAR_URL", "pulsar://127.0.0.1:6670", 1);
    setenv("SWITCHYARD_ADMIN_URL", "http://127.0.0.1:8100", 1);
    char error[512] = "";
    sy_config *config = load(full_config, SY_CONFIG_PULSAR, error, sizeof error);
    clear_url_overrides(NULL);
    assert_non_null(config);
    assert_string_equal(config->pulsar.service_url, "pulsar://127.0.0.1:6670");
    assert_string_equal(config->pulsar.admin_url, "http://127.0.0.1:8100");
    assert_int_equal(config->sections, SY_CONFIG_PULSAR);
    assert_int_equal(config->environment_count, 0);
    sy_config_free(config);
}

static void config_skips_unrequested_sections(void **state)
{
    (void)state;
    char *text = edited("  cluster: standalone\n", "  clustr: standalone\n");
    char error[512] = "";
    sy_config *config = load(text, SY_CONFIG_ENVIRONMENTS, error, sizeof error);
    assert_non_null(config);
    assert_int_equal(config->environment_count, 5);
    sy_config_free(config);

    expect_error_text(text, SY_CONFIG_ENVIRONMENTS | SY_CONFIG_VALIDATE_ALL,
                      "conf/switchyard.yaml:4: unknown key 'clustr' in pulsar: use one of "
                      "service_url, admin_url, cluster, token_env, token_file");
    free(text);
}

static void config_rejects_unknown_section(void **state)
{
    (void)state;
    char *text = edited("router:\n", "routr:\n");
    expect_error_text(
        text, SY_CONFIG_PULSAR,
        "conf/switchyard.yaml:44: unknown section 'routr': use pulsar, tenants, "
        "ingest, environments, developer_environment, developers, roles, router or sink");
    free(text);
}

static void config_passes_sink_section(void **state)
{
    (void)state;
    char *text = edited("router:\n", "sink:\n  lake: {unknown_to_this_loader: 1}\nrouter:\n");
    char error[512] = "";
    sy_config *config = load(text, ALL_SECTIONS | SY_CONFIG_VALIDATE_ALL, error, sizeof error);
    assert_non_null(config);
    assert_string_equal(error, "");
    sy_config_free(config);
    free(text);
}

static void config_rejects_unknown_topic_key(void **state)
{
    (void)state;
    expect_edit_error("{name: commands, partitions: 4}", "{name: commands, partitons: 4}",
                      "conf/switchyard.yaml:19: unknown key 'partitons' in "
                      "environments[0].topics[0]: use one of name, partitions");
}

static void config_rejects_missing_section(void **state)
{
    (void)state;
    const char *text = "pulsar: {cluster: standalone}\n";
    expect_error_text(text, SY_CONFIG_PULSAR | SY_CONFIG_ROUTER,
                      "conf/switchyard.yaml:1: missing section 'router': add it (see "
                      "docs/configuration.md)");
}

static void config_rejects_missing_key(void **state)
{
    (void)state;
    expect_edit_error("    namespace: iot-system/test\n", "",
                      "conf/switchyard.yaml:22: missing key 'namespace' in environments[1]: "
                      "add it");
}

static void config_rejects_invalid_environment_name(void **state)
{
    (void)state;
    expect_edit_error("  - name: test\n", "  - name: Test_1\n",
                      "conf/switchyard.yaml:22: invalid environment name 'Test_1': use 1 to 48 "
                      "characters of a-z, 0-9 and '-', starting with a letter");
}

static void config_rejects_reserved_dev_prefix(void **state)
{
    (void)state;
    expect_edit_error("  - name: test\n", "  - name: dev-carol\n",
                      "conf/switchyard.yaml:22: environment name 'dev-carol' starts with 'dev-', "
                      "which is reserved for developer environments: list the developer under "
                      "developers instead");
}

static void config_rejects_invalid_topic_name(void **state)
{
    (void)state;
    expect_edit_error("{name: replies, partitions: 0}", "{name: ../replies, partitions: 0}",
                      "conf/switchyard.yaml:20: invalid topic name '../replies': use 1 to 64 "
                      "characters of a-z, 0-9, '-' and '_', starting with a letter or digit");
}

static void config_rejects_invalid_namespace(void **state)
{
    (void)state;
    expect_edit_error("    namespace: iot-system/test\n", "    namespace: iot-system/te/st\n",
                      "conf/switchyard.yaml:23: invalid namespace 'iot-system/te/st' in "
                      "environments[1]: write TENANT/NAME, each part 1 to 64 characters of a-z, "
                      "0-9, '-' and '_', starting with a letter or digit");
}

static void config_rejects_duplicate_environment(void **state)
{
    (void)state;
    expect_edit_error("  - name: dev\n", "  - name: test\n",
                      "conf/switchyard.yaml:26: duplicate environment 'test' (first at line 22): "
                      "rename or remove one of them");
}

static void config_rejects_shared_namespace(void **state)
{
    (void)state;
    expect_edit_error("    namespace: iot-system/dev\n", "    namespace: iot-system/test\n",
                      "conf/switchyard.yaml:26: environments 'test' and 'dev' share namespace "
                      "'iot-system/test': give each environment its own namespace");
}

static void config_rejects_duplicate_developer(void **state)
{
    (void)state;
    expect_edit_error("{name: bob, role: bob-token}", "{name: alice, role: bob-token}",
                      "conf/switchyard.yaml:39: duplicate developer 'alice' (first at line 38): "
                      "remove one of them");
}

static void config_rejects_duplicate_topic(void **state)
{
    (void)state;
    expect_edit_error("{name: replies, partitions: 0}", "{name: commands, partitions: 0}",
                      "conf/switchyard.yaml:20: duplicate topic 'commands' in environments[0] "
                      "(first at line 19): remove one of them");
}

static void config_rejects_unlisted_tenant(void **state)
{
    (void)state;
    expect_edit_error("    namespace: iot-system/test\n", "    namespace: iot-nonprod/test\n",
                      "conf/switchyard.yaml:22: namespace 'iot-nonprod/test' of environment "
                      "'test' is in tenant 'iot-nonprod', which is not listed under tenants: add "
                      "the tenant there");
}

static void config_rejects_wrong_type(void **state)
{
    (void)state;
    expect_edit_error("{name: commands, partitions: 4}", "{name: commands, partitions: four}",
                      "conf/switchyard.yaml:19: environments[0].topics[0].partitions must be an "
                      "integer from 0 to 10000, not 'four'");
    expect_edit_error("  metrics_port: 9464\n", "  metrics_port: [9464]\n",
                      "conf/switchyard.yaml:50: router.metrics_port must be an integer from 0 to "
                      "65535, not a list");
    expect_edit_error("  - name: test\n", "  - name: [test]\n",
                      "conf/switchyard.yaml:22: environments[1].name must be a single value, not "
                      "a list");
    expect_edit_error(
        "environments:\n", "environments: none\nunused:\n",
        "conf/switchyard.yaml:16: unknown section 'unused': use pulsar, tenants, "
        "ingest, environments, developer_environment, developers, roles, router or sink");
}

static void config_rejects_environments_mapping(void **state)
{
    (void)state;
    const char *text = "environments: {name: prod}\n";
    expect_error_text(text, SY_CONFIG_ENVIRONMENTS,
                      "conf/switchyard.yaml:1: environments must be a list (- item lines), not a "
                      "mapping");
}

static void config_rejects_bad_template(void **state)
{
    (void)state;
    expect_edit_error("  namespace: iot-system/dev-{developer}\n", "  namespace: iot-system/dev\n",
                      "conf/switchyard.yaml:32: invalid developer_environment.namespace "
                      "'iot-system/dev': write TENANT/NAME with {developer} once in NAME, for "
                      "example iot-system/dev-{developer}");
}

static void config_rejects_developers_without_template(void **state)
{
    (void)state;
    const char *text = "environments: []\n"
                       "developers:\n"
                       "  - {name: alice, role: alice}\n";
    expect_error_text(text, SY_CONFIG_ENVIRONMENTS,
                      "conf/switchyard.yaml:3: developers are listed but developer_environment "
                      "is missing: add the template their environments are made from");
}

static void config_rejects_invalid_developer_name(void **state)
{
    (void)state;
    expect_edit_error("{name: alice, role: alice}", "{name: Alice, role: alice}",
                      "conf/switchyard.yaml:38: invalid developer name 'Alice': use 1 to 40 "
                      "characters of a-z, 0-9 and '-'");
}

static void config_rejects_invalid_role(void **state)
{
    (void)state;
    expect_edit_error("  prod_backends: [backend-prod]\n", "  prod_backends: [backend/prod]\n",
                      "conf/switchyard.yaml:43: invalid role 'backend/prod' in "
                      "roles.prod_backends: use 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', "
                      "'@' and '-'");
}

static void config_rejects_production_as_unknown_target(void **state)
{
    (void)state;
    expect_edit_error("  unknown_environment: dev\n", "  unknown_environment: prod\n",
                      "conf/switchyard.yaml:48: router.unknown_environment must not be the "
                      "production environment 'prod': write quarantine or a non-production "
                      "environment");
}

static void config_rejects_unknown_router_target(void **state)
{
    (void)state;
    expect_edit_error("  unknown_environment: dev\n", "  unknown_environment: staging\n",
                      "conf/switchyard.yaml:48: router.unknown_environment 'staging' is not a "
                      "configured environment: write quarantine or the name of an environment");
    expect_edit_error("  default_environment: prod\n", "  default_environment: live\n",
                      "conf/switchyard.yaml:46: router.default_environment 'live' is not a "
                      "configured environment: name one of the environments");
}

static void config_rejects_missing_target_topic(void **state)
{
    (void)state;
    expect_edit_error("  target_topic: commands\n", "  target_topic: replies\n",
                      "conf/switchyard.yaml:22: environment 'test' has no topic 'replies', which "
                      "router.target_topic names: add it to its topics");
}

static void config_rejects_bad_urls(void **state)
{
    (void)state;
    expect_edit_error("  admin_url: http://127.0.0.1:8080\n", "  admin_url: 127.0.0.1:8080\n",
                      "conf/switchyard.yaml:3: invalid pulsar.admin_url '127.0.0.1:8080': write "
                      "http://HOST:PORT or https://HOST:PORT");
    expect_edit_error("  service_url: pulsar://127.0.0.1:6650\n",
                      "  service_url: http://127.0.0.1:6650\n",
                      "conf/switchyard.yaml:2: invalid pulsar.service_url 'http://127.0.0.1:6650': "
                      "write pulsar://HOST:PORT or pulsar+ssl://HOST:PORT");
}

static void config_rejects_two_token_sources(void **state)
{
    (void)state;
    expect_edit_error("  token_env: SWITCHYARD_TOKEN\n",
                      "  token_env: SWITCHYARD_TOKEN\n  token_file: /run/token\n",
                      "conf/switchyard.yaml:6: pulsar has both token_env and token_file: keep "
                      "one of them");
}

static void config_rejects_half_retention(void **state)
{
    (void)state;
    expect_edit_error("  retention: {minutes: 10080, size_mb: 1024}\n",
                      "  retention: {minutes: 10080}\n",
                      "conf/switchyard.yaml:14: ingest.retention needs both minutes and size_mb "
                      "(-1 = unlimited): add the missing one");
    expect_edit_error("  retention: {minutes: 10080, size_mb: 1024}\n",
                      "  retention: {minutes: -2, size_mb: 1024}\n",
                      "conf/switchyard.yaml:14: ingest.retention.minutes must be an integer from "
                      "-1 to 2147483647, not '-2'");
}

static void config_rejects_ingest_namespace_reuse(void **state)
{
    (void)state;
    expect_edit_error("    namespace: iot-system/test\n", "    namespace: iot-system/ingest\n",
                      "conf/switchyard.yaml:22: environment 'test' uses the ingest namespace "
                      "'iot-system/ingest': give it a namespace of its own");
}

static void config_rejects_empty_value(void **state)
{
    (void)state;
    expect_edit_error("  topic: device-messages\n", "  topic: \"\"\n",
                      "conf/switchyard.yaml:11: ingest.topic is empty: give it a value or remove "
                      "the key");
}

static void config_reports_unreadable_file(void **state)
{
    (void)state;
    char error[512] = "";
    sy_config *config =
        sy_config_load("/nonexistent/switchyard.yaml", SY_CONFIG_PULSAR, error, sizeof error);
    assert_null(config);
    assert_non_null(strstr(error, "/nonexistent/switchyard.yaml"));
}

static void config_reads_token_sources(void **state)
{
    (void)state;
    char error[512] = "";
    sy_config *config = load(full_config, SY_CONFIG_PULSAR, error, sizeof error);
    assert_non_null(config);

    char *token = NULL;
    unsetenv("SWITCHYARD_TOKEN");
    unsetenv("SWITCHYARD_TEST_OVERRIDE_TOKEN");
    assert_int_equal(
        sy_config_read_token(config, "SWITCHYARD_TEST_OVERRIDE_TOKEN", &token, error, sizeof error),
        -1);
    assert_null(token);
    assert_string_equal(error, "the token variable SWITCHYARD_TOKEN is not set or empty: export "
                               "it with the token");

    setenv("SWITCHYARD_TOKEN", " from-config-variable\n", 1);
    assert_int_equal(
        sy_config_read_token(config, "SWITCHYARD_TEST_OVERRIDE_TOKEN", &token, error, sizeof error),
        0);
    assert_string_equal(token, "from-config-variable");
    free(token);

    setenv("SWITCHYARD_TEST_OVERRIDE_TOKEN", "from-override", 1);
    assert_int_equal(
        sy_config_read_token(config, "SWITCHYARD_TEST_OVERRIDE_TOKEN", &token, error, sizeof error),
        0);
    assert_string_equal(token, "from-override");
    free(token);
    unsetenv("SWITCHYARD_TEST_OVERRIDE_TOKEN");
    unsetenv("SWITCHYARD_TOKEN");
    sy_config_free(config);

    char path[] = "/tmp/switchyard-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "file-token\n", 11), 11);
    close(fd);
    char text[256];
    snprintf(text, sizeof text, "pulsar:\n  token_file: %s\n", path);
    config = load(text, SY_CONFIG_PULSAR, error, sizeof error);
    assert_non_null(config);
    assert_int_equal(sy_config_read_token(config, NULL, &token, error, sizeof error), 0);
    assert_string_equal(token, "file-token");
    free(token);
    unlink(path);
    assert_int_equal(sy_config_read_token(config, NULL, &token, error, sizeof error), -1);
    char expected[512];
    snprintf(expected, sizeof expected, "cannot read the token file %s: No such file or directory",
             path);
    assert_string_equal(error, expected);
    sy_config_free(config);
}

static void config_names_follow_rules(void **state)
{
    (void)state;
    assert_true(sy_config_valid_pulsar_name("iot-system"));
    assert_true(sy_config_valid_pulsar_name("0_a"));
    assert_false(sy_config_valid_pulsar_name("-a"));
    assert_false(sy_config_valid_pulsar_name("a.b"));
    assert_false(sy_config_valid_pulsar_name(""));
    assert_true(sy_config_valid_pulsar_name(
        "a123456789012345678901234567890123456789012345678901234567890123"));
    assert_false(sy_config_valid_pulsar_name(
        "a1234567890123456789012345678901234567890123456789012345678901234"));
    assert_true(sy_config_valid_environment_name("dev-alice"));
    assert_false(sy_config_valid_environment_name("1dev"));
    assert_false(sy_config_valid_environment_name("dev_alice"));
    assert_true(sy_config_valid_developer_name("1bob"));
    assert_false(sy_config_valid_developer_name("bob/x"));
    assert_true(sy_config_valid_role_name("Backend.prod@iot"));
    assert_false(sy_config_valid_role_name(".."));
    assert_false(sy_config_valid_role_name("a b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_loads_full_example),
        cmocka_unit_test(config_applies_defaults),
        cmocka_unit_test(config_env_overrides_urls),
        cmocka_unit_test(config_skips_unrequested_sections),
        cmocka_unit_test(config_rejects_unknown_section),
        cmocka_unit_test(config_passes_sink_section),
        cmocka_unit_test(config_rejects_unknown_topic_key),
        cmocka_unit_test(config_rejects_missing_section),
        cmocka_unit_test(config_rejects_missing_key),
        cmocka_unit_test(config_rejects_invalid_environment_name),
        cmocka_unit_test(config_rejects_reserved_dev_prefix),
        cmocka_unit_test(config_rejects_invalid_topic_name),
        cmocka_unit_test(config_rejects_invalid_namespace),
        cmocka_unit_test(config_rejects_duplicate_environment),
        cmocka_unit_test(config_rejects_shared_namespace),
        cmocka_unit_test(config_rejects_duplicate_developer),
        cmocka_unit_test(config_rejects_duplicate_topic),
        cmocka_unit_test(config_rejects_unlisted_tenant),
        cmocka_unit_test(config_rejects_wrong_type),
        cmocka_unit_test(config_rejects_environments_mapping),
        cmocka_unit_test(config_rejects_bad_template),
        cmocka_unit_test(config_rejects_developers_without_template),
        cmocka_unit_test(config_rejects_invalid_developer_name),
        cmocka_unit_test(config_rejects_invalid_role),
        cmocka_unit_test(config_rejects_production_as_unknown_target),
        cmocka_unit_test(config_rejects_unknown_router_target),
        cmocka_unit_test(config_rejects_missing_target_topic),
        cmocka_unit_test(config_rejects_bad_urls),
        cmocka_unit_test(config_rejects_two_token_sources),
        cmocka_unit_test(config_rejects_half_retention),
        cmocka_unit_test(config_rejects_ingest_namespace_reuse),
        cmocka_unit_test(config_rejects_empty_value),
        cmocka_unit_test(config_reports_unreadable_file),
        cmocka_unit_test(config_reads_token_sources),
        cmocka_unit_test(config_names_follow_rules),
    };
    return cmocka_run_group_tests(tests, clear_url_overrides, NULL);
}
