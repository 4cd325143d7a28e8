/*
 * Connection behaviour against a scripted fake broker on 127.0.0.1: the
 * CONNECT handshake (version, token), broker errors, PING/PONG and our own
 * keep-alive, and the faults a real broker rarely shows on demand (closing
 * mid-frame, malformed and oversized frames, refused connections).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pulsar/commands.h"
#include "pulsar/frame.h"
#include "pulsar/proto_wire.h"
#include "pulsar/pulsar.h"

#include "fake_broker.h"

static pulsar_client *client_for(const fake_broker *broker, const char *token,
                                 uint32_t keepalive_ms)
{
    char url[64];
    snprintf(url, sizeof url, "pulsar://127.0.0.1:%u", (unsigned)broker->port);
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    config.auth_token = token;
    config.operation_timeout_ms = 5000;
    if (keepalive_ms > 0) {
        config.keepalive_interval_ms = keepalive_ms;
    }
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(&config, &client), PULSAR_OK);
    return client;
}

typedef struct {
    bool saw_token;
    bool saw_version;
    bool saw_topic;
    bool saw_pong;
    bool saw_ping;
} script_result;

static void script_handshake(int fd, void *arg)
{
    script_result *result = arg;
    uint8_t buf[4096];
    proto_bytes command;
    proto_field field;

    if (read_command(fd, buf, sizeof buf, &command) != CMD_CONNECT) {
        return;
    }
    proto_bytes connect = sub_message(command, CMD_CONNECT);
    proto_field method;
    result->saw_token =
        find_field(connect, 5, &method) && proto_bytes_equal(method.bytes, "token") &&
        find_field(connect, 3, &field) && proto_bytes_equal(field.bytes, "hdr.payload.sig");
    result->saw_version = find_field(connect, 4, &field) && field.varint == 19 &&
                          find_field(connect, 1, &field) && field.bytes.len > 0;
    write_connected(fd);

    /* The client must send PONG for this PING before the script serves the request. */
    proto_buf empty;
    proto_buf_init(&empty);
    write_command(fd, CMD_PING, &empty);
    proto_buf_free(&empty);
    proto_bytes request = {NULL, 0};
    uint8_t request_buf[4096];
    for (int i = 0; i < 3 && (!result->saw_pong || request.len == 0); i++) {
        uint32_t type = read_command(fd, buf, sizeof buf, &command);
        if (type == CMD_PONG) {
            result->saw_pong = true;
        } else if (type == CMD_PARTITIONED_METADATA) {
            memcpy(request_buf, command.data, command.len);
            request.data = request_buf;
            request.len = command.len;
            proto_bytes body = sub_message(command, CMD_PARTITIONED_METADATA);
            result->saw_topic = find_field(body, 1, &field) &&
                                proto_bytes_equal(field.bytes, "persistent://public/default/t");
        }
    }
    if (request.len > 0) {
        answer_partitions(fd, request, 3);
    }
    /* Wait for the client to hang up. */
    read_command(fd, buf, sizeof buf, &command);
}

static void handshake_sends_token_and_answers_ping(void **state)
{
    (void)state;
    fake_broker broker;
    script_result result = {0};
    fake_broker_start(&broker, script_handshake, &result);
    pulsar_client *client = client_for(&broker, "hdr.payload.sig", 0);

    uint32_t partitions = 0;
    assert_int_equal(pulsar_client_partition_count(client, "t", &partitions), PULSAR_OK);
    assert_int_equal(partitions, 3);
    pulsar_client_close(client);
    fake_broker_stop(&broker);

    assert_true(result.saw_token);
    assert_true(result.saw_version);
    assert_true(result.saw_topic);
    assert_true(result.saw_pong);
}

static void script_reject_connect(int fd, void *arg)
{
    (void)arg;
    uint8_t buf[4096];
    proto_bytes command;
    if (read_command(fd, buf, sizeof buf, &command) != CMD_CONNECT) {
        return;
    }
    proto_buf body;
    proto_buf_init(&body);
    proto_put_uint_field(&body, 1, UINT64_MAX);
    proto_put_uint_field(&body, 2, 3); /* AuthenticationError */
    proto_put_string_field(&body, 3, "Failed to authenticate");
    write_command(fd, CMD_ERROR, &body);
    proto_buf_free(&body);
}

static void rejected_connect_reports_broker_error(void **state)
{
    (void)state;
    fake_broker broker;
    fake_broker_start(&broker, script_reject_connect, NULL);
    pulsar_client *client = client_for(&broker, "wrong", 0);
    uint32_t partitions = 99;
    assert_int_equal(pulsar_client_partition_count(client, "t", &partitions),
                     PULSAR_ERR_BROKER_AUTHENTICATION);
    assert_int_equal(partitions, 99);
    pulsar_client_close(client);
    fake_broker_stop(&broker);
}

typedef enum { FAULT_HALF_FRAME, FAULT_GARBAGE, FAULT_OVERSIZED, FAULT_SILENCE } fault_kind;

