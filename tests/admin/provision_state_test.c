/*
 * Unit tests of reading the cluster state from the admin REST API, against
 * fixed responses: policies, grants, partitioned and non-partitioned topics,
 * system topics, absent tenants, and errors.
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
#include "fake_admin.h"

static const char policies_prod[] =
    "{\"auth_policies\":{"
    "\"namespace_auth\":{\"backend-prod\":[\"produce\",\"consume\",\"functions\"]},"
    "\"destination_auth\":{"
    "\"persistent://t1/prod/commands\":{\"router\":[\"produce\"]},"
    "\"persistent://t1/other/x\":{\"r\":[\"consume\"]},"
    "\"non-persistent://t1/prod/y\":{\"r\":[\"consume\"]}},"
    "\"subscription_auth_roles\":{}},"
    "\"retention_policies\":{\"retentionTimeInMinutes\":-1,\"retentionSizeInMB\":512},"
    "\"deduplicationEnabled\":true,\"message_ttl_in_seconds\":3600,"
    "\"inactive_topic_policies\":{\"inactiveTopicDeleteMode\":\"delete_when_no_subscriptions\","
    "\"maxInactiveDurationSeconds\":60,\"deleteWhileInactive\":false}}";

static const char topics_prod[] =
    "[\"persistent://t1/prod/commands-partition-0\",\"persistent://t1/prod/commands-partition-1\","
    "\"persistent://t1/prod/commands-partition-2\",\"persistent://t1/prod/replies\","
    "\"persistent://t1/prod/__change_events\",\"persistent://t1/prod/replies-partition-x\"]";

static void add_route(fake_admin *server, const char *line, int status, const char *body)
{
    assert_true(server->route_count < FAKE_ADMIN_MAX_ROUTES);
    server->routes[server->route_count++] = (fake_admin_route){line, status, body};
}

static void add_cluster_routes(fake_admin *server)
{
    add_route(server, "GET /admin/v2/tenants/t1", 200,
              "{\"adminRoles\":[\"iot-admin\"],\"allowedClusters\":[\"standalone\"]}");
    add_route(server, "GET /admin/v2/tenants/t2", 404, "{\"reason\":\"Tenant does not exist\"}");
    add_route(server, "GET /admin/v2/namespaces/t1", 200, "[\"t1/prod\",\"t1/old\"]");
    add_route(server, "GET /admin/v2/namespaces/t1/prod", 200, policies_prod);
    add_route(server, "GET /admin/v2/persistent/t1/prod/partitioned", 200,
              "[\"persistent://t1/prod/commands\"]");
    add_route(server, "GET /admin/v2/persistent/t1/prod/commands/partitions", 200,
              "{\"partitions\":3,\"deleted\":false}");
    add_route(server, "GET /admin/v2/persistent/t1/prod", 200, topics_prod);
    add_route(server, "GET /admin/v2/namespaces/t1/old", 200,
              "{\"auth_policies\":{\"namespace_auth\":{},\"destination_auth\":{}},"
              "\"deduplicationEnabled\":false}");
    add_route(server, "GET /admin/v2/persistent/t1/old/partitioned", 200, "[]");
    add_route(server, "GET /admin/v2/persistent/t1/old", 200, "[]");
}

static sy_config *load_tenants(void)
{
    const char *text = "tenants: [{name: t1}, {name: t2}]\n";
    char error[256] = "";
    sy_config *config = sy_config_load_string(text, strlen(text), "state.yaml", SY_CONFIG_TENANTS,
                                              error, sizeof error);
    assert_non_null(config);
    return config;
}

static int read_state(fake_admin *server, admin_cluster_state *state, char *error,
                      size_t error_size)
{
    fake_admin_start(server);
    sy_config *config = load_tenants();
    admin_http *client = admin_http_new(fake_admin_url(server), NULL, 5000);
    assert_non_null(client);
    int rc = admin_state_read(client, config, state, error, error_size);
    admin_http_free(client);
    sy_config_free(config);
    fake_admin_stop(server);
    return rc;
}

static void state_reads_policies_topics_and_grants(void **state)
{
    (void)state;
    fake_admin server = {0};
    add_cluster_routes(&server);
    admin_cluster_state cluster;
    char error[512] = "";
    assert_int_equal(read_state(&server, &cluster, error, sizeof error), 0);
    assert_string_equal(error, "");

    assert_int_equal(cluster.tenant_count, 1);
    assert_string_equal(cluster.tenants[0].name, "t1");
    assert_int_equal(cluster.tenants[0].admin_role_count, 1);
    assert_string_equal(cluster.tenants[0].admin_roles[0], "iot-admin");
    assert_int_equal(cluster.tenants[0].allowed_cluster_count, 1);
    assert_string_equal(cluster.tenants[0].allowed_clusters[0], "standalone");

    assert_int_equal(cluster.namespace_count, 2);
    const admin_namespace_state *prod = &cluster.namespaces[0];
    assert_string_equal(prod->name, "t1/prod");
    assert_true(prod->has_retention);
    assert_int_equal(prod->retention_minutes, -1);
    assert_int_equal(prod->retention_size_mb, 512);
    assert_true(prod->deduplication);
    assert_int_equal(prod->message_ttl_seconds, 3600);
    assert_true(prod->keeps_inactive_topics);

    /* Partitions of a partitioned topic and system topics are not topics of their own. */
    assert_int_equal(prod->topic_count, 3);
    assert_string_equal(prod->topics[0].name, "commands");
    assert_int_equal(prod->topics[0].partitions, 3);
    assert_string_equal(prod->topics[1].name, "replies");
    assert_int_equal(prod->topics[1].partitions, 0);
    assert_string_equal(prod->topics[2].name, "replies-partition-x");
    assert_int_equal(prod->topics[2].partitions, 0);

    /* Topic grants of other namespaces and of non-persistent topics are not this namespace's. */
    assert_int_equal(prod->grant_count, 2);
    assert_null(prod->grants[0].topic);
    assert_string_equal(prod->grants[0].role, "backend-prod");
    assert_int_equal(prod->grants[0].permissions, ADMIN_PERMISSION_PRODUCE |
                                                      ADMIN_PERMISSION_CONSUME |
                                                      ADMIN_PERMISSION_FUNCTIONS);
    assert_string_equal(prod->grants[1].topic, "commands");
    assert_string_equal(prod->grants[1].role, "router");
    assert_int_equal(prod->grants[1].permissions, ADMIN_PERMISSION_PRODUCE);

    const admin_namespace_state *old = &cluster.namespaces[1];
    assert_string_equal(old->name, "t1/old");
    assert_false(old->has_retention);
    assert_false(old->deduplication);
    assert_int_equal(old->message_ttl_seconds, 0);
    assert_false(old->keeps_inactive_topics);
    assert_int_equal(old->topic_count, 0);
    assert_int_equal(old->grant_count, 0);

    /* t1: tenant, namespaces, 3 per namespace plus one partition count; t2: tenant. */
    assert_int_equal(server.requests, 10);
    admin_state_clear(&cluster);
    assert_int_equal(cluster.namespace_count, 0);
    assert_null(cluster.namespaces);
}

