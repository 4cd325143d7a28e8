#include "demo/replay.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sensor_csv *reader;
    sensor_reading next;   /* valid when has_next */
    int has_next;
    int needs_read;        /* next must be read before the source can be compared */
} replay_source;

struct demo_replay {
    size_t count;
    replay_source sources[REPLAY_MAX_FILES];
};

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_csv_suffix(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcmp(name + len - 4, ".csv") == 0;
}

/* Collects the sorted *.csv names of directory into names (count of them). */
static int list_csv_files(const char *directory, char **names, size_t *count, char *error,
                          size_t error_size)
{
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        snprintf(error, error_size, "%s: cannot open directory: %s", directory, strerror(errno));
        return -1;
    }
    *count = 0;
    struct dirent *entry;
    int rc = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (!has_csv_suffix(entry->d_name)) {
            continue;
        }
        if (*count == REPLAY_MAX_FILES) {
            snprintf(error, error_size, "%s: more than %d CSV files", directory, REPLAY_MAX_FILES);
            rc = -1;
            break;
        }
        size_t size = strlen(directory) + strlen(entry->d_name) + 2;
        names[*count] = malloc(size);
        if (names[*count] == NULL) {
            snprintf(error, error_size, "out of memory");
            rc = -1;
            break;
        }
        snprintf(names[*count], size, "%s/%s", directory, entry->d_name);
        (*count)++;
    }
    closedir(dir);
    if (rc == 0 && *count == 0) {
        snprintf(error, error_size, "%s: no *.csv files: give the directory of the "
                 "Sensor.Community CSV files", directory);
        rc = -1;
    }
    if (rc == 0) {
        qsort(names, *count, sizeof names[0], compare_names);
    }
    return rc;
}

demo_replay *demo_replay_open(const char *directory, char *error, size_t error_size)
{
    char *names[REPLAY_MAX_FILES];
    size_t count = 0;
    demo_replay *replay = NULL;

    int rc = list_csv_files(directory, names, &count, error, error_size);
    if (rc == 0) {
        replay = calloc(1, sizeof *replay);
        if (replay == NULL) {
            snprintf(error, error_size, "out of memory");
        }
    }
    for (size_t i = 0; replay != NULL && i < count; i++) {
        replay_source *source = &replay->sources[replay->count];
        source->reader = sensor_csv_open(names[i], error, error_size);
        if (source->reader == NULL) {
            demo_replay_close(replay);
            replay = NULL;
            break;
        }
        source->needs_read = 1;
        replay->count++;
    }
    for (size_t i = 0; i < count; i++) {
        free(names[i]);
    }
    return replay;
}

/* Earlier reading first; the same time keeps file order (a stable merge). */
static int reading_before(const sensor_reading *a, const sensor_reading *b)
{
    return a->timestamp_ms < b->timestamp_ms;
}

sensor_csv_result demo_replay_next(demo_replay *replay, sensor_reading *reading, char *error,
                                   size_t error_size)
{
    /* Bring every source up to date; an invalid row is returned at once, one per call. */
    for (size_t i = 0; i < replay->count; i++) {
        replay_source *source = &replay->sources[i];
        if (!source->needs_read) {
            continue;
        }
        sensor_csv_result rc = sensor_csv_next(source->reader, &source->next, error, error_size);
        if (rc == SENSOR_CSV_INVALID) {
            return rc;
        }
        source->needs_read = 0;
        source->has_next = rc == SENSOR_CSV_OK;
        if (rc == SENSOR_CSV_IO) {
            return rc;
        }
    }

    replay_source *earliest = NULL;
    for (size_t i = 0; i < replay->count; i++) {
        replay_source *source = &replay->sources[i];
        if (source->has_next && (earliest == NULL || reading_before(&source->next, &earliest->next))) {
            earliest = source;
        }
    }
    if (earliest == NULL) {
        return SENSOR_CSV_END;
    }
    *reading = earliest->next;
    earliest->has_next = 0;
    earliest->needs_read = 1;
    return SENSOR_CSV_OK;
}

size_t demo_replay_file_count(const demo_replay *replay)
{
    return replay->count;
}

void demo_replay_close(demo_replay *replay)
{
    if (replay == NULL) {
        return;
    }
    for (size_t i = 0; i < replay->count; i++) {
        sensor_csv_close(replay->sources[i].reader);
    }
    free(replay);
}
