#include "demo/sensor_csv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Indexes of the required columns in a row, found from the header. */
typedef struct {
    int sensor_id;
    int sensor_type;
    int location;
    int lat;
    int lon;
    int timestamp;
} column_map;

struct sensor_csv {
    FILE *file;            /* file mode, or NULL */
    const char *text;      /* memory mode */
    size_t text_len;
    size_t text_pos;
    char *name;
    unsigned long line;
    size_t column_count;
    char columns[SENSOR_MAX_COLUMNS][SENSOR_MAX_FIELD];
    column_map map;
};

__attribute__((format(printf, 4, 5))) static void set_error(const sensor_csv *reader, char *error,
                                                            size_t error_size, const char *format,
                                                            ...)
{
    int n = snprintf(error, error_size, "%s:%lu: ", reader->name, reader->line);
    if (n < 0 || (size_t)n >= error_size) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(error + n, error_size - (size_t)n, format, args);
    va_end(args);
}

/*
 * Reads one line without its line end into buffer. Returns 1 for a line,
 * 0 at the end, -1 for a line longer than SENSOR_MAX_LINE (skipped whole),
 * -2 on a read error.
 */
static int read_line(sensor_csv *reader, char *buffer)
{
    size_t len = 0;
    int too_long = 0;
    int got_any = 0;

    for (;;) {
        int c;
        if (reader->file != NULL) {
            c = fgetc(reader->file);
            if (c == EOF && ferror(reader->file)) {
                return -2;
            }
        } else {
            c = reader->text_pos < reader->text_len
                    ? (unsigned char)reader->text[reader->text_pos++]
                    : EOF;
        }
        if (c == EOF) {
            if (!got_any) {
                return 0;
            }
            break;
        }
        got_any = 1;
        if (c == '\n') {
            break;
        }
        if (len < SENSOR_MAX_LINE) {
            buffer[len++] = (char)c;
        } else {
            too_long = 1;
        }
    }
    reader->line++;
    if (len > 0 && buffer[len - 1] == '\r') {
        len--;
    }
    buffer[len] = '\0';
    return too_long ? -1 : 1;
}

/* Splits line at ';' into at most SENSOR_MAX_COLUMNS fields. Returns the count, or -1. */
static int split_fields(char *line, char **fields)
{
    int count = 0;
    char *start = line;
    for (;;) {
        if (count == SENSOR_MAX_COLUMNS) {
            return -1;
        }
        char *end = strchr(start, ';');
        fields[count++] = start;
        if (end == NULL) {
            return count;
        }
        *end = '\0';
        start = end + 1;
    }
}

