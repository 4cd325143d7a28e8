/*
 * Helpers shared by the lake integration tests that run the switchyard
 * program as a child process: starting, signalling and reaping it, plain
 * HTTP requests to the GCS emulator and the Pulsar admin API, and reading
 * lake files back. Every helper fails the running cmocka test on an
 * unexpected error, so callers need no checks of their own.
 */
#ifndef SWITCHYARD_TESTS_LAKE_IT_SUPPORT_H
#define SWITCHYARD_TESTS_LAKE_IT_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lake/lake_buf.h"

/* Returns the variable's value, or NULL after printing what to set when it is missing. */
const char *it_require_env(const char *name);

/* Creates a fresh directory below /tmp named after prefix, into dir. */
void it_make_temp_dir(const char *prefix, char *dir, size_t dir_size);

/* Removes a directory tree made by it_make_temp_dir. */
void it_remove_tree(const char *dir);

/* Writes text to path, replacing the file. */
void it_write_file(const char *path, const char *text);

/*
 * Starts `SWITCHYARD_BIN argv...` with its standard output and error
 * appended to log_path, and returns its pid. argv ends with NULL and does
 * not contain the program itself.
 */
pid_t it_spawn(const char *log_path, const char *const *argv);

/*
 * Waits up to timeout_ms for pid to end and returns its exit status, or
 * 128 + the signal that ended it. Fails the test when it is still running.
 */
int it_wait(pid_t pid, int timeout_ms);

/* Sends signal_number to pid and reaps it like it_wait. */
int it_stop(pid_t pid, int signal_number, int timeout_ms);

/* Prints the last lines of a child's log to standard error, for a failure's context. */
void it_print_log(const char *log_path);

/* Sleeps for ms milliseconds. */
void it_sleep_ms(int ms);

/* A monotonic clock in milliseconds. */
int64_t it_now_ms(void);

/*
 * Sends one HTTP request (body may be NULL) and returns its status, with
 * the response body appended to response when that is not NULL.
 */
long it_http(const char *method, const char *url, const char *body, lake_buf *response);

/* Sends a GET and returns the JSON body, failing the test unless the status is 200. */
json_t *it_http_get_json(const char *url);

/* Creates bucket in the GCS emulator at gcs_url. */
void it_gcs_create_bucket(const char *gcs_url, const char *bucket);

/* Returns the names of every object in bucket as a JSON array of strings. */
json_t *it_gcs_list(const char *gcs_url, const char *bucket);

/* Returns the bytes of one object. */
lake_buf it_gcs_download(const char *gcs_url, const char *bucket, const char *name);

/*
 * Decodes the bytes of a lake file (decompressed by its name's suffix:
 * .gz, .zst or none) into a JSON array with one object per line.
 */
json_t *it_parse_lake_file(const char *name, const lake_buf *bytes);

/* Formats milliseconds since the epoch as the sink writes them: 2026-12-04T13:05:01.123Z. */
void it_format_utc_ms(int64_t ms, char text[32]);

#endif
