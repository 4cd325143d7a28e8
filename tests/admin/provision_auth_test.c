/*
 * Provisioning against a real Pulsar standalone with token authentication
 * and authorization on (scripts/pulsar-auth.sh). The tests check the dry-run
 * plan of a fresh tenant, an empty plan after applying it, and exactly one
 * developer's actions when one is added. Then they check the grants: a
 * developer's token may produce and consume in that developer's environment
 * only, and a production backend's token only in production.
 *
 * Produce and consume go through the Pulsar client library (binary
 * protocol with token authentication). Rejections are also checked through
 * the REST API, whose error bodies carry the broker's exact reason.
 *
 * Needs SWITCHYARD_TEST_AUTH_PULSAR_URL, SWITCHYARD_TEST_AUTH_ADMIN_URL,
 * SWITCHYARD_TEST_AUTH_SECRET_FILE and SWITCHYARD_TEST_AUTH_SUPERUSER
 * (printed by scripts/pulsar-auth.sh env); fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin/provision.h"
#include "common/jwt.h"
#include "pulsar/pulsar.h"

#define SECTIONS                                                                                   \
    (SY_CONFIG_PULSAR | SY_CONFIG_TENANTS | SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS |            \
     SY_CONFIG_ROLES)

/* {tenant} is replaced by the tenant of the run, {bob} by developer bob or nothing. */
static const char config_template[] =
    "pulsar: {cluster: standalone}\n"
    "tenants:\n"
    "  - {name: {tenant}, admin_roles: [iot-admin]}\n"
    "ingest:\n"
    "  namespace: {tenant}/ingest\n"
    "  topic: device-messages\n"
    "  partitions: 2\n"
    "  retention: {minutes: 60, size_mb: 10}\n"
    "environments:\n"
    "  - name: prod\n"
    "    namespace: {tenant}/prod\n"
    "    topics: [{name: commands, partitions: 2}, {name: replies}]\n"
    "  - name: dev\n"
    "    namespace: {tenant}/dev\n"
    "    topics: [{name: commands}]\n"
    "    message_ttl_seconds: 3600\n"
    "developer_environment:\n"
    "  namespace: {tenant}/dev-{developer}\n"
    "  topics: [{name: commands}]\n"
    "  message_ttl_seconds: 86400\n"
    "developers:\n"
    "  - {name: alice, role: alice}\n"
    "{bob}"
    "roles:\n"
    "  router: switchyard-router\n"
    "  audit: switchyard-audit\n"
    "  prod_backends: [backend-prod]\n";

static const char *const fresh_plan[] = {
    "create-tenant {tenant} admin_roles=iot-admin allowed_clusters=standalone",
    "create-namespace {tenant}/ingest",
    "set-retention {tenant}/ingest minutes=60 size_mb=10",
    "enable-deduplication {tenant}/ingest",
    "disable-inactive-topic-deletion {tenant}/ingest",
    "create-partitioned-topic persistent://{tenant}/ingest/device-messages partitions=2",
    "create-topic persistent://{tenant}/ingest/quarantine",
    "grant-namespace {tenant}/ingest role=switchyard-router actions=consume",
    "grant-namespace {tenant}/ingest role=switchyard-audit actions=consume",
    "grant-topic persistent://{tenant}/ingest/quarantine role=switchyard-router actions=produce",
    "create-namespace {tenant}/prod",
    "enable-deduplication {tenant}/prod",
    "disable-inactive-topic-deletion {tenant}/prod",
    "create-partitioned-topic persistent://{tenant}/prod/commands partitions=2",
    "create-topic persistent://{tenant}/prod/replies",
    "grant-namespace {tenant}/prod role=switchyard-router actions=produce",
    "grant-namespace {tenant}/prod role=backend-prod actions=consume,produce",
    "create-namespace {tenant}/dev",
    "enable-deduplication {tenant}/dev",
    "set-message-ttl {tenant}/dev seconds=3600",
    "disable-inactive-topic-deletion {tenant}/dev",
    "create-topic persistent://{tenant}/dev/commands",
    "grant-namespace {tenant}/dev role=switchyard-router actions=produce",
    "create-namespace {tenant}/dev-alice",
    "enable-deduplication {tenant}/dev-alice",
    "set-message-ttl {tenant}/dev-alice seconds=86400",
    "disable-inactive-topic-deletion {tenant}/dev-alice",
    "create-topic persistent://{tenant}/dev-alice/commands",
    "grant-namespace {tenant}/dev-alice role=switchyard-router actions=produce",
    "grant-namespace {tenant}/dev-alice role=alice actions=consume,produce",
};

