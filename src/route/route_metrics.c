/*
 * Router counters and their Prometheus text rendering. The HTTP side is in
 * route_metrics_http.c.
 */
#include "route/route_metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bound on distinct environment labels, because environments can be added by a reload. */
#define METRICS_MAX_ENVIRONMENTS 256

/* Upper bounds of the latency histogram's buckets, in seconds. */
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5, 5.0, 10.0};
#define LATENCY_BUCKETS (sizeof latency_bounds / sizeof latency_bounds[0])

typedef struct {
    char name[ROUTE_MAX_ENV_BYTES + 1];
    uint64_t count;
} environment_counter;

struct route_metrics {
    pthread_mutex_t lock;
    uint64_t messages_in;
    environment_counter environments[METRICS_MAX_ENVIRONMENTS];
    size_t environment_count;
    uint64_t routed_other;
    uint64_t quarantined[ROUTE_REASON_COUNT];
    uint64_t sends_ok;
    uint64_t sends_duplicate;
    uint64_t sends_failed;
    uint64_t latency_buckets[LATENCY_BUCKETS]; /* not cumulative; summed when rendered */
    uint64_t latency_count;
    double latency_sum;
    uint64_t reloads_ok;
    uint64_t reloads_failed;
    size_t inflight;
    uint64_t sequence_overflows;
};

route_metrics *route_metrics_new(void)
{
    route_metrics *metrics = calloc(1, sizeof *metrics);
    if (metrics == NULL) {
        return NULL;
    }
    if (pthread_mutex_init(&metrics->lock, NULL) != 0) {
        free(metrics);
        return NULL;
    }
    return metrics;
}

void route_metrics_free(route_metrics *metrics)
{
    if (metrics == NULL) {
        return;
    }
    pthread_mutex_destroy(&metrics->lock);
    free(metrics);
}

void route_metrics_message_in(route_metrics *metrics)
{
    pthread_mutex_lock(&metrics->lock);
    metrics->messages_in++;
    pthread_mutex_unlock(&metrics->lock);
}

void route_metrics_routed(route_metrics *metrics, const char *environment)
{
    pthread_mutex_lock(&metrics->lock);
    size_t i = 0;
    while (i < metrics->environment_count &&
           strcmp(metrics->environments[i].name, environment) != 0) {
        i++;
    }
    if (i == metrics->environment_count && i < METRICS_MAX_ENVIRONMENTS &&
        strlen(environment) <= ROUTE_MAX_ENV_BYTES) {
        strcpy(metrics->environments[i].name, environment);
        metrics->environment_count++;
    }
    if (i < metrics->environment_count) {
        metrics->environments[i].count++;
    } else {
        metrics->routed_other++;
    }
    pthread_mutex_unlock(&metrics->lock);
}

void route_metrics_quarantined(route_metrics *metrics, route_reason reason)
{
    if (reason <= ROUTE_REASON_NONE || reason >= ROUTE_REASON_COUNT) {
        return;
    }
    pthread_mutex_lock(&metrics->lock);
    metrics->quarantined[reason]++;
    pthread_mutex_unlock(&metrics->lock);
}

void route_metrics_send_done(route_metrics *metrics, bool failed, bool duplicate,
                             double latency_seconds)
{
    pthread_mutex_lock(&metrics->lock);
    if (failed) {
        metrics->sends_failed++;
        pthread_mutex_unlock(&metrics->lock);
        return;
    }
    if (duplicate) {
        metrics->sends_duplicate++;
    } else {
        metrics->sends_ok++;
    }
    size_t bucket = 0;
    while (bucket < LATENCY_BUCKETS && latency_seconds > latency_bounds[bucket]) {
        bucket++;
    }
    if (bucket < LATENCY_BUCKETS) {
        metrics->latency_buckets[bucket]++;
    }
    metrics->latency_count++;
    metrics->latency_sum += latency_seconds;
    pthread_mutex_unlock(&metrics->lock);
}

void route_metrics_reload(route_metrics *metrics, bool ok)
{
    pthread_mutex_lock(&metrics->lock);
    if (ok) {
        metrics->reloads_ok++;
    } else {
        metrics->reloads_failed++;
    }
    pthread_mutex_unlock(&metrics->lock);
}

void route_metrics_set_inflight(route_metrics *metrics, size_t inflight)
{
    pthread_mutex_lock(&metrics->lock);
    metrics->inflight = inflight;
    pthread_mutex_unlock(&metrics->lock);
}

void route_metrics_sequence_overflow(route_metrics *metrics)
{
    pthread_mutex_lock(&metrics->lock);
    metrics->sequence_overflows++;
    pthread_mutex_unlock(&metrics->lock);
}

