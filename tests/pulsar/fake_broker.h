/*
 * A scripted fake Pulsar broker for unit tests: it listens on 127.0.0.1, accepts
 * one connection and runs a script function on it in its own thread. The
 * helpers read and write frames as a broker would.
 */
#ifndef SWITCHYARD_TESTS_PULSAR_FAKE_BROKER_H
#define SWITCHYARD_TESTS_PULSAR_FAKE_BROKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pulsar/proto_wire.h"

typedef void (*broker_script)(int fd, void *arg);

typedef struct {
    int listen_fd;
    uint16_t port;
    broker_script script;
    void *arg;
    pthread_t thread;
} fake_broker;

/* Listens on an ephemeral port (broker->port) and runs script on the first connection. */
void fake_broker_start(fake_broker *broker, broker_script script, void *arg);
/* Waits for the script to finish and closes the listening socket. */
void fake_broker_stop(fake_broker *broker);

/* Reads one frame into buf and sets *command to its BaseCommand bytes. Returns the command
 * type, or 0 on an error or at the end of the stream. */
uint32_t read_command(int fd, uint8_t *buf, size_t cap, proto_bytes *command);
/* Returns the sub-message of `type` in a BaseCommand (empty when absent). */
proto_bytes sub_message(proto_bytes command, uint32_t type);
/* Finds field `number` in a message; false when absent. */
bool find_field(proto_bytes message, uint32_t number, proto_field *out);
void write_frame(int fd, const proto_buf *frame);
/* Writes a BaseCommand of `type` whose sub-message is body. */
void write_command(int fd, uint32_t type, const proto_buf *body);
void write_connected(int fd);
/* Replies to the PARTITIONED_METADATA request in command with `partitions`. */
void answer_partitions(int fd, proto_bytes command, uint32_t partitions);

#endif
