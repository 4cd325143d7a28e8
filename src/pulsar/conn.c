/*
 * One TCP connection to a broker, driven by the client's I/O thread.
 *
 * States: CONNECTING (non-blocking connect) -> HANDSHAKE (CONNECT written,
 * waiting for CONNECTED) -> READY -> CLOSED. Commands queued before READY
 * wait in `held`, because the broker drops a connection that sends anything
 * before its handshake completes. Any failure moves the connection to
 * CLOSED in one place, conn_fail(), which fails its requests and schedules
 * the producers and consumers on it to reconnect.
 *
 * Keep-alive: after keepalive_interval_ms without receiving anything we send
 * PING; if nothing arrives within another interval the connection is dead.
 * Every PING from the broker is answered with PONG at once.
 */
#include "pulsar/client_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_CLIENT_VERSION "switchyard-pulsar-c 0.1"
#define CONN_READ_CHUNK     65536

pulsar_result conn_parse_url(const char *url, char **host_out, uint16_t *port_out)
{
    static const char scheme[] = "pulsar://";
    static const char tls_scheme[] = "pulsar+ssl://";

    if (url == NULL) {
        return PULSAR_ERR_INVALID_URL;
    }
    if (strncmp(url, tls_scheme, sizeof tls_scheme - 1) == 0) {
        return PULSAR_ERR_UNSUPPORTED;
    }
    if (strncmp(url, scheme, sizeof scheme - 1) != 0) {
        return PULSAR_ERR_INVALID_URL;
    }
    const char *host = url + sizeof scheme - 1;
    const char *colon = strrchr(host, ':');
    if (colon == NULL || colon == host) {
        return PULSAR_ERR_INVALID_URL;
    }
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    /* A trailing slash is allowed, as in "pulsar://host:6650/". */
    if (errno != 0 || end == colon + 1 || port == 0 || port > 65535 ||
        (*end != '\0' && strcmp(end, "/") != 0)) {
        return PULSAR_ERR_INVALID_URL;
    }
    size_t host_len = (size_t)(colon - host);
    /* Bracketed IPv6 literals: "[::1]:6650". */
    if (host[0] == '[' && host_len >= 2 && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    char *copy = malloc(host_len + 1);
    if (copy == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    memcpy(copy, host, host_len);
    copy[host_len] = '\0';
    *host_out = copy;
    *port_out = (uint16_t)port;
    return PULSAR_OK;
}

/* Starts a non-blocking connect. NOTE: getaddrinfo blocks the I/O thread while it
 * resolves; with IP literals (what standalone brokers advertise) it returns at once. */
static pulsar_result start_connect(conn *c)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addrs = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)c->port);
    if (getaddrinfo(c->host, port, &hints, &addrs) != 0 || addrs == NULL) {
        return PULSAR_ERR_CONNECT;
    }

    pulsar_result result = PULSAR_ERR_CONNECT;
    for (struct addrinfo *a = addrs; a != NULL; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            continue;
        }
        int flags = fcntl(fd, F_GETFL, 0);
        int one = 1;
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            c->fd = fd;
            result = PULSAR_OK;
            break;
        }
        close(fd);
    }
    freeaddrinfo(addrs);
    return result;
}

conn *conn_get(pulsar_client *client, const char *host, uint16_t port)
{
    for (conn *c = client->conns; c != NULL; c = c->next) {
        if (c->state != CONN_CLOSED && c->port == port && strcmp(c->host, host) == 0) {
            return c;
        }
    }

    conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    c->host = strdup(host);
    if (c->host == NULL) {
        free(c);
        return NULL;
    }
    c->client = client;
    c->port = port;
    c->fd = -1;
    c->state = CONN_CONNECTING;
    c->max_message_size = FRAME_DEFAULT_MAX_MESSAGE_SIZE;
    c->deadline_ms = client_now_ms() + client->config.connect_timeout_ms;
    proto_buf_init(&c->out);
    proto_buf_init(&c->held);
    proto_buf_init(&c->in);
    c->next = client->conns;
    client->conns = c;

    /* The CONNECT frame goes first; everything else waits in `held` until CONNECTED. */
    size_t start = frame_begin(&c->out);
    cmd_encode_connect(&c->out, CONN_CLIENT_VERSION, client->auth_token);
    frame_end_simple(&c->out, start);

    pulsar_result rc = proto_buf_ok(&c->out) ? start_connect(c) : PULSAR_ERR_NO_MEMORY;
    if (rc != PULSAR_OK) {
        client_log(client, PULSAR_LOG_WARN, "connecting to %s:%u failed: %s", host, (unsigned)port,
                   pulsar_result_str(rc));
        conn_fail(c, rc);
    } else {
        client_log(client, PULSAR_LOG_DEBUG, "connecting to %s:%u", host, (unsigned)port);
    }
    client_wake(client);
    return c;
}

