/*
 * The client: configuration, the I/O thread and its poll loop, deferred
 * user callbacks and the log hook.
 *
 * One loop iteration, all with the lock held except step 4:
 *   1. build the poll set (wake-up pipe plus every open connection, asking
 *      for POLLOUT while output is pending or a connect is in progress),
 *   2. poll, released lock, until an event or the nearest timer,
 *   3. serve socket events, then timers of connections, producers and
 *      consumers, then free closed connections,
 *   4. run the deferred callbacks with the lock released.
 */
#include "pulsar/client_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Upper bound of one poll wait, so timers are checked at least this often. */
#define CLIENT_MAX_POLL_MS 50

void pulsar_client_config_init(pulsar_client_config *config)
{
    memset(config, 0, sizeof *config);
    config->operation_timeout_ms = 30000;
    config->connect_timeout_ms = 10000;
    config->keepalive_interval_ms = 30000;
    config->reconnect_min_backoff_ms = 100;
    config->reconnect_max_backoff_ms = 30000;
    config->max_lookup_redirects = 20;
}

uint64_t client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t client_next_id(pulsar_client *client)
{
    return client->next_id++;
}

void client_wake(pulsar_client *client)
{
    if (client->wake_pending || client_on_io_thread(client)) {
        return;
    }
    client->wake_pending = true;
    uint8_t byte = 1;
    /* A full pipe already guarantees a wake-up, so a failed write needs no handling. */
    ssize_t n = write(client->wake_pipe[1], &byte, 1);
    (void)n;
}

bool client_on_io_thread(const pulsar_client *client)
{
    return client->thread_started && pthread_equal(pthread_self(), client->thread);
}

static bool push_deferred(pulsar_client *client, const deferred_call *call)
{
    if (client->deferred_len == client->deferred_cap) {
        size_t cap = client->deferred_cap == 0 ? 64 : client->deferred_cap * 2;
        deferred_call *grown = realloc(client->deferred, cap * sizeof *grown);
        if (grown == NULL) {
            return false;
        }
        client->deferred = grown;
        client->deferred_cap = cap;
    }
    client->deferred[client->deferred_len++] = *call;
    client->deferred_pushed++;
    return true;
}

void client_defer_send(pulsar_client *client, pulsar_send_callback callback, void *user_data,
                       pulsar_result result, const pulsar_message_id *id, int64_t sequence_id)
{
    if (callback == NULL) {
        return;
    }
    deferred_call call = {.kind = DEFER_SEND,
                          .callback = callback,
                          .user_data = user_data,
                          .result = result,
                          .sequence_id = sequence_id};
    if (id != NULL) {
        call.id = *id;
    }
    if (!push_deferred(client, &call)) {
        /* NOTE: out of memory here would lose a completion, so the callback runs at once
         * with the lock held. A callback that calls back into the library then deadlocks. */
        callback(result, id, sequence_id, user_data);
    }
    client_wake(client);
}

void client_log(pulsar_client *client, pulsar_log_level level, const char *format, ...)
{
    if (client->config.log_fn == NULL) {
        return;
    }
    char line[512];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);

    deferred_call call = {.kind = DEFER_LOG, .level = level, .text = strdup(line)};
    if (call.text == NULL || !push_deferred(client, &call)) {
        free(call.text);
    }
    client_wake(client);
}

void client_run_deferred(pulsar_client *client)
{
    for (;;) {
        pthread_mutex_lock(&client->lock);
        deferred_call *calls = client->deferred;
        size_t count = client->deferred_len;
        client->deferred = NULL;
        client->deferred_len = 0;
        client->deferred_cap = 0;
        pthread_mutex_unlock(&client->lock);
        if (count == 0) {
            free(calls);
            return;
        }

        for (size_t i = 0; i < count; i++) {
            deferred_call *call = &calls[i];
            if (call->kind == DEFER_SEND) {
                call->callback(call->result, call->result == PULSAR_OK ? &call->id : NULL,
                               call->sequence_id, call->user_data);
            } else {
                client->config.log_fn(call->level, call->text, client->config.log_user_data);
                free(call->text);
            }
        }
        free(calls);
        pthread_mutex_lock(&client->lock);
        client->deferred_ran += count;
        pthread_cond_broadcast(&client->cond);
        pthread_mutex_unlock(&client->lock);
    }
}

void client_wait_deferred(pulsar_client *client)
{
    uint64_t target = client->deferred_pushed;
    while (client->deferred_ran < target && !client->stopping && client->thread_started) {
        client_wait_until(client, 0);
    }
}

