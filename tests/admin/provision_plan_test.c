/*
 * Unit tests of the provisioning plan, a pure function of configuration and
 * cluster state. They check the exact action lines for a fresh cluster, an
 * empty plan once those actions are applied, exactly one developer's actions
 * when one is added, and removals only when requested.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/provision.h"

#define PROVISION_SECTIONS                                                                         \
    (SY_CONFIG_PULSAR | SY_CONFIG_TENANTS | SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS |            \
     SY_CONFIG_ROLES)

static const char base_config[] = "pulsar: {cluster: standalone}\n"
                                  "tenants:\n"
                                  "  - {name: iot-system, admin_roles: [iot-admin]}\n"
                                  "ingest:\n"
                                  "  namespace: iot-system/ingest\n"
                                  "  topic: device-messages\n"
                                  "  partitions: 4\n"
                                  "  retention: {minutes: 10080, size_mb: 1024}\n"
                                  "environments:\n"
                                  "  - name: prod\n"
                                  "    namespace: iot-system/prod\n"
                                  "    topics: [{name: commands, partitions: 2}, {name: replies}]\n"
                                  "    retention: {minutes: -1, size_mb: 512}\n"
                                  "  - name: dev\n"
                                  "    namespace: iot-system/dev\n"
                                  "    topics: [{name: commands}]\n"
                                  "    message_ttl_seconds: 3600\n"
                                  "developer_environment:\n"
                                  "  namespace: iot-system/dev-{developer}\n"
                                  "  topics: [{name: commands}]\n"
                                  "  message_ttl_seconds: 86400\n"
                                  "developers:\n"
                                  "  - {name: alice, role: alice}\n"
                                  "roles:\n"
                                  "  router: switchyard-router\n"
                                  "  audit: switchyard-audit\n"
                                  "  prod_backends: [backend-prod]\n";

static const char *const fresh_plan[] = {
    "create-tenant iot-system admin_roles=iot-admin allowed_clusters=standalone",
    "create-namespace iot-system/ingest",
    "set-retention iot-system/ingest minutes=10080 size_mb=1024",
    "enable-deduplication iot-system/ingest",
    "disable-inactive-topic-deletion iot-system/ingest",
    "create-partitioned-topic persistent://iot-system/ingest/device-messages partitions=4",
    "create-topic persistent://iot-system/ingest/quarantine",
    "grant-namespace iot-system/ingest role=switchyard-router actions=consume",
    "grant-namespace iot-system/ingest role=switchyard-audit actions=consume",
    "grant-topic persistent://iot-system/ingest/quarantine role=switchyard-router actions=produce",
    "create-namespace iot-system/prod",
    "set-retention iot-system/prod minutes=-1 size_mb=512",
    "enable-deduplication iot-system/prod",
    "disable-inactive-topic-deletion iot-system/prod",
    "create-partitioned-topic persistent://iot-system/prod/commands partitions=2",
    "create-topic persistent://iot-system/prod/replies",
    "grant-namespace iot-system/prod role=switchyard-router actions=produce",
    "grant-namespace iot-system/prod role=backend-prod actions=consume,produce",
    "create-namespace iot-system/dev",
    "enable-deduplication iot-system/dev",
    "set-message-ttl iot-system/dev seconds=3600",
    "disable-inactive-topic-deletion iot-system/dev",
    "create-topic persistent://iot-system/dev/commands",
    "grant-namespace iot-system/dev role=switchyard-router actions=produce",
    "create-namespace iot-system/dev-alice",
    "enable-deduplication iot-system/dev-alice",
    "set-message-ttl iot-system/dev-alice seconds=86400",
    "disable-inactive-topic-deletion iot-system/dev-alice",
    "create-topic persistent://iot-system/dev-alice/commands",
    "grant-namespace iot-system/dev-alice role=switchyard-router actions=produce",
    "grant-namespace iot-system/dev-alice role=alice actions=consume,produce",
};

static sy_config *load_config(const char *text)
{
    char error[512] = "";
    sy_config *config = sy_config_load_string(text, strlen(text), "switchyard.yaml",
                                              PROVISION_SECTIONS, error, sizeof error);
    if (config == NULL) {
        fail_msg("configuration failed to load: %s", error);
    }
    return config;
}

static void compute(const sy_config *config, const admin_cluster_state *state, unsigned options,
                    admin_plan *plan)
{
    char error[512] = "";
    if (admin_plan_compute(config, state, options, plan, error, sizeof error) != 0) {
        fail_msg("plan failed: %s", error);
    }
}

static void assert_plan_lines(const admin_plan *plan, const char *const *expected, size_t count)
{
    for (size_t i = 0; i < plan->count && i < count; i++) {
        char line[512];
        admin_action_format(&plan->actions[i], line, sizeof line);
        assert_string_equal(line, expected[i]);
    }
    assert_int_equal(plan->count, count);
}

static admin_namespace_state *state_namespace(admin_cluster_state *state, const char *name)
{
    for (size_t i = 0; i < state->namespace_count; i++) {
        if (strcmp(state->namespaces[i].name, name) == 0) {
            return &state->namespaces[i];
        }
    }
    return NULL;
}

static void split_target(const char *target, char *ns, size_t ns_size, const char **topic)
{
    const char *last = strrchr(target, '/');
    size_t len = (size_t)(last - target);
    assert_true(len < ns_size);
    memcpy(ns, target, len);
    ns[len] = '\0';
    *topic = last + 1;
}

static void set_grant(admin_namespace_state *ns, const char *topic, const char *role,
                      unsigned permissions)
{
    for (size_t i = 0; i < ns->grant_count; i++) {
        admin_grant *grant = &ns->grants[i];
        bool same_topic = (grant->topic == NULL) == (topic == NULL) &&
                          (topic == NULL || strcmp(grant->topic, topic) == 0);
        if (same_topic && strcmp(grant->role, role) == 0) {
            grant->permissions = permissions;
            return;
        }
    }
    assert_non_null(admin_namespace_add_grant(ns, topic, role, permissions));
}

/* Applies plan to state the way the broker would, for the actions that add. */
static void simulate(admin_cluster_state *state, const admin_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        const admin_action *action = &plan->actions[i];
        char ns_name[256];
        const char *topic = NULL;
        admin_namespace_state *ns = NULL;
        switch (action->kind) {
        case ADMIN_CREATE_TENANT:
            assert_non_null(admin_state_add_tenant(
                state, action->target, (const char *const *)action->admin_roles,
                action->admin_role_count, (const char *const *)action->allowed_clusters,
                action->allowed_cluster_count));
            break;
        case ADMIN_CREATE_NAMESPACE:
            assert_non_null(admin_state_add_namespace(state, action->target));
            break;
        case ADMIN_SET_RETENTION:
            ns = state_namespace(state, action->target);
            ns->has_retention = true;
            ns->retention_minutes = action->first;
            ns->retention_size_mb = action->second;
            break;
        case ADMIN_ENABLE_DEDUPLICATION:
            state_namespace(state, action->target)->deduplication = true;
            break;
        case ADMIN_SET_MESSAGE_TTL:
            state_namespace(state, action->target)->message_ttl_seconds = action->first;
            break;
        case ADMIN_DISABLE_INACTIVE_TOPIC_DELETION:
            state_namespace(state, action->target)->keeps_inactive_topics = true;
            break;
        case ADMIN_CREATE_TOPIC:
        case ADMIN_CREATE_PARTITIONED_TOPIC:
            split_target(action->target, ns_name, sizeof ns_name, &topic);
            assert_non_null(admin_namespace_add_topic(state_namespace(state, ns_name), topic,
                                                      (int)action->first));
            break;
        case ADMIN_GRANT_NAMESPACE:
            set_grant(state_namespace(state, action->target), NULL, action->role,
                      action->permissions);
            break;
        case ADMIN_GRANT_TOPIC:
            split_target(action->target, ns_name, sizeof ns_name, &topic);
            set_grant(state_namespace(state, ns_name), topic, action->role, action->permissions);
            break;
        default:
            fail_msg("simulate does not handle action %d", (int)action->kind);
        }
    }
}