static const char *const bob_plan[] = {
    "create-namespace {tenant}/dev-bob",
    "enable-deduplication {tenant}/dev-bob",
    "set-message-ttl {tenant}/dev-bob seconds=86400",
    "disable-inactive-topic-deletion {tenant}/dev-bob",
    "create-topic persistent://{tenant}/dev-bob/commands",
    "grant-namespace {tenant}/dev-bob role=switchyard-router actions=produce",
    "grant-namespace {tenant}/dev-bob role=bob actions=consume,produce",
};

typedef struct {
    char tenant[64];
    const char *service_url;
    const char *admin_url;
    unsigned char *key;
    size_t key_len;
    admin_http *admin; /* superuser */
} auth_fixture;

static auth_fixture fixture;

/* Returns text with {tenant} replaced by the run's tenant and {bob} by bob_line (caller frees). */
static char *substitute(const char *text, const char *bob_line)
{
    size_t size = strlen(text) * 8 + strlen(bob_line) + 1;
    char *out = malloc(size);
    assert_non_null(out);
    size_t used = 0;
    while (*text != '\0') {
        if (strncmp(text, "{tenant}", 8) == 0) {
            used += (size_t)snprintf(out + used, size - used, "%s", fixture.tenant);
            text += 8;
        } else if (strncmp(text, "{bob}", 5) == 0) {
            used += (size_t)snprintf(out + used, size - used, "%s", bob_line);
            text += 5;
        } else {
            out[used++] = *text++;
        }
        assert_true(used < size);
    }
    out[used] = '\0';
    return out;
}

static sy_config *load_config(bool with_bob)
{
    char *text = substitute(config_template, with_bob ? "  - {name: bob, role: bob}\n" : "");
    char error[512] = "";
    sy_config *config = sy_config_load_string(text, strlen(text), "provision-test.yaml", SECTIONS,
                                              error, sizeof error);
    free(text);
    if (config == NULL) {
        fail_msg("configuration failed to load: %s", error);
    }
    return config;
}

static admin_http *client_for(const char *role)
{
    char *token = sy_jwt_mint(fixture.key, fixture.key_len, role, 0);
    assert_non_null(token);
    admin_http *client = admin_http_new(fixture.admin_url, token, 30000);
    free(token);
    assert_non_null(client);
    return client;
}

static void plan_now(const sy_config *config, unsigned options, admin_plan *plan)
{
    char error[1024] = "";
    admin_cluster_state state;
    if (admin_state_read(fixture.admin, config, &state, error, sizeof error) != 0) {
        fail_msg("reading the state failed: %s", error);
    }
    int rc = admin_plan_compute(config, &state, options, plan, error, sizeof error);
    admin_state_clear(&state);
    if (rc != 0) {
        fail_msg("planning failed: %s", error);
    }
}

static void assert_plan(const admin_plan *plan, const char *const *expected, size_t count)
{
    for (size_t i = 0; i < plan->count && i < count; i++) {
        char line[512];
        admin_action_format(&plan->actions[i], line, sizeof line);
        char *want = substitute(expected[i], "");
        assert_string_equal(line, want);
        free(want);
    }
    assert_int_equal(plan->count, count);
}