bool client_wait_until(pulsar_client *client, uint64_t deadline_ms)
{
    if (deadline_ms == 0) {
        pthread_cond_wait(&client->cond, &client->lock);
        return true;
    }
    uint64_t now = client_now_ms();
    if (now >= deadline_ms) {
        return false;
    }
    /* The condition variable uses CLOCK_MONOTONIC (set in pulsar_client_create). */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t wait_ms = deadline_ms - now;
    ts.tv_sec += (time_t)(wait_ms / 1000u);
    ts.tv_nsec += (long)(wait_ms % 1000u) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&client->cond, &client->lock, &ts);
    return client_now_ms() < deadline_ms;
}

uint32_t client_next_backoff(const pulsar_client *client, uint32_t backoff_ms)
{
    if (backoff_ms == 0) {
        return client->config.reconnect_min_backoff_ms;
    }
    uint64_t next = (uint64_t)backoff_ms * 2u;
    if (next > client->config.reconnect_max_backoff_ms) {
        next = client->config.reconnect_max_backoff_ms;
    }
    return (uint32_t)next;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
    if (a == 0) {
        return b;
    }
    if (b == 0) {
        return a;
    }
    return a < b ? a : b;
}

static void free_closed_conns(pulsar_client *client)
{
    conn **link = &client->conns;
    while (*link != NULL) {
        conn *c = *link;
        if (c->state == CONN_CLOSED) {
            *link = c->next;
            conn_free(c);
        } else {
            link = &c->next;
        }
    }
}

static void drain_wake_pipe(pulsar_client *client)
{
    uint8_t bytes[256];
    while (read(client->wake_pipe[0], bytes, sizeof bytes) > 0) {
    }
    client->wake_pending = false;
}

/* Steps 1 to 3 of the loop; returns false when the client stops. */
static bool run_once(pulsar_client *client, struct pollfd **fds, conn ***owners, size_t *cap)
{
    size_t count = 1;
    for (conn *c = client->conns; c != NULL; c = c->next) {
        count += c->fd >= 0 && c->state != CONN_CLOSED;
    }
    if (count > *cap) {
        struct pollfd *grown_fds = realloc(*fds, count * sizeof **fds);
        if (grown_fds != NULL) {
            *fds = grown_fds;
        }
        conn **grown_owners = realloc(*owners, count * sizeof **owners);
        if (grown_owners != NULL) {
            *owners = grown_owners;
        }
        if (grown_fds == NULL || grown_owners == NULL) {
            return true; /* the next iteration tries the allocation again */
        }
        *cap = count;
    }

    size_t n = 0;
    (*fds)[n++] = (struct pollfd){.fd = client->wake_pipe[0], .events = POLLIN};
    for (conn *c = client->conns; c != NULL; c = c->next) {
        if (c->fd < 0 || c->state == CONN_CLOSED) {
            continue;
        }
        short events = POLLIN;
        if (c->state == CONN_CONNECTING || c->out.len > c->out_pos) {
            events |= POLLOUT;
        }
        (*owners)[n] = c;
        (*fds)[n++] = (struct pollfd){.fd = c->fd, .events = events};
    }

    uint64_t now = client_now_ms();
    uint64_t next = earlier(producer_run_timers(client, now), consumer_run_timers(client, now));
    int timeout = CLIENT_MAX_POLL_MS;
    if (next != 0) {
        timeout = next <= now
                      ? 0
                      : (int)(next - now < CLIENT_MAX_POLL_MS ? next - now : CLIENT_MAX_POLL_MS);
    }

    pthread_mutex_unlock(&client->lock);
    int ready = poll(*fds, (nfds_t)n, timeout);
    pthread_mutex_lock(&client->lock);
    if (client->stopping) {
        return false;
    }

    now = client_now_ms();
    if (ready > 0) {
        if ((*fds)[0].revents != 0) {
            drain_wake_pipe(client);
        }
        for (size_t i = 1; i < n; i++) {
            if ((*fds)[i].revents != 0) {
                conn_handle_events((*owners)[i], (*fds)[i].revents, now);
            }
        }
    }
    for (conn *c = client->conns; c != NULL; c = c->next) {
        conn_check_timers(c, now);
        /* Output queued by timers or callbacks goes out without waiting for POLLOUT. */
        if (c->state != CONN_CLOSED && c->state != CONN_CONNECTING && c->out.len > c->out_pos) {
            conn_handle_events(c, 0, now);
        }
    }
    free_closed_conns(client);
    return true;
}

static void *io_thread_main(void *arg)
{
    pulsar_client *client = arg;
    struct pollfd *fds = NULL;
    conn **owners = NULL;
    size_t cap = 0;

    pthread_mutex_lock(&client->lock);
    while (run_once(client, &fds, &owners, &cap)) {
        pthread_mutex_unlock(&client->lock);
        client_run_deferred(client);
        pthread_mutex_lock(&client->lock);
    }
    pthread_mutex_unlock(&client->lock);
    free(fds);
    free(owners);
    return NULL;
}

