/*
 * The lake sink's core: batches records into files and writes each file to
 * a store, reporting its records for acknowledgement once it is durable.
 *
 * Invariants:
 *   1. A record is reported through on_persisted only after the store has
 *      confirmed the file that contains it, and exactly once per add.
 *   2. A file that failed to upload is kept and retried with exponential
 *      back-off until it succeeds; nothing is dropped. lake_sink_free is
 *      the only way to discard it, and then its records are never reported,
 *      so Pulsar redelivers them.
 *   3. One open file per topic (and partition): a file holds records of one
 *      topic only, in the order added, and is named after its first record.
 *   4. A file is closed by whichever comes first: max_records records,
 *      max_bytes encoded bytes, max_age_ms since its first record, a record
 *      whose publish time falls in another time bucket of the path template
 *      (another hour, for a template with {hh}), or lake_sink_flush.
 * Files are reported in upload order, which after a failure is not the
 * order of the records, so the Pulsar glue must acknowledge each message
 * individually, never cumulatively.
 * The Pulsar glue acknowledges a file's messages with one ACK command per
 * partition (pulsar_consumer_ack_list), so a crash never leaves a file half
 * acknowledged.
 * NOTE: a file closed by max_age_ms can still be grouped differently after
 * a restart; if the redelivered group is smaller than the stored file, its
 * remaining messages form a second object and sit in two objects.
 *
 * Uploads run inside lake_sink_add, lake_sink_poll and lake_sink_flush, on
 * the caller's thread; a store call blocks for as long as the store takes.
 * Upload failures are logged as warnings with the object name and reason.
 *
 * Ownership: the sink borrows the template, time zone and store, which
 * must outlive it; it copies what it keeps of each record (never the
 * payload beyond its encoding). Thread safety: one thread at a time.
 */
#ifndef SWITCHYARD_LAKE_SINK_H
#define SWITCHYARD_LAKE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "lake/lake_path.h"
#include "lake/lake_record.h"
#include "lake/lake_store.h"
#include "lake/lake_writer.h"

/* One persisted record: its id and the glue's handle from lake_record. */
typedef struct {
    lake_message_id id;
    void *ack_handle;
} lake_ack;

/* Reports the records of one durable file, in the order they were added. */
typedef void (*lake_persisted_fn)(void *context, const char *object_name, const lake_ack *acks,
                                  size_t count);

/* A monotonic clock in milliseconds; tests inject their own. */
typedef int64_t (*lake_clock_fn)(void *context);

typedef struct {
    const char *env;                         /* fills {env}; copied */
    const lake_path_template *path_template; /* borrowed */
    const lake_tz *time_zone;                /* borrowed */
    const lake_format *format;
    lake_compression compression;
    int compression_level;          /* 0 for the default */
    size_t max_records;             /* >= 1 */
    size_t max_bytes;               /* encoded bytes before compression, >= 1 */
    int64_t max_age_ms;             /* >= 1 */
    size_t max_pending_files;       /* closed files not yet uploaded, >= 1 */
    int64_t retry_initial_ms;       /* first back-off, >= 1 */
    int64_t retry_max_ms;           /* back-off cap, >= retry_initial_ms */
    lake_store *store;              /* borrowed */
    lake_persisted_fn on_persisted; /* required */
    void *persisted_context;
    /*
     * Optional: lake_sink_free reports here, with persisted_context and a NULL
     * object name, the records it discards unwritten, so their handles can be
     * released. Those records must not be acknowledged.
     */
    lake_persisted_fn on_discarded;
    lake_clock_fn clock; /* NULL for CLOCK_MONOTONIC */
    void *clock_context;
} lake_sink_config;

typedef struct {
    uint64_t files_written;
    uint64_t records_written;
    uint64_t bytes_written; /* object bytes, after compression */
    uint64_t upload_failures;
    size_t open_files;
    size_t pending_files;
} lake_sink_stats;

typedef struct lake_sink lake_sink;

/* Creates a sink. Returns LAKE_ERR_INVALID (naming the bad setting in error) or LAKE_ERR_NOMEM. */
lake_err lake_sink_new(const lake_sink_config *config, lake_sink **out, char *error,
                       size_t error_size);

/*
 * Adds one record, closing and uploading files as the triggers require.
 * Returns LAKE_ERR_BUSY without taking the record when max_pending_files
 * files wait for upload: call lake_sink_poll, then add it again. Returns
 * LAKE_ERR_INVALID or LAKE_ERR_UNSAFE_NAME when its topic cannot be named
 * in a path, and LAKE_ERR_NOMEM or LAKE_ERR_COMPRESSION when encoding failed.
 * A failed upload does not fail the add: the file waits for its retry.
 */
lake_err lake_sink_add(lake_sink *sink, const lake_record *record, char *error, size_t error_size);

/* Closes files older than max_age_ms and retries uploads whose back-off is over. */
void lake_sink_poll(lake_sink *sink);

/*
 * Closes every open file and tries every waiting upload once, back-off or
 * not. Returns LAKE_OK when no file waits afterwards, else the error of the
 * last failed upload with its reason in error.
 */
lake_err lake_sink_flush(lake_sink *sink, char *error, size_t error_size);

/*
 * Returns the clock time at which lake_sink_poll next has work (an age
 * limit or a retry), or INT64_MAX when nothing waits.
 */
int64_t lake_sink_next_deadline(const lake_sink *sink);

void lake_sink_get_stats(const lake_sink *sink, lake_sink_stats *stats);

/*
 * Frees the sink. Records of files not yet uploaded are never reported as
 * persisted; they go to on_discarded when it is set.
 */
void lake_sink_free(lake_sink *sink);

#endif
