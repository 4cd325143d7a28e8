/*
 * Proves that the broker under test is a real Pulsar: a tenant and a
 * namespace created through the admin REST API read back with exact values,
 * and are gone after deletion.
 *
 * Needs SWITCHYARD_TEST_ADMIN_URL (set by scripts/test.sh); fails without it.
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

#include "admin/admin_http.h"

typedef struct {
    admin_http *client;
    char tenant[64];
    char ns[128];
} broker_fixture;

static int setup(void **state)
{
    const char *url = getenv("SWITCHYARD_TEST_ADMIN_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "SWITCHYARD_TEST_ADMIN_URL is not set: run the integration tests "
                        "through 'make test', which starts the broker\n");
        return -1;
    }

    broker_fixture *fixture = calloc(1, sizeof *fixture);
    assert_non_null(fixture);
    fixture->client = admin_http_new(url, getenv("SWITCHYARD_TEST_ADMIN_TOKEN"), 30000);
    assert_non_null(fixture->client);

    /* A name of its own per run, so that a rerun on the same broker starts clean. */
    snprintf(fixture->tenant, sizeof fixture->tenant, "it-broker-%ld-%ld", (long)getpid(),
             (long)time(NULL));
    snprintf(fixture->ns, sizeof fixture->ns, "%s/devices", fixture->tenant);
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    broker_fixture *fixture = *state;
    admin_response response;
    char path[256];

    /* Best effort: the test itself checks deletion, this only cleans up after a failure. */
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", fixture->ns);
    admin_http_request(fixture->client, "DELETE", path, NULL, &response);
    admin_response_clear(&response);
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", fixture->tenant);
    admin_http_request(fixture->client, "DELETE", path, NULL, &response);
    admin_response_clear(&response);

    admin_http_free(fixture->client);
    free(fixture);
    return 0;
}

static void request_ok(broker_fixture *fixture, const char *method, const char *path,
                       const char *body, long expected_status, admin_response *response)
{
    int rc = admin_http_request(fixture->client, method, path, body, response);
    if (rc != 0 || response->status != expected_status) {
        fprintf(stderr, "%s %s: status %ld, expected %ld: %s\n", method, path, response->status,
                expected_status, response->error);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(response->status, expected_status);
}

static void broker_creates_and_reads_tenant_and_namespace(void **state)
{
    broker_fixture *fixture = *state;
    admin_response response;
    char path[256];

    snprintf(path, sizeof path, "/admin/v2/tenants/%s", fixture->tenant);
    request_ok(fixture, "PUT", path, "{\"adminRoles\":[\"iot-admin\"],\"allowedClusters\":[\"standalone\"]}",
               204, &response);
    admin_response_clear(&response);

    request_ok(fixture, "GET", path, NULL, 200, &response);
    json_t *tenant = json_loadb(response.body, response.body_len, 0, NULL);
    assert_non_null(tenant);
    json_t *roles = json_object_get(tenant, "adminRoles");
    assert_int_equal(json_array_size(roles), 1);
    assert_string_equal(json_string_value(json_array_get(roles, 0)), "iot-admin");
    json_t *clusters = json_object_get(tenant, "allowedClusters");
    assert_int_equal(json_array_size(clusters), 1);
    assert_string_equal(json_string_value(json_array_get(clusters, 0)), "standalone");
    json_decref(tenant);
    admin_response_clear(&response);

    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", fixture->ns);
    request_ok(fixture, "PUT", path, NULL, 204, &response);
    admin_response_clear(&response);

    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", fixture->tenant);
    request_ok(fixture, "GET", path, NULL, 200, &response);
    json_t *namespaces = json_loadb(response.body, response.body_len, 0, NULL);
    assert_non_null(namespaces);
    assert_int_equal(json_array_size(namespaces), 1);
    assert_string_equal(json_string_value(json_array_get(namespaces, 0)), fixture->ns);
    json_decref(namespaces);
    admin_response_clear(&response);

    /* A second create of the same namespace is a conflict, not a silent success. */
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", fixture->ns);
    request_ok(fixture, "PUT", path, NULL, 409, &response);
    assert_string_equal(response.error, "Namespace already exists");
    admin_response_clear(&response);

    request_ok(fixture, "DELETE", path, NULL, 204, &response);
    admin_response_clear(&response);
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", fixture->tenant);
    request_ok(fixture, "DELETE", path, NULL, 204, &response);
    admin_response_clear(&response);
    request_ok(fixture, "GET", path, NULL, 404, &response);
    assert_string_equal(response.error, "Tenant does not exist");
    admin_response_clear(&response);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(broker_creates_and_reads_tenant_and_namespace, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
