/*
 * The routing daemon behind `switchyard route`: consumes the ingest topic and
 * publishes each message to the topic that route_decide chooses.
 *
 * Invariants (docs/router.md explains them for operators):
 *  1. Nothing lost: an input is acknowledged only from the send callback of
 *     its output, once the broker has persisted it. A failed send is
 *     negatively acknowledged, so the broker delivers the input again.
 *  2. No duplicates: output producers have stable names (route_producer_name)
 *     and every output carries the sequence id of its input's position
 *     (route_sequence_from_id), so the broker's deduplication drops what a
 *     restarted router sends again.
 *  3. Order per input partition: messages are decided and queued on one
 *     thread in the order received, and after a failed send nothing later
 *     of the same input partition is sent until the failed input comes back
 *     (the partition's gate). Outputs are batched, but a batch never mixes
 *     replayed outputs with fresh ones: the broker judges a batch by its
 *     first sequence id, so such a batch would be dropped whole as a
 *     duplicate and its fresh outputs lost.
 *  4. Quarantine, never drop: a quarantined message keeps every input
 *     property. A property that cannot be sent as it came (a NUL byte,
 *     invalid UTF-8, or a key the router sets) is carried base64-encoded.
 *
 * Threads: route_daemon_run runs the receive loop on the calling thread.
 * Send callbacks run on the Pulsar client's I/O thread. The metrics server
 * has its own thread. route_daemon_request_stop and
 * route_daemon_request_reload only set flags, so a signal handler may call
 * them.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_DAEMON_H
#define SWITCHYARD_ROUTE_ROUTE_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pulsar/pulsar.h"

typedef struct {
    const char *config_path;   /* required */
    const char *registry_path; /* replaces router.registry; NULL keeps it */
    int metrics_port;          /* -1: router.metrics_port; 0: no metrics server */
    const char *metrics_address; /* IPv4 address to bind; NULL: 127.0.0.1 */
    pulsar_subscription_type subscription_type; /* failover or key_shared */
    /*
     * This router's consumer name (NULL: the broker picks one). Under
     * key_shared it is also part of every producer name, and required.
     */
    const char *instance;
    uint32_t max_inflight;     /* outputs sent but not yet persisted; 0 picks 1000 */
    uint32_t receiver_queue;   /* inputs the broker may send ahead; 0 picks 3000 */
    /*
     * false: a batch of outputs contains messages of any keys, and carries no key
     * itself. true: one key per batch, so that key_shared consumers of the
     * output topics get each device's messages spread by key.
     */
    bool output_batches_by_key;
    /*
     * Compression of output batches (PULSAR_COMPRESSION_NONE: none).
     * `switchyard route` picks LZ4 unless its command line sets another,
     * because the decision properties repeat in every output and fewer
     * bytes cost the broker less CPU per message.
     */
    pulsar_compression output_compression;
    uint32_t drain_timeout_ms; /* wait for pending outputs on stop; 0 picks 10000 */
} route_daemon_options;

typedef struct route_daemon route_daemon;

/* Exit statuses of route_daemon_run, the same as the CLI's. */
enum {
    ROUTE_DAEMON_EXIT_OK = 0,
    ROUTE_DAEMON_EXIT_FAILURE = 1,
};

/*
 * Loads the configuration, the routing table and the registry and checks
 * the options. Opens no connection. Returns NULL with "FILE:LINE: ..." or
 * another message naming the value and the fix in error. options and its
 * strings are borrowed and must outlive the daemon. The caller frees the
 * daemon with route_daemon_free.
 */
route_daemon *route_daemon_create(const route_daemon_options *options, char *error,
                                  size_t error_size);

/*
 * Connects, subscribes and routes until route_daemon_request_stop, then
 * stops receiving, waits up to drain_timeout_ms for pending outputs (their
 * inputs are acknowledged as receipts arrive), closes and returns
 * ROUTE_DAEMON_EXIT_OK. Returns ROUTE_DAEMON_EXIT_FAILURE, after logging
 * why, when the client, the subscription or the metrics server cannot be
 * set up or the consumer fails. Calling it a second time on the same daemon
 * is not supported (and not checked).
 */
int route_daemon_run(route_daemon *daemon);

/* Asks route_daemon_run to stop. Async-signal-safe. */
void route_daemon_request_stop(route_daemon *daemon);

/* Asks for the configuration and registry to be reloaded. Async-signal-safe. */
void route_daemon_request_reload(route_daemon *daemon);

/* Frees the daemon. NULL is allowed. Not while route_daemon_run runs. */
void route_daemon_free(route_daemon *daemon);

#endif
