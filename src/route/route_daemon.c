/*
 * The routing daemon's life cycle: set-up from the configuration, the
 * receive loop, reloads, and the bounded drain on stop. Deciding and
 * sending are in route_daemon_send.c, output properties in
 * route_daemon_props.c, reloads in route_daemon_reload.c.
 */
#include "route/route_daemon_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "route/route_config.h"

#define DEFAULT_MAX_INFLIGHT 1000
/*
 * Inputs the broker may send ahead. It is above the client's 1000, because
 * with single-message entries the router would otherwise wait for each
 * FLOW round trip (one bench/route run each: 0.69 of pass-through at 1000,
 * 0.86 at 3000).
 */
#define DEFAULT_RECEIVER_QUEUE 3000
#define DEFAULT_DRAIN_TIMEOUT_MS 10000
/* Upper bound of one receive, so that stop and reload requests are seen quickly. */
#define RECEIVE_TIMEOUT_MS 200
/* Interval between two checks of the registry file's mtime. */
#define REGISTRY_CHECK_INTERVAL_MS 1000

/* The daemon's own copy of the options with defaults filled in. */
typedef struct {
    route_daemon daemon;
    route_daemon_options options;
} daemon_storage;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool check_options(const route_daemon_options *options, char *error, size_t error_size)
{
    if (options->subscription_type != PULSAR_SUBSCRIPTION_FAILOVER &&
        options->subscription_type != PULSAR_SUBSCRIPTION_KEY_SHARED) {
        snprintf(error, error_size, "invalid subscription type: use failover or key_shared");
        return false;
    }
    if (options->subscription_type == PULSAR_SUBSCRIPTION_KEY_SHARED &&
        (options->instance == NULL || options->instance[0] == '\0')) {
        snprintf(error, error_size,
                 "--subscription-type key_shared needs --instance NAME: a name unique among "
                 "the routers of the subscription and stable across restarts");
        return false;
    }
    if (options->instance != NULL && !sy_config_valid_pulsar_name(options->instance)) {
        snprintf(error, error_size,
                 "invalid --instance '%s': use 1 to 64 characters of a-z, 0-9, '-' and '_'",
                 options->instance);
        return false;
    }
    if (options->metrics_port < -1 || options->metrics_port > 65535) {
        snprintf(error, error_size, "invalid --metrics-port %d: use 0 to 65535",
                 options->metrics_port);
        return false;
    }
    return true;
}

/* Loads configuration, table and registry into daemon; false with a message in error. */
static bool load_rules(route_daemon *daemon, char *error, size_t error_size)
{
    const route_daemon_options *options = daemon->options;
    daemon->config = sy_config_load(options->config_path, ROUTE_CONFIG_SECTIONS | SY_CONFIG_PULSAR,
                                    error, error_size);
    if (daemon->config == NULL) {
        return false;
    }
    if (daemon->config->pulsar.service_url == NULL) {
        snprintf(error, error_size,
                 "%s: pulsar.service_url is missing: set it or SWITCHYARD_PULSAR_URL",
                 options->config_path);
        return false;
    }
    daemon->table = route_table_from_config(daemon->config, error, error_size);
    if (daemon->table == NULL) {
        return false;
    }
    const char *path =
        options->registry_path != NULL ? options->registry_path : daemon->config->router.registry;
    if (path != NULL) {
        daemon->registry_path = strdup(path);
        if (daemon->registry_path == NULL) {
            snprintf(error, error_size, "out of memory");
            return false;
        }
        daemon->registry = route_registry_load(path, error, error_size);
        if (daemon->registry == NULL ||
            !route_registry_check(daemon->registry, daemon->table, error, error_size)) {
            return false;
        }
        daemon_registry_remember(daemon);
    }
    if (sy_config_read_token(daemon->config, NULL, &daemon->token, error, error_size) != 0) {
        return false;
    }

    const sy_config_ingest *ingest = &daemon->config->ingest;
    int n = snprintf(daemon->input_topic, sizeof daemon->input_topic, "persistent://%s/%s",
                     ingest->namespace_name, ingest->topic);
    if (n < 0 || (size_t)n >= sizeof daemon->input_topic) {
        snprintf(error, error_size, "the ingest topic name is longer than %d bytes",
                 ROUTE_MAX_TOPIC_BYTES);
        return false;
    }
    return true;
}

