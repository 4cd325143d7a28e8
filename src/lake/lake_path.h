/*
 * Object names of lake files, from a path template.
 *
 * A template is a relative path whose parts may hold placeholders:
 *   {env}        the sink's environment (from configuration, never from a message)
 *   {tenant}     {namespace}  {topic}   parts of the message's topic name
 *   {partition}  the topic's partition index, "none" for a non-partitioned topic
 *   {yyyy} {mm} {dd} {hh}   the first message's publish time in the sink's time zone
 * The object name is the rendered template, "/", then a file name made from
 * the first message's id: "<ledger>-<entry>", then "-p<partition>" and
 * "-b<batch index>" when those are not -1, then the format's and the
 * compression's suffixes, for example
 *   prod/iot-system/prod/commands/2026/12/04/13/1234-56-p3.jsonl.gz
 * Because the name depends only on the first message, a retried or
 * redelivered file overwrites its earlier upload instead of adding a copy.
 *
 * Every part of a rendered name must be 1 to 255 characters of A-Z, a-z,
 * 0-9, '.', '_', '-', '=' and ':', and neither "." nor "..", so that no
 * value can climb out of the store's prefix or add a directory level.
 *
 * Ownership: the caller frees a template with lake_path_template_free.
 * Thread safety: a parsed template is read-only and may be shared.
 */
#ifndef SWITCHYARD_LAKE_PATH_H
#define SWITCHYARD_LAKE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lake/lake_error.h"
#include "lake/lake_record.h"
#include "lake/lake_tz.h"

/* Maximum object name size with its NUL (GCS allows names of up to 1024 bytes). */
#define LAKE_OBJECT_NAME_MAX 1025

typedef struct lake_path_template lake_path_template;

/* Parts of a topic name. partition is -1 for a non-partitioned topic. */
typedef struct {
    char tenant[256];
    char namespace_name[256];
    char topic[256];
    int32_t partition;
} lake_topic_name;

/*
 * Parses a template (see above). Returns LAKE_ERR_INVALID for an unknown or
 * unclosed placeholder, LAKE_ERR_UNSAFE_NAME for literal text that is not a
 * safe part (a leading '/', "//", "..", other characters), LAKE_ERR_NOMEM.
 */
lake_err lake_path_template_parse(const char *text, lake_path_template **out, char *error,
                                  size_t error_size);

void lake_path_template_free(lake_path_template *path_template);

/*
 * Splits "persistent://tenant/namespace/topic[-partition-N]" (or
 * non-persistent://) into parts. Returns LAKE_ERR_INVALID for another form
 * and LAKE_ERR_UNSAFE_NAME when a part is not safe.
 */
lake_err lake_topic_name_parse(const char *topic, lake_topic_name *out, char *error,
                               size_t error_size);

typedef struct {
    const char *env;
    const lake_topic_name *topic;
    const lake_tz *time_zone;
    int64_t time_ms; /* publish time of the file's first message */
    lake_message_id first_id;
    const char *suffix; /* ".jsonl.gz" */
} lake_path_values;

/*
 * Writes the object name into name (LAKE_OBJECT_NAME_MAX bytes). Returns
 * LAKE_ERR_UNSAFE_NAME when a value is not a safe part or the name would be
 * longer than 1024 bytes.
 */
lake_err lake_path_render(const lake_path_template *path_template, const lake_path_values *values,
                          char name[LAKE_OBJECT_NAME_MAX], char *error, size_t error_size);

/*
 * Returns a number that changes exactly when one of the template's time
 * placeholders would render differently for time_ms (0 when it has none),
 * so the sink can start a new file when a message belongs in a new hour.
 */
int64_t lake_path_time_bucket(const lake_path_template *path_template, const lake_tz *time_zone,
                              int64_t time_ms);

/* Returns true when text[0..len) is one safe part of a name (see above). */
bool lake_path_part_safe(const char *text, size_t len);

#endif
