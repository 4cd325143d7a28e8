/*
 * Internal structures shared by the files of the Pulsar client.
 *
 * Invariants:
 *   1. Every field of the client, its connections, producers and consumers
 *      is read and written only with client->lock held.
 *   2. Only the I/O thread reads from or writes to sockets, and only it frees
 *      a connection. Other threads append bytes to a connection's output
 *      buffer and wake the I/O thread through the pipe.
 *   3. Asynchronous work (lookups, requests) refers to producer and consumer
 *      parts by id, never by pointer, so a part closed while a request is in
 *      flight is simply not found when the response arrives.
 *   4. Every registered request's callback runs exactly once, with the lock
 *      held: on its response, on connection loss, on time-out or on cancel.
 *   5. User callbacks never run with the lock held: they are queued as
 *      deferred calls and run after the lock is released.
 */
#ifndef SWITCHYARD_PULSAR_CLIENT_INTERNAL_H
#define SWITCHYARD_PULSAR_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pulsar/commands.h"
#include "pulsar/frame.h"
#include "pulsar/proto_wire.h"
#include "pulsar/pulsar.h"

typedef struct conn conn;
typedef struct producer_part producer_part;
typedef struct consumer_part consumer_part;

/* ---------------------------------------------------------------- connections */

typedef enum {
    CONN_CONNECTING, /* TCP connect in progress */
    CONN_HANDSHAKE,  /* CONNECT sent, waiting for CONNECTED */
    CONN_READY,
    CONN_CLOSED, /* failed or closed; freed by the I/O thread */
} conn_state;

/* Called once per request, lock held, with the connection that carried it (still
 * allocated during the call); cmd is NULL unless a response arrived. */
typedef void (*conn_response_fn)(pulsar_client *client, conn *c, void *context,
                                 pulsar_result result, const proto_command *cmd);

typedef struct conn_request {
    uint64_t request_id;
    conn_response_fn fn;
    void *context;
    uint64_t deadline_ms;
    struct conn_request *next;
} conn_request;

struct conn {
    pulsar_client *client;
    char *host;
    uint16_t port;
    int fd;
    conn_state state;
    pulsar_result error; /* why the connection closed */
    proto_buf out;       /* bytes to write; out_pos of them are written */
    size_t out_pos;
    proto_buf held;       /* commands queued before CONNECTED */
    proto_buf in;         /* bytes read, not yet a whole frame */
    uint64_t deadline_ms; /* end of connect plus handshake */
    uint64_t last_received_ms;
    uint64_t ping_sent_ms; /* 0 when no PING is outstanding */
    uint32_t max_message_size;
    conn_request *requests;
    conn *next;
};

/* Returns the open (or opening) connection to host:port, creating one. NULL when out of
 * memory. */
conn *conn_get(pulsar_client *client, const char *host, uint16_t port);
/* Queues one encoded frame for writing (held until CONNECTED). False when out of memory. */
bool conn_send(conn *c, const proto_buf *frame);
/* Registers a request and queues its frame; on failure calls fn at once with the error. */
void conn_request_send(conn *c, uint64_t request_id, const proto_buf *frame, conn_response_fn fn,
                       void *context);
/* Removes request request_id wherever it is and calls its fn with PULSAR_ERR_CLOSED. */
void client_cancel_request(pulsar_client *client, uint64_t request_id);
/* Closes a connection: fails its requests and disconnects its producers and consumers. */
void conn_fail(conn *c, pulsar_result error);
/* I/O thread: socket events and timers of every connection. */
void conn_handle_events(conn *c, short revents, uint64_t now_ms);
void conn_check_timers(conn *c, uint64_t now_ms);
void conn_free(conn *c);
/* Parses "pulsar://host:port" into a new host string and port. */
pulsar_result conn_parse_url(const char *url, char **host_out, uint16_t *port_out);

/* ---------------------------------------------------------------- lookup */

/* Result of a lookup: the connection serving the topic, or an error. */
typedef void (*lookup_done_fn)(pulsar_client *client, uint64_t owner_id, pulsar_result result,
                               conn *broker);

