/*
 * Helpers of the Pulsar integration tests (see pulsar_test_util.h).
 */
#include "pulsar_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void print_log(pulsar_log_level level, const char *message, void *user_data)
{
    (void)user_data;
    fprintf(stderr, "pulsar[%d]: %s\n", (int)level, message);
}

int pulsar_fixture_setup(void **state)
{
    const char *url = getenv("SWITCHYARD_TEST_PULSAR_URL");
    const char *admin_url = getenv("SWITCHYARD_TEST_ADMIN_URL");
    if (url == NULL || url[0] == '\0' || admin_url == NULL || admin_url[0] == '\0') {
        fprintf(stderr, "SWITCHYARD_TEST_PULSAR_URL and SWITCHYARD_TEST_ADMIN_URL must be set: "
                        "run the integration tests through 'make test', which starts the "
                        "broker\n");
        return -1;
    }
    pulsar_fixture *fixture = calloc(1, sizeof *fixture);
    if (fixture == NULL) {
        return -1;
    }
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    config.operation_timeout_ms = 20000;
    config.reconnect_max_backoff_ms = 1000;
    /* SWITCHYARD_TEST_PULSAR_LOG=1 shows the library's events while a test runs. */
    const char *log = getenv("SWITCHYARD_TEST_PULSAR_LOG");
    if (log != NULL && strcmp(log, "1") == 0) {
        config.log_fn = print_log;
    }
    pulsar_result rc = pulsar_client_create(&config, &fixture->client);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "pulsar_client_create(%s) failed: %s\n", url, pulsar_result_str(rc));
        free(fixture);
        return -1;
    }
    fixture->admin = admin_http_new(admin_url, getenv("SWITCHYARD_TEST_ADMIN_TOKEN"), 30000);
    if (fixture->admin == NULL) {
        pulsar_client_close(fixture->client);
        free(fixture);
        return -1;
    }
    snprintf(fixture->prefix, sizeof fixture->prefix, "it-%ld-%ld", (long)getpid(),
             (long)time(NULL));
    *state = fixture;
    return 0;
}

int pulsar_fixture_teardown(void **state)
{
    pulsar_fixture *fixture = *state;
    if (fixture != NULL) {
        pulsar_client_close(fixture->client);
        admin_http_free(fixture->admin);
        free(fixture);
    }
    return 0;
}

void pulsar_test_topic(const pulsar_fixture *fixture, const char *name, char *out, size_t size)
{
    snprintf(out, size, "persistent://public/default/%s-%s", fixture->prefix, name);
}

void pulsar_test_admin(pulsar_fixture *fixture, const char *method, const char *path,
                       const char *body, long expected_status)
{
    admin_response response;
    int rc = admin_http_request(fixture->admin, method, path, body, &response);
    if (rc != 0 || response.status != expected_status) {
        fprintf(stderr, "%s %s: status %ld, expected %ld: %s\n", method, path, response.status,
                expected_status, response.error);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(response.status, expected_status);
    admin_response_clear(&response);
}

void send_counter_init(send_counter *counter)
{
    memset(counter, 0, sizeof *counter);
    pthread_mutex_init(&counter->lock, NULL);
    counter->last_sequence_id = -1;
    counter->in_order = true;
}

void send_counter_callback(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                           void *user_data)
{
    send_counter *counter = user_data;
    pthread_mutex_lock(&counter->lock);
    if (result == PULSAR_OK) {
        counter->ok++;
        if (pulsar_message_id_is_duplicate(id)) {
            counter->duplicates++;
        }
    } else {
        if (counter->failed == 0) {
            counter->first_error = result;
        }
        counter->failed++;
    }
    if (sequence_id <= counter->last_sequence_id) {
        counter->in_order = false;
    }
    counter->last_sequence_id = sequence_id;
    pthread_mutex_unlock(&counter->lock);
}

size_t send_counter_wait(send_counter *counter, size_t total, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        pthread_mutex_lock(&counter->lock);
        size_t done = counter->ok + counter->failed;
        pthread_mutex_unlock(&counter->lock);
        if (done >= total || waited >= timeout_ms) {
            return done;
        }
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

void pulsar_test_send(pulsar_producer *producer, const char *text, const char *key)
{
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = text;
    message.payload_len = strlen(text);
    message.key = key;
    pulsar_result rc = pulsar_producer_send(producer, &message, NULL);
    if (rc != PULSAR_OK) {
        fprintf(stderr, "send of '%s' failed: %s\n", text, pulsar_result_str(rc));
    }
    assert_int_equal(rc, PULSAR_OK);
}

size_t pulsar_test_drain(pulsar_consumer *consumer, char **payloads, size_t max, int timeout_ms)
{
    size_t count = 0;
    pulsar_message *message = NULL;
    while (pulsar_consumer_receive(consumer, timeout_ms, &message) == PULSAR_OK) {
        if (count < max && payloads != NULL) {
            payloads[count] = strndup((const char *)message->payload, message->payload_len);
        }
        count++;
        assert_int_equal(pulsar_consumer_ack(consumer, &message->id), PULSAR_OK);
        pulsar_message_free(message);
    }
    return count;
}
