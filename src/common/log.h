/*
 * Logging for Switchyard's programs (never for src/pulsar/, which returns
 * errors and leaves logging to its caller).
 *
 * One line per event on standard error:
 *   2026-12-04T13:05:01.123Z INFO  route: routed 1200 messages
 * Levels have fixed meanings: ERROR and WARN are for what a person must act
 * on, INFO for starts, stops, reloads and files written, DEBUG for
 * per-message detail. Never log a secret; log payloads by size only.
 *
 * Thread safety: every function may be called from any thread; a line is
 * written with one write(2) so lines of different threads do not interleave.
 */
#ifndef SWITCHYARD_COMMON_LOG_H
#define SWITCHYARD_COMMON_LOG_H

#include <stdbool.h>

typedef enum {
    SY_LOG_DEBUG = 0,
    SY_LOG_INFO = 1,
    SY_LOG_WARN = 2,
    SY_LOG_ERROR = 3,
} sy_log_level;

/* Sets the minimum level written (default SY_LOG_INFO). */
void sy_log_set_level(sy_log_level level);

/* Returns the current minimum level. */
sy_log_level sy_log_get_level(void);

/*
 * Parses "debug", "info", "warn" or "error" (any case) into *level.
 * Returns false, leaving *level alone, for any other text.
 */
bool sy_log_level_parse(const char *text, sy_log_level *level);

/* Returns "DEBUG", "INFO", "WARN" or "ERROR". */
const char *sy_log_level_name(sy_log_level level);

/*
 * Writes one log line if level is at or above the minimum. component names
 * the part that logs ("route", "sink", ...). A trailing newline in the
 * formatted text is not needed and is dropped.
 */
void sy_log(sy_log_level level, const char *component, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