static void plan_fresh_cluster_lists_everything(void **state)
{
    (void)state;
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    assert_plan_lines(&plan, fresh_plan, sizeof fresh_plan / sizeof fresh_plan[0]);
    assert_int_equal(admin_plan_count_removals(&plan), 0);
    admin_plan_clear(&plan);
    sy_config_free(config);
}

static void plan_second_run_is_empty(void **state)
{
    (void)state;
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    simulate(&cluster, &plan);
    admin_plan_clear(&plan);

    compute(config, &cluster, 0, &plan);
    assert_int_equal(plan.count, 0);
    compute(config, &cluster, ADMIN_PLAN_DELETE_UNLISTED, &plan);
    assert_int_equal(plan.count, 0);
    admin_state_clear(&cluster);
    sy_config_free(config);
}

static void plan_new_developer_adds_only_theirs(void **state)
{
    (void)state;
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    simulate(&cluster, &plan);
    admin_plan_clear(&plan);
    sy_config_free(config);

    /* The roles section follows developers, so bob goes in just before it. */
    char text[sizeof base_config + 64];
    snprintf(text, sizeof text, "%.*s  - {name: bob, role: bob-dev}\n%s",
             (int)(strstr(base_config, "roles:\n") - base_config), base_config,
             strstr(base_config, "roles:\n"));
    config = load_config(text);
    compute(config, &cluster, 0, &plan);
    static const char *const expected[] = {
        "create-namespace iot-system/dev-bob",
        "enable-deduplication iot-system/dev-bob",
        "set-message-ttl iot-system/dev-bob seconds=86400",
        "disable-inactive-topic-deletion iot-system/dev-bob",
        "create-topic persistent://iot-system/dev-bob/commands",
        "grant-namespace iot-system/dev-bob role=switchyard-router actions=produce",
        "grant-namespace iot-system/dev-bob role=bob-dev actions=consume,produce",
    };
    assert_plan_lines(&plan, expected, sizeof expected / sizeof expected[0]);
    admin_plan_clear(&plan);
    admin_state_clear(&cluster);
    sy_config_free(config);
}

