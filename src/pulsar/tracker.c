/*
 * The batch tracker table: separate chaining over a power-of-two bucket
 * array that doubles when the trackers outnumber the buckets.
 */
#include "pulsar/tracker.h"

#include <stdlib.h>

#define TRACKER_INITIAL_BUCKETS 64

static size_t bucket_of(const tracker_table *table, int32_t partition, uint64_t ledger_id,
                        uint64_t entry_id)
{
    /* Entry ids of one ledger are consecutive and spread well by themselves.
     * The multipliers mix in the ledger and the partition. */
    uint64_t hash = entry_id ^ (ledger_id * 0x9E3779B97F4A7C15u) ^
                    ((uint64_t)(uint32_t)partition * 0xC2B2AE3D27D4EB4Fu);
    hash ^= hash >> 29;
    return (size_t)hash & (table->bucket_count - 1);
}

batch_tracker *tracker_find(const tracker_table *table, int32_t partition, uint64_t ledger_id,
                            uint64_t entry_id)
{
    if (table->count == 0) {
        return NULL;
    }
    batch_tracker *t = table->buckets[bucket_of(table, partition, ledger_id, entry_id)];
    for (; t != NULL; t = t->next) {
        if (t->entry_id == entry_id && t->ledger_id == ledger_id && t->partition == partition) {
            return t;
        }
    }
    return NULL;
}

/* Doubles the bucket array, or creates it. Returns false when out of memory. */
static bool grow(tracker_table *table)
{
    size_t count = table->bucket_count == 0 ? TRACKER_INITIAL_BUCKETS : table->bucket_count * 2;
    batch_tracker **buckets = calloc(count, sizeof *buckets);
    if (buckets == NULL) {
        return false;
    }

    tracker_table grown = {buckets, count, table->count};
    for (size_t i = 0; i < table->bucket_count; i++) {
        batch_tracker *t = table->buckets[i];
        while (t != NULL) {
            batch_tracker *next = t->next;
            size_t bucket = bucket_of(&grown, t->partition, t->ledger_id, t->entry_id);
            t->next = buckets[bucket];
            buckets[bucket] = t;
            t = next;
        }
    }
    free(table->buckets);
    *table = grown;
    return true;
}

batch_tracker *tracker_add(tracker_table *table, int32_t partition, uint64_t ledger_id,
                           uint64_t entry_id, uint32_t size)
{
    /* A table that cannot grow still works, with longer chains. */
    if (table->count >= table->bucket_count && !grow(table) && table->bucket_count == 0) {
        return NULL;
    }
    batch_tracker *tracker = calloc(1, sizeof *tracker);
    uint8_t *acked = calloc((size + 7) / 8, 1);
    if (tracker == NULL || acked == NULL) {
        free(tracker);
        free(acked);
        return NULL;
    }

    *tracker = (batch_tracker){NULL, partition, ledger_id, entry_id, size, size, acked};
    size_t bucket = bucket_of(table, partition, ledger_id, entry_id);
    tracker->next = table->buckets[bucket];
    table->buckets[bucket] = tracker;
    table->count++;
    return tracker;
}

static void free_tracker(batch_tracker *tracker)
{
    free(tracker->acked);
    free(tracker);
}

void tracker_remove(tracker_table *table, batch_tracker *tracker)
{
    size_t bucket = bucket_of(table, tracker->partition, tracker->ledger_id, tracker->entry_id);
    for (batch_tracker **link = &table->buckets[bucket]; *link != NULL; link = &(*link)->next) {
        if (*link == tracker) {
            *link = tracker->next;
            table->count--;
            free_tracker(tracker);
            return;
        }
    }
}

void tracker_remove_through(tracker_table *table, int32_t partition, uint64_t ledger_id,
                            uint64_t entry_id)
{
    for (size_t i = 0; i < table->bucket_count && table->count > 0; i++) {
        batch_tracker **link = &table->buckets[i];
        while (*link != NULL) {
            batch_tracker *t = *link;
            bool covered = t->partition == partition &&
                           (t->ledger_id < ledger_id ||
                            (t->ledger_id == ledger_id && t->entry_id <= entry_id));
            if (covered) {
                *link = t->next;
                table->count--;
                free_tracker(t);
            } else {
                link = &t->next;
            }
        }
    }
}

void tracker_clear(tracker_table *table)
{
    for (size_t i = 0; i < table->bucket_count; i++) {
        while (table->buckets[i] != NULL) {
            batch_tracker *t = table->buckets[i];
            table->buckets[i] = t->next;
            free_tracker(t);
        }
    }
    free(table->buckets);
    *table = (tracker_table){NULL, 0, 0};
}
