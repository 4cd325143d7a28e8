/*
 * TZif reader and POSIX TZ rule evaluator (see lake_tz.h for why).
 *
 * Invariants of a parsed zone:
 *   1. transitions are strictly ascending and each names a type < type_count;
 *   2. type_count >= 1, so type 0 exists for instants before the first
 *      transition (RFC 8536, section 3.2);
 *   3. every offset is within 26 hours of UTC (read_data_block rejects
 *      others), so adding one to an instant within +-2^62 seconds cannot overflow.
 * The file is untrusted input: every read goes through one bounds-checked
 * cursor, and every count is checked against the bytes left before use.
 */
#include "lake/lake_tz.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE_BYTES (1024 * 1024)
#define TZ_MAX_OFFSET     (26 * 3600)
#define TZ_MAX_RULE_TIME  (167 * 3600)

typedef struct {
    int32_t utoff;
    bool is_dst;
} tz_type;

/* One date of a POSIX rule: Jn (no Feb 29), n (zero-based day) or Mm.w.d. */
typedef struct {
    char kind;       /* 'J', 'N' or 'M' */
    int day;         /* for J and N */
    int month;       /* for M */
    int week;        /* for M: 1-5, 5 is the last such weekday */
    int wday;        /* for M: 0 is Sunday */
    int32_t seconds; /* local time of day of the change, may exceed 24 h */
} tz_rule_date;

typedef struct {
    int32_t std_utoff;
    int32_t dst_utoff;
    bool has_dst;
    tz_rule_date start;
    tz_rule_date end;
} tz_rule;

struct lake_tz {
    char name[256];
    size_t transition_count;
    int64_t *transitions;
    uint8_t *transition_types;
    size_t type_count;
    tz_type types[256];
    bool has_rule;
    tz_rule rule;
};

typedef struct {
    const uint8_t *bytes;
    size_t len;
    size_t pos;
} tz_cursor;

static bool cursor_take(tz_cursor *cursor, size_t count, const uint8_t **out)
{
    if (count > cursor->len - cursor->pos) {
        return false;
    }
    *out = cursor->bytes + cursor->pos;
    cursor->pos += count;
    return true;
}

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t read_be64(const uint8_t *p)
{
    uint64_t value = (uint64_t)read_be32(p) << 32 | read_be32(p + 4);
    return (int64_t)value;
}

int64_t lake_days_from_civil(int64_t year, int month, int day)
{
    /* Counts from 0000-03-01 in 400-year eras, so the leap day ends each year. */
    int64_t y = year - (month <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t month_from_march = (month + 9) % 12;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void lake_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t day_of_era = z - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;
    int m = (int)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);

    *day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *month = m;
    *year = year_of_era + era * 400 + (m <= 2 ? 1 : 0);
}

static bool is_leap_year(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* ---- POSIX TZ strings, as in a TZif footer ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static bool parse_zone_abbreviation(const char **text)
{
    const char *p = *text;
    size_t length = 0;
    if (*p == '<') {
        p++;
        while (*p != '\0' && *p != '>') {
            bool allowed = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                           (*p >= '0' && *p <= '9') || *p == '+' || *p == '-';
            if (!allowed) {
                return false;
            }
            p++;
            length++;
        }
        if (*p != '>') {
            return false;
        }
        p++;
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
            p++;
            length++;
        }
    }
    *text = p;
    return length >= 3;
}

/* Parses [+-]hh[:mm[:ss]] with hh up to max_hours into seconds. */
static bool parse_clock(const char **text, int max_hours, int32_t *out)
{
    const char *p = *text;
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    int32_t parts[3] = {0, 0, 0};
    for (int part = 0; part < 3; part++) {
        if (part > 0) {
            if (*p != ':') {
                break;
            }
            p++;
        }
        int digits = 0;
        int32_t value = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) {
            value = value * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || (part > 0 && value > 59) || (part == 0 && value > max_hours)) {
            return false;
        }
        parts[part] = value;
    }
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    *text = p;
    return true;
}

