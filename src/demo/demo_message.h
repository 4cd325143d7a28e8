/*
 * The demo's device messages: what the simulator sends and the backends read.
 *
 * A device message is a JSON object:
 *
 *   {"device_id":"25095","timestamp":"2019-05-14T00:00:07Z","command":"NOOP",
 *    "sensor_type":"SDS011","location":"13084","readings":{"P1":2.58,"P2":1.35}}
 *
 * App version 1 devices send NOOP with each reading. App version 2 devices
 * also send PING messages, {"device_id":..,"timestamp":..,"command":"PING",
 * "ping_id":7}, to which a version 2 backend replies with PONG on the
 * environment's replies topic, carrying the same ping_id.
 *
 * Thread safety: every function is pure and may be called from any thread.
 */
#ifndef SWITCHYARD_DEMO_DEMO_MESSAGE_H
#define SWITCHYARD_DEMO_DEMO_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "demo/sensor_csv.h"

#define DEMO_MAX_DEVICE_ID 64
#define DEMO_MAX_COMMAND 32
#define DEMO_MAX_PAYLOAD 2048

typedef enum {
    DEMO_COMMAND_NOOP,
    DEMO_COMMAND_PING,
    DEMO_COMMAND_PONG,
    DEMO_COMMAND_OTHER, /* any other text; the backends count and log it */
} demo_command;

typedef struct {
    char device_id[DEMO_MAX_DEVICE_ID + 1];
    char command_text[DEMO_MAX_COMMAND + 1];
    demo_command command;
    int64_t timestamp_ms;  /* the device's time, ms since the Unix epoch */
    uint64_t ping_id;      /* PING and PONG only, else 0 */
} demo_message;

/*
 * Writes the NOOP message of one reading into out (NUL-terminated).
 * Returns the length, or -1 if out_size is too small.
 */
int demo_reading_message(const sensor_reading *reading, char *out, size_t out_size);

/* Writes a PING (or, with DEMO_COMMAND_PONG, a PONG) message. Returns the length, or -1. */
int demo_ping_message(demo_command command, const char *device_id, int64_t timestamp_ms,
                      uint64_t ping_id, char *out, size_t out_size);

/*
 * Parses a device message. Returns 0, or -1 with the reason in error when
 * the payload is not a JSON object with a string device_id (1 to 64 bytes),
 * a string command (1 to 32 bytes) and a timestamp of the form
 * YYYY-MM-DDTHH:MM:SSZ; PING and PONG also need a non-negative integer ping_id.
 */
int demo_message_parse(const void *payload, size_t len, demo_message *message, char *error,
                       size_t error_size);

/* Formats ms since the Unix epoch as YYYY-MM-DDTHH:MM:SSZ (21 bytes with the NUL). */
void demo_format_time(int64_t ms, char out[21]);

#endif