static void apply_all(const admin_plan *plan)
{
    char error[1024] = "";
    size_t applied = admin_plan_apply(fixture.admin, plan, NULL, NULL, error, sizeof error);
    if (applied != plan->count) {
        fail_msg("applying failed: %s", error);
    }
}

/* Sends one request and checks its status; returns the response for further checks. */
static void request(admin_http *client, const char *method, const char *path, const char *body,
                    long expected_status, admin_response *response)
{
    int rc = admin_http_request(client, method, path, body, response);
    if (rc != 0 || response->status != expected_status) {
        fprintf(stderr, "%s %s: status %ld, expected %ld: %s\n", method, path, response->status,
                expected_status, response->error);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(response->status, expected_status);
}

static pulsar_client *pulsar_for(const char *role)
{
    char *token = sy_jwt_mint(fixture.key, fixture.key_len, role, 0);
    assert_non_null(token);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = fixture.service_url;
    config.auth_token = token;
    config.operation_timeout_ms = 20000;
    pulsar_client *client = NULL;
    pulsar_result rc = pulsar_client_create(&config, &client);
    free(token);
    assert_int_equal(rc, PULSAR_OK);
    return client;
}

static void topic_name(const char *ns, const char *topic, char *out, size_t out_size)
{
    snprintf(out, out_size, "persistent://%s/%s/%s", fixture.tenant, ns, topic);
}

static pulsar_result try_subscribe(pulsar_client *client, const char *topic,
                                   pulsar_consumer **consumer)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = topic;
    config.subscription = "permission-check";
    *consumer = NULL;
    return pulsar_consumer_subscribe(client, &config, consumer);
}

static pulsar_result try_producer(pulsar_client *client, const char *topic,
                                  pulsar_producer **producer)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = topic;
    *producer = NULL;
    return pulsar_producer_create(client, &config, producer);
}

/* Sends one message as role to ns/topic and receives it back as the same role. */
static void round_trip_ok(const char *role, const char *ns, const char *topic_local)
{
    char topic[256];
    topic_name(ns, topic_local, topic, sizeof topic);
    pulsar_client *client = pulsar_for(role);
    pulsar_consumer *consumer = NULL;
    pulsar_producer *producer = NULL;
    assert_int_equal(try_subscribe(client, topic, &consumer), PULSAR_OK);
    assert_int_equal(try_producer(client, topic, &producer), PULSAR_OK);

    pulsar_property property = {"env", "dev"};
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = "PING";
    message.payload_len = 4;
    message.key = "22449";
    message.properties = &property;
    message.property_count = 1;
    assert_int_equal(pulsar_producer_send(producer, &message, NULL), PULSAR_OK);

    pulsar_message *received = NULL;
    assert_int_equal(pulsar_consumer_receive(consumer, 20000, &received), PULSAR_OK);
    assert_int_equal(received->payload_len, 4);
    assert_memory_equal(received->payload, "PING", 4);
    assert_string_equal(received->key, "22449");
    assert_string_equal(pulsar_message_property(received, "env"), "dev");
    assert_int_equal(pulsar_consumer_ack(consumer, &received->id), PULSAR_OK);
    pulsar_message_free(received);

    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
    pulsar_consumer_close(consumer);
    pulsar_client_close(client);
}

/* Checks that role may neither subscribe to nor produce on ns/topic. */
static void binary_rejected(const char *role, const char *ns, const char *topic_local)
{
    char topic[256];
    topic_name(ns, topic_local, topic, sizeof topic);
    pulsar_client *client = pulsar_for(role);
    pulsar_consumer *consumer = NULL;
    pulsar_producer *producer = NULL;
    assert_int_equal(try_subscribe(client, topic, &consumer), PULSAR_ERR_BROKER_AUTHORIZATION);
    assert_null(consumer);
    assert_int_equal(try_producer(client, topic, &producer), PULSAR_ERR_BROKER_AUTHORIZATION);
    assert_null(producer);
    pulsar_client_close(client);
}