/* A growing text buffer; a failed allocation sets failed and later appends do nothing. */
typedef struct {
    char *data;
    size_t len;
    size_t capacity;
    bool failed;
} text_buffer;

__attribute__((format(printf, 2, 3))) static void append(text_buffer *out, const char *format,
                                                          ...)
{
    if (out->failed) {
        return;
    }
    for (;;) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(out->data + out->len, out->capacity - out->len, format, args);
        va_end(args);
        if (n < 0) {
            out->failed = true;
            return;
        }
        if ((size_t)n < out->capacity - out->len) {
            out->len += (size_t)n;
            return;
        }
        size_t capacity = out->capacity * 2 + (size_t)n;
        char *data = realloc(out->data, capacity);
        if (data == NULL) {
            out->failed = true;
            return;
        }
        out->data = data;
        out->capacity = capacity;
    }
}

static void render_locked(const route_metrics *m, text_buffer *out)
{
    append(out, "# HELP switchyard_router_messages_in_total Input messages received.\n"
                "# TYPE switchyard_router_messages_in_total counter\n"
                "switchyard_router_messages_in_total %" PRIu64 "\n",
           m->messages_in);

    append(out, "# HELP switchyard_router_routed_total Input messages routed, by environment.\n"
                "# TYPE switchyard_router_routed_total counter\n");
    for (size_t i = 0; i < m->environment_count; i++) {
        append(out, "switchyard_router_routed_total{environment=\"%s\"} %" PRIu64 "\n",
               m->environments[i].name, m->environments[i].count);
    }
    if (m->routed_other > 0) {
        append(out, "switchyard_router_routed_total{environment=\"other\"} %" PRIu64 "\n",
               m->routed_other);
    }

    append(out, "# HELP switchyard_router_quarantined_total Input messages quarantined, by "
                "reason.\n"
                "# TYPE switchyard_router_quarantined_total counter\n");
    for (int reason = ROUTE_REASON_NONE + 1; reason < ROUTE_REASON_COUNT; reason++) {
        append(out, "switchyard_router_quarantined_total{reason=\"%s\"} %" PRIu64 "\n",
               route_reason_name((route_reason)reason), m->quarantined[reason]);
    }

    append(out, "# HELP switchyard_router_sends_total Output sends completed, by result.\n"
                "# TYPE switchyard_router_sends_total counter\n"
                "switchyard_router_sends_total{result=\"ok\"} %" PRIu64 "\n"
                "switchyard_router_sends_total{result=\"duplicate\"} %" PRIu64 "\n"
                "switchyard_router_sends_total{result=\"failed\"} %" PRIu64 "\n",
           m->sends_ok, m->sends_duplicate, m->sends_failed);

    append(out, "# HELP switchyard_router_send_latency_seconds Time from queueing an output "
                "to its send receipt.\n"
                "# TYPE switchyard_router_send_latency_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < LATENCY_BUCKETS; i++) {
        cumulative += m->latency_buckets[i];
        append(out, "switchyard_router_send_latency_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
               latency_bounds[i], cumulative);
    }
    append(out,
           "switchyard_router_send_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
           "switchyard_router_send_latency_seconds_sum %.6f\n"
           "switchyard_router_send_latency_seconds_count %" PRIu64 "\n",
           m->latency_count, m->latency_sum, m->latency_count);

    append(out, "# HELP switchyard_router_reloads_total Configuration and registry reloads, "
                "by result.\n"
                "# TYPE switchyard_router_reloads_total counter\n"
                "switchyard_router_reloads_total{result=\"ok\"} %" PRIu64 "\n"
                "switchyard_router_reloads_total{result=\"failed\"} %" PRIu64 "\n",
           m->reloads_ok, m->reloads_failed);

    append(out, "# HELP switchyard_router_inflight Outputs sent and not yet persisted.\n"
                "# TYPE switchyard_router_inflight gauge\n"
                "switchyard_router_inflight %zu\n",
           m->inflight);

    append(out, "# HELP switchyard_router_sequence_overflows_total Inputs whose position does "
                "not fit a sequence id, sent without deduplication.\n"
                "# TYPE switchyard_router_sequence_overflows_total counter\n"
                "switchyard_router_sequence_overflows_total %" PRIu64 "\n",
           m->sequence_overflows);
}

char *route_metrics_render(route_metrics *metrics, size_t *len)
{
    text_buffer out = {malloc(4096), 0, 4096, false};
    if (out.data == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&metrics->lock);
    render_locked(metrics, &out);
    pthread_mutex_unlock(&metrics->lock);
    if (out.failed) {
        free(out.data);
        return NULL;
    }
    *len = out.len;
    return out.data;
}
