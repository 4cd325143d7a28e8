#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo/replay.h"

static char directory[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static int setup(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "/tmp/replay-test-XXXXXX");
    return mkdtemp(directory) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    return system(command) == 0 ? 0 : -1;
}

static void replay_merges_files_in_time_order(void **state)
{
    (void)state;
    write_file("b_dht22.csv", "sensor_id;sensor_type;location;lat;lon;timestamp;temperature\n"
                              "2;DHT22;9;1.0;2.0;2019-05-14T00:00:05;10.5\n"
                              "2;DHT22;9;1.0;2.0;2019-05-14T00:00:20;10.6\n");
    write_file("a_sds011.csv", "sensor_id;sensor_type;location;lat;lon;timestamp;P1\n"
                               "1;SDS011;9;1.0;2.0;2019-05-14T00:00:05;3.1\n"
                               "1;SDS011;9;1.0;2.0;2019-05-14T00:00:10;3.2\n"
                               "1;SDS011;9;1.0;2.0;bad-time;3.3\n"
                               "1;SDS011;9;1.0;2.0;2019-05-14T00:00:30;3.4\n");
    write_file("notes.txt", "not a csv file\n");

    char error[256];
    demo_replay *replay = demo_replay_open(directory, error, sizeof error);
    assert_non_null(replay);
    assert_int_equal(demo_replay_file_count(replay), 2);

    static const struct {
        const char *sensor_id;
        int64_t seconds;
    } expected[] = {{"1", 5}, {"2", 5}, {"1", 10}, {"2", 20}, {"1", 30}};
    sensor_reading reading;
    size_t got = 0;
    int invalid = 0;
    for (;;) {
        sensor_csv_result rc = demo_replay_next(replay, &reading, error, sizeof error);
        if (rc == SENSOR_CSV_END) {
            break;
        }
        if (rc == SENSOR_CSV_INVALID) {
            invalid++;
            assert_non_null(strstr(error, "a_sds011.csv:4: timestamp 'bad-time'"));
            continue;
        }
        assert_int_equal(rc, SENSOR_CSV_OK);
        assert_true(got < 5);
        assert_string_equal(reading.sensor_id, expected[got].sensor_id);
        assert_int_equal(reading.timestamp_ms, 1557792000000LL + expected[got].seconds * 1000);
        got++;
    }
    assert_int_equal(got, 5);
    assert_int_equal(invalid, 1);
    demo_replay_close(replay);
}

static void replay_rejects_directory_without_csv(void **state)
{
    (void)state;
    write_file("readme.txt", "nothing\n");
    char error[256];
    assert_null(demo_replay_open(directory, error, sizeof error));
    char expected[256];
    snprintf(expected, sizeof expected,
             "%s: no *.csv files: give the directory of the Sensor.Community CSV files", directory);
    assert_string_equal(error, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replay_merges_files_in_time_order, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_rejects_directory_without_csv, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
