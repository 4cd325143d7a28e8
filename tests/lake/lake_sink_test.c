/*
 * Batching: each trigger closes a file (count, bytes, age with an injected
 * clock, a new hour, flush), records are reported only after the store
 * confirms, and failed uploads are retried with back-off, never dropped.
 * The store here is an in-memory fake that fails on request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "lake/lake_sink.h"

#define MAX_OBJECTS 32
#define MAX_ACKS    256

typedef struct {
    lake_store base;
    unsigned failures_left; /* put fails while this is above zero */
    unsigned put_calls;
    size_t object_count;
    char names[MAX_OBJECTS][LAKE_OBJECT_NAME_MAX];
    lake_buf objects[MAX_OBJECTS];
} memory_store;

typedef struct {
    memory_store store;
    int64_t now_ms;
    size_t ack_count;
    uint64_t acked_entries[MAX_ACKS];
    void *acked_handles[MAX_ACKS];
    size_t persisted_calls;
    size_t discarded_count;
    uint64_t discarded_entries[MAX_ACKS];
    char last_object[LAKE_OBJECT_NAME_MAX];
    lake_tz *utc;
    lake_path_template *path_template;
    lake_sink_config config;
    lake_sink *sink;
} fixture;

static lake_err memory_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                           const char *content_type, char *error, size_t error_size)
{
    memory_store *memory = (memory_store *)store;
    memory->put_calls++;
    assert_string_equal(content_type, "application/x-ndjson");
    if (memory->failures_left > 0) {
        memory->failures_left--;
        snprintf(error, error_size, "injected failure");
        return LAKE_ERR_NETWORK;
    }
    size_t slot = memory->object_count;
    for (size_t i = 0; i < memory->object_count; i++) {
        if (strcmp(memory->names[i], name) == 0) {
            slot = i;
        }
    }
    assert_true(slot < MAX_OBJECTS);
    if (slot == memory->object_count) {
        memory->object_count++;
    }
    snprintf(memory->names[slot], LAKE_OBJECT_NAME_MAX, "%s", name);
    memory->objects[slot].len = 0;
    assert_int_equal(lake_buf_append(&memory->objects[slot], bytes, len), LAKE_OK);
    return LAKE_OK;
}

static void memory_free(lake_store *store)
{
    (void)store;
}

static const lake_store_ops memory_ops = {"memory", memory_put, memory_free};

static int64_t fake_clock(void *context)
{
    return ((fixture *)context)->now_ms;
}

