/*
 * Topic lookup and partitioned-topic metadata.
 *
 * A lookup starts on the connection to the service URL. A Redirect response
 * names another broker, and the lookup is sent again there with the
 * response's authoritative flag, up to max_lookup_redirects times. A Connect
 * response names the broker that owns the topic, and its connection is the
 * result. When the response sets proxy_through_service_url (as a proxy does),
 * the service connection is the result instead.
 */
#include "pulsar/client_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *topic;
    uint64_t owner_id;
    lookup_done_fn done;
    uint32_t redirects;
} lookup_op;

static void lookup_send(pulsar_client *client, lookup_op *op, conn *target, bool authoritative);

static void lookup_finish(pulsar_client *client, lookup_op *op, pulsar_result result, conn *broker)
{
    op->done(client, op->owner_id, result, broker);
    free(op->topic);
    free(op);
}

static void lookup_on_response(pulsar_client *client, conn *c, void *context, pulsar_result result,
                               const proto_command *cmd)
{
    (void)c;
    lookup_op *op = context;
    if (result != PULSAR_OK) {
        if (cmd != NULL && cmd->message.len > 0) {
            client_log(client, PULSAR_LOG_WARN, "lookup of %s failed: %.*s", op->topic,
                       (int)cmd->message.len, (const char *)cmd->message.data);
        }
        lookup_finish(client, op, result, NULL);
        return;
    }

    conn *service = conn_get(client, client->service_host, client->service_port);
    if (cmd->response == CMD_LOOKUP_CONNECT && cmd->proxy_through_service_url) {
        lookup_finish(client, op, service != NULL ? PULSAR_OK : PULSAR_ERR_NO_MEMORY, service);
        return;
    }

    char *url = proto_bytes_strdup(cmd->broker_url);
    char *host = NULL;
    uint16_t port = 0;
    pulsar_result rc = url == NULL ? PULSAR_ERR_PROTOCOL : conn_parse_url(url, &host, &port);
    free(url);
    if (rc != PULSAR_OK) {
        client_log(client, PULSAR_LOG_ERROR, "lookup of %s returned an unusable broker URL",
                   op->topic);
        lookup_finish(client, op, rc == PULSAR_ERR_UNSUPPORTED ? rc : PULSAR_ERR_LOOKUP, NULL);
        return;
    }
    conn *broker = conn_get(client, host, port);
    free(host);
    if (broker == NULL) {
        lookup_finish(client, op, PULSAR_ERR_NO_MEMORY, NULL);
        return;
    }

    if (cmd->response == CMD_LOOKUP_CONNECT) {
        lookup_finish(client, op, PULSAR_OK, broker);
        return;
    }
    if (cmd->response != CMD_LOOKUP_REDIRECT) {
        lookup_finish(client, op, PULSAR_ERR_PROTOCOL, NULL);
        return;
    }
    if (++op->redirects > client->config.max_lookup_redirects) {
        client_log(client, PULSAR_LOG_ERROR, "lookup of %s redirected more than %u times",
                   op->topic, client->config.max_lookup_redirects);
        lookup_finish(client, op, PULSAR_ERR_LOOKUP, NULL);
        return;
    }
    lookup_send(client, op, broker, cmd->authoritative);
}

static void lookup_send(pulsar_client *client, lookup_op *op, conn *target, bool authoritative)
{
    uint64_t request_id = client_next_id(client);
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_lookup(&frame, op->topic, request_id, authoritative);
    frame_end_simple(&frame, start);
    conn_request_send(target, request_id, &frame, lookup_on_response, op);
    proto_buf_free(&frame);
}

void lookup_start(pulsar_client *client, const char *topic, uint64_t owner_id, lookup_done_fn done)
{
    lookup_op *op = calloc(1, sizeof *op);
    char *copy = strdup(topic);
    conn *service = conn_get(client, client->service_host, client->service_port);
    if (op == NULL || copy == NULL || service == NULL) {
        free(op);
        free(copy);
        done(client, owner_id, PULSAR_ERR_NO_MEMORY, NULL);
        return;
    }
    op->topic = copy;
    op->owner_id = owner_id;
    op->done = done;
    lookup_send(client, op, service, false);
}

typedef struct {
    bool done;
    pulsar_result result;
    uint32_t partitions;
} partitions_wait;

static void partitions_on_response(pulsar_client *client, conn *c, void *context,
                                   pulsar_result result, const proto_command *cmd)
{
    (void)c;
    partitions_wait *wait = context;
    wait->result = result;
    if (result == PULSAR_OK) {
        wait->partitions = cmd->partitions;
    }
    wait->done = true;
    pthread_cond_broadcast(&client->cond);
}

pulsar_result lookup_partitions_locked(pulsar_client *client, const char *topic,
                                       uint32_t *partitions_out)
{
    conn *service = conn_get(client, client->service_host, client->service_port);
    if (service == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    partitions_wait wait = {false, PULSAR_OK, 0};
    uint64_t request_id = client_next_id(client);
    proto_buf frame;
    proto_buf_init(&frame);
    size_t start = frame_begin(&frame);
    cmd_encode_partitioned_metadata(&frame, topic, request_id);
    frame_end_simple(&frame, start);
    conn_request_send(service, request_id, &frame, partitions_on_response, &wait);
    proto_buf_free(&frame);

    /* The request's own deadline fails it with PULSAR_ERR_TIMEOUT, so this wait ends. */
    while (!wait.done) {
        client_wait_until(client, 0);
    }
    if (wait.result == PULSAR_OK) {
        *partitions_out = wait.partitions;
    }
    return wait.result;
}

char *lookup_full_topic(const char *topic)
{
    if (strstr(topic, "://") != NULL) {
        return strdup(topic);
    }
    size_t slashes = 0;
    for (const char *p = topic; *p != '\0'; p++) {
        slashes += *p == '/';
    }
    size_t len = strlen(topic) + sizeof "persistent://public/default/";
    char *full = malloc(len);
    if (full == NULL) {
        return NULL;
    }
    if (slashes == 0) {
        snprintf(full, len, "persistent://public/default/%s", topic);
    } else {
        snprintf(full, len, "persistent://%s", topic);
    }
    return full;
}