static void client_free(pulsar_client *client)
{
    while (client->conns != NULL) {
        conn *c = client->conns;
        client->conns = c->next;
        conn_fail(c, PULSAR_ERR_CLOSED);
        conn_free(c);
    }
    for (size_t i = 0; i < client->deferred_len; i++) {
        free(client->deferred[i].text);
    }
    free(client->deferred);
    if (client->wake_pipe[0] >= 0) {
        close(client->wake_pipe[0]);
        close(client->wake_pipe[1]);
    }
    pthread_cond_destroy(&client->cond);
    pthread_mutex_destroy(&client->lock);
    free(client->service_url);
    free(client->auth_token);
    free(client->service_host);
    free(client);
}

static pulsar_result init_sync(pulsar_client *client)
{
    pthread_condattr_t attr;
    if (pipe(client->wake_pipe) != 0) {
        client->wake_pipe[0] = client->wake_pipe[1] = -1;
        return PULSAR_ERR_NO_MEMORY;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(client->wake_pipe[i], F_SETFL, fcntl(client->wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(client->wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    pthread_mutex_init(&client->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&client->cond, &attr);
    pthread_condattr_destroy(&attr);
    return PULSAR_OK;
}

pulsar_result pulsar_client_create(const pulsar_client_config *config, pulsar_client **client_out)
{
    if (config == NULL || client_out == NULL || config->service_url == NULL ||
        config->operation_timeout_ms == 0 || config->connect_timeout_ms == 0 ||
        config->keepalive_interval_ms == 0) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    char *host = NULL;
    uint16_t port = 0;
    pulsar_result rc = conn_parse_url(config->service_url, &host, &port);
    if (rc != PULSAR_OK) {
        return rc;
    }

    pulsar_client *client = calloc(1, sizeof *client);
    if (client == NULL) {
        free(host);
        return PULSAR_ERR_NO_MEMORY;
    }
    client->config = *config;
    client->service_host = host;
    client->service_port = port;
    client->next_id = 1;
    client->service_url = strdup(config->service_url);
    client->auth_token = config->auth_token != NULL ? strdup(config->auth_token) : NULL;
    client->config.service_url = client->service_url;
    client->config.auth_token = client->auth_token;
    if (client->config.reconnect_min_backoff_ms == 0) {
        client->config.reconnect_min_backoff_ms = 1;
    }
    if (client->config.reconnect_max_backoff_ms < client->config.reconnect_min_backoff_ms) {
        client->config.reconnect_max_backoff_ms = client->config.reconnect_min_backoff_ms;
    }

    rc = init_sync(client);
    if (rc == PULSAR_OK && (client->service_url == NULL ||
                            (config->auth_token != NULL && client->auth_token == NULL))) {
        rc = PULSAR_ERR_NO_MEMORY;
    }
    if (rc != PULSAR_OK) {
        if (client->wake_pipe[0] < 0) {
            free(client->service_url);
            free(client->auth_token);
            free(client->service_host);
            free(client);
            return rc;
        }
        client_free(client);
        return rc;
    }
    if (pthread_create(&client->thread, NULL, io_thread_main, client) != 0) {
        client_free(client);
        return PULSAR_ERR_NO_MEMORY;
    }
    client->thread_started = true;
    *client_out = client;
    return PULSAR_OK;
}

void pulsar_client_close(pulsar_client *client)
{
    if (client == NULL || client_on_io_thread(client)) {
        return;
    }
    producer_close_all(client);
    consumer_close_all(client);

    pthread_mutex_lock(&client->lock);
    client->stopping = true;
    client->wake_pending = false;
    client_wake(client);
    pthread_mutex_unlock(&client->lock);
    pthread_join(client->thread, NULL);
    client->thread_started = false;
    client_run_deferred(client);
    client_free(client);
}

pulsar_result pulsar_client_partition_count(pulsar_client *client, const char *topic,
                                            uint32_t *partitions_out)
{
    if (client == NULL || topic == NULL || topic[0] == '\0' || partitions_out == NULL) {
        return PULSAR_ERR_INVALID_ARGUMENT;
    }
    if (client_on_io_thread(client)) {
        return PULSAR_ERR_INVALID_STATE;
    }
    char *full = lookup_full_topic(topic);
    if (full == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }
    pthread_mutex_lock(&client->lock);
    pulsar_result rc = lookup_partitions_locked(client, full, partitions_out);
    pthread_mutex_unlock(&client->lock);
    free(full);
    return rc;
}
