/* Fuzz target: any bytes given to the configuration loader return a tree or an error. */
#include <stddef.h>
#include <stdint.h>

#include "common/yaml_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[256];
    sy_yaml_doc *doc = sy_yaml_load_string((const char *)data, size, "fuzz.yaml", error,
                                           sizeof error);
    sy_yaml_free(doc);
    return 0;
}
