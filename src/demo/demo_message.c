#include "demo/demo_message.h"

#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void demo_format_time(int64_t ms, char out[21])
{
    time_t seconds = (time_t)(ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &utc);
}

/* Appends formatted text at *used; returns -1 once out is full. */
__attribute__((format(printf, 4, 5))) static int append(char *out, size_t out_size, size_t *used,
                                                        const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(out + *used, out_size - *used, format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= out_size - *used) {
        return -1;
    }
    *used += (size_t)n;
    return 0;
}

int demo_reading_message(const sensor_reading *reading, char *out, size_t out_size)
{
    char when[21];
    demo_format_time(reading->timestamp_ms, when);
    size_t used = 0;

    /* Every field was validated by the CSV reader: ids are digits, readings JSON numbers. */
    if (append(out, out_size, &used,
               "{\"device_id\":\"%s\",\"timestamp\":\"%s\",\"command\":\"NOOP\","
               "\"sensor_type\":\"%s\",\"location\":\"%s\",\"readings\":{",
               reading->sensor_id, when, reading->sensor_type, reading->location) != 0) {
        return -1;
    }
    for (size_t i = 0; i < reading->reading_count; i++) {
        if (append(out, out_size, &used, "%s\"%s\":%s", i > 0 ? "," : "",
                   reading->readings[i].name, reading->readings[i].value) != 0) {
            return -1;
        }
    }
    if (append(out, out_size, &used, "}}") != 0) {
        return -1;
    }
    return (int)used;
}

int demo_ping_message(demo_command command, const char *device_id, int64_t timestamp_ms,
                      uint64_t ping_id, char *out, size_t out_size)
{
    char when[21];
    demo_format_time(timestamp_ms, when);
    size_t used = 0;
    const char *name = command == DEMO_COMMAND_PONG ? "PONG" : "PING";
    if (append(out, out_size, &used,
               "{\"device_id\":\"%s\",\"timestamp\":\"%s\",\"command\":\"%s\",\"ping_id\":%" PRIu64
               "}",
               device_id, when, name, ping_id) != 0) {
        return -1;
    }
    return (int)used;
}

static int parse_time(const char *text, int64_t *ms)
{
    return sensor_parse_timestamp(text, ms) == 0 && strlen(text) == 20 ? 0 : -1;
}

int demo_message_parse(const void *payload, size_t len, demo_message *message, char *error,
                       size_t error_size)
{
    memset(message, 0, sizeof *message);
    json_error_t json_error;
    json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &json_error);
    if (root == NULL) {
        snprintf(error, error_size, "payload is not JSON: %s", json_error.text);
        return -1;
    }

    int rc = -1;
    const char *device_id = json_string_value(json_object_get(root, "device_id"));
    const char *command = json_string_value(json_object_get(root, "command"));
    const char *timestamp = json_string_value(json_object_get(root, "timestamp"));
    if (!json_is_object(root)) {
        snprintf(error, error_size, "payload is not a JSON object");
    } else if (device_id == NULL || device_id[0] == '\0' ||
               strlen(device_id) > DEMO_MAX_DEVICE_ID) {
        snprintf(error, error_size, "device_id is missing, not a string, or not 1 to %d bytes",
                 DEMO_MAX_DEVICE_ID);
    } else if (command == NULL || command[0] == '\0' || strlen(command) > DEMO_MAX_COMMAND) {
        snprintf(error, error_size, "command is missing, not a string, or not 1 to %d bytes",
                 DEMO_MAX_COMMAND);
    } else if (timestamp == NULL || parse_time(timestamp, &message->timestamp_ms) != 0) {
        snprintf(error, error_size, "timestamp is missing or not of the form YYYY-MM-DDTHH:MM:SSZ");
    } else {
        strcpy(message->device_id, device_id);
        strcpy(message->command_text, command);
        if (strcmp(command, "NOOP") == 0) {
            message->command = DEMO_COMMAND_NOOP;
        } else if (strcmp(command, "PING") == 0) {
            message->command = DEMO_COMMAND_PING;
        } else if (strcmp(command, "PONG") == 0) {
            message->command = DEMO_COMMAND_PONG;
        } else {
            message->command = DEMO_COMMAND_OTHER;
        }
        rc = 0;
        if (message->command == DEMO_COMMAND_PING || message->command == DEMO_COMMAND_PONG) {
            json_t *ping_id = json_object_get(root, "ping_id");
            if (!json_is_integer(ping_id) || json_integer_value(ping_id) < 0) {
                snprintf(error, error_size, "%s without a non-negative integer ping_id", command);
                rc = -1;
            } else {
                message->ping_id = (uint64_t)json_integer_value(ping_id);
            }
        }
    }
    json_decref(root);
    return rc;
}
