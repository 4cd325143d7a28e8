/*
 * Device registry loading and checking: each validation failure is reported
 * with the exact FILE:LINE message, and a failed reload leaves nothing half
 * built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "route_test_tables.h"

static route_registry *load(const char *yaml, char *error, size_t error_size)
{
    return route_registry_load_string(yaml, strlen(yaml), "devices.yaml", error, error_size);
}

static void registry_loads_devices(void **state)
{
    (void)state;
    route_registry *registry = test_registry();
    route_table *table = test_full_table();
    assert_non_null(registry);
    assert_int_equal(route_registry_device_count(registry), 4);
    assert_string_equal(route_registry_developer(registry, "22449"), "alice");
    assert_string_equal(route_registry_developer(registry, "40001"), "bob");
    assert_null(route_registry_developer(registry, "15092"));
    assert_null(route_registry_developer(registry, "99999"));

    char error[256] = "";
    assert_true(route_registry_check(registry, table, error, sizeof error));
    assert_string_equal(error, "");

    assert_true(route_registry_allows(registry, table, "22449", "dev-alice"));
    assert_true(route_registry_allows(registry, table, "22449", "dev"));
    assert_false(route_registry_allows(registry, table, "22449", "dev-bob"));
    assert_false(route_registry_allows(registry, table, "40001", "dev-bob"));
    assert_false(route_registry_allows(registry, table, "30001", "dev-alice"));
    assert_true(route_registry_allows(registry, table, "99999", "prod"));
    assert_false(route_registry_allows(registry, table, "99999", "test"));
    assert_true(route_registry_allows(NULL, table, "99999", "test"));
    route_table_free(table);
    route_registry_free(registry);
}

static void registry_without_defaults_allows_default_only(void **state)
{
    (void)state;
    char error[256];
    route_registry *registry = load("devices: []\n", error, sizeof error);
    route_table *table = test_full_table();
    assert_non_null(registry);
    assert_int_equal(route_registry_device_count(registry), 0);
    assert_true(route_registry_allows(registry, table, "1", "prod"));
    assert_false(route_registry_allows(registry, table, "1", "test"));
    route_table_free(table);
    route_registry_free(registry);
}

typedef struct {
    const char *yaml;
    const char *error;
} bad_registry;

/* clang-format off */
static const bad_registry bad_registries[] = {
    {"", "devices.yaml:1: a device registry must be a mapping with 'devices' (and optionally "
         "'default_environments')"},
    {"- 1\n", "devices.yaml:1: a device registry must be a mapping with 'devices' (and "
              "optionally 'default_environments')"},
    {"default_environments: [prod]\n",
     "devices.yaml:1: 'devices' is missing: list the devices, or [] for none"},
    {"devices: []\ndefault_environment: [prod]\n",
     "devices.yaml:2: unknown key 'default_environment': use default_environments or devices"},
    {"devices: {id: 1}\n", "devices.yaml:1: 'devices' must be a list of devices"},
    {"default_environments: []\ndevices: []\n",
     "devices.yaml:1: 'default_environments' must be a non-empty list of environment names, "
     "such as [prod]"},
    {"default_environments: prod\ndevices: []\n",
     "devices.yaml:1: 'default_environments' must be a non-empty list of environment names, "
     "such as [prod]"},
    {"devices:\n  - \"22449\"\n",
     "devices.yaml:2: a device must be a mapping with 'id' and 'environments'"},
    {"devices:\n  - environments: [prod]\n", "devices.yaml:2: device has no 'id': add one"},
    {"devices:\n  - id: \"22449\"\n    environment: [prod]\n",
     "devices.yaml:3: unknown key 'environment' in a device: use id, developer or "
     "environments"},
    {"devices:\n  - id: \"22449\"\n", "devices.yaml:2: device '22449' has no 'environments': "
                                       "list the ones it may use"},
    {"devices:\n  - id: \"22449\"\n    environments: []\n",
     "devices.yaml:3: 'environments' must be a non-empty list of environment names, such as "
     "[prod]"},
    {"devices:\n  - id: \"22449/../x\"\n    environments: [prod]\n",
     "devices.yaml:2: device id '22449/../x' is not valid: use 1 to 64 of A-Z, a-z, 0-9, '_' "
     "and '-'"},
    {"devices:\n  - id: [1]\n    environments: [prod]\n",
     "devices.yaml:2: device id '(not text)' is not valid: use 1 to 64 of A-Z, a-z, 0-9, '_' "
     "and '-'"},
    {"devices:\n  - id: \"1\"\n    environments: [prod, Prod]\n",
     "devices.yaml:3: 'Prod' is not a valid environment name: use 1 to 48 of a-z, 0-9 and '-', "
     "starting with a letter"},
    {"devices:\n  - id: \"1\"\n    environments:\n      - prod\n      - prod/../x\n",
     "devices.yaml:5: 'prod/../x' is not a valid environment name: use 1 to 48 of a-z, 0-9 and "
     "'-', starting with a letter"},
    {"devices:\n  - id: \"1\"\n    developer: Alice\n    environments: [dev]\n",
     "devices.yaml:3: developer 'Alice' of device '1' is not a valid name: use 1 to 40 of a-z, "
     "0-9 and '-'"},
    {"devices:\n"
     "  - {id: \"7\", environments: [prod]}\n"
     "  - {id: \"8\", environments: [prod]}\n"
     "  - {id: \"7\", environments: [prod, dev]}\n",
     "devices.yaml:4: device '7' is listed twice (first at line 2): remove one"},
    {"devices: [\n", NULL}, /* a YAML syntax error: the message is yaml_doc's */
};
/* clang-format on */