route_daemon *route_daemon_create(const route_daemon_options *options, char *error,
                                  size_t error_size)
{
    if (options->config_path == NULL) {
        snprintf(error, error_size, "--config is required");
        return NULL;
    }
    if (!check_options(options, error, error_size)) {
        return NULL;
    }
    daemon_storage *storage = calloc(1, sizeof *storage);
    if (storage == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    route_daemon *daemon = &storage->daemon;
    storage->options = *options;
    if (storage->options.max_inflight == 0) {
        storage->options.max_inflight = DEFAULT_MAX_INFLIGHT;
    }
    if (storage->options.receiver_queue == 0) {
        storage->options.receiver_queue = DEFAULT_RECEIVER_QUEUE;
    }
    if (storage->options.drain_timeout_ms == 0) {
        storage->options.drain_timeout_ms = DEFAULT_DRAIN_TIMEOUT_MS;
    }
    if (storage->options.metrics_address == NULL) {
        storage->options.metrics_address = "127.0.0.1";
    }
    daemon->options = &storage->options;
    pthread_mutex_init(&daemon->lock, NULL);
    pthread_mutex_init(&daemon->log_lock, NULL);
    pthread_cond_init(&daemon->inflight_changed, NULL);

    if (!load_rules(daemon, error, error_size)) {
        route_daemon_free(daemon);
        return NULL;
    }
    if (storage->options.metrics_port < 0) {
        storage->options.metrics_port = daemon->config->router.metrics_port;
    }
    /* A non-partitioned input has one gate, a partitioned one a gate per partition. */
    int partitions = daemon->config->ingest.partitions;
    daemon->gate_count = partitions > 0 ? (size_t)partitions : 1u;
    daemon->gates = calloc(daemon->gate_count, sizeof *daemon->gates);
    daemon->metrics = route_metrics_new();
    if (daemon->gates == NULL || daemon->metrics == NULL) {
        snprintf(error, error_size, "out of memory");
        route_daemon_free(daemon);
        return NULL;
    }
    return daemon;
}

void route_daemon_request_stop(route_daemon *daemon)
{
    daemon->stop_requested = 1;
}

void route_daemon_request_reload(route_daemon *daemon)
{
    daemon->reload_requested = 1;
}

static void log_from_client(pulsar_log_level level, const char *message, void *user_data)
{
    (void)user_data;
    static const sy_log_level levels[] = {SY_LOG_DEBUG, SY_LOG_INFO, SY_LOG_WARN, SY_LOG_ERROR};
    sy_log(levels[level <= PULSAR_LOG_ERROR ? level : PULSAR_LOG_ERROR], "pulsar", "%s",
           message);
}

static const char *subscription_type_name(pulsar_subscription_type type)
{
    return type == PULSAR_SUBSCRIPTION_KEY_SHARED ? "key_shared" : "failover";
}

/* Creates the client, the metrics server and the consumer; false after logging. */
static bool connect_all(route_daemon *daemon)
{
    const route_daemon_options *options = daemon->options;
    if (options->metrics_port > 0) {
        char error[512];
        daemon->metrics_server = route_metrics_server_start(
            daemon->metrics, options->metrics_address, options->metrics_port, error,
            sizeof error);
        if (daemon->metrics_server == NULL) {
            sy_log(SY_LOG_ERROR, "route", "%s", error);
            return false;
        }
        sy_log(SY_LOG_INFO, "route", "metrics on http://%s:%d/metrics",
               options->metrics_address, options->metrics_port);
    }

    pulsar_client_config client_config;
    pulsar_client_config_init(&client_config);
    client_config.service_url = daemon->config->pulsar.service_url;
    client_config.auth_token = daemon->token;
    client_config.log_fn = log_from_client;
    pulsar_result rc = pulsar_client_create(&client_config, &daemon->client);
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, "route", "cannot create a client for %s: %s",
               client_config.service_url, pulsar_result_str(rc));
        return false;
    }

    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = daemon->input_topic;
    consumer_config.subscription = daemon->config->router.subscription;
    consumer_config.type = options->subscription_type;
    consumer_config.consumer_name = options->instance;
    /* A new subscription starts at the oldest message, so nothing retained is skipped. */
    consumer_config.initial_position = PULSAR_POSITION_EARLIEST;
    consumer_config.receiver_queue_size = options->receiver_queue;
    rc = pulsar_consumer_subscribe(daemon->client, &consumer_config, &daemon->consumer);
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, "route", "cannot subscribe %s to %s at %s: %s",
               consumer_config.subscription, daemon->input_topic, client_config.service_url,
               pulsar_result_str(rc));
        return false;
    }
    sy_log(SY_LOG_INFO, "route",
           "started: config %s, input %s, subscription %s (%s), quarantine %s, registry %s",
           options->config_path, daemon->input_topic, consumer_config.subscription,
           subscription_type_name(options->subscription_type),
           route_table_quarantine_topic(daemon->table),
           daemon->registry_path != NULL ? daemon->registry_path : "(none)");
    return true;
}

