/* Fuzz target: any bytes given to the Sensor.Community CSV reader give rows or errors. */
#include <stddef.h>
#include <stdint.h>

#include "demo/sensor_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char error[256];
    sensor_csv *reader = sensor_csv_open_memory((const char *)data, size, "fuzz.csv", error,
                                                sizeof error);
    if (reader == NULL) {
        return 0;
    }
    sensor_reading reading;
    for (int rows = 0; rows < 10000; rows++) {
        sensor_csv_result rc = sensor_csv_next(reader, &reading, error, sizeof error);
        if (rc == SENSOR_CSV_END || rc == SENSOR_CSV_IO) {
            break;
        }
    }
    sensor_csv_close(reader);
    return 0;
}