static void state_reports_http_error(void **state)
{
    (void)state;
    fake_admin server = {0};
    add_route(&server, "GET /admin/v2/tenants/t1", 200,
              "{\"adminRoles\":[],\"allowedClusters\":[\"standalone\"]}");
    add_route(&server, "GET /admin/v2/namespaces/t1", 403,
              "{\"reason\":\"Don't have permission to administrate resources on this tenant\"}");
    admin_cluster_state cluster;
    char error[512] = "";
    assert_int_equal(read_state(&server, &cluster, error, sizeof error), -1);
    assert_string_equal(error, "GET /admin/v2/namespaces/t1: HTTP 403: Don't have permission to "
                               "administrate resources on this tenant");
    assert_int_equal(cluster.tenant_count, 0);
    assert_null(cluster.tenants);
}

static void state_rejects_non_json_body(void **state)
{
    (void)state;
    fake_admin server = {0};
    add_route(&server, "GET /admin/v2/tenants/t1", 200, "<html>proxy login</html>");
    admin_cluster_state cluster;
    char error[512] = "";
    assert_int_equal(read_state(&server, &cluster, error, sizeof error), -1);
    const char *prefix = "GET /admin/v2/tenants/t1: the response is not JSON: ";
    assert_memory_equal(error, prefix, strlen(prefix));
    assert_int_equal(cluster.tenant_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_reads_policies_topics_and_grants),
        cmocka_unit_test(state_reports_http_error),
        cmocka_unit_test(state_rejects_non_json_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