/* A provisioned cluster with extras made by hand: a grant, a topic, a namespace, a role. */
static void build_provisioned_with_extras(const sy_config *config, admin_cluster_state *cluster)
{
    admin_plan plan;
    compute(config, cluster, 0, &plan);
    simulate(cluster, &plan);
    admin_plan_clear(&plan);

    admin_namespace_state *prod = state_namespace(cluster, "iot-system/prod");
    set_grant(prod, NULL, "backend-prod",
              ADMIN_PERMISSION_CONSUME | ADMIN_PERMISSION_PRODUCE | ADMIN_PERMISSION_FUNCTIONS);
    set_grant(prod, NULL, "old-backend", ADMIN_PERMISSION_CONSUME);
    assert_non_null(admin_namespace_add_topic(prod, "legacy", 3));
    admin_namespace_state *old = admin_state_add_namespace(cluster, "iot-system/dev-carol");
    assert_non_null(admin_namespace_add_topic(old, "commands", 0));
    cluster->tenants[0].admin_roles[0][0] = 'X'; /* "Xot-admin": iot-admin is missing */
}

static void plan_keeps_extras_without_delete(void **state)
{
    (void)state;
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    build_provisioned_with_extras(config, &cluster);

    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    static const char *const expected[] = {
        "update-tenant iot-system admin_roles=iot-admin,Xot-admin allowed_clusters=standalone",
    };
    assert_plan_lines(&plan, expected, sizeof expected / sizeof expected[0]);
    admin_plan_clear(&plan);
    admin_state_clear(&cluster);
    sy_config_free(config);
}

static void plan_deletes_unlisted_when_asked(void **state)
{
    (void)state;
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    build_provisioned_with_extras(config, &cluster);

    admin_plan plan;
    compute(config, &cluster, ADMIN_PLAN_DELETE_UNLISTED, &plan);
    static const char *const expected[] = {
        "update-tenant iot-system admin_roles=iot-admin allowed_clusters=standalone",
        "grant-namespace iot-system/prod role=backend-prod actions=consume,produce",
        "revoke-namespace iot-system/prod role=old-backend",
        "delete-partitioned-topic persistent://iot-system/prod/legacy",
        "delete-topic persistent://iot-system/dev-carol/commands",
        "delete-namespace iot-system/dev-carol",
    };
    assert_plan_lines(&plan, expected, sizeof expected / sizeof expected[0]);
    assert_int_equal(admin_plan_count_removals(&plan), 4);
    admin_plan_clear(&plan);
    admin_state_clear(&cluster);
    sy_config_free(config);
}

