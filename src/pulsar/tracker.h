/*
 * Acknowledgement state of a consumer's batch entries: one batch_tracker per
 * entry whose messages are not all acknowledged yet, found by (partition,
 * ledger, entry) in a hash table.
 *
 * A consumer may hold thousands of entries at once (a router with many
 * outputs in flight), and every message received and every acknowledgement
 * looks its entry up, so the lookup must not walk them all.
 *
 * Not thread-safe: the consumer's client lock guards the table.
 */
#ifndef SWITCHYARD_PULSAR_TRACKER_H
#define SWITCHYARD_PULSAR_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct batch_tracker {
    struct batch_tracker *next; /* in its bucket */
    int32_t partition;
    uint64_t ledger_id;
    uint64_t entry_id;
    uint32_t size;
    uint32_t remaining;
    uint8_t *acked; /* one bit per message of the batch */
} batch_tracker;

typedef struct {
    batch_tracker **buckets; /* NULL until the first tracker */
    size_t bucket_count;     /* a power of two */
    size_t count;
} tracker_table;

/* Returns the tracker of an entry, or NULL. */
batch_tracker *tracker_find(const tracker_table *table, int32_t partition, uint64_t ledger_id,
                            uint64_t entry_id);

/* Adds a tracker with all `size` messages unacknowledged. Returns NULL when out of memory. */
batch_tracker *tracker_add(tracker_table *table, int32_t partition, uint64_t ledger_id,
                           uint64_t entry_id, uint32_t size);

/* Unlinks and frees tracker, which must be in table. */
void tracker_remove(tracker_table *table, batch_tracker *tracker);

/* Removes the trackers of partition up to and including (ledger_id, entry_id). */
void tracker_remove_through(tracker_table *table, int32_t partition, uint64_t ledger_id,
                            uint64_t entry_id);

/* Removes every tracker and frees the table's memory. The table stays usable. */
void tracker_clear(tracker_table *table);

#endif
