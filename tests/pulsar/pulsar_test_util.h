/*
 * Helpers shared by the Pulsar integration tests: connecting to the broker
 * named by SWITCHYARD_TEST_PULSAR_URL, admin calls through
 * SWITCHYARD_TEST_ADMIN_URL, unique topic names, and a send counter.
 */
#ifndef SWITCHYARD_TESTS_PULSAR_TEST_UTIL_H
#define SWITCHYARD_TESTS_PULSAR_TEST_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin/admin_http.h"
#include "pulsar/pulsar.h"

typedef struct {
    pulsar_client *client;
    admin_http *admin;
    char prefix[64]; /* unique per test program run */
} pulsar_fixture;

/* cmocka group setup and teardown: fail when the environment names no broker. */
int pulsar_fixture_setup(void **state);
int pulsar_fixture_teardown(void **state);

/* Writes "persistent://public/default/<prefix>-<name>" into out. */
void pulsar_test_topic(const pulsar_fixture *fixture, const char *name, char *out, size_t size);

/* Runs an admin request and asserts its status. */
void pulsar_test_admin(pulsar_fixture *fixture, const char *method, const char *path,
                       const char *body, long expected_status);

/* Counts async send completions; the callback's user_data is a send_counter. */
typedef struct {
    pthread_mutex_t lock;
    size_t ok;
    size_t failed;
    size_t duplicates;
    pulsar_result first_error;
    int64_t last_sequence_id;
    bool in_order;
} send_counter;

void send_counter_init(send_counter *counter);
void send_counter_callback(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                           void *user_data);
/* Waits up to timeout_ms until ok + failed reaches total; returns ok + failed. */
size_t send_counter_wait(send_counter *counter, size_t total, int timeout_ms);

/* Sends a message with payload text (and key, may be NULL) synchronously; asserts success. */
void pulsar_test_send(pulsar_producer *producer, const char *text, const char *key);

/* Receives until timeout_ms of silence; stores up to max payloads (NUL-terminated copies,
 * caller frees) and acknowledges each. Returns how many arrived. */
size_t pulsar_test_drain(pulsar_consumer *consumer, char **payloads, size_t max, int timeout_ms);

#endif
