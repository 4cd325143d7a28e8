/*
 * Batching and upload retries (lake_sink.h states the invariants).
 *
 * A file moves through two states:
 *   open     a writer that takes records of one topic (sink->open_files);
 *   pending  finished bytes with an object name, waiting for the store
 *            (sink->pending, oldest first), until the store confirms and the
 *            acks are reported.
 * An open file becomes pending in close_file; a pending file leaves only
 * through a successful put (invariant 1) or lake_sink_free.
 */
#include "lake/lake_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

typedef struct {
    lake_ack *items;
    size_t count;
    size_t cap;
} ack_list;

typedef struct {
    char *topic;
    lake_topic_name topic_name;
    lake_writer *writer;
    lake_message_id first_id;
    int64_t first_publish_ms;
    int64_t time_bucket;
    int64_t opened_at_ms;
    ack_list acks;
} open_file;

typedef struct {
    char name[LAKE_OBJECT_NAME_MAX];
    lake_buf bytes;
    ack_list acks;
    unsigned attempts;
    int64_t next_attempt_ms;
} pending_file;

struct lake_sink {
    lake_sink_config config;
    char *env;
    char suffix[64];
    const char *content_type;
    open_file **open_files;
    size_t open_count;
    pending_file **pending;
    size_t pending_count;
    lake_sink_stats stats;
    /* The time bucket of the last second looked up, because a batch shares its publish time. */
    int64_t bucket_second;
    int64_t bucket_of_second;
    bool bucket_known;
};