static bool parse_number(const char **text, int min, int max, int *out)
{
    const char *p = *text;
    int value = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 4) {
        value = value * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || value < min || value > max) {
        return false;
    }
    *out = value;
    *text = p;
    return true;
}

static bool parse_rule_date(const char **text, tz_rule_date *date)
{
    const char *p = *text;
    memset(date, 0, sizeof *date);
    if (*p == 'J') {
        p++;
        date->kind = 'J';
        if (!parse_number(&p, 1, 365, &date->day)) {
            return false;
        }
    } else if (*p == 'M') {
        p++;
        date->kind = 'M';
        if (!parse_number(&p, 1, 12, &date->month) || *p++ != '.' ||
            !parse_number(&p, 1, 5, &date->week) || *p++ != '.' ||
            !parse_number(&p, 0, 6, &date->wday)) {
            return false;
        }
    } else {
        date->kind = 'N';
        if (!parse_number(&p, 0, 365, &date->day)) {
            return false;
        }
    }

    /* POSIX's default time of change is 02:00 local time. */
    date->seconds = 7200;
    if (*p == '/') {
        p++;
        if (!parse_clock(&p, 167, &date->seconds)) {
            return false;
        }
    }
    *text = p;
    return true;
}

static bool parse_posix_rule(const char *text, tz_rule *rule)
{
    const char *p = text;
    int32_t offset = 0;
    memset(rule, 0, sizeof *rule);

    /* POSIX offsets count hours west of UTC, the opposite sign of utoff. */
    if (!parse_zone_abbreviation(&p) || !parse_clock(&p, 24, &offset)) {
        return false;
    }
    rule->std_utoff = -offset;
    if (*p == '\0') {
        return true;
    }

    if (!parse_zone_abbreviation(&p)) {
        return false;
    }
    rule->has_dst = true;
    rule->dst_utoff = rule->std_utoff + 3600;
    if (*p != ',' && *p != '\0') {
        if (!parse_clock(&p, 24, &offset)) {
            return false;
        }
        rule->dst_utoff = -offset;
    }
    /* A footer with DST always states its rule; guessing one would misplace files. */
    if (*p++ != ',' || !parse_rule_date(&p, &rule->start) || *p++ != ',' ||
        !parse_rule_date(&p, &rule->end)) {
        return false;
    }
    return *p == '\0';
}

/* Returns the UTC instant at which date's change happens in year. */
static int64_t rule_change_utc(const tz_rule_date *date, int64_t year, int32_t utoff_before)
{
    int64_t first_of_year = lake_days_from_civil(year, 1, 1);
    int64_t day = first_of_year;

    if (date->kind == 'J') {
        /* Jn never counts February 29, so day 60 is always March 1. */
        day += date->day - 1 + (is_leap_year(year) && date->day >= 60 ? 1 : 0);
    } else if (date->kind == 'N') {
        day += date->day;
    } else {
        int64_t first_of_month = lake_days_from_civil(year, date->month, 1);
        /* 1970-01-01 was a Thursday (weekday 4). */
        int64_t weekday_of_first = ((first_of_month % 7) + 7 + 4) % 7;
        int64_t month_day = 1 + (date->wday - weekday_of_first + 7) % 7 + 7 * (date->week - 1);
        while (month_day > days_in_month(year, date->month)) {
            month_day -= 7;
        }
        day = first_of_month + month_day - 1;
    }
    return day * 86400 + date->seconds - utoff_before;
}

