/*
 * Tables and a registry shared by the route unit tests: the proof of
 * concept's two-topic routing, and a full table with developer environments.
 */
#ifndef SWITCHYARD_TESTS_ROUTE_TEST_TABLES_H
#define SWITCHYARD_TESTS_ROUTE_TEST_TABLES_H

#include <stdlib.h>
#include <string.h>

#include "route/route.h"

#define TEST_QUARANTINE "persistent://iot-system/ingest/quarantine"

/* "prod" goes to prod, anything else that is well formed goes to dev. */
static inline route_table *test_poc_table(void)
{
    static const route_environment_spec envs[] = {
        {"prod", "persistent://iot-system/prod/commands", NULL},
        {"dev", "persistent://iot-system/dev/commands", NULL},
    };
    route_table_spec spec = {envs, 2, "prod", "dev", TEST_QUARANTINE};
    char error[256];
    return route_table_create(&spec, error, sizeof error);
}

static inline route_table *test_full_table(void)
{
    static const route_environment_spec envs[] = {
        {"prod", "persistent://iot-system/prod/commands", NULL},
        {"test", "persistent://iot-system/{env}/commands", NULL},
        {"dev", "persistent://iot-system/dev/commands", NULL},
        {"lab", "persistent://iot-system/lab/commands-{device}", NULL},
        {"dev-alice", "persistent://iot-system/dev-{developer}/commands", "alice"},
        {"dev-bob", "persistent://iot-system/dev-{developer}/commands", "bob"},
    };
    route_table_spec spec = {envs, 6, "prod", NULL, TEST_QUARANTINE};
    char error[256];
    return route_table_create(&spec, error, sizeof error);
}

static const char test_registry_yaml[] = "# devices of the tests\n"
                                         "default_environments: [prod]\n"
                                         "devices:\n"
                                         "  - id: \"22449\"\n"
                                         "    developer: alice\n"
                                         "    environments: [prod, dev]\n"
                                         "  - id: \"15092\"\n"
                                         "    environments: [prod, test]\n"
                                         "  - id: \"30001\"\n"
                                         "    environments: [prod, dev, lab]\n"
                                         "  - id: \"40001\"\n"
                                         "    developer: bob\n"
                                         "    environments: [prod, test]\n";

static inline route_registry *test_registry(void)
{
    char error[256];
    return route_registry_load_string(test_registry_yaml, strlen(test_registry_yaml),
                                      "devices.yaml", error, sizeof error);
}

#endif