/* Starts a lookup of topic for the part owner_id; done runs once, lock held. */
void lookup_start(pulsar_client *client, const char *topic, uint64_t owner_id, lookup_done_fn done);
/* Blocking: partition count of topic (0 when not partitioned). Lock held on entry. */
pulsar_result lookup_partitions_locked(pulsar_client *client, const char *topic,
                                       uint32_t *partitions_out);
/* Returns topic in its full form "persistent://tenant/ns/name" in a new string. */
char *lookup_full_topic(const char *topic);

/* ---------------------------------------------------------------- client */

typedef enum { DEFER_SEND, DEFER_LOG } defer_kind;

typedef struct {
    defer_kind kind;
    pulsar_send_callback callback;
    void *user_data;
    pulsar_result result;
    pulsar_message_id id;
    int64_t sequence_id;
    pulsar_log_level level;
    char *text;
} deferred_call;

struct pulsar_client {
    pulsar_client_config config;
    char *service_url;
    char *auth_token;
    char *service_host;
    uint16_t service_port;

    pthread_mutex_t lock;
    pthread_cond_t cond; /* broadcast on every state change that a caller may wait for */
    pthread_t thread;
    bool thread_started;
    int wake_pipe[2];
    bool wake_pending;
    bool stopping;

    conn *conns;
    uint64_t next_id; /* request, producer and consumer ids; unique per client */

    producer_part *producer_parts;
    consumer_part *consumer_parts;
    pulsar_producer *producers;
    pulsar_consumer *consumers;

    deferred_call *deferred;
    size_t deferred_len;
    size_t deferred_cap;
    uint64_t deferred_pushed; /* deferred calls queued, ever */
    uint64_t deferred_ran;    /* deferred calls finished, ever */
};

uint64_t client_now_ms(void);
uint64_t client_next_id(pulsar_client *client);
/* Makes the I/O thread run its loop soon (it re-reads sockets, buffers and timers). */
void client_wake(pulsar_client *client);
/* True on the client's I/O thread, where blocking calls are not allowed. */
bool client_on_io_thread(const pulsar_client *client);
/* Queues a user callback to run after the lock is released. */
void client_defer_send(pulsar_client *client, pulsar_send_callback callback, void *user_data,
                       pulsar_result result, const pulsar_message_id *id, int64_t sequence_id);
/* Formats and queues one log line when a log callback is set. */
void client_log(pulsar_client *client, pulsar_log_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* Runs the deferred calls; the lock must NOT be held. */
void client_run_deferred(pulsar_client *client);
/* Waits, lock held, until every deferred call queued so far has run (or the I/O thread
 * stopped), so that a caller sees the callbacks of the messages it waited for. */
void client_wait_deferred(pulsar_client *client);
/* Waits on client->cond until deadline_ms (0: without limit); false on time-out. */
bool client_wait_until(pulsar_client *client, uint64_t deadline_ms);
/* Next reconnect delay after `backoff_ms`, doubling up to the configured maximum. */
uint32_t client_next_backoff(const pulsar_client *client, uint32_t backoff_ms);

/* ---------------------------------------------------------------- producer and consumer hooks */

/* Connection events, called with the lock held on the I/O thread. */
void producer_handle_receipt(pulsar_client *client, const proto_command *cmd);
void producer_handle_send_error(pulsar_client *client, conn *c, const proto_command *cmd);
void producer_handle_close(pulsar_client *client, uint64_t producer_id);
void producer_conn_lost(pulsar_client *client, conn *c);
/* Timers: reconnects, batch delays, send time-outs. Returns the next deadline (ms) or 0. */
uint64_t producer_run_timers(pulsar_client *client, uint64_t now_ms);

void consumer_handle_message(pulsar_client *client, conn *c, const proto_command *cmd,
                             const frame_view *frame);
void consumer_handle_close(pulsar_client *client, uint64_t consumer_id);
void consumer_handle_active_change(pulsar_client *client, const proto_command *cmd);
void consumer_conn_lost(pulsar_client *client, conn *c);
uint64_t consumer_run_timers(pulsar_client *client, uint64_t now_ms);

/* Closes every producer and consumer of the client (used by pulsar_client_close). */
void producer_close_all(pulsar_client *client);
void consumer_close_all(pulsar_client *client);

#endif
