/*
 * Counts the records of data-lake files in a local directory, for the
 * demo's reconciliation.
 *
 * Files are JSON lines, plain (.jsonl), gzip (.gz) or zstd (.zst); every
 * other file is ignored, and so are temporary files that a store has not
 * renamed into place yet (names starting with '.'). Each line is one
 * record; the record's device is its "key" member.
 *
 * Thread safety: pure functions over the caller's buffers.
 */
#ifndef SWITCHYARD_DEMO_DEMO_LAKE_COUNT_H
#define SWITCHYARD_DEMO_DEMO_LAKE_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef struct {
    uint64_t files;
    uint64_t records;
    uint64_t unreadable;   /* files that failed to decompress or read */
    json_t *per_device;    /* key -> records; owned by the caller (json_decref) */
} demo_lake_count;

/*
 * Counts every record under directory (recursively) into *count, which the
 * caller zeroes first and whose per_device it sets to json_object().
 * A missing directory counts as empty. Returns 0, or -1 with a reason in
 * error when the directory exists but cannot be read.
 */
int demo_lake_count_directory(const char *directory, demo_lake_count *count, char *error,
                         size_t error_size);

#endif
