/*
 * Shared between the route_daemon*.c files; not part of the public contract
 * in route_daemon.h.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_DAEMON_INTERNAL_H
#define SWITCHYARD_ROUTE_ROUTE_DAEMON_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/config.h"
#include "pulsar/pulsar.h"
#include "route/route.h"
#include "route/route_daemon.h"
#include "route/route_metrics.h"
#include "route/route_sequence.h"

/*
 * One output producer: input partition x output topic, or x output topic
 * partition when the output topic is partitioned.
 */
typedef struct daemon_output {
    struct daemon_output *next;
    int32_t partition;
    char *topic;
    pulsar_producer *producer;
    /*
     * Batch separation (invariant 3 of route_daemon.h). fresh_floor is the
     * highest sequence id that this producer name may already have reached
     * the broker with: an output above it is fresh, any other is a replay.
     * Guarded by the daemon's lock, because a failed send lowers it.
     */
    int64_t fresh_floor;
    size_t pending; /* outputs queued and not yet completed, under the daemon's lock */
    int batch_mode; /* what was queued since the producer was last idle: see route_daemon_send.c */
} daemon_output;

/* The partition count of an output topic, looked up once. */
typedef struct daemon_topic {
    struct daemon_topic *next;
    char *topic;
    uint32_t partitions; /* 0: not partitioned */
} daemon_topic;

/*
 * The gate of one input partition: after a failed send, later inputs of the
 * partition are negatively acknowledged instead of sent until the failed
 * input (or an earlier one) is received again (invariant 3 of route_daemon.h).
 */
typedef struct {
    bool closed;
    pulsar_message_id reopen_at; /* the earliest failed input */
} daemon_gate;

struct route_daemon {
    const route_daemon_options *options;
    sy_config *config;
    route_table *table;
    route_registry *registry;   /* NULL when none is configured */
    char *registry_path;        /* NULL when none is configured */
    struct timespec registry_mtime;
    off_t registry_size;
    char input_topic[ROUTE_MAX_TOPIC_BYTES + 1];
    char *token;

    pulsar_client *client;
    pulsar_consumer *consumer;
    daemon_output *outputs;
    daemon_topic *topics;
    route_metrics *metrics;
    route_metrics_server *metrics_server;

    /* Guards inflight and gates, shared with the send callbacks. */
    pthread_mutex_t lock;
    pthread_cond_t inflight_changed;
    size_t inflight;
    daemon_gate *gates;
    size_t gate_count;

    volatile sig_atomic_t stop_requested;
    volatile sig_atomic_t reload_requested;

    /* Rate limit of repeated error lines (one per second with a count), under log_lock. */
    pthread_mutex_t log_lock;
    time_t last_error_log;
    unsigned long suppressed_errors;
};

/* ----- route_daemon_props.c */

/*
 * The input message of route_decide, with the true byte lengths of the
 * received strings (see route_daemon_props.c for why strlen is not enough).
 */
typedef struct {
    route_property *properties;
    route_message message;
} daemon_input;

/* Fills input from message; returns false when memory runs out. Free with daemon_input_free. */
bool daemon_input_init(daemon_input *input, const pulsar_message *message);
void daemon_input_free(daemon_input *input);

/*
 * The properties and key of one output message. Strings are borrowed from
 * the input message and the decision, or owned by storage.
 */
typedef struct {
    pulsar_property *properties;
    size_t property_count;
    const char *key;
    char **storage;
    size_t storage_count;
} daemon_output_fields;

/*
 * Builds the output's properties and key for decision (invariant 4 of
 * route_daemon.h for a quarantined message). source_topic and source_id must
 * outlive fields. Returns false when memory runs out.
 */
bool daemon_output_fields_build(const daemon_input *input, const route_decision *decision,
                                const char *source_topic, const char *source_id,
                                daemon_output_fields *fields);
void daemon_output_fields_free(daemon_output_fields *fields);

/* Returns true when bytes are valid UTF-8 without a NUL, so that a C string can carry them. */
bool daemon_text_sendable(const char *bytes, size_t len);

/* ----- route_daemon_reload.c */

/* Stats the registry; returns true when it changed since the last load. */
bool daemon_registry_changed(route_daemon *daemon);

/* Records the registry's current mtime and size as loaded. */
void daemon_registry_remember(route_daemon *daemon);

/*
 * Reloads the configuration and the registry; on success swaps them in,
 * otherwise keeps the old ones. Logs either way. Called on the receive
 * thread, the only thread that reads the table and registry.
 */
void daemon_reload(route_daemon *daemon, const char *why);

/* ----- route_daemon_send.c */

/* Decides and sends one received message; takes ownership of message. */
void daemon_route_message(route_daemon *daemon, pulsar_message *message);

/* Closes every output producer and frees the cached partition counts. */
void daemon_close_outputs(route_daemon *daemon);

/* Logs an error line, at most one per second; the next line counts the ones suppressed. */
void daemon_log_error(route_daemon *daemon, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