static void expect_rejected(admin_http *client, const char *method, const char *path,
                            const char *body, long status, const char *reason)
{
    admin_response response;
    request(client, method, path, body, status, &response);
    char *want = substitute(reason, "");
    assert_string_equal(response.error, want);
    free(want);
    admin_response_clear(&response);
}

static void delete_everything(void)
{
    char path[512];
    admin_response response;
    sy_config *config = load_config(true);
    admin_cluster_state state;
    char error[1024];
    if (admin_state_read(fixture.admin, config, &state, error, sizeof error) == 0) {
        for (size_t i = 0; i < state.namespace_count; i++) {
            const admin_namespace_state *ns = &state.namespaces[i];
            for (size_t j = 0; j < ns->topic_count; j++) {
                snprintf(path, sizeof path, "/admin/v2/persistent/%s/%s%s?force=true", ns->name,
                         ns->topics[j].name, ns->topics[j].partitions > 0 ? "/partitions" : "");
                admin_http_request(fixture.admin, "DELETE", path, NULL, &response);
                admin_response_clear(&response);
            }
            snprintf(path, sizeof path, "/admin/v2/namespaces/%s", ns->name);
            admin_http_request(fixture.admin, "DELETE", path, NULL, &response);
            admin_response_clear(&response);
        }
        admin_state_clear(&state);
    }
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", fixture.tenant);
    admin_http_request(fixture.admin, "DELETE", path, NULL, &response);
    admin_response_clear(&response);
    sy_config_free(config);
}