static int32_t rule_offset(const tz_rule *rule, int64_t utc_seconds)
{
    if (!rule->has_dst) {
        return rule->std_utoff;
    }
    int64_t year;
    int month;
    int day;
    lake_civil_from_days((utc_seconds + rule->std_utoff) / 86400 -
                             ((utc_seconds + rule->std_utoff) % 86400 < 0 ? 1 : 0),
                         &year, &month, &day);
    int64_t start = rule_change_utc(&rule->start, year, rule->std_utoff);
    int64_t end = rule_change_utc(&rule->end, year, rule->dst_utoff);

    bool dst;
    if (start < end) {
        dst = utc_seconds >= start && utc_seconds < end;
    } else {
        /* Southern hemisphere: DST spans the turn of the year. */
        dst = !(utc_seconds >= end && utc_seconds < start);
    }
    return dst ? rule->dst_utoff : rule->std_utoff;
}

/* ---- TZif files ---- */

typedef struct {
    uint32_t isut_count;
    uint32_t isstd_count;
    uint32_t leap_count;
    uint32_t time_count;
    uint32_t type_count;
    uint32_t char_count;
} tzif_counts;

static bool read_header(tz_cursor *cursor, char *version, tzif_counts *counts)
{
    const uint8_t *header;
    if (!cursor_take(cursor, 44, &header) || memcmp(header, "TZif", 4) != 0) {
        return false;
    }
    *version = (char)header[4];
    counts->isut_count = read_be32(header + 20);
    counts->isstd_count = read_be32(header + 24);
    counts->leap_count = read_be32(header + 28);
    counts->time_count = read_be32(header + 32);
    counts->type_count = read_be32(header + 36);
    counts->char_count = read_be32(header + 40);
    return true;
}

static size_t data_block_size(const tzif_counts *counts, size_t time_size)
{
    /* Each count is below 2^32, so this sum cannot overflow a 64-bit size_t. */
    return (size_t)counts->time_count * (time_size + 1) + (size_t)counts->type_count * 6 +
           counts->char_count + (size_t)counts->leap_count * (time_size + 4) + counts->isstd_count +
           counts->isut_count;
}

static lake_err fail(char *error, size_t error_size, const char *message)
{
    snprintf(error, error_size, "%s", message);
    return LAKE_ERR_TIME_ZONE;
}

static lake_err read_data_block(tz_cursor *cursor, const tzif_counts *counts, size_t time_size,
                                lake_tz *tz, char *error, size_t error_size)
{
    if (counts->type_count == 0 || counts->type_count > 256) {
        return fail(error, error_size, "TZif data has no local time types or more than 256");
    }
    if (counts->leap_count != 0) {
        return fail(error, error_size,
                    "TZif data has leap-second records (a \"right/\" zone): "
                    "use the zone of the same name without \"right/\"");
    }
    if ((counts->isstd_count != 0 && counts->isstd_count != counts->type_count) ||
        (counts->isut_count != 0 && counts->isut_count != counts->type_count)) {
        return fail(error, error_size, "TZif indicator counts do not match the type count");
    }
    if (data_block_size(counts, time_size) > cursor->len - cursor->pos) {
        return fail(error, error_size, "TZif data is shorter than its header states");
    }

    tz->transition_count = counts->time_count;
    if (counts->time_count > 0) {
        tz->transitions = calloc(counts->time_count, sizeof *tz->transitions);
        tz->transition_types = calloc(counts->time_count, 1);
        if (tz->transitions == NULL || tz->transition_types == NULL) {
            return LAKE_ERR_NOMEM;
        }
    }

    const uint8_t *bytes = NULL;
    cursor_take(cursor, (size_t)counts->time_count * time_size, &bytes);
    for (size_t i = 0; i < counts->time_count; i++) {
        const uint8_t *p = bytes + i * time_size;
        tz->transitions[i] = time_size == 8 ? read_be64(p) : (int32_t)read_be32(p);
        if (i > 0 && tz->transitions[i] <= tz->transitions[i - 1]) {
            return fail(error, error_size, "TZif transition times are not ascending");
        }
    }
    cursor_take(cursor, counts->time_count, &bytes);
    for (size_t i = 0; i < counts->time_count; i++) {
        if (bytes[i] >= counts->type_count) {
            return fail(error, error_size, "TZif transition names a type that does not exist");
        }
        tz->transition_types[i] = bytes[i];
    }

    tz->type_count = counts->type_count;
    cursor_take(cursor, (size_t)counts->type_count * 6, &bytes);
    for (size_t i = 0; i < counts->type_count; i++) {
        int32_t utoff = (int32_t)read_be32(bytes + i * 6);
        if (utoff < -TZ_MAX_OFFSET || utoff > TZ_MAX_OFFSET) {
            return fail(error, error_size, "TZif type has a UTC offset beyond 26 hours");
        }
        tz->types[i].utoff = utoff;
        tz->types[i].is_dst = bytes[i * 6 + 4] != 0;
    }
    cursor_take(cursor, counts->char_count + (size_t)counts->isstd_count + counts->isut_count,
                &bytes);
    return LAKE_OK;
}

