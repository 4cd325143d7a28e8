/*
 * Time zones for path templates, read from the system's TZif files.
 *
 * A file's {yyyy}/{mm}/{dd}/{hh} come from the time of its first message,
 * in UTC by default or in a configured IANA zone such as "Europe/Berlin".
 * localtime_r cannot serve a per-sink zone safely: it reads the process-wide
 * TZ variable, and changing that with setenv races with every getenv in
 * other threads (libcurl reads proxy variables at each transfer). So this
 * module parses the zone's TZif file (RFC 8536, versions 2 to 4) once,
 * into an immutable table of transitions plus the file's POSIX TZ rule for
 * times after the last transition, and converts with pure arithmetic.
 *
 * Zone files are looked up under $TZDIR, else /usr/share/zoneinfo (Debian's
 * tzdata package). "UTC" needs no file. Files with leap-second records (the
 * "right/" zones) are rejected, because object paths use civil time.
 *
 * Ownership: lake_tz_load returns a zone that the caller frees with
 * lake_tz_free. Thread safety: a loaded zone is read-only; any number of
 * threads may convert with it at once.
 */
#ifndef SWITCHYARD_LAKE_TZ_H
#define SWITCHYARD_LAKE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "lake/lake_error.h"

typedef struct lake_tz lake_tz;

/* A civil date and time. */
typedef struct {
    int64_t year;
    int month;  /* 1-12 */
    int day;    /* 1-31 */
    int hour;   /* 0-23 */
    int minute; /* 0-59 */
    int second; /* 0-59 */
} lake_civil_time;

/*
 * Loads the zone called name ("UTC", "Europe/Berlin"). A name must be 1 to
 * 255 characters of A-Z, a-z, 0-9, '_', '-', '+', '.' and '/', with no empty,
 * "." or ".." part. Returns LAKE_ERR_INVALID for a bad name,
 * LAKE_ERR_TIME_ZONE when no such file exists or it is malformed,
 * LAKE_ERR_NOMEM; writes the reason into error.
 */
lake_err lake_tz_load(const char *name, lake_tz **out, char *error, size_t error_size);

/*
 * Parses TZif bytes already in memory (the fuzz target's entry point).
 * Same errors as lake_tz_load.
 */
lake_err lake_tz_parse(const uint8_t *bytes, size_t len, lake_tz **out, char *error,
                       size_t error_size);

void lake_tz_free(lake_tz *tz);

/* Returns the zone's name as loaded ("TZif" for lake_tz_parse). */
const char *lake_tz_name(const lake_tz *tz);

/* Returns the offset from UTC in seconds east at the instant utc_seconds. */
int32_t lake_tz_offset(const lake_tz *tz, int64_t utc_seconds);

/* Converts utc_seconds into civil time in tz. */
void lake_tz_civil(const lake_tz *tz, int64_t utc_seconds, lake_civil_time *out);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t lake_days_from_civil(int64_t year, int month, int day);

/* The date of days since 1970-01-01. */
void lake_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

#endif
