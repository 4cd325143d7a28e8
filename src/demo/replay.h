/*
 * Replays a directory of Sensor.Community CSV files as one stream of
 * readings in time order.
 *
 * Each file is in time order already (the archive's daily files are); the
 * replay merges them, taking the earliest reading among the files' next
 * rows, ties broken by the order of the file names. Files are the *.csv
 * entries of the directory, sorted by name.
 *
 * Thread safety: a replay is used by one thread at a time.
 */
#ifndef SWITCHYARD_DEMO_REPLAY_H
#define SWITCHYARD_DEMO_REPLAY_H

#include <stddef.h>

#include "demo/sensor_csv.h"

#define REPLAY_MAX_FILES 256

typedef struct demo_replay demo_replay;

/*
 * Opens every *.csv file of directory. Returns NULL with a message in error
 * when the directory cannot be read, has no CSV file, has more than
 * REPLAY_MAX_FILES, or a file's header is invalid.
 */
demo_replay *demo_replay_open(const char *directory, char *error, size_t error_size);

/*
 * Reads the next reading in time order. Returns SENSOR_CSV_OK,
 * SENSOR_CSV_END, or SENSOR_CSV_INVALID / SENSOR_CSV_IO with "FILE:LINE:
 * reason" in error; after an invalid row the replay goes on with the next
 * row, so a caller may count and skip it.
 */
sensor_csv_result demo_replay_next(demo_replay *replay, sensor_reading *reading, char *error,
                                   size_t error_size);

/* Returns the number of files being replayed. */
size_t demo_replay_file_count(const demo_replay *replay);

void demo_replay_close(demo_replay *replay);

#endif
