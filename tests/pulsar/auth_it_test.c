/*
 * Token authentication against a broker with authentication and
 * authorization enabled (scripts/pulsar-auth.sh): a valid token works end
 * to end, a token signed with another key is rejected with the broker's
 * authentication error, and a role without permissions with its
 * authorization error.
 *
 * Needs SWITCHYARD_TEST_AUTH_PULSAR_URL, SWITCHYARD_TEST_AUTH_SECRET_FILE and
 * SWITCHYARD_TEST_AUTH_SUPERUSER (printed by `scripts/pulsar-auth.sh env`); fails
 * without them.
 */
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

#include "common/jwt.h"
#include "pulsar/pulsar.h"

typedef struct {
    const char *url;
    const char *superuser;
    unsigned char *key;
    size_t key_len;
} auth_fixture;

static int setup(void **state)
{
    const char *names[] = {"SWITCHYARD_TEST_AUTH_PULSAR_URL", "SWITCHYARD_TEST_AUTH_SECRET_FILE",
                           "SWITCHYARD_TEST_AUTH_SUPERUSER"};
    for (size_t i = 0; i < 3; i++) {
        const char *value = getenv(names[i]);
        if (value == NULL || value[0] == '\0') {
            fprintf(stderr,
                    "%s is not set: run the integration tests through 'make test', "
                    "which starts the authenticating broker\n",
                    names[i]);
            return -1;
        }
    }
    auth_fixture *fixture = calloc(1, sizeof *fixture);
    if (fixture == NULL) {
        return -1;
    }
    fixture->url = getenv("SWITCHYARD_TEST_AUTH_PULSAR_URL");
    fixture->superuser = getenv("SWITCHYARD_TEST_AUTH_SUPERUSER");
    char error[256];
    if (sy_jwt_read_key(getenv("SWITCHYARD_TEST_AUTH_SECRET_FILE"), &fixture->key,
                        &fixture->key_len, error, sizeof error) != 0) {
        fprintf(stderr, "reading the secret key failed: %s\n", error);
        free(fixture);
        return -1;
    }
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    auth_fixture *fixture = *state;
    memset(fixture->key, 0, fixture->key_len);
    free(fixture->key);
    free(fixture);
    return 0;
}

/* Creates a producer with token as credentials; returns the result and closes everything. */
static pulsar_result try_producer(const auth_fixture *fixture, const char *token, const char *topic,
                                  bool round_trip)
{
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = fixture->url;
    config.auth_token = token;
    config.operation_timeout_ms = 10000;
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(&config, &client), PULSAR_OK);

    pulsar_producer_config producer_config;
    pulsar_producer_config_init(&producer_config);
    producer_config.topic = topic;
    pulsar_producer *producer = NULL;
    pulsar_result rc = pulsar_producer_create(client, &producer_config, &producer);
    if (rc == PULSAR_OK && round_trip) {
        pulsar_consumer_config consumer_config;
        pulsar_consumer_config_init(&consumer_config);
        consumer_config.topic = topic;
        consumer_config.subscription = "auth";
        consumer_config.initial_position = PULSAR_POSITION_EARLIEST;
        pulsar_consumer *consumer = NULL;
        assert_int_equal(pulsar_consumer_subscribe(client, &consumer_config, &consumer), PULSAR_OK);
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = "authorized";
        message.payload_len = 10;
        assert_int_equal(pulsar_producer_send(producer, &message, NULL), PULSAR_OK);
        pulsar_message *received = NULL;
        assert_int_equal(pulsar_consumer_receive(consumer, 10000, &received), PULSAR_OK);
        assert_int_equal(received->payload_len, 10);
        assert_memory_equal(received->payload, "authorized", 10);
        pulsar_consumer_ack(consumer, &received->id);
        pulsar_message_free(received);
        pulsar_consumer_close(consumer);
    }
    pulsar_producer_close(producer);
    pulsar_client_close(client);
    return rc;
}

static void topic_name(char *out, size_t size, const char *name)
{
    snprintf(out, size, "persistent://public/default/auth-%ld-%ld-%s", (long)getpid(),
             (long)time(NULL), name);
}

static void valid_token_round_trips(void **state)
{
    auth_fixture *fixture = *state;
    char topic[256];
    topic_name(topic, sizeof topic, "valid");
    char *token = sy_jwt_mint(fixture->key, fixture->key_len, fixture->superuser, 0);
    assert_non_null(token);
    assert_int_equal(try_producer(fixture, token, topic, true), PULSAR_OK);
    free(token);
}

static void foreign_key_token_is_rejected(void **state)
{
    auth_fixture *fixture = *state;
    unsigned char other_key[SY_JWT_MIN_KEY_BYTES];
    memset(other_key, 'x', sizeof other_key);
    char topic[256];
    topic_name(topic, sizeof topic, "foreign");
    char *token = sy_jwt_mint(other_key, sizeof other_key, fixture->superuser, 0);
    assert_non_null(token);
    assert_int_equal(try_producer(fixture, token, topic, false), PULSAR_ERR_BROKER_AUTHENTICATION);
    free(token);
}

static void role_without_permission_is_rejected(void **state)
{
    auth_fixture *fixture = *state;
    char topic[256];
    topic_name(topic, sizeof topic, "unauthorized");
    char *token = sy_jwt_mint(fixture->key, fixture->key_len, "no-permissions", 0);
    assert_non_null(token);
    assert_int_equal(try_producer(fixture, token, topic, false), PULSAR_ERR_BROKER_AUTHORIZATION);
    free(token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_token_round_trips),
        cmocka_unit_test(foreign_key_token_is_rejected),
        cmocka_unit_test(role_without_permission_is_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
