/*
 * The lake sink's Pulsar side: consumes the topics of one sink's settings,
 * feeds each message to a lake_sink, and acknowledges it once the file that
 * contains it is persisted. Acknowledgements are individual, never
 * cumulative, because files can be persisted out of order after a failed
 * upload.
 *
 * A message that cannot be written (encoding failed) stops the run with an
 * error instead of being acknowledged or dropped, so Pulsar redelivers it
 * to the next run.
 *
 * Ownership: the sink borrows the client and the store, which must outlive
 * it. Thread safety: one thread drives a sink (start, run_once, stop); the
 * Pulsar client's I/O thread is never called back into.
 */
#ifndef SWITCHYARD_LAKE_PULSAR_H
#define SWITCHYARD_LAKE_PULSAR_H

#include <stddef.h>

#include "admin/admin_http.h"
#include "lake/lake_config.h"
#include "lake/lake_sink.h"
#include "pulsar/pulsar.h"

typedef struct lake_pulsar_sink lake_pulsar_sink;

/*
 * Subscribes to every topic of settings (a new subscription starts at the
 * earliest retained message) and prepares the batching sink. With a
 * namespace instead of topics, lists its topics through admin
 * (lake_topics.h) and subscribes to each, one consumer per partitioned
 * topic; lake_pulsar_sink_run_once lists them again every
 * settings->topic_refresh_ms and subscribes to new ones. admin is
 * borrowed, must outlive the sink, and may be NULL when topics are listed.
 * Returns LAKE_ERR_INVALID for a namespace without admin, LAKE_ERR_NETWORK
 * when subscribing or the first listing failed (LAKE_ERR_HTTP_STATUS when
 * the admin API returned an error, for example 404 for a namespace that
 * does not exist), with the reason in error, or LAKE_ERR_NOMEM.
 */
lake_err lake_pulsar_sink_start(pulsar_client *client, admin_http *admin,
                                const lake_sink_settings *settings, lake_store *store,
                                lake_pulsar_sink **out, char *error, size_t error_size);

/*
 * Receives what is waiting (waiting up to wait_ms when nothing is), adds it
 * to the files, closes aged files and retries due uploads. For a namespace,
 * first lists its topics again when the refresh interval is over; a failed
 * listing or subscription is logged as a warning and tried again at the
 * next interval, never returned. Returns LAKE_OK, or the error that must
 * stop the run (with the reason in error).
 */
lake_err lake_pulsar_sink_run_once(lake_pulsar_sink *sink, int wait_ms, char *error,
                                   size_t error_size);

/* Counters of the batching sink. */
void lake_pulsar_sink_stats(const lake_pulsar_sink *sink, lake_sink_stats *stats);

/*
 * Closes every open file and tries to upload all waiting files until
 * deadline_ms (monotonic clock, milliseconds) passes, acknowledging what
 * is persisted, then closes the consumers and frees the sink. Returns
 * LAKE_OK when nothing was left unwritten; otherwise those messages stay
 * unacknowledged, so Pulsar delivers them again.
 */
lake_err lake_pulsar_sink_stop(lake_pulsar_sink *sink, int64_t deadline_ms, char *error,
                               size_t error_size);

#endif