static int setup(void **state)
{
    (void)state;
    const char *names[] = {"SWITCHYARD_TEST_AUTH_PULSAR_URL", "SWITCHYARD_TEST_AUTH_ADMIN_URL",
                           "SWITCHYARD_TEST_AUTH_SECRET_FILE", "SWITCHYARD_TEST_AUTH_SUPERUSER"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *value = getenv(names[i]);
        if (value == NULL || value[0] == '\0') {
            fprintf(stderr,
                    "%s is not set: start the broker with scripts/pulsar-auth.sh start "
                    "and export what scripts/pulsar-auth.sh env prints\n",
                    names[i]);
            return -1;
        }
    }
    fixture.service_url = getenv("SWITCHYARD_TEST_AUTH_PULSAR_URL");
    fixture.admin_url = getenv("SWITCHYARD_TEST_AUTH_ADMIN_URL");
    char error[512];
    if (sy_jwt_read_key(getenv("SWITCHYARD_TEST_AUTH_SECRET_FILE"), &fixture.key, &fixture.key_len,
                        error, sizeof error) != 0) {
        fprintf(stderr, "%s\n", error);
        return -1;
    }
    /* A tenant of its own per run, so that a rerun on the same broker starts clean. */
    snprintf(fixture.tenant, sizeof fixture.tenant, "it-prov-%ld-%ld", (long)getpid(),
             (long)time(NULL));
    fixture.admin = client_for(getenv("SWITCHYARD_TEST_AUTH_SUPERUSER"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (fixture.admin != NULL) {
        delete_everything();
        admin_http_free(fixture.admin);
    }
    free(fixture.key);
    return 0;
}

static void provision_dry_run_lists_fresh_plan(void **state)
{
    (void)state;
    sy_config *config = load_config(false);
    admin_plan plan;
    plan_now(config, 0, &plan);
    assert_plan(&plan, fresh_plan, sizeof fresh_plan / sizeof fresh_plan[0]);
    admin_plan_clear(&plan);

    /* Planning sent nothing: the tenant still does not exist. */
    char path[256];
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", fixture.tenant);
    expect_rejected(fixture.admin, "GET", path, NULL, 404, "Tenant does not exist");
    sy_config_free(config);
}

/* Returns true when the JSON array contains the string text. */
static bool array_has_string(const json_t *array, const char *text)
{
    for (size_t i = 0; i < json_array_size(array); i++) {
        const char *item = json_string_value(json_array_get(array, i));
        if (item != NULL && strcmp(item, text) == 0) {
            return true;
        }
    }
    return false;
}

static void provision_second_run_plans_nothing(void **state)
{
    (void)state;
    sy_config *config = load_config(false);
    admin_plan plan;
    plan_now(config, 0, &plan);
    apply_all(&plan);
    admin_plan_clear(&plan);

    plan_now(config, 0, &plan);
    assert_int_equal(plan.count, 0);
    plan_now(config, ADMIN_PLAN_DELETE_UNLISTED, &plan);
    assert_int_equal(plan.count, 0);

    /* What the broker holds now, read back directly. */
    char path[256];
    admin_response response;
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/prod/commands/partitions", fixture.tenant);
    request(fixture.admin, "GET", path, NULL, 200, &response);
    json_t *root = json_loadb(response.body, response.body_len, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(root, "partitions")), 2);
    json_decref(root);
    admin_response_clear(&response);

    snprintf(path, sizeof path, "/admin/v2/namespaces/%s/dev-alice/permissions", fixture.tenant);
    request(fixture.admin, "GET", path, NULL, 200, &response);
    root = json_loadb(response.body, response.body_len, 0, NULL);
    assert_int_equal(json_object_size(root), 2);
    json_t *alice = json_object_get(root, "alice");
    /* The broker keeps actions in a set, so their order in the response varies. */
    assert_int_equal(json_array_size(alice), 2);
    assert_true(array_has_string(alice, "consume"));
    assert_true(array_has_string(alice, "produce"));
    json_t *router = json_object_get(root, "switchyard-router");
    assert_int_equal(json_array_size(router), 1);
    assert_string_equal(json_string_value(json_array_get(router, 0)), "produce");
    json_decref(root);
    admin_response_clear(&response);
    sy_config_free(config);
}

static void provision_new_developer_plans_only_theirs(void **state)
{
    (void)state;
    sy_config *config = load_config(true);
    admin_plan plan;
    plan_now(config, 0, &plan);
    assert_plan(&plan, bob_plan, sizeof bob_plan / sizeof bob_plan[0]);
    apply_all(&plan);
    admin_plan_clear(&plan);

    plan_now(config, 0, &plan);
    assert_int_equal(plan.count, 0);
    sy_config_free(config);
}

static void developer_token_works_in_own_environment(void **state)
{
    (void)state;
    round_trip_ok("alice", "dev-alice", "commands");
}

static void developer_token_rejected_in_production(void **state)
{
    (void)state;
    binary_rejected("alice", "prod", "commands");
    binary_rejected("alice", "prod", "replies");
    binary_rejected("alice", "dev-bob", "commands");

    admin_http *alice = client_for("alice");
    char path[256];
    snprintf(path, sizeof path, "/topics/persistent/%s/prod/replies", fixture.tenant);
    expect_rejected(alice, "POST", path, "{\"messages\":[{\"key\":\"1\",\"payload\":\"eA==\"}]}",
                    401, "Unauthorized to produce to topic persistent://{tenant}/prod/replies");

    snprintf(path, sizeof path, "/admin/v2/persistent/%s/prod/replies/subscription/spy",
             fixture.tenant);
    expect_rejected(alice, "PUT", path, NULL, 401,
                    "Unauthorized to validateTopicOperation for operation [SUBSCRIBE] on topic "
                    "[persistent://{tenant}/prod/replies]");

    snprintf(path, sizeof path, "/admin/v2/persistent/%s/prod", fixture.tenant);
    expect_rejected(alice, "GET", path, NULL, 403,
                    "Unauthorized to validateNamespaceOperation for operation [GET_TOPICS] on "
                    "namespace [{tenant}/prod]");
    admin_http_free(alice);
}

static void production_token_rejected_in_development(void **state)
{
    (void)state;
    round_trip_ok("backend-prod", "prod", "commands");
    binary_rejected("backend-prod", "dev-alice", "commands");
    binary_rejected("backend-prod", "dev", "commands");

    admin_http *backend = client_for("backend-prod");
    char path[256];
    snprintf(path, sizeof path, "/topics/persistent/%s/dev-alice/commands", fixture.tenant);
    expect_rejected(backend, "POST", path, "{\"messages\":[{\"key\":\"1\",\"payload\":\"eA==\"}]}",
                    401,
                    "Unauthorized to produce to topic persistent://{tenant}/dev-alice/commands");

    snprintf(path, sizeof path, "/admin/v2/persistent/%s/dev-alice/commands/subscription/spy",
             fixture.tenant);
    expect_rejected(backend, "PUT", path, NULL, 401,
                    "Unauthorized to validateTopicOperation for operation [SUBSCRIBE] on topic "
                    "[persistent://{tenant}/dev-alice/commands]");
    admin_http_free(backend);
}

static void provision_reports_broker_errors(void **state)
{
    (void)state;
    sy_config *config = load_config(true);
    admin_http *alice = client_for("alice");
    admin_cluster_state cluster;
    char error[1024] = "";
    assert_int_equal(admin_state_read(alice, config, &cluster, error, sizeof error), -1);
    char *want = substitute("GET /admin/v2/tenants/{tenant}: HTTP 401: Unauthorized to "
                            "validateBothTenantOperationAndSuperUser for originalPrincipal [null] "
                            "and clientAppId [alice] about operation [GET_TENANT] ",
                            "");
    assert_string_equal(error, want);
    free(want);
    assert_int_equal(cluster.tenant_count, 0);
    admin_http_free(alice);

    /* A failed action stops the plan: nothing after it is sent. */
    admin_action actions[2] = {
        {.kind = ADMIN_CREATE_NAMESPACE, .target = "no-such-tenant-x/ns"},
        {.kind = ADMIN_CREATE_NAMESPACE, .target = fixture.tenant},
    };
    admin_plan plan = {actions, 2};
    size_t applied = admin_plan_apply(fixture.admin, &plan, NULL, NULL, error, sizeof error);
    assert_int_equal(applied, 0);
    assert_string_equal(error, "create-namespace no-such-tenant-x/ns: HTTP 404 on PUT "
                               "/admin/v2/namespaces/no-such-tenant-x/ns: Tenant does not exist");
    sy_config_free(config);
}

static void provision_deletes_unlisted_developer(void **state)
{
    (void)state;
    sy_config *config = load_config(false);
    admin_plan plan;
    plan_now(config, 0, &plan);
    assert_int_equal(plan.count, 0);

    plan_now(config, ADMIN_PLAN_DELETE_UNLISTED, &plan);
    static const char *const expected[] = {
        "delete-topic persistent://{tenant}/dev-bob/commands",
        "delete-namespace {tenant}/dev-bob",
    };
    assert_plan(&plan, expected, sizeof expected / sizeof expected[0]);
    apply_all(&plan);
    admin_plan_clear(&plan);

    char path[256];
    admin_response response;
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", fixture.tenant);
    request(fixture.admin, "GET", path, NULL, 200, &response);
    char *want = substitute("[\"{tenant}/dev\",\"{tenant}/dev-alice\",\"{tenant}/ingest\","
                            "\"{tenant}/prod\"]",
                            "");
    assert_string_equal(response.body, want);
    free(want);
    admin_response_clear(&response);
    sy_config_free(config);
}

int main(void)
{
    /* In order: each test starts from the cluster that the one before it left. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(provision_dry_run_lists_fresh_plan),
        cmocka_unit_test(provision_second_run_plans_nothing),
        cmocka_unit_test(provision_new_developer_plans_only_theirs),
        cmocka_unit_test(developer_token_works_in_own_environment),
        cmocka_unit_test(developer_token_rejected_in_production),
        cmocka_unit_test(production_token_rejected_in_development),
        cmocka_unit_test(provision_reports_broker_errors),
        cmocka_unit_test(provision_deletes_unlisted_developer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
