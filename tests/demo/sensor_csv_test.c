#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "demo/sensor_csv.h"

static const char sds011_text[] =
    "sensor_id;sensor_type;location;lat;lon;timestamp;P1;durP1;ratioP1;P2;durP2;ratioP2\n"
    "25095;SDS011;13084;57.174;-2.112;2019-05-14T00:00:07;2.58;;;1.35;;\n"
    "22549;SDS011;11441;57.164;-2.120;2019-05-14T00:00:29;4.63;;;2.37;;\n";

static sensor_csv *open_text(const char *text, char *error, size_t error_size)
{
    return sensor_csv_open_memory(text, strlen(text), "test.csv", error, error_size);
}

static void sensor_csv_reads_rows_and_readings(void **state)
{
    (void)state;
    char error[256];
    sensor_csv *reader = open_text(sds011_text, error, sizeof error);
    assert_non_null(reader);

    sensor_reading reading;
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_OK);
    assert_string_equal(reading.sensor_id, "25095");
    assert_string_equal(reading.sensor_type, "SDS011");
    assert_string_equal(reading.location, "13084");
    assert_string_equal(reading.lat, "57.174");
    assert_string_equal(reading.lon, "-2.112");
    assert_int_equal(reading.timestamp_ms, 1557792007000LL);
    assert_int_equal(reading.reading_count, 2);
    assert_string_equal(reading.readings[0].name, "P1");
    assert_string_equal(reading.readings[0].value, "2.58");
    assert_string_equal(reading.readings[1].name, "P2");
    assert_string_equal(reading.readings[1].value, "1.35");
    assert_int_equal(sensor_csv_line(reader), 2);

    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_OK);
    assert_string_equal(reading.sensor_id, "22549");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_END);
    sensor_csv_close(reader);
}

static void sensor_csv_rejects_header_without_timestamp(void **state)
{
    (void)state;
    char error[256];
    assert_null(open_text("sensor_id;sensor_type;location;lat;lon\n", error, sizeof error));
    assert_string_equal(error, "test.csv:1: header lacks the 'timestamp' column: is this a "
                               "Sensor.Community CSV file?");
}

static void sensor_csv_reports_bad_row_and_continues(void **state)
{
    (void)state;
    char error[256];
    sensor_csv *reader = open_text("sensor_id;sensor_type;location;lat;lon;timestamp;temperature\n"
                                   "15463;DHT22;7832;57.124;-2.102;2019-05-14T00:01:34;13.10\n"
                                   "15463;DHT22;7832;57.124;-2.102;2019-05-14 00:04:04;13.20\n"
                                   "15463;DHT22;7832;57.124;-2.102;2019-05-14T00:06:34;warm\n"
                                   "15463;DHT22;7832\n"
                                   "x1;DHT22;7832;57.124;-2.102;2019-05-14T00:06:34;1\n"
                                   "15463;DHT22;7832;57.124;-2.102;2019-05-14T00:06:34;01.5\n"
                                   "15463;DHT22;7832;57.124;-2.102;2019-05-14T00:06:34;1.\n"
                                   "15463;DHT22;7832;57.124;-2.102;2019-05-14T00:09:04;13.40\n",
                                   error, sizeof error);
    assert_non_null(reader);
    sensor_reading reading;

    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_OK);
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:3: timestamp '2019-05-14 00:04:04' is not of the form "
                               "YYYY-MM-DDTHH:MM:SS");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:4: reading temperature='warm' is not a number");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:5: 3 fields, the header has 7");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:6: sensor_id 'x1' is not a decimal number");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:7: reading temperature='01.5' is not a number");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:8: reading temperature='1.' is not a number");

    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_OK);
    assert_string_equal(reading.readings[0].value, "13.40");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_END);
    sensor_csv_close(reader);
}

static void sensor_timestamp_parses_edges(void **state)
{
    (void)state;
    int64_t ms = -1;
    assert_int_equal(sensor_parse_timestamp("1970-01-01T00:00:00", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(sensor_parse_timestamp("2019-05-16T23:59:55Z", &ms), 0);
    assert_int_equal(ms, 1558051195000LL);
    assert_int_equal(sensor_parse_timestamp("2020-02-29T12:00:00", &ms), 0);
    assert_int_equal(ms, 1582977600000LL);
    assert_int_equal(sensor_parse_timestamp("2019-02-29T12:00:00", &ms), -1);
    assert_int_equal(sensor_parse_timestamp("2019-13-01T00:00:00", &ms), -1);
    assert_int_equal(sensor_parse_timestamp("2019-05-14T24:00:00", &ms), -1);
    assert_int_equal(sensor_parse_timestamp("2019-05-14T00:00", &ms), -1);
    assert_int_equal(sensor_parse_timestamp("", &ms), -1);
}

static void sensor_csv_rejects_overlong_line(void **state)
{
    (void)state;
    char error[256];
    char text[4096];
    int n = snprintf(text, sizeof text, "sensor_id;sensor_type;location;lat;lon;timestamp;x\n1;");
    memset(text + n, 'A', 2000);
    strcpy(text + n + 2000, "\n");
    sensor_csv *reader = open_text(text, error, sizeof error);
    assert_non_null(reader);
    sensor_reading reading;
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_INVALID);
    assert_string_equal(error, "test.csv:2: line longer than 1024 bytes");
    assert_int_equal(sensor_csv_next(reader, &reading, error, sizeof error), SENSOR_CSV_END);
    sensor_csv_close(reader);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sensor_csv_reads_rows_and_readings),
        cmocka_unit_test(sensor_csv_rejects_header_without_timestamp),
        cmocka_unit_test(sensor_csv_reports_bad_row_and_continues),
        cmocka_unit_test(sensor_timestamp_parses_edges),
        cmocka_unit_test(sensor_csv_rejects_overlong_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