/* Waits up to drain_timeout_ms for every pending output; returns how many are left. */
static size_t drain(route_daemon *daemon)
{
    uint64_t deadline = now_ms() + daemon->options->drain_timeout_ms;
    pthread_mutex_lock(&daemon->lock);
    while (daemon->inflight > 0 && now_ms() < deadline) {
        struct timespec wake;
        clock_gettime(CLOCK_REALTIME, &wake);
        wake.tv_nsec += 50 * 1000 * 1000;
        if (wake.tv_nsec >= 1000000000) {
            wake.tv_sec++;
            wake.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&daemon->inflight_changed, &daemon->lock, &wake);
    }
    size_t left = daemon->inflight;
    pthread_mutex_unlock(&daemon->lock);
    return left;
}

int route_daemon_run(route_daemon *daemon)
{
    int status = ROUTE_DAEMON_EXIT_OK;
    if (!connect_all(daemon)) {
        status = ROUTE_DAEMON_EXIT_FAILURE;
        goto close;
    }

    uint64_t next_registry_check = now_ms() + REGISTRY_CHECK_INTERVAL_MS;
    while (!daemon->stop_requested) {
        if (daemon->reload_requested) {
            daemon->reload_requested = 0;
            daemon_reload(daemon, "SIGHUP");
        }
        if (now_ms() >= next_registry_check) {
            next_registry_check = now_ms() + REGISTRY_CHECK_INTERVAL_MS;
            if (daemon_registry_changed(daemon)) {
                daemon_reload(daemon, "registry file changed");
            }
        }

        pulsar_message *message = NULL;
        pulsar_result rc = pulsar_consumer_receive(daemon->consumer, RECEIVE_TIMEOUT_MS, &message);
        if (rc == PULSAR_ERR_TIMEOUT) {
            continue;
        }
        if (rc != PULSAR_OK) {
            sy_log(SY_LOG_ERROR, "route", "receiving from %s failed: %s; stopping",
                   daemon->input_topic, pulsar_result_str(rc));
            status = ROUTE_DAEMON_EXIT_FAILURE;
            break;
        }
        daemon_route_message(daemon, message);
    }

    pthread_mutex_lock(&daemon->lock);
    size_t pending = daemon->inflight;
    pthread_mutex_unlock(&daemon->lock);
    sy_log(SY_LOG_INFO, "route", "stopping: waiting up to %u ms for %zu pending outputs",
           daemon->options->drain_timeout_ms, pending);
    size_t left = drain(daemon);
    if (left > 0) {
        sy_log(SY_LOG_WARN, "route",
               "%zu outputs still pending after %u ms; their inputs stay unacknowledged and "
               "will be delivered again",
               left, daemon->options->drain_timeout_ms);
    }

close:
    /* Producers close first: their failed sends still nack on the open consumer. */
    daemon_close_outputs(daemon);
    if (daemon->consumer != NULL) {
        pulsar_consumer_close(daemon->consumer);
        daemon->consumer = NULL;
    }
    pulsar_client_close(daemon->client);
    daemon->client = NULL;
    route_metrics_server_stop(daemon->metrics_server);
    daemon->metrics_server = NULL;
    sy_log(SY_LOG_INFO, "route", "stopped");
    return status;
}

void route_daemon_free(route_daemon *daemon)
{
    if (daemon == NULL) {
        return;
    }
    route_metrics_free(daemon->metrics);
    free(daemon->gates);
    free(daemon->token);
    free(daemon->registry_path);
    route_registry_free(daemon->registry);
    route_table_free(daemon->table);
    sy_config_free(daemon->config);
    pthread_cond_destroy(&daemon->inflight_changed);
    pthread_mutex_destroy(&daemon->log_lock);
    pthread_mutex_destroy(&daemon->lock);
    free((daemon_storage *)daemon);
}