static lake_err read_footer(tz_cursor *cursor, lake_tz *tz, char *error, size_t error_size)
{
    const uint8_t *newline;
    if (!cursor_take(cursor, 1, &newline) || *newline != '\n') {
        return fail(error, error_size, "TZif footer does not start with a newline");
    }
    const uint8_t *start = cursor->bytes + cursor->pos;
    const uint8_t *end = memchr(start, '\n', cursor->len - cursor->pos);
    if (end == NULL || end - start > 255) {
        return fail(error, error_size, "TZif footer is unterminated or longer than 255 bytes");
    }
    if (end == start) {
        return LAKE_OK;
    }
    char text[256];
    memcpy(text, start, (size_t)(end - start));
    text[end - start] = '\0';
    if (!parse_posix_rule(text, &tz->rule)) {
        return fail(error, error_size, "TZif footer is not a valid POSIX TZ rule");
    }
    tz->has_rule = true;
    return LAKE_OK;
}

lake_err lake_tz_parse(const uint8_t *bytes, size_t len, lake_tz **out, char *error,
                       size_t error_size)
{
    tz_cursor cursor = {bytes, len, 0};
    char version;
    tzif_counts counts;
    if (!read_header(&cursor, &version, &counts)) {
        return fail(error, error_size, "not a TZif file (no \"TZif\" header)");
    }

    lake_tz *tz = calloc(1, sizeof *tz);
    if (tz == NULL) {
        return LAKE_ERR_NOMEM;
    }
    snprintf(tz->name, sizeof tz->name, "TZif");

    lake_err rc;
    if (version == '\0') {
        rc = read_data_block(&cursor, &counts, 4, tz, error, error_size);
    } else {
        /* Version 2 and later repeat the data with 64-bit times after the 32-bit block. */
        if (data_block_size(&counts, 4) > len - cursor.pos) {
            rc = fail(error, error_size, "TZif data is shorter than its header states");
            goto done;
        }
        cursor.pos += data_block_size(&counts, 4);
        char version2;
        if (!read_header(&cursor, &version2, &counts)) {
            rc = fail(error, error_size, "TZif file lacks its 64-bit header");
            goto done;
        }
        rc = read_data_block(&cursor, &counts, 8, tz, error, error_size);
        if (rc == LAKE_OK) {
            rc = read_footer(&cursor, tz, error, error_size);
        }
    }

done:
    if (rc != LAKE_OK) {
        lake_tz_free(tz);
        return rc;
    }
    *out = tz;
    return LAKE_OK;
}