static void plan_grows_partitions(void **state)
{
    (void)state;
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    simulate(&cluster, &plan);
    admin_plan_clear(&plan);
    sy_config_free(config);

    char text[sizeof base_config];
    snprintf(text, sizeof text, "%s", base_config);
    memcpy(strstr(text, "partitions: 2"), "partitions: 6", strlen("partitions: 6"));
    config = load_config(text);
    compute(config, &cluster, 0, &plan);
    static const char *const expected[] = {
        "update-partitions persistent://iot-system/prod/commands partitions=6",
    };
    assert_plan_lines(&plan, expected, 1);
    admin_plan_clear(&plan);
    admin_state_clear(&cluster);
    sy_config_free(config);
}

static void expect_partition_conflict(int existing, const char *expected)
{
    sy_config *config = load_config(base_config);
    admin_cluster_state cluster = {0};
    admin_namespace_state *ns = admin_state_add_namespace(&cluster, "iot-system/prod");
    assert_non_null(admin_namespace_add_topic(ns, "commands", existing));

    admin_plan plan;
    char error[512] = "";
    assert_int_equal(admin_plan_compute(config, &cluster, 0, &plan, error, sizeof error), -1);
    assert_string_equal(error, expected);
    assert_int_equal(plan.count, 0);
    assert_null(plan.actions);
    admin_state_clear(&cluster);
    sy_config_free(config);
}

static void plan_rejects_partition_conflicts(void **state)
{
    (void)state;
    expect_partition_conflict(0, "topic persistent://iot-system/prod/commands exists without "
                                 "partitions, but the configuration asks for 2: set partitions: "
                                 "0, or delete the topic by hand and run again");
    expect_partition_conflict(5, "topic persistent://iot-system/prod/commands has 5 partitions, "
                                 "more than the 2 configured, and Pulsar cannot remove "
                                 "partitions: set partitions: 5");
}

static void plan_rejects_missing_sections(void **state)
{
    (void)state;
    char error[512] = "";
    sy_config *config = sy_config_load_string(base_config, strlen(base_config), "switchyard.yaml",
                                              SY_CONFIG_ENVIRONMENTS, error, sizeof error);
    assert_non_null(config);
    admin_cluster_state cluster = {0};
    admin_plan plan;
    assert_int_equal(admin_plan_compute(config, &cluster, 0, &plan, error, sizeof error), -1);
    assert_string_equal(error, "switchyard.yaml: provisioning needs the tenants, ingest, "
                               "environments and roles sections: add the missing ones");
    sy_config_free(config);
}

static void plan_poc_example_matches_proof_of_concept(void **state)
{
    (void)state;
    char error[512] = "";
    sy_config *config =
        sy_config_load(SWITCHYARD_EXAMPLES_DIR "/poc/switchyard.yaml",
                       PROVISION_SECTIONS | SY_CONFIG_VALIDATE_ALL, error, sizeof error);
    if (config == NULL) {
        fail_msg("%s", error);
    }
    admin_cluster_state cluster = {0};
    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    static const char *const expected[] = {
        "create-tenant iot-system admin_roles=iot-admin allowed_clusters=standalone",
        "create-namespace iot-system/ingest",
        "enable-deduplication iot-system/ingest",
        "disable-inactive-topic-deletion iot-system/ingest",
        "create-topic persistent://iot-system/ingest/device-messages",
        "create-topic persistent://iot-system/ingest/quarantine",
        "grant-namespace iot-system/ingest role=switchyard-router actions=consume",
        "grant-topic persistent://iot-system/ingest/quarantine role=switchyard-router "
        "actions=produce",
        "create-namespace iot-system/prod",
        "enable-deduplication iot-system/prod",
        "disable-inactive-topic-deletion iot-system/prod",
        "create-topic persistent://iot-system/prod/commands",
        "grant-namespace iot-system/prod role=switchyard-router actions=produce",
        "create-namespace iot-system/dev",
        "enable-deduplication iot-system/dev",
        "disable-inactive-topic-deletion iot-system/dev",
        "create-topic persistent://iot-system/dev/commands",
        "grant-namespace iot-system/dev role=switchyard-router actions=produce",
    };
    assert_plan_lines(&plan, expected, sizeof expected / sizeof expected[0]);
    admin_plan_clear(&plan);
    sy_config_free(config);
}