static void on_persisted(void *context, const char *object_name, const lake_ack *acks, size_t count)
{
    fixture *f = context;
    f->persisted_calls++;
    snprintf(f->last_object, sizeof f->last_object, "%s", object_name);
    for (size_t i = 0; i < count; i++) {
        assert_true(f->ack_count < MAX_ACKS);
        f->acked_entries[f->ack_count] = acks[i].id.entry_id;
        f->acked_handles[f->ack_count] = acks[i].ack_handle;
        f->ack_count++;
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    char error[256];
    f->store.base.ops = &memory_ops;
    f->now_ms = 1000;
    assert_int_equal(lake_tz_load("UTC", &f->utc, error, sizeof error), LAKE_OK);
    assert_int_equal(lake_path_template_parse("{env}/{topic}/{yyyy}/{mm}/{dd}/{hh}",
                                              &f->path_template, error, sizeof error),
                     LAKE_OK);
    f->config = (lake_sink_config){
        .env = "prod",
        .path_template = f->path_template,
        .time_zone = f->utc,
        .format = &lake_format_jsonl,
        .compression = LAKE_COMPRESSION_NONE,
        .max_records = 3,
        .max_bytes = 1 << 20,
        .max_age_ms = 5000,
        .max_pending_files = 2,
        .retry_initial_ms = 100,
        .retry_max_ms = 350,
        .store = &f->store.base,
        .on_persisted = on_persisted,
        .persisted_context = f,
        .clock = fake_clock,
        .clock_context = f,
    };
    sy_log_set_level(SY_LOG_ERROR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lake_sink_free(f->sink);
    for (size_t i = 0; i < MAX_OBJECTS; i++) {
        lake_buf_clear(&f->store.objects[i]);
    }
    lake_path_template_free(f->path_template);
    lake_tz_free(f->utc);
    free(f);
    return 0;
}

static void start_sink(fixture *f)
{
    char error[256] = "";
    if (lake_sink_new(&f->config, &f->sink, error, sizeof error) != LAKE_OK) {
        fail_msg("lake_sink_new: %s", error);
    }
}

/* 2026-12-04T13:05:01.123Z plus offset_ms. */
static lake_err add(fixture *f, const char *topic, uint64_t entry, int64_t offset_ms)
{
    char payload[32];
    snprintf(payload, sizeof payload, "m%llu", (unsigned long long)entry);
    lake_record record = {
        .payload = (const uint8_t *)payload,
        .payload_len = strlen(payload),
        .id = {500, entry, -1, -1},
        .topic = topic,
        .publish_time_ms = 1796389501123 + offset_ms,
        .ack_handle = (void *)(uintptr_t)(entry + 1),
    };
    char error[256] = "";
    return lake_sink_add(f->sink, &record, error, sizeof error);
}

static size_t count_lines(const lake_buf *object)
{
    size_t lines = 0;
    for (size_t i = 0; i < object->len; i++) {
        lines += object->data[i] == '\n';
    }
    return lines;
}

static void sink_closes_at_max_records(void **state)
{
    fixture *f = *state;
    start_sink(f);
    const char *topic = "persistent://iot-system/prod/commands";

    assert_int_equal(add(f, topic, 10, 0), LAKE_OK);
    assert_int_equal(add(f, topic, 11, 1), LAKE_OK);
    assert_int_equal(f->store.put_calls, 0);
    assert_int_equal(f->ack_count, 0);
    assert_int_equal(add(f, topic, 12, 2), LAKE_OK);

    assert_int_equal(f->store.object_count, 1);
    assert_string_equal(f->store.names[0], "prod/commands/2026/12/04/13/500-10.jsonl");
    assert_int_equal(count_lines(&f->store.objects[0]), 3);
    assert_int_equal(f->ack_count, 3);
    assert_int_equal(f->acked_entries[0], 10);
    assert_int_equal(f->acked_entries[2], 12);
    assert_ptr_equal(f->acked_handles[1], (void *)(uintptr_t)12);
    assert_string_equal(f->last_object, "prod/commands/2026/12/04/13/500-10.jsonl");

    lake_sink_stats stats;
    lake_sink_get_stats(f->sink, &stats);
    assert_int_equal(stats.files_written, 1);
    assert_int_equal(stats.records_written, 3);
    assert_int_equal(stats.bytes_written, f->store.objects[0].len);
    assert_int_equal(stats.open_files, 0);
}

static void sink_closes_at_max_bytes(void **state)
{
    fixture *f = *state;
    /* Each line that add() makes here is 179 bytes, so the second one reaches 358. */
    f->config.max_records = 100;
    f->config.max_bytes = 358;
    start_sink(f);
    const char *topic = "persistent://iot-system/prod/commands";

    assert_int_equal(add(f, topic, 1, 0), LAKE_OK);
    assert_int_equal(f->store.object_count, 0);
    assert_int_equal(add(f, topic, 2, 0), LAKE_OK);
    assert_int_equal(f->store.object_count, 1);
    assert_int_equal(f->store.objects[0].len, 358);
    assert_int_equal(count_lines(&f->store.objects[0]), 2);
    assert_int_equal(f->ack_count, 2);

    /* One line stays below the limit, so the next file stays open. */
    assert_int_equal(add(f, topic, 3, 0), LAKE_OK);
    assert_int_equal(f->store.object_count, 1);
}

static void sink_closes_at_max_age(void **state)
{
    fixture *f = *state;
    start_sink(f);
    const char *topic = "persistent://iot-system/prod/commands";

    assert_int_equal(add(f, topic, 7, 0), LAKE_OK);
    assert_int_equal(lake_sink_next_deadline(f->sink), 1000 + 5000);
    f->now_ms += 4999;
    lake_sink_poll(f->sink);
    assert_int_equal(f->store.put_calls, 0);

    f->now_ms += 1;
    lake_sink_poll(f->sink);
    assert_int_equal(f->store.object_count, 1);
    assert_int_equal(count_lines(&f->store.objects[0]), 1);
    assert_int_equal(f->ack_count, 1);
    assert_int_equal(lake_sink_next_deadline(f->sink), INT64_MAX);
}

static void sink_new_hour_starts_new_file(void **state)
{
    fixture *f = *state;
    start_sink(f);
    const char *topic = "persistent://iot-system/prod/commands";

    /* 13:05:01.123 and 13:59:59.999, then 14:00:00.000. */
    assert_int_equal(add(f, topic, 1, 0), LAKE_OK);
    assert_int_equal(add(f, topic, 2, 3298876), LAKE_OK);
    assert_int_equal(f->store.object_count, 0);
    assert_int_equal(add(f, topic, 3, 3298877), LAKE_OK);
    assert_int_equal(f->store.object_count, 1);
    assert_string_equal(f->store.names[0], "prod/commands/2026/12/04/13/500-1.jsonl");
    assert_int_equal(count_lines(&f->store.objects[0]), 2);

    char error[256] = "";
    assert_int_equal(lake_sink_flush(f->sink, error, sizeof error), LAKE_OK);
    assert_int_equal(f->store.object_count, 2);
    assert_string_equal(f->store.names[1], "prod/commands/2026/12/04/14/500-3.jsonl");
    assert_int_equal(f->ack_count, 3);
}

static void sink_one_file_per_topic(void **state)
{
    fixture *f = *state;
    start_sink(f);

    assert_int_equal(add(f, "persistent://iot-system/prod/commands", 1, 0), LAKE_OK);
    assert_int_equal(add(f, "persistent://iot-system/prod/replies", 2, 0), LAKE_OK);
    assert_int_equal(add(f, "persistent://iot-system/prod/commands", 3, 0), LAKE_OK);
    char error[256] = "";
    assert_int_equal(lake_sink_flush(f->sink, error, sizeof error), LAKE_OK);

    assert_int_equal(f->store.object_count, 2);
    assert_string_equal(f->store.names[0], "prod/commands/2026/12/04/13/500-1.jsonl");
    assert_int_equal(count_lines(&f->store.objects[0]), 2);
    assert_string_equal(f->store.names[1], "prod/replies/2026/12/04/13/500-2.jsonl");
    assert_int_equal(count_lines(&f->store.objects[1]), 1);
    assert_int_equal(f->ack_count, 3);
}

static void sink_retries_failed_upload(void **state)
{
    fixture *f = *state;
    f->store.failures_left = 3;
    start_sink(f);
    const char *topic = "persistent://iot-system/prod/commands";

    for (uint64_t entry = 1; entry <= 3; entry++) {
        assert_int_equal(add(f, topic, entry, 0), LAKE_OK);
    }
    /* First attempt failed: nothing acknowledged, a retry after 100 ms. */
    assert_int_equal(f->store.put_calls, 1);
    assert_int_equal(f->ack_count, 0);
    assert_int_equal(lake_sink_next_deadline(f->sink), 1100);

    f->now_ms = 1099;
    lake_sink_poll(f->sink);
    assert_int_equal(f->store.put_calls, 1);

    /* Back-off doubles: 100, 200, then capped at 350. */
    f->now_ms = 1100;
    lake_sink_poll(f->sink);
    assert_int_equal(f->store.put_calls, 2);
    assert_int_equal(lake_sink_next_deadline(f->sink), 1300);
    f->now_ms = 1300;
    lake_sink_poll(f->sink);
    assert_int_equal(f->store.put_calls, 3);
    assert_int_equal(lake_sink_next_deadline(f->sink), 1650);
    assert_int_equal(f->ack_count, 0);

    f->now_ms = 1650;
    lake_sink_poll(f->sink);
    assert_int_equal(f->store.put_calls, 4);
    assert_int_equal(f->store.object_count, 1);
    assert_int_equal(f->ack_count, 3);

    lake_sink_stats stats;
    lake_sink_get_stats(f->sink, &stats);
    assert_int_equal(stats.upload_failures, 3);
    assert_int_equal(stats.pending_files, 0);
}

static void sink_busy_when_uploads_pile_up(void **state)
{
    fixture *f = *state;
    f->store.failures_left = 1000;
    start_sink(f);
    const char *topic = "persistent://iot-system/prod/commands";

    for (uint64_t entry = 1; entry <= 6; entry++) {
        assert_int_equal(add(f, topic, entry, 0), LAKE_OK);
    }
    assert_int_equal(add(f, topic, 7, 0), LAKE_ERR_BUSY);

    char error[256] = "";
    assert_int_equal(lake_sink_flush(f->sink, error, sizeof error), LAKE_ERR_NETWORK);
    assert_string_equal(error, "injected failure");
    assert_int_equal(f->ack_count, 0);

    /* The store recovers: both files go, in order, and the sink takes records again. */
    f->store.failures_left = 0;
    assert_int_equal(lake_sink_flush(f->sink, error, sizeof error), LAKE_OK);
    assert_int_equal(f->store.object_count, 2);
    assert_string_equal(f->store.names[0], "prod/commands/2026/12/04/13/500-1.jsonl");
    assert_string_equal(f->store.names[1], "prod/commands/2026/12/04/13/500-4.jsonl");
    assert_int_equal(f->ack_count, 6);
    assert_int_equal(add(f, topic, 7, 0), LAKE_OK);
}

static void on_discarded(void *context, const char *object_name, const lake_ack *acks, size_t count)
{
    fixture *f = context;
    assert_null(object_name);
    for (size_t i = 0; i < count; i++) {
        f->discarded_entries[f->discarded_count++] = acks[i].id.entry_id;
    }
}

static void sink_free_never_reports_unwritten(void **state)
{
    fixture *f = *state;
    f->store.failures_left = 1000;
    f->config.on_discarded = on_discarded;
    start_sink(f);
    assert_int_equal(add(f, "persistent://iot-system/prod/commands", 1, 0), LAKE_OK);
    char error[256] = "";
    assert_int_equal(lake_sink_flush(f->sink, error, sizeof error), LAKE_ERR_NETWORK);
    assert_int_equal(add(f, "persistent://iot-system/prod/commands", 2, 0), LAKE_OK);
    lake_sink_free(f->sink);
    f->sink = NULL;
    assert_int_equal(f->ack_count, 0);
    assert_int_equal(f->persisted_calls, 0);

    /* Both the failed file and the open one hand their records back, once each. */
    assert_int_equal(f->discarded_count, 2);
    assert_int_equal(f->discarded_entries[0], 2);
    assert_int_equal(f->discarded_entries[1], 1);
}

static void sink_rejects_unsafe_topic(void **state)
{
    fixture *f = *state;
    start_sink(f);
    assert_int_equal(add(f, "persistent://iot-system/prod/..", 1, 0), LAKE_ERR_UNSAFE_NAME);
    assert_int_equal(add(f, "not-a-topic", 1, 0), LAKE_ERR_INVALID);
    lake_sink_stats stats;
    lake_sink_get_stats(f->sink, &stats);
    assert_int_equal(stats.open_files, 0);
}

static void sink_rejects_bad_settings(void **state)
{
    fixture *f = *state;
    char error[256] = "";
    lake_sink_config config = f->config;
    config.max_records = 0;
    assert_int_equal(lake_sink_new(&config, &f->sink, error, sizeof error), LAKE_ERR_INVALID);
    config = f->config;
    config.env = "../prod";
    assert_int_equal(lake_sink_new(&config, &f->sink, error, sizeof error), LAKE_ERR_INVALID);
    config = f->config;
    config.retry_max_ms = 10;
    assert_int_equal(lake_sink_new(&config, &f->sink, error, sizeof error), LAKE_ERR_INVALID);
    assert_null(f->sink);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sink_closes_at_max_records, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_closes_at_max_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_closes_at_max_age, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_new_hour_starts_new_file, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_one_file_per_topic, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_retries_failed_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_busy_when_uploads_pile_up, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_free_never_reports_unwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_rejects_unsafe_topic, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_rejects_bad_settings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
