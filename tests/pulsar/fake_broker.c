/*
 * The scripted fake broker of fake_broker.h.
 */
#include "fake_broker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pulsar/commands.h"
#include "pulsar/frame.h"

static void *fake_broker_main(void *data)
{
    fake_broker *broker = data;
    int fd = accept(broker->listen_fd, NULL, NULL);
    if (fd >= 0) {
        broker->script(fd, broker->arg);
        close(fd);
    }
    return NULL;
}

void fake_broker_start(fake_broker *broker, broker_script script, void *arg)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    broker->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(broker->listen_fd >= 0);
    assert_int_equal(bind(broker->listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(broker->listen_fd, 4), 0);
    assert_int_equal(getsockname(broker->listen_fd, (struct sockaddr *)&addr, &len), 0);
    broker->port = ntohs(addr.sin_port);
    broker->script = script;
    broker->arg = arg;
    assert_int_equal(pthread_create(&broker->thread, NULL, fake_broker_main, broker), 0);
}

void fake_broker_stop(fake_broker *broker)
{
    pthread_join(broker->thread, NULL);
    close(broker->listen_fd);
}

static bool read_all(int fd, uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = recv(fd, data, len, 0);
        if (n <= 0) {
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

uint32_t read_command(int fd, uint8_t *buf, size_t cap, proto_bytes *command)
{
    uint8_t size_bytes[4];
    if (!read_all(fd, size_bytes, 4)) {
        return 0;
    }
    uint32_t total = ((uint32_t)size_bytes[0] << 24) | ((uint32_t)size_bytes[1] << 16) |
                     ((uint32_t)size_bytes[2] << 8) | size_bytes[3];
    if (total + 4 > cap) {
        return 0;
    }
    memcpy(buf, size_bytes, 4);
    if (!read_all(fd, buf + 4, total)) {
        return 0;
    }
    frame_view view;
    if (frame_decode(buf, total + 4, &view) != PULSAR_OK) {
        return 0;
    }
    *command = view.command;
    proto_cursor cursor;
    proto_field field;
    proto_cursor_init(&cursor, view.command.data, view.command.len);
    while (proto_next_field(&cursor, &field) == 1) {
        if (field.number == 1) {
            return (uint32_t)field.varint;
        }
    }
    return 0;
}

proto_bytes sub_message(proto_bytes command, uint32_t type)
{
    proto_cursor cursor;
    proto_field field;
    proto_bytes none = {NULL, 0};
    proto_cursor_init(&cursor, command.data, command.len);
    while (proto_next_field(&cursor, &field) == 1) {
        if (field.number == type && field.wire_type == PROTO_WIRE_LEN) {
            return field.bytes;
        }
    }
    return none;
}

bool find_field(proto_bytes message, uint32_t number, proto_field *out)
{
    proto_cursor cursor;
    proto_cursor_init(&cursor, message.data, message.len);
    while (proto_next_field(&cursor, out) == 1) {
        if (out->number == number) {
            return true;
        }
    }
    return false;
}

void write_frame(int fd, const proto_buf *frame)
{
    assert_int_equal(send(fd, frame->data, frame->len, MSG_NOSIGNAL), (ssize_t)frame->len);
}

void write_command(int fd, uint32_t type, const proto_buf *body)
{
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    proto_put_uint_field(&frame, 1, type);
    proto_put_bytes_field(&frame, type, body->data, body->len);
    frame_end_simple(&frame, start);
    write_frame(fd, &frame);
    proto_buf_free(&frame);
}

void write_connected(int fd)
{
    proto_buf body;
    proto_buf_init(&body);
    proto_put_string_field(&body, 1, "fake broker");
    proto_put_int_field(&body, 2, 19);
    write_command(fd, CMD_CONNECTED, &body);
    proto_buf_free(&body);
}

void answer_partitions(int fd, proto_bytes command, uint32_t partitions)
{
    proto_field request_id;
    assert_true(find_field(sub_message(command, CMD_PARTITIONED_METADATA), 2, &request_id));
    proto_buf body;
    proto_buf_init(&body);
    proto_put_uint_field(&body, 1, partitions);
    proto_put_uint_field(&body, 2, request_id.varint);
    write_command(fd, CMD_PARTITIONED_METADATA_RESPONSE, &body);
    proto_buf_free(&body);
}