static void registry_rejects_invalid_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_registries / sizeof bad_registries[0]; i++) {
        char error[512] = "";
        print_message("registry: %s\n", bad_registries[i].yaml);
        route_registry *registry = load(bad_registries[i].yaml, error, sizeof error);
        assert_null(registry);
        if (bad_registries[i].error != NULL) {
            assert_string_equal(error, bad_registries[i].error);
        } else {
            assert_non_null(strstr(error, "devices.yaml:"));
            assert_non_null(strstr(error, "invalid YAML"));
        }
    }
}

static void registry_check_names_unconfigured_values(void **state)
{
    (void)state;
    route_table *table = test_full_table();
    static const bad_registry cases[] = {
        {"default_environments: [prod, staging]\ndevices: []\n",
         "devices.yaml:1: environment 'staging' is not configured: add it to the configuration "
         "or remove it here"},
        {"devices:\n  - id: \"1\"\n    environments:\n      - prod\n      - dev-carol\n",
         "devices.yaml:5: environment 'dev-carol' is not configured: add it to the "
         "configuration or remove it here"},
        {"devices:\n  - id: \"1\"\n    developer: carol\n    environments: [prod, dev]\n",
         "devices.yaml:3: developer 'carol' of device '1' is not configured: add the developer "
         "to the configuration"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char error[512] = "";
        route_registry *registry = load(cases[i].yaml, error, sizeof error);
        assert_non_null(registry);
        assert_false(route_registry_check(registry, table, error, sizeof error));
        assert_string_equal(error, cases[i].error);
        route_registry_free(registry);
    }
    route_table_free(table);
}

/* A reload reads the file again; a file that fails keeps the old registry in use. */
static void registry_reload_rejects_bad_file(void **state)
{
    (void)state;
    char path[] = "/tmp/route_registry_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, test_registry_yaml, strlen(test_registry_yaml)),
                     (ssize_t)strlen(test_registry_yaml));
    close(fd);

    char error[512];
    route_table *table = test_full_table();
    route_registry *current = route_registry_load(path, error, sizeof error);
    assert_non_null(current);
    assert_true(route_registry_check(current, table, error, sizeof error));

    static const char broken[] = "devices:\n"
                                 "  - id: \"22449\"\n"
                                 "    environments: [prod, dev]\n"
                                 "    developr: alice\n";
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(broken, file);
    fclose(file);
    assert_null(route_registry_load(path, error, sizeof error));
    char expected[512];
    snprintf(expected, sizeof expected,
             "%s:4: unknown key 'developr' in a device: use id, developer or environments", path);
    assert_string_equal(error, expected);
    assert_string_equal(route_registry_developer(current, "22449"), "alice");

    unlink(path);
    assert_null(route_registry_load(path, error, sizeof error));
    snprintf(expected, sizeof expected, "%s: cannot open: No such file or directory", path);
    assert_string_equal(error, expected);

    route_registry_free(current);
    route_table_free(table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_loads_devices),
        cmocka_unit_test(registry_without_defaults_allows_default_only),
        cmocka_unit_test(registry_rejects_invalid_files),
        cmocka_unit_test(registry_check_names_unconfigured_values),
        cmocka_unit_test(registry_reload_rejects_bad_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
