/*
 * Fuzz target: any bytes given to the device registry loader return a
 * registry or an error, and lookups in a loaded registry return normally.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "route_test_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[512];
    route_registry *registry =
        route_registry_load_string((const char *)data, size, "fuzz.yaml", error, sizeof error);
    if (registry == NULL) {
        return 0;
    }

    route_table *table = test_full_table();
    if (table == NULL) {
        abort();
    }
    (void)route_registry_check(registry, table, error, sizeof error);
    static const char *const ids[] = {"22449", "15092", "1", ""};
    static const char *const envs[] = {"prod", "dev", "dev-alice", "test"};
    for (size_t i = 0; i < 4; i++) {
        (void)route_registry_developer(registry, ids[i]);
        for (size_t j = 0; j < 4; j++) {
            (void)route_registry_allows(registry, table, ids[i], envs[j]);
        }
    }
    route_table_free(table);
    route_registry_free(registry);
    return 0;
}