static int find_column(const sensor_csv *reader, const char *name)
{
    for (size_t i = 0; i < reader->column_count; i++) {
        if (strcmp(reader->columns[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int read_header(sensor_csv *reader, char *error, size_t error_size)
{
    char line[SENSOR_MAX_LINE + 1];
    int rc = read_line(reader, line);
    if (rc == 0) {
        set_error(reader, error, error_size, "empty file: expected a header line");
        return -1;
    }
    if (rc < 0) {
        set_error(reader, error, error_size, rc == -1 ? "header line too long" : "read failed");
        return -1;
    }

    char *fields[SENSOR_MAX_COLUMNS];
    int count = split_fields(line, fields);
    if (count < 0) {
        set_error(reader, error, error_size, "more than %d columns in the header",
                  SENSOR_MAX_COLUMNS);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        size_t len = strlen(fields[i]);
        if (len == 0 || len >= SENSOR_MAX_FIELD) {
            set_error(reader, error, error_size, "header column %d is empty or too long", i + 1);
            return -1;
        }
        memcpy(reader->columns[i], fields[i], len + 1);
    }
    reader->column_count = (size_t)count;

    static const char *const required[] = {"sensor_id", "sensor_type", "location",
                                           "lat",       "lon",         "timestamp"};
    int *slots[] = {&reader->map.sensor_id, &reader->map.sensor_type, &reader->map.location,
                    &reader->map.lat,       &reader->map.lon,         &reader->map.timestamp};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        *slots[i] = find_column(reader, required[i]);
        if (*slots[i] < 0) {
            set_error(reader, error, error_size,
                      "header lacks the '%s' column: is this a Sensor.Community CSV file?",
                      required[i]);
            return -1;
        }
    }
    return 0;
}

static sensor_csv *reader_new(const char *name)
{
    sensor_csv *reader = calloc(1, sizeof *reader);
    if (reader == NULL) {
        return NULL;
    }
    reader->name = strdup(name);
    if (reader->name == NULL) {
        free(reader);
        return NULL;
    }
    return reader;
}

sensor_csv *sensor_csv_open(const char *path, char *error, size_t error_size)
{
    sensor_csv *reader = reader_new(path);
    if (reader == NULL) {
        snprintf(error, error_size, "%s: out of memory", path);
        return NULL;
    }
    reader->file = fopen(path, "rb");
    if (reader->file == NULL) {
        snprintf(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        sensor_csv_close(reader);
        return NULL;
    }
    if (read_header(reader, error, error_size) != 0) {
        sensor_csv_close(reader);
        return NULL;
    }
    return reader;
}

sensor_csv *sensor_csv_open_memory(const char *text, size_t len, const char *name, char *error,
                                   size_t error_size)
{
    sensor_csv *reader = reader_new(name);
    if (reader == NULL) {
        snprintf(error, error_size, "%s: out of memory", name);
        return NULL;
    }
    reader->text = text;
    reader->text_len = len;
    if (read_header(reader, error, error_size) != 0) {
        sensor_csv_close(reader);
        return NULL;
    }
    return reader;
}

/* Digits only: the form of sensor_id and location. */
static int is_digits(const char *text)
{
    if (*text == '\0') {
        return 0;
    }
    for (; *text != '\0'; text++) {
        if (!isdigit((unsigned char)*text)) {
            return 0;
        }
    }
    return 1;
}

/*
 * A reading must be a JSON number without exponent (-?(0|[1-9][0-9]*)(\.[0-9]+)?),
 * so that the simulator can copy its text into a JSON payload unchanged.
 */
static int is_json_decimal(const char *text)
{
    if (*text == '-') {
        text++;
    }
    if (*text == '0') {
        text++;
    } else if (isdigit((unsigned char)*text)) {
        while (isdigit((unsigned char)*text)) {
            text++;
        }
    } else {
        return 0;
    }
    if (*text == '.') {
        text++;
        if (!isdigit((unsigned char)*text)) {
            return 0;
        }
        while (isdigit((unsigned char)*text)) {
            text++;
        }
    }
    return *text == '\0';
}

static int64_t days_from_civil(int64_t year, int64_t month, int64_t day)
{
    /* Days since 1970-01-01 in the proleptic Gregorian calendar. */
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

int sensor_parse_timestamp(const char *text, int64_t *out_ms)
{
    /* Exactly YYYY-MM-DDTHH:MM:SS, optionally with a trailing Z. */
    size_t len = strlen(text);
    if (len != 19 && !(len == 20 && text[19] == 'Z')) {
        return -1;
    }
    static const char pattern[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < 19; i++) {
        if (pattern[i] == 'd' ? !isdigit((unsigned char)text[i]) : text[i] != pattern[i]) {
            return -1;
        }
    }
    int year = atoi(text);
    int month = atoi(text + 5);
    int day = atoi(text + 8);
    int hour = atoi(text + 11);
    int minute = atoi(text + 14);
    int second = atoi(text + 17);
    static const int days_in_month[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > days_in_month[month - 1] || hour > 23 ||
        minute > 59 || second > 59) {
        return -1;
    }
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap) {
        return -1;
    }
    int64_t days = days_from_civil(year, month, day);
    *out_ms = ((days * 24 + hour) * 60 + minute) * 60000LL + second * 1000LL;
    return 0;
}

static void copy_field(char *dest, const char *src)
{
    size_t len = strlen(src);
    memcpy(dest, src, len + 1);
}

sensor_csv_result sensor_csv_next(sensor_csv *reader, sensor_reading *reading, char *error,
                                  size_t error_size)
{
    char line[SENSOR_MAX_LINE + 1];
    int rc;
    do {
        rc = read_line(reader, line);
    } while (rc == 1 && line[0] == '\0'); /* blank lines carry nothing */

    if (rc == 0) {
        return SENSOR_CSV_END;
    }
    if (rc == -2) {
        set_error(reader, error, error_size, "read failed");
        return SENSOR_CSV_IO;
    }
    if (rc == -1) {
        set_error(reader, error, error_size, "line longer than %d bytes", SENSOR_MAX_LINE);
        return SENSOR_CSV_INVALID;
    }

    char *fields[SENSOR_MAX_COLUMNS];
    int count = split_fields(line, fields);
    if (count != (int)reader->column_count) {
        set_error(reader, error, error_size, "%d fields, the header has %zu", count,
                  reader->column_count);
        return SENSOR_CSV_INVALID;
    }
    for (int i = 0; i < count; i++) {
        if (strlen(fields[i]) >= SENSOR_MAX_FIELD) {
            set_error(reader, error, error_size, "field '%s' longer than %d bytes",
                      reader->columns[i], SENSOR_MAX_FIELD - 1);
            return SENSOR_CSV_INVALID;
        }
    }

    memset(reading, 0, sizeof *reading);
    const column_map *map = &reader->map;
    if (!is_digits(fields[map->sensor_id])) {
        set_error(reader, error, error_size, "sensor_id '%s' is not a decimal number",
                  fields[map->sensor_id]);
        return SENSOR_CSV_INVALID;
    }
    if (sensor_parse_timestamp(fields[map->timestamp], &reading->timestamp_ms) != 0) {
        set_error(reader, error, error_size,
                  "timestamp '%s' is not of the form YYYY-MM-DDTHH:MM:SS",
                  fields[map->timestamp]);
        return SENSOR_CSV_INVALID;
    }
    if (!is_digits(fields[map->location])) {
        set_error(reader, error, error_size, "location '%s' is not a decimal number",
                  fields[map->location]);
        return SENSOR_CSV_INVALID;
    }
    copy_field(reading->sensor_id, fields[map->sensor_id]);
    copy_field(reading->sensor_type, fields[map->sensor_type]);
    copy_field(reading->location, fields[map->location]);
    copy_field(reading->lat, fields[map->lat]);
    copy_field(reading->lon, fields[map->lon]);

    for (int i = 0; i < count; i++) {
        int is_required = i == map->sensor_id || i == map->sensor_type || i == map->location ||
                          i == map->lat || i == map->lon || i == map->timestamp;
        if (is_required || fields[i][0] == '\0') {
            continue;
        }
        if (!is_json_decimal(fields[i])) {
            set_error(reader, error, error_size, "reading %s='%s' is not a number",
                      reader->columns[i], fields[i]);
            return SENSOR_CSV_INVALID;
        }
        if (reading->reading_count == SENSOR_MAX_READINGS) {
            set_error(reader, error, error_size, "more than %d readings", SENSOR_MAX_READINGS);
            return SENSOR_CSV_INVALID;
        }
        sensor_value *value = &reading->readings[reading->reading_count++];
        copy_field(value->name, reader->columns[i]);
        copy_field(value->value, fields[i]);
    }
    return SENSOR_CSV_OK;
}

unsigned long sensor_csv_line(const sensor_csv *reader)
{
    return reader->line;
}

void sensor_csv_close(sensor_csv *reader)
{
    if (reader == NULL) {
        return;
    }
    if (reader->file != NULL) {
        fclose(reader->file);
    }
    free(reader->name);
    free(reader);
}