static int64_t monotonic_ms(void *context)
{
    (void)context;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int64_t now_ms(const lake_sink *sink)
{
    return sink->config.clock(sink->config.clock_context);
}

/* Returns the path's time bucket of time_ms (lake_path_time_bucket), remembering the last one. */
static int64_t time_bucket(lake_sink *sink, int64_t time_ms)
{
    int64_t second = time_ms / 1000 - (time_ms % 1000 < 0 ? 1 : 0);
    if (!sink->bucket_known || second != sink->bucket_second) {
        sink->bucket_of_second = lake_path_time_bucket(sink->config.path_template,
                                                       sink->config.time_zone, second * 1000);
        sink->bucket_second = second;
        sink->bucket_known = true;
    }
    return sink->bucket_of_second;
}

static lake_err ack_list_push(ack_list *list, const lake_record *record)
{
    if (list->count == list->cap) {
        size_t cap = list->cap == 0 ? 64 : list->cap * 2;
        lake_ack *items = realloc(list->items, cap * sizeof *items);
        if (items == NULL) {
            return LAKE_ERR_NOMEM;
        }
        list->items = items;
        list->cap = cap;
    }
    list->items[list->count++] = (lake_ack){record->id, record->ack_handle};
    return LAKE_OK;
}

static lake_err invalid(char *error, size_t error_size, const char *message)
{
    snprintf(error, error_size, "%s", message);
    return LAKE_ERR_INVALID;
}

lake_err lake_sink_new(const lake_sink_config *config, lake_sink **out, char *error,
                       size_t error_size)
{
    if (config->env == NULL || !lake_path_part_safe(config->env, strlen(config->env))) {
        return invalid(error, error_size, "sink environment is missing or not a safe name part");
    }
    if (config->path_template == NULL || config->time_zone == NULL || config->format == NULL ||
        config->store == NULL || config->on_persisted == NULL) {
        return invalid(error, error_size,
                       "sink needs a path template, time zone, format, store and on_persisted");
    }
    if (config->max_records == 0 || config->max_bytes == 0 || config->max_age_ms <= 0 ||
        config->max_pending_files == 0) {
        return invalid(
            error, error_size,
            "sink max_records, max_bytes, max_age and max_pending_files must be positive");
    }
    if (config->retry_initial_ms <= 0 || config->retry_max_ms < config->retry_initial_ms) {
        return invalid(error, error_size,
                       "sink retry back-off must be positive, with its maximum at least its start");
    }

    lake_sink *sink = calloc(1, sizeof *sink);
    if (sink == NULL || (sink->env = strdup(config->env)) == NULL) {
        free(sink);
        return LAKE_ERR_NOMEM;
    }
    sink->config = *config;
    sink->config.env = sink->env;
    if (sink->config.clock == NULL) {
        sink->config.clock = monotonic_ms;
    }
    snprintf(sink->suffix, sizeof sink->suffix, "%s%s", config->format->extension,
             lake_compression_extension(config->compression));
    sink->content_type = lake_writer_content_type(config->format, config->compression);
    *out = sink;
    return LAKE_OK;
}

static void free_open_file(open_file *file)
{
    lake_writer_free(file->writer);
    free(file->acks.items);
    free(file->topic);
    free(file);
}

static void free_pending_file(pending_file *file)
{
    lake_buf_clear(&file->bytes);
    free(file->acks.items);
    free(file);
}

static int64_t backoff_ms(const lake_sink *sink, unsigned attempts)
{
    int64_t delay = sink->config.retry_initial_ms;
    for (unsigned i = 1; i < attempts && delay < sink->config.retry_max_ms; i++) {
        delay *= 2;
    }
    return delay < sink->config.retry_max_ms ? delay : sink->config.retry_max_ms;
}

/* Tries one upload; on success reports the acks and removes the file from the queue. */
static lake_err try_upload(lake_sink *sink, size_t index, char *error, size_t error_size)
{
    pending_file *file = sink->pending[index];
    lake_err rc = lake_store_put(sink->config.store, file->name, file->bytes.data, file->bytes.len,
                                 sink->content_type, error, error_size);
    file->attempts++;
    if (rc != LAKE_OK) {
        sink->stats.upload_failures++;
        int64_t delay = backoff_ms(sink, file->attempts);
        file->next_attempt_ms = now_ms(sink) + delay;
        sy_log(SY_LOG_WARN, "sink",
               "upload of %s (%zu records) failed on attempt %u: %s: %s; retrying in %lld ms",
               file->name, file->acks.count, file->attempts, lake_err_str(rc), error,
               (long long)delay);
        return rc;
    }

    sy_log(SY_LOG_INFO, "sink", "wrote %s (%zu records, %zu bytes)", file->name, file->acks.count,
           file->bytes.len);
    sink->stats.files_written++;
    sink->stats.records_written += file->acks.count;
    sink->stats.bytes_written += file->bytes.len;
    sink->config.on_persisted(sink->config.persisted_context, file->name, file->acks.items,
                              file->acks.count);

    memmove(&sink->pending[index], &sink->pending[index + 1],
            (sink->pending_count - index - 1) * sizeof *sink->pending);
    sink->pending_count--;
    free_pending_file(file);
    return LAKE_OK;
}

/* Finishes the open file at index and queues it, due for upload at once. */
static lake_err close_file(lake_sink *sink, size_t index, char *error, size_t error_size)
{
    open_file *file = sink->open_files[index];
    pending_file *pending = calloc(1, sizeof *pending);
    pending_file **queue =
        realloc(sink->pending, (sink->pending_count + 1) * sizeof *sink->pending);
    if (pending == NULL || queue == NULL) {
        free(pending);
        if (queue != NULL) {
            sink->pending = queue;
        }
        return LAKE_ERR_NOMEM;
    }
    sink->pending = queue;

    lake_path_values values = {
        .env = sink->env,
        .topic = &file->topic_name,
        .time_zone = sink->config.time_zone,
        .time_ms = file->first_publish_ms,
        .first_id = file->first_id,
        .suffix = sink->suffix,
    };
    lake_err rc =
        lake_path_render(sink->config.path_template, &values, pending->name, error, error_size);
    if (rc == LAKE_OK) {
        rc = lake_writer_finish(file->writer, &pending->bytes);
    }
    if (rc != LAKE_OK) {
        free_pending_file(pending);
        return rc;
    }

    pending->acks = file->acks;
    file->acks = (ack_list){NULL, 0, 0};
    sink->pending[sink->pending_count++] = pending;
    memmove(&sink->open_files[index], &sink->open_files[index + 1],
            (sink->open_count - index - 1) * sizeof *sink->open_files);
    sink->open_count--;
    free_open_file(file);
    return LAKE_OK;
}

/*
 * Closes the open file at index and tries its first upload. An upload
 * failure is not returned: the file waits in the queue for its retry.
 */
static lake_err close_and_upload(lake_sink *sink, size_t index, char *error, size_t error_size)
{
    lake_err rc = close_file(sink, index, error, error_size);
    if (rc == LAKE_OK) {
        char upload_error[512];
        try_upload(sink, sink->pending_count - 1, upload_error, sizeof upload_error);
    }
    return rc;
}

static lake_err open_new_file(lake_sink *sink, const lake_record *record, open_file **out,
                              char *error, size_t error_size)
{
    lake_topic_name topic_name;
    lake_err rc = lake_topic_name_parse(record->topic, &topic_name, error, error_size);
    if (rc != LAKE_OK) {
        return rc;
    }
    open_file **files = realloc(sink->open_files, (sink->open_count + 1) * sizeof *files);
    if (files == NULL) {
        return LAKE_ERR_NOMEM;
    }
    sink->open_files = files;
    open_file *file = calloc(1, sizeof *file);
    if (file == NULL || (file->topic = strdup(record->topic)) == NULL) {
        free(file);
        return LAKE_ERR_NOMEM;
    }
    rc = lake_writer_open(sink->config.format, sink->config.compression,
                          sink->config.compression_level, &file->writer);
    if (rc != LAKE_OK) {
        snprintf(error, error_size, "opening a %s file failed: %s", sink->config.format->name,
                 lake_err_str(rc));
        free_open_file(file);
        return rc;
    }
    file->topic_name = topic_name;
    file->first_id = record->id;
    file->first_publish_ms = record->publish_time_ms;
    file->time_bucket = time_bucket(sink, record->publish_time_ms);
    file->opened_at_ms = now_ms(sink);
    sink->open_files[sink->open_count++] = file;
    *out = file;
    return LAKE_OK;
}

static size_t find_open_file(const lake_sink *sink, const char *topic)
{
    for (size_t i = 0; i < sink->open_count; i++) {
        if (strcmp(sink->open_files[i]->topic, topic) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

lake_err lake_sink_add(lake_sink *sink, const lake_record *record, char *error, size_t error_size)
{
    if (record->topic == NULL) {
        return invalid(error, error_size, "record has no topic");
    }
    if (sink->pending_count >= sink->config.max_pending_files) {
        snprintf(error, error_size,
                 "%zu files wait for upload (max_pending_files): poll and add the record again",
                 sink->pending_count);
        return LAKE_ERR_BUSY;
    }

    lake_err rc;
    size_t index = find_open_file(sink, record->topic);
    if (index != SIZE_MAX) {
        int64_t bucket = time_bucket(sink, record->publish_time_ms);
        if (bucket != sink->open_files[index]->time_bucket) {
            rc = close_and_upload(sink, index, error, error_size);
            if (rc != LAKE_OK) {
                return rc;
            }
            index = SIZE_MAX;
        }
    }

    open_file *file;
    if (index == SIZE_MAX) {
        rc = open_new_file(sink, record, &file, error, error_size);
        if (rc != LAKE_OK) {
            return rc;
        }
        index = sink->open_count - 1;
    } else {
        file = sink->open_files[index];
    }

    rc = ack_list_push(&file->acks, record);
    if (rc == LAKE_OK) {
        rc = lake_writer_append(file->writer, record);
        if (rc != LAKE_OK) {
            file->acks.count--;
        }
    }
    if (rc != LAKE_OK) {
        snprintf(error, error_size, "encoding a record of %s failed: %s", record->topic,
                 lake_err_str(rc));
        return rc;
    }

    if (lake_writer_record_count(file->writer) >= sink->config.max_records ||
        lake_writer_encoded_bytes(file->writer) >= sink->config.max_bytes) {
        return close_and_upload(sink, index, error, error_size);
    }
    return LAKE_OK;
}

void lake_sink_poll(lake_sink *sink)
{
    char error[512];
    int64_t now = now_ms(sink);
    for (size_t i = 0; i < sink->open_count;) {
        if (now - sink->open_files[i]->opened_at_ms >= sink->config.max_age_ms &&
            close_file(sink, i, error, sizeof error) == LAKE_OK) {
            continue; /* close_file removed entry i */
        }
        i++;
    }

    /* A success removes its entry and shifts the rest down, so i stays. */
    for (size_t i = 0; i < sink->pending_count;) {
        if (sink->pending[i]->next_attempt_ms <= now &&
            try_upload(sink, i, error, sizeof error) == LAKE_OK) {
            continue;
        }
        i++;
    }
}

lake_err lake_sink_flush(lake_sink *sink, char *error, size_t error_size)
{
    while (sink->open_count > 0) {
        lake_err rc = close_file(sink, 0, error, error_size);
        if (rc != LAKE_OK) {
            return rc;
        }
    }

    lake_err result = LAKE_OK;
    for (size_t i = 0; i < sink->pending_count;) {
        lake_err rc = try_upload(sink, i, error, error_size);
        if (rc == LAKE_OK) {
            continue; /* try_upload removed entry i */
        }
        result = rc;
        i++;
    }
    return result;
}

int64_t lake_sink_next_deadline(const lake_sink *sink)
{
    int64_t deadline = INT64_MAX;
    for (size_t i = 0; i < sink->open_count; i++) {
        int64_t due = sink->open_files[i]->opened_at_ms + sink->config.max_age_ms;
        deadline = due < deadline ? due : deadline;
    }
    for (size_t i = 0; i < sink->pending_count; i++) {
        int64_t due = sink->pending[i]->next_attempt_ms;
        deadline = due < deadline ? due : deadline;
    }
    return deadline;
}

void lake_sink_get_stats(const lake_sink *sink, lake_sink_stats *stats)
{
    *stats = sink->stats;
    stats->open_files = sink->open_count;
    stats->pending_files = sink->pending_count;
}

void lake_sink_free(lake_sink *sink)
{
    if (sink == NULL) {
        return;
    }
    lake_persisted_fn discard = sink->config.on_discarded;
    void *context = sink->config.persisted_context;
    for (size_t i = 0; i < sink->open_count; i++) {
        if (discard != NULL) {
            discard(context, NULL, sink->open_files[i]->acks.items,
                    sink->open_files[i]->acks.count);
        }
        free_open_file(sink->open_files[i]);
    }
    for (size_t i = 0; i < sink->pending_count; i++) {
        if (discard != NULL) {
            discard(context, NULL, sink->pending[i]->acks.items, sink->pending[i]->acks.count);
        }
        free_pending_file(sink->pending[i]);
    }
    if (sink->pending_count > 0) {
        sy_log(SY_LOG_WARN, "sink",
               "discarding %zu files not yet uploaded; their messages stay unacknowledged",
               sink->pending_count);
    }
    free(sink->open_files);
    free(sink->pending);
    free(sink->env);
    free(sink);
}