bool conn_send(conn *c, const proto_buf *frame)
{
    if (c->state == CONN_CLOSED) {
        return false;
    }
    proto_buf *target = c->state == CONN_READY ? &c->out : &c->held;
    proto_put_raw(target, frame->data, frame->len);
    if (!proto_buf_ok(target)) {
        conn_fail(c, PULSAR_ERR_NO_MEMORY);
        return false;
    }
    client_wake(c->client);
    return true;
}

void conn_request_send(conn *c, uint64_t request_id, const proto_buf *frame, conn_response_fn fn,
                       void *context)
{
    pulsar_client *client = c->client;
    if (c->state == CONN_CLOSED) {
        fn(client, c, context, c->error != PULSAR_OK ? c->error : PULSAR_ERR_DISCONNECTED, NULL);
        return;
    }
    if (!proto_buf_ok(frame)) {
        fn(client, c, context, PULSAR_ERR_NO_MEMORY, NULL);
        return;
    }
    conn_request *request = calloc(1, sizeof *request);
    if (request == NULL) {
        fn(client, c, context, PULSAR_ERR_NO_MEMORY, NULL);
        return;
    }
    request->request_id = request_id;
    request->fn = fn;
    request->context = context;
    request->deadline_ms = client_now_ms() + client->config.operation_timeout_ms;
    request->next = c->requests;
    c->requests = request;
    conn_send(c, frame);
}

static conn_request *take_request(conn *c, uint64_t request_id)
{
    for (conn_request **link = &c->requests; *link != NULL; link = &(*link)->next) {
        if ((*link)->request_id == request_id) {
            conn_request *request = *link;
            *link = request->next;
            return request;
        }
    }
    return NULL;
}

void client_cancel_request(pulsar_client *client, uint64_t request_id)
{
    for (conn *c = client->conns; c != NULL; c = c->next) {
        conn_request *request = take_request(c, request_id);
        if (request != NULL) {
            request->fn(client, c, request->context, PULSAR_ERR_CLOSED, NULL);
            free(request);
            return;
        }
    }
}

void conn_fail(conn *c, pulsar_result error)
{
    if (c->state == CONN_CLOSED) {
        return;
    }
    pulsar_client *client = c->client;
    bool was_ready = c->state == CONN_READY;
    c->state = CONN_CLOSED;
    c->error = error;
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (was_ready) {
        client_log(client, PULSAR_LOG_WARN, "connection to %s:%u closed: %s", c->host,
                   (unsigned)c->port, pulsar_result_str(error));
    }

    /* Requests first, so that parts waiting for a response reschedule through their
     * own callbacks; then the parts that were ready on this connection. */
    while (c->requests != NULL) {
        conn_request *request = c->requests;
        c->requests = request->next;
        request->fn(client, c, request->context, error, NULL);
        free(request);
    }
    producer_conn_lost(client, c);
    consumer_conn_lost(client, c);
    pthread_cond_broadcast(&client->cond);
}

void conn_free(conn *c)
{
    proto_buf_free(&c->out);
    proto_buf_free(&c->held);
    proto_buf_free(&c->in);
    free(c->host);
    free(c);
}

static void send_simple(conn *c, uint32_t type)
{
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_empty(&frame, type);
    frame_end_simple(&frame, start);
    conn_send(c, &frame);
    proto_buf_free(&frame);
}

static void handle_connected(conn *c, const proto_command *cmd)
{
    if (cmd->max_message_size > 0) {
        c->max_message_size = (uint32_t)cmd->max_message_size;
    }
    c->state = CONN_READY;
    proto_put_raw(&c->out, c->held.data, c->held.len);
    proto_buf_free(&c->held);
    if (!proto_buf_ok(&c->out)) {
        conn_fail(c, PULSAR_ERR_NO_MEMORY);
        return;
    }
    client_log(c->client, PULSAR_LOG_INFO, "connected to %s:%u (protocol version %d)", c->host,
               (unsigned)c->port, (int)cmd->protocol_version);
    pthread_cond_broadcast(&c->client->cond);
}