static bool zone_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 255 || name[0] == '/' || name[len - 1] == '/') {
        return false;
    }
    const char *part = name;
    for (size_t i = 0; i <= len; i++) {
        char c = name[i];
        if (c == '/' || c == '\0') {
            size_t part_len = (size_t)(name + i - part);
            if (part_len == 0 || (part_len == 1 && part[0] == '.') ||
                (part_len == 2 && part[0] == '.' && part[1] == '.')) {
                return false;
            }
            part = name + i + 1;
            continue;
        }
        bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '+' || c == '.';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

static lake_err read_zone_file(const char *path, uint8_t **bytes, size_t *len, char *error,
                               size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "cannot open time zone file %s: %s", path, strerror(errno));
        return LAKE_ERR_TIME_ZONE;
    }
    uint8_t *data = malloc(TZ_MAX_FILE_BYTES + 1);
    if (data == NULL) {
        fclose(file);
        return LAKE_ERR_NOMEM;
    }
    size_t got = fread(data, 1, TZ_MAX_FILE_BYTES + 1, file);
    bool read_failed = ferror(file) != 0;
    fclose(file);
    if (read_failed || got > TZ_MAX_FILE_BYTES) {
        free(data);
        snprintf(error, error_size, "time zone file %s is unreadable or larger than 1 MiB", path);
        return LAKE_ERR_TIME_ZONE;
    }
    *bytes = data;
    *len = got;
    return LAKE_OK;
}

lake_err lake_tz_load(const char *name, lake_tz **out, char *error, size_t error_size)
{
    if (name == NULL || !zone_name_valid(name)) {
        snprintf(error, error_size,
                 "invalid time zone name '%s': use an IANA name such as UTC or Europe/Berlin",
                 name == NULL ? "" : name);
        return LAKE_ERR_INVALID;
    }
    if (strcmp(name, "UTC") == 0) {
        lake_tz *tz = calloc(1, sizeof *tz);
        if (tz == NULL) {
            return LAKE_ERR_NOMEM;
        }
        snprintf(tz->name, sizeof tz->name, "UTC");
        tz->type_count = 1;
        *out = tz;
        return LAKE_OK;
    }

    const char *dir = getenv("TZDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/usr/share/zoneinfo";
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);

    uint8_t *bytes;
    size_t len;
    lake_err rc = read_zone_file(path, &bytes, &len, error, error_size);
    if (rc != LAKE_OK) {
        return rc;
    }
    char reason[200] = "";
    lake_tz *tz = NULL;
    rc = lake_tz_parse(bytes, len, &tz, reason, sizeof reason);
    free(bytes);
    if (rc != LAKE_OK) {
        snprintf(error, error_size, "time zone file %s: %s", path, reason);
        return rc;
    }
    snprintf(tz->name, sizeof tz->name, "%s", name);
    *out = tz;
    return LAKE_OK;
}

void lake_tz_free(lake_tz *tz)
{
    if (tz == NULL) {
        return;
    }
    free(tz->transitions);
    free(tz->transition_types);
    free(tz);
}

const char *lake_tz_name(const lake_tz *tz)
{
    return tz->name;
}

int32_t lake_tz_offset(const lake_tz *tz, int64_t utc_seconds)
{
    size_t count = tz->transition_count;
    if (count == 0 || utc_seconds >= tz->transitions[count - 1]) {
        if (tz->has_rule) {
            return rule_offset(&tz->rule, utc_seconds);
        }
        return count == 0 ? tz->types[0].utoff : tz->types[tz->transition_types[count - 1]].utoff;
    }
    if (utc_seconds < tz->transitions[0]) {
        return tz->types[0].utoff;
    }

    /* The last transition at or before utc_seconds: transitions[low] <= t < transitions[high]. */
    size_t low = 0;
    size_t high = count - 1;
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if (tz->transitions[middle] <= utc_seconds) {
            low = middle;
        } else {
            high = middle;
        }
    }
    return tz->types[tz->transition_types[low]].utoff;
}

void lake_tz_civil(const lake_tz *tz, int64_t utc_seconds, lake_civil_time *out)
{
    int64_t local = utc_seconds + lake_tz_offset(tz, utc_seconds);
    int64_t days = local / 86400;
    int64_t seconds_of_day = local % 86400;
    if (seconds_of_day < 0) {
        seconds_of_day += 86400;
        days -= 1;
    }
    lake_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(seconds_of_day / 3600);
    out->minute = (int)(seconds_of_day / 60 % 60);
    out->second = (int)(seconds_of_day % 60);
}
