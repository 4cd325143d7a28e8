/*
 * The router's counters and their Prometheus text exposition (format
 * version 0.0.4), plus a minimal HTTP/1.1 server that returns them on
 * GET /metrics.
 *
 * Metric names (docs/router.md describes each):
 *   switchyard_router_messages_in_total
 *   switchyard_router_routed_total{environment}
 *   switchyard_router_quarantined_total{reason}
 *   switchyard_router_sends_total{result="ok|duplicate|failed"}
 *   switchyard_router_send_latency_seconds (histogram)
 *   switchyard_router_reloads_total{result="ok|failed"}
 *   switchyard_router_inflight
 *   switchyard_router_sequence_overflows_total
 *
 * Threads: every function may be called from any thread; one mutex guards
 * the counters.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_METRICS_H
#define SWITCHYARD_ROUTE_ROUTE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route/route.h"

typedef struct route_metrics route_metrics;

/* Returns new zeroed counters, or NULL when memory runs out. */
route_metrics *route_metrics_new(void);

void route_metrics_free(route_metrics *metrics);

void route_metrics_message_in(route_metrics *metrics);

/*
 * Counts one message routed to environment (a validated environment name,
 * at most ROUTE_MAX_ENV_BYTES). Environments past the first 256 distinct
 * ones are counted under "other" so that the label set stays bounded.
 */
void route_metrics_routed(route_metrics *metrics, const char *environment);

void route_metrics_quarantined(route_metrics *metrics, route_reason reason);

/* Counts one completed send and, unless failed, its latency in seconds. */
void route_metrics_send_done(route_metrics *metrics, bool failed, bool duplicate,
                             double latency_seconds);

void route_metrics_reload(route_metrics *metrics, bool ok);

void route_metrics_set_inflight(route_metrics *metrics, size_t inflight);

void route_metrics_sequence_overflow(route_metrics *metrics);

/*
 * Renders every metric as Prometheus text into a new string (*len bytes,
 * NUL-terminated) that the caller frees. Returns NULL when memory runs out.
 */
char *route_metrics_render(route_metrics *metrics, size_t *len);

typedef struct route_metrics_server route_metrics_server;

/*
 * Listens on address:port (an IPv4 address, port 1..65535) and starts a
 * thread that serves route_metrics_render on GET /metrics, status 404 for
 * any other path and 405 for any other method. One request per connection;
 * a client that sends nothing for 2 seconds is dropped. Returns NULL with a
 * message in error when the address is invalid, the port cannot be bound,
 * or the thread cannot start. metrics must outlive the server.
 */
route_metrics_server *route_metrics_server_start(route_metrics *metrics, const char *address,
                                                 int port, char *error, size_t error_size);

/* Stops the thread and closes the socket. NULL is allowed. */
void route_metrics_server_stop(route_metrics_server *server);

#endif