static void plan_demo_example_loads(void **state)
{
    (void)state;
    char error[512] = "";
    sy_config *config = sy_config_load(
        SWITCHYARD_EXAMPLES_DIR "/switchyard.yaml",
        PROVISION_SECTIONS | SY_CONFIG_ROUTER | SY_CONFIG_VALIDATE_ALL, error, sizeof error);
    if (config == NULL) {
        fail_msg("%s", error);
    }
    assert_int_equal(config->environment_count, 5);
    assert_string_equal(config->environments[3].name, "dev-alice");
    assert_string_equal(config->environments[4].name, "dev-bob");
    assert_string_equal(config->router.registry, SWITCHYARD_EXAMPLES_DIR "/devices.yaml");

    admin_cluster_state cluster = {0};
    admin_plan plan;
    compute(config, &cluster, 0, &plan);
    assert_int_equal(plan.count, 48);
    admin_plan_clear(&plan);
    sy_config_free(config);
}

static void plan_formats_every_action(void **state)
{
    (void)state;
    char *roles[] = {"a", "b"};
    char *clusters[] = {"standalone"};
    const struct {
        admin_action action;
        const char *line;
    } cases[] = {
        {{.kind = ADMIN_UPDATE_TENANT,
          .target = "t",
          .admin_roles = roles,
          .admin_role_count = 2,
          .allowed_clusters = clusters,
          .allowed_cluster_count = 1},
         "update-tenant t admin_roles=a,b allowed_clusters=standalone"},
        {{.kind = ADMIN_CREATE_TENANT, .target = "t"},
         "create-tenant t admin_roles= "
         "allowed_clusters="},
        {{.kind = ADMIN_REVOKE_TOPIC, .target = "t/n/x", .role = "r"},
         "revoke-topic persistent://t/n/x role=r"},
        {{.kind = ADMIN_DELETE_NAMESPACE, .target = "t/n"}, "delete-namespace t/n"},
        {{.kind = ADMIN_GRANT_TOPIC,
          .target = "t/n/x",
          .role = "r",
          .permissions = ADMIN_PERMISSION_PRODUCE | ADMIN_PERMISSION_SINKS |
                         ADMIN_PERMISSION_SOURCES | ADMIN_PERMISSION_PACKAGES},
         "grant-topic persistent://t/n/x role=r actions=packages,produce,sinks,sources"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[256];
        size_t length = admin_action_format(&cases[i].action, line, sizeof line);
        assert_string_equal(line, cases[i].line);
        assert_int_equal(length, strlen(cases[i].line));
    }

    /* A short buffer cuts the line but still reports its full length. */
    char short_line[8];
    size_t length = admin_action_format(&cases[3].action, short_line, sizeof short_line);
    assert_int_equal(length, strlen("delete-namespace t/n"));
    assert_string_equal(short_line, "delete-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_fresh_cluster_lists_everything),
        cmocka_unit_test(plan_second_run_is_empty),
        cmocka_unit_test(plan_new_developer_adds_only_theirs),
        cmocka_unit_test(plan_keeps_extras_without_delete),
        cmocka_unit_test(plan_deletes_unlisted_when_asked),
        cmocka_unit_test(plan_grows_partitions),
        cmocka_unit_test(plan_rejects_partition_conflicts),
        cmocka_unit_test(plan_rejects_missing_sections),
        cmocka_unit_test(plan_poc_example_matches_proof_of_concept),
        cmocka_unit_test(plan_demo_example_loads),
        cmocka_unit_test(plan_formats_every_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