static pulsar_result broker_result(const proto_command *cmd)
{
    return (pulsar_result)(PULSAR_ERR_BROKER_BASE + (int)cmd->error);
}

static void complete_request(conn *c, const proto_command *cmd)
{
    /* A PRODUCER_SUCCESS with producer_ready false means that the producer waits for
     * exclusive access, so the request stays open for the second PRODUCER_SUCCESS. */
    if (cmd->type == CMD_PRODUCER_SUCCESS && !cmd->producer_ready) {
        return;
    }
    conn_request *request = take_request(c, cmd->request_id);
    if (request == NULL) {
        return;
    }
    pulsar_result result = PULSAR_OK;
    if (cmd->type == CMD_ERROR ||
        (cmd->type == CMD_LOOKUP_RESPONSE && cmd->response == CMD_LOOKUP_FAILED) ||
        (cmd->type == CMD_PARTITIONED_METADATA_RESPONSE &&
         cmd->response == CMD_PARTITIONS_FAILED)) {
        result = cmd->has_error ? broker_result(cmd) : PULSAR_ERR_BROKER_UNKNOWN;
    }
    request->fn(c->client, c, request->context, result, cmd);
    free(request);
}

static void dispatch(conn *c, const proto_command *cmd, const frame_view *frame)
{
    pulsar_client *client = c->client;

    if (c->state == CONN_HANDSHAKE) {
        if (cmd->type == CMD_CONNECTED) {
            handle_connected(c, cmd);
        } else if (cmd->type == CMD_ERROR) {
            client_log(client, PULSAR_LOG_ERROR, "broker %s:%u rejected CONNECT: %.*s", c->host,
                       (unsigned)c->port, (int)cmd->message.len, (const char *)cmd->message.data);
            conn_fail(c, broker_result(cmd));
        } else if (cmd->type != CMD_PING && cmd->type != CMD_PONG) {
            conn_fail(c, PULSAR_ERR_PROTOCOL);
        }
        if (cmd->type == CMD_PING) {
            send_simple(c, CMD_PONG);
        }
        return;
    }

    switch (cmd->type) {
    case CMD_PING:
        send_simple(c, CMD_PONG);
        break;
    case CMD_PONG:
        break;
    case CMD_SUCCESS:
    case CMD_ERROR:
    case CMD_PRODUCER_SUCCESS:
    case CMD_LOOKUP_RESPONSE:
    case CMD_PARTITIONED_METADATA_RESPONSE:
        complete_request(c, cmd);
        break;
    case CMD_SEND_RECEIPT:
        producer_handle_receipt(client, cmd);
        break;
    case CMD_SEND_ERROR:
        producer_handle_send_error(client, c, cmd);
        break;
    case CMD_CLOSE_PRODUCER:
        producer_handle_close(client, cmd->producer_id);
        break;
    case CMD_MESSAGE:
        consumer_handle_message(client, c, cmd, frame);
        break;
    case CMD_CLOSE_CONSUMER:
        consumer_handle_close(client, cmd->consumer_id);
        break;
    case CMD_ACTIVE_CONSUMER_CHANGE:
        consumer_handle_active_change(client, cmd);
        break;
    default:
        /* ACK_RESPONSE, REACHED_END_OF_TOPIC, AUTH_CHALLENGE and newer commands need no
         * action from this client. */
        client_log(client, PULSAR_LOG_DEBUG, "ignored %s from %s:%u", cmd_type_name(cmd->type),
                   c->host, (unsigned)c->port);
        break;
    }
}

