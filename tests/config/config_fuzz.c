/* Fuzz target: any bytes given to the configuration loader return a configuration or an error. */
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned every_section = SY_CONFIG_PULSAR | SY_CONFIG_TENANTS | SY_CONFIG_INGEST |
                                   SY_CONFIG_ENVIRONMENTS | SY_CONFIG_ROLES | SY_CONFIG_ROUTER |
                                   SY_CONFIG_VALIDATE_ALL;
    char error[512];
    sy_config *config = sy_config_load_string((const char *)data, size, "fuzz.yaml", every_section,
                                              error, sizeof error);
    sy_config_free(config);

    /* Fewer sections take other paths: cross-section checks are skipped. */
    config = sy_config_load_string((const char *)data, size, "fuzz.yaml", SY_CONFIG_ENVIRONMENTS,
                                   error, sizeof error);
    sy_config_free(config);
    return 0;
}
