/*
 * A reader for Sensor.Community daily archive files, the readings that the
 * demo's device simulator replays.
 *
 * Format: ASCII, ';' as separator, '\n' line ends, one header line, no
 * quoting. Columns sensor_id, sensor_type, location, lat, lon and timestamp
 * (YYYY-MM-DDTHH:MM:SS, UTC) are required; every other column is a reading,
 * kept only when it is not empty. Example:
 *
 *   sensor_id;sensor_type;location;lat;lon;timestamp;P1;durP1;ratioP1;P2;durP2;ratioP2
 *   15092;SDS011;7647;56.964;-2.212;2019-05-14T00:01:34;3.97;;;3.00;;
 *
 * The file is untrusted input: a malformed row is an error with its line
 * number, never a crash, and every field is bounded in length.
 *
 * Thread safety: a reader is used by one thread at a time.
 */
#ifndef SWITCHYARD_DEMO_SENSOR_CSV_H
#define SWITCHYARD_DEMO_SENSOR_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SENSOR_MAX_COLUMNS 24
#define SENSOR_MAX_READINGS 16
#define SENSOR_MAX_FIELD 64
#define SENSOR_MAX_LINE 1024

typedef struct {
    char name[SENSOR_MAX_FIELD];
    char value[SENSOR_MAX_FIELD]; /* as written, a JSON number without exponent, e.g. "3.97" */
} sensor_value;

typedef struct {
    char sensor_id[SENSOR_MAX_FIELD];   /* decimal digits, the device identifier */
    char sensor_type[SENSOR_MAX_FIELD]; /* chip name, e.g. "SDS011" */
    char location[SENSOR_MAX_FIELD];    /* decimal digits */
    char lat[SENSOR_MAX_FIELD];
    char lon[SENSOR_MAX_FIELD];
    int64_t timestamp_ms;               /* the reading's time, ms since the Unix epoch (UTC) */
    size_t reading_count;
    sensor_value readings[SENSOR_MAX_READINGS];
} sensor_reading;

typedef enum {
    SENSOR_CSV_OK = 0,
    SENSOR_CSV_END = 1,        /* no more rows */
    SENSOR_CSV_INVALID = -1,   /* malformed header or row; see the error text */
    SENSOR_CSV_IO = -2,        /* the file could not be read */
} sensor_csv_result;

typedef struct sensor_csv sensor_csv;

/*
 * Opens path and reads its header. Returns NULL on failure with
 * "PATH: reason" or "PATH:LINE: reason" in error.
 */
sensor_csv *sensor_csv_open(const char *path, char *error, size_t error_size);

/* As sensor_csv_open, over text in memory (not copied: it must outlive the reader). */
sensor_csv *sensor_csv_open_memory(const char *text, size_t len, const char *name, char *error,
                                   size_t error_size);

/*
 * Reads the next row into *reading. Returns SENSOR_CSV_OK, SENSOR_CSV_END,
 * or an error with "NAME:LINE: reason" in error; after an error the next
 * call reads the row after the bad one, so a caller may count and skip.
 */
sensor_csv_result sensor_csv_next(sensor_csv *reader, sensor_reading *reading, char *error,
                                  size_t error_size);

/* Returns the 1-based line number of the row last read. */
unsigned long sensor_csv_line(const sensor_csv *reader);

void sensor_csv_close(sensor_csv *reader);

/*
 * Parses "YYYY-MM-DDTHH:MM:SS" (UTC, optionally followed by 'Z') into ms
 * since the Unix epoch. Returns 0, or -1 when text is not such a time.
 */
int sensor_parse_timestamp(const char *text, int64_t *out_ms);

#endif