/* Decodes and dispatches every whole frame in c->in; returns false when c failed. */
static bool process_input(conn *c)
{
    size_t offset = 0;
    size_t max_frame = (size_t)c->max_message_size + FRAME_PADDING;

    while (c->state != CONN_CLOSED) {
        size_t frame_len = 0;
        int split = frame_split(c->in.data + offset, c->in.len - offset, max_frame, &frame_len);
        if (split == 0) {
            break;
        }
        if (split < 0) {
            client_log(c->client, PULSAR_LOG_ERROR, "frame from %s:%u above %zu bytes", c->host,
                       (unsigned)c->port, max_frame);
            conn_fail(c, PULSAR_ERR_TOO_LARGE);
            return false;
        }
        frame_view view;
        proto_command cmd;
        pulsar_result rc = frame_decode(c->in.data + offset, frame_len, &view);
        if (rc == PULSAR_OK) {
            rc = cmd_decode(view.command.data, view.command.len, &cmd);
        }
        if (rc != PULSAR_OK) {
            client_log(c->client, PULSAR_LOG_ERROR, "malformed frame of %zu bytes from %s:%u",
                       frame_len, c->host, (unsigned)c->port);
            conn_fail(c, rc);
            return false;
        }
        dispatch(c, &cmd, &view);
        offset += frame_len;
    }
    if (c->state == CONN_CLOSED) {
        return false;
    }
    /* Keep the unfinished frame at the start of the buffer. */
    memmove(c->in.data, c->in.data + offset, c->in.len - offset);
    c->in.len -= offset;
    return true;
}

static void read_input(conn *c, uint64_t now_ms)
{
    for (;;) {
        if (!proto_buf_reserve(&c->in, CONN_READ_CHUNK)) {
            conn_fail(c, PULSAR_ERR_NO_MEMORY);
            return;
        }
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            c->last_received_ms = now_ms;
            c->ping_sent_ms = 0;
            if (!process_input(c)) {
                return;
            }
            continue;
        }
        if (n == 0) {
            conn_fail(c, PULSAR_ERR_DISCONNECTED);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn_fail(c, PULSAR_ERR_DISCONNECTED);
        }
        return;
    }
}

static void write_output(conn *c)
{
    while (c->out_pos < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_pos += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        }
        conn_fail(c, PULSAR_ERR_DISCONNECTED);
        return;
    }
    c->out_pos = 0;
    proto_buf_reset(&c->out);
}

static void finish_connect(conn *c, uint64_t now_ms)
{
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
        client_log(c->client, PULSAR_LOG_WARN, "connecting to %s:%u failed: %s", c->host,
                   (unsigned)c->port, strerror(error));
        conn_fail(c, PULSAR_ERR_CONNECT);
        return;
    }
    c->state = CONN_HANDSHAKE;
    c->last_received_ms = now_ms;
}

void conn_handle_events(conn *c, short revents, uint64_t now_ms)
{
    if (c->state == CONN_CONNECTING) {
        if ((revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            finish_connect(c, now_ms);
        }
        if (c->state == CONN_CONNECTING || c->state == CONN_CLOSED) {
            return;
        }
    }
    if ((revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        read_input(c, now_ms);
    }
    if (c->state != CONN_CLOSED && c->out.len > c->out_pos) {
        write_output(c);
    }
}

void conn_check_timers(conn *c, uint64_t now_ms)
{
    pulsar_client *client = c->client;
    if (c->state == CONN_CLOSED) {
        return;
    }
    if (c->state != CONN_READY) {
        if (now_ms >= c->deadline_ms) {
            client_log(client, PULSAR_LOG_WARN, "connecting to %s:%u timed out after %u ms",
                       c->host, (unsigned)c->port, client->config.connect_timeout_ms);
            conn_fail(c, PULSAR_ERR_TIMEOUT);
        }
        return;
    }

    uint64_t interval = client->config.keepalive_interval_ms;
    if (c->ping_sent_ms != 0 && now_ms - c->ping_sent_ms >= interval) {
        client_log(client, PULSAR_LOG_WARN, "no answer from %s:%u to PING within %u ms", c->host,
                   (unsigned)c->port, client->config.keepalive_interval_ms);
        conn_fail(c, PULSAR_ERR_TIMEOUT);
        return;
    }
    if (c->ping_sent_ms == 0 && now_ms - c->last_received_ms >= interval) {
        send_simple(c, CMD_PING);
        c->ping_sent_ms = now_ms;
    }

    /* Requests past their deadline fail one by one; the list is short. */
    conn_request **link = &c->requests;
    while (*link != NULL) {
        conn_request *request = *link;
        if (now_ms < request->deadline_ms) {
            link = &request->next;
            continue;
        }
        *link = request->next;
        request->fn(client, c, request->context, PULSAR_ERR_TIMEOUT, NULL);
        free(request);
        link = &c->requests;
    }
}
