/*
 * Fuzz target: any bytes given to the TZif parser return a zone or an
 * error, and a parsed zone converts instants from 1900 to 2100 without
 * reading out of bounds or overflowing.
 */
#include <stddef.h>
#include <stdint.h>

#include "lake/lake_tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[256];
    lake_tz *tz = NULL;
    if (lake_tz_parse(data, size, &tz, error, sizeof error) != LAKE_OK) {
        return 0;
    }
    for (int64_t t = -2208988800; t < 4102444800; t += 86400 * 29 + 3607) {
        lake_civil_time civil;
        lake_tz_civil(tz, t, &civil);
    }
    lake_tz_free(tz);
    return 0;
}