static void script_fault(int fd, void *arg)
{
    fault_kind fault = *(fault_kind *)arg;
    uint8_t buf[4096];
    proto_bytes command;
    if (read_command(fd, buf, sizeof buf, &command) != CMD_CONNECT) {
        return;
    }
    write_connected(fd);
    if (read_command(fd, buf, sizeof buf, &command) != CMD_PARTITIONED_METADATA) {
        return;
    }
    if (fault == FAULT_HALF_FRAME) {
        static const uint8_t half[] = {0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x1C, 0x08};
        send(fd, half, sizeof half, MSG_NOSIGNAL);
        return; /* closing now cuts the frame short */
    }
    if (fault == FAULT_GARBAGE) {
        static const uint8_t garbage[] = {0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
                                          0x00, 0x03, 0x0B, 0xFF, 0xFF};
        send(fd, garbage, sizeof garbage, MSG_NOSIGNAL);
    } else if (fault == FAULT_OVERSIZED) {
        static const uint8_t huge[] = {0x7F, 0x00, 0x00, 0x00};
        send(fd, huge, sizeof huge, MSG_NOSIGNAL);
    } else {
        /* Silence: the client's PING goes unanswered. */
        uint32_t type = read_command(fd, buf, sizeof buf, &command);
        *(fault_kind *)arg = type == CMD_PING ? FAULT_SILENCE : FAULT_GARBAGE;
    }
    /* Keep the socket open until the client closes it. */
    read_command(fd, buf, sizeof buf, &command);
}

static pulsar_result run_fault(fault_kind *fault, uint32_t keepalive_ms)
{
    fake_broker broker;
    fake_broker_start(&broker, script_fault, fault);
    pulsar_client *client = client_for(&broker, NULL, keepalive_ms);
    uint32_t partitions = 0;
    pulsar_result rc = pulsar_client_partition_count(client, "t", &partitions);
    pulsar_client_close(client);
    fake_broker_stop(&broker);
    return rc;
}

static void broker_closing_mid_frame_fails_request(void **state)
{
    (void)state;
    fault_kind fault = FAULT_HALF_FRAME;
    assert_int_equal(run_fault(&fault, 0), PULSAR_ERR_DISCONNECTED);
}

static void malformed_frame_fails_request(void **state)
{
    (void)state;
    fault_kind fault = FAULT_GARBAGE;
    assert_int_equal(run_fault(&fault, 0), PULSAR_ERR_MALFORMED);
}

static void oversized_frame_fails_request(void **state)
{
    (void)state;
    fault_kind fault = FAULT_OVERSIZED;
    assert_int_equal(run_fault(&fault, 0), PULSAR_ERR_TOO_LARGE);
}

static void silent_broker_times_out_after_ping(void **state)
{
    (void)state;
    fault_kind fault = FAULT_SILENCE;
    struct timespec start;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(run_fault(&fault, 200), PULSAR_ERR_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &end);
    /* The script saw our PING, and the keep-alive (not the 5 s request limit) ended it. */
    assert_int_equal(fault, FAULT_SILENCE);
    assert_true(end.tv_sec - start.tv_sec < 4);
}

static void refused_connection_reports_connect_error(void **state)
{
    (void)state;
    /* A port that was just free has no listener. */
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);

    char url[64];
    snprintf(url, sizeof url, "pulsar://127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = url;
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(&config, &client), PULSAR_OK);
    uint32_t partitions = 0;
    assert_int_equal(pulsar_client_partition_count(client, "t", &partitions), PULSAR_ERR_CONNECT);
    pulsar_client_close(client);
}

static void client_rejects_bad_urls(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        pulsar_result expected;
    } cases[] = {
        {"http://127.0.0.1:8080", PULSAR_ERR_INVALID_URL},
        {"pulsar://127.0.0.1", PULSAR_ERR_INVALID_URL},
        {"pulsar://127.0.0.1:0", PULSAR_ERR_INVALID_URL},
        {"pulsar://127.0.0.1:70000", PULSAR_ERR_INVALID_URL},
        {"pulsar://:6650", PULSAR_ERR_INVALID_URL},
        {"pulsar://127.0.0.1:66x", PULSAR_ERR_INVALID_URL},
        {"pulsar+ssl://127.0.0.1:6651", PULSAR_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pulsar_client_config config;
        pulsar_client_config_init(&config);
        config.service_url = cases[i].url;
        pulsar_client *client = NULL;
        assert_int_equal(pulsar_client_create(&config, &client), cases[i].expected);
        assert_null(client);
    }
    pulsar_client *client = NULL;
    assert_int_equal(pulsar_client_create(NULL, &client), PULSAR_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handshake_sends_token_and_answers_ping),
        cmocka_unit_test(rejected_connect_reports_broker_error),
        cmocka_unit_test(broker_closing_mid_frame_fails_request),
        cmocka_unit_test(malformed_frame_fails_request),
        cmocka_unit_test(oversized_frame_fails_request),
        cmocka_unit_test(silent_broker_times_out_after_ping),
        cmocka_unit_test(refused_connection_reports_connect_error),
        cmocka_unit_test(client_rejects_bad_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
