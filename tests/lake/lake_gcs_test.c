/*
 * The GCS store against a real fake-gcs-server. A sink uploads files with
 * exact object names and contents, which this test downloads and
 * decompresses. A retried upload overwrites its object instead of adding
 * one. Errors of the service or the network are failures, never success.
 *
 * Needs SWITCHYARD_TEST_GCS_URL (for example http://127.0.0.1:14443, set by
 * scripts/test.sh after scripts/fake-gcs.sh start); fails without it. Each
 * test creates its own bucket through the emulator's JSON API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "lake/lake_gcs.h"
#include "lake/lake_jsonl.h"
#include "lake/lake_sink.h"

typedef struct {
    const char *url;
    char bucket[64];
    lake_store *store;
    lake_tz *utc;
    lake_path_template *path_template;
    size_t persisted_records;
    char persisted_names[8][LAKE_OBJECT_NAME_MAX];
    size_t persisted_files;
} fixture;

static size_t collect(char *data, size_t size, size_t count, void *context)
{
    return lake_buf_append(context, data, size * count) == LAKE_OK ? size * count : 0;
}

/* Sends one request to the emulator and returns its status; body may be NULL. */
static long http(const char *method, const char *url, const char *body, lake_buf *response)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        fail_msg("%s %s failed: %s", method, url, curl_easy_strerror(rc));
    }
    return status;
}

static int setup(void **state)
{
    const char *url = getenv("SWITCHYARD_TEST_GCS_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "SWITCHYARD_TEST_GCS_URL is not set: run the integration tests through "
                        "'make test', which starts fake-gcs-server, or start it with "
                        "scripts/fake-gcs.sh and set the variable to its URL\n");
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->url = url;

    /* A bucket of its own per test and run, so reruns against one emulator start empty. */
    static unsigned sequence;
    snprintf(f->bucket, sizeof f->bucket, "lake-it-%ld-%ld-%u", (long)getpid(), (long)time(NULL),
             ++sequence);
    char request_url[512];
    char body[128];
    snprintf(request_url, sizeof request_url, "%s/storage/v1/b?project=test", url);
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", f->bucket);
    lake_buf response = {0};
    long status = http("POST", request_url, body, &response);
    lake_buf_clear(&response);
    assert_int_equal(status, 200);

    char error[512] = "";
    lake_gcs_config config = {.endpoint = url,
                              .bucket = f->bucket,
                              .credentials = LAKE_GCS_CREDENTIALS_NONE,
                              .timeout_ms = 30000};
    if (lake_store_gcs_new(&config, &f->store, error, sizeof error) != LAKE_OK) {
        fail_msg("lake_store_gcs_new: %s", error);
    }
    assert_int_equal(lake_tz_load("UTC", &f->utc, error, sizeof error), LAKE_OK);
    assert_int_equal(lake_path_template_parse("{env}/{tenant}/{namespace}/{topic}/{yyyy}/{mm}/"
                                              "{dd}/{hh}",
                                              &f->path_template, error, sizeof error),
                     LAKE_OK);
    sy_log_set_level(SY_LOG_ERROR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lake_store_free(f->store);
    lake_path_template_free(f->path_template);
    lake_tz_free(f->utc);
    free(f);
    return 0;
}

/* Returns the names of every object in the bucket, sorted, as a JSON array. */
static json_t *list_objects(const fixture *f)
{
    char url[512];
    snprintf(url, sizeof url, "%s/storage/v1/b/%s/o", f->url, f->bucket);
    lake_buf response = {0};
    assert_int_equal(http("GET", url, NULL, &response), 200);
    json_t *answer = json_loadb((const char *)response.data, response.len, 0, NULL);
    lake_buf_clear(&response);
    assert_non_null(answer);
    json_t *names = json_array();
    json_t *item;
    size_t index;
    json_array_foreach(json_object_get(answer, "items"), index, item)
    {
        json_array_append(names, json_object_get(item, "name"));
    }
    json_decref(answer);
    return names;
}

static lake_buf download(const fixture *f, const char *name)
{
    CURL *curl = curl_easy_init();
    char *escaped = curl_easy_escape(curl, name, 0);
    char url[1536];
    snprintf(url, sizeof url, "%s/storage/v1/b/%s/o/%s?alt=media", f->url, f->bucket, escaped);
    curl_free(escaped);
    curl_easy_cleanup(curl);
    lake_buf body = {0};
    assert_int_equal(http("GET", url, NULL, &body), 200);
    return body;
}

static lake_record make_record(const char *topic, uint64_t entry, char *payload, size_t size)
{
    snprintf(payload, size, "{\"device\":\"d%llu\",\"command\":\"NOOP\"}",
             (unsigned long long)entry);
    static const lake_property properties[] = {{"env", "prod"}, {"app_version", "1"}};
    lake_record record = {
        .payload = (const uint8_t *)payload,
        .payload_len = strlen(payload),
        .properties = properties,
        .property_count = 2,
        .key = "d1",
        .id = {900, entry, -1, -1},
        .topic = topic,
        .publish_time_ms = 1796389501123, /* 2026-12-04T13:05:01.123Z */
        .event_time_ms = 1796389500000,
    };
    return record;
}

static void on_persisted(void *context, const char *object_name, const lake_ack *acks, size_t count)
{
    fixture *f = context;
    (void)acks;
    assert_true(f->persisted_files < 8);
    snprintf(f->persisted_names[f->persisted_files++], LAKE_OBJECT_NAME_MAX, "%s", object_name);
    f->persisted_records += count;
}

static lake_sink *make_sink(fixture *f, lake_store *store, lake_compression compression)
{
    lake_sink_config config = {
        .env = "prod",
        .path_template = f->path_template,
        .time_zone = f->utc,
        .format = &lake_format_jsonl,
        .compression = compression,
        .max_records = 3,
        .max_bytes = 1 << 20,
        .max_age_ms = 60000,
        .max_pending_files = 4,
        .retry_initial_ms = 10,
        .retry_max_ms = 100,
        .store = store,
        .on_persisted = on_persisted,
        .persisted_context = f,
    };
    lake_sink *sink = NULL;
    char error[512] = "";
    if (lake_sink_new(&config, &sink, error, sizeof error) != LAKE_OK) {
        fail_msg("lake_sink_new: %s", error);
    }
    return sink;
}

/* Adds entries first..last of topic and returns their expected JSON lines. */
static void add_records(lake_sink *sink, const char *topic, uint64_t first, uint64_t last,
                        lake_buf *expected)
{
    for (uint64_t entry = first; entry <= last; entry++) {
        char payload[96];
        lake_record record = make_record(topic, entry, payload, sizeof payload);
        char error[512] = "";
        assert_int_equal(lake_sink_add(sink, &record, error, sizeof error), LAKE_OK);
        assert_int_equal(lake_jsonl_encode(&record, expected), LAKE_OK);
    }
}

static void assert_object(const fixture *f, const char *name, lake_compression compression,
                          const lake_buf *expected)
{
    lake_buf body = download(f, name);
    lake_buf plain = {0};
    assert_int_equal(lake_decompress(compression, body.data, body.len, 1 << 24, &plain), LAKE_OK);
    assert_int_equal(plain.len, expected->len);
    assert_memory_equal(plain.data, expected->data, expected->len);
    lake_buf_clear(&body);
    lake_buf_clear(&plain);
}

static void upload_through_sink(fixture *f, lake_compression compression, const char *suffix)
{
    lake_sink *sink = make_sink(f, f->store, compression);
    lake_buf commands_first = {0};
    lake_buf commands_rest = {0};
    lake_buf replies = {0};

    add_records(sink, "persistent://iot-system/prod/commands", 10, 12, &commands_first);
    add_records(sink, "persistent://iot-system/prod/commands", 13, 14, &commands_rest);
    add_records(sink, "persistent://iot-system/prod/replies-partition-1", 20, 20, &replies);
    char error[512] = "";
    assert_int_equal(lake_sink_flush(sink, error, sizeof error), LAKE_OK);
    assert_int_equal(f->persisted_records, 6);
    assert_int_equal(f->persisted_files, 3);

    char names[3][256];
    snprintf(names[0], sizeof names[0], "prod/iot-system/prod/commands/2026/12/04/13/900-10%s",
             suffix);
    snprintf(names[1], sizeof names[1], "prod/iot-system/prod/commands/2026/12/04/13/900-13%s",
             suffix);
    snprintf(names[2], sizeof names[2], "prod/iot-system/prod/replies/2026/12/04/13/900-20%s",
             suffix);
    json_t *listed = list_objects(f);
    assert_int_equal(json_array_size(listed), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(json_string_value(json_array_get(listed, i)), names[i]);
    }
    json_decref(listed);

    assert_object(f, names[0], compression, &commands_first);
    assert_object(f, names[1], compression, &commands_rest);
    assert_object(f, names[2], compression, &replies);

    lake_buf_clear(&commands_first);
    lake_buf_clear(&commands_rest);
    lake_buf_clear(&replies);
    lake_sink_free(sink);
}

static void gcs_sink_uploads_gzip_files(void **state)
{
    upload_through_sink(*state, LAKE_COMPRESSION_GZIP, ".jsonl.gz");
}

static void gcs_sink_uploads_zstd_files(void **state)
{
    upload_through_sink(*state, LAKE_COMPRESSION_ZSTD, ".jsonl.zst");
}

static void gcs_put_again_overwrites_object(void **state)
{
    fixture *f = *state;
    char error[512] = "";
    const char *name = "prod/iot-system/prod/commands/2026/12/04/13/900-1.jsonl";
    assert_int_equal(lake_store_put(f->store, name, (const uint8_t *)"first upload\n", 13,
                                    "application/x-ndjson", error, sizeof error),
                     LAKE_OK);
    assert_int_equal(lake_store_put(f->store, name, (const uint8_t *)"retry\n", 6,
                                    "application/x-ndjson", error, sizeof error),
                     LAKE_OK);

    json_t *listed = list_objects(f);
    assert_int_equal(json_array_size(listed), 1);
    assert_string_equal(json_string_value(json_array_get(listed, 0)), name);
    json_decref(listed);
    lake_buf body = download(f, name);
    assert_int_equal(body.len, 6);
    assert_memory_equal(body.data, "retry\n", 6);
    lake_buf_clear(&body);
}

/* A store that fails its first put and then hands every call to the real one. */
typedef struct {
    lake_store base;
    lake_store *inner;
    unsigned calls;
} flaky_store;

static lake_err flaky_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                          const char *content_type, char *error, size_t error_size)
{
    flaky_store *flaky = (flaky_store *)store;
    lake_err rc = lake_store_put(flaky->inner, name, bytes, len, content_type, error, error_size);
    if (++flaky->calls == 1 && rc == LAKE_OK) {
        /* The object reached the bucket, but the confirmation is lost, as after a timeout. */
        snprintf(error, error_size, "confirmation lost");
        return LAKE_ERR_NETWORK;
    }
    return rc;
}

static void flaky_free(lake_store *store)
{
    (void)store;
}

static const lake_store_ops flaky_ops = {"flaky", flaky_put, flaky_free};

static void gcs_sink_retry_keeps_one_object(void **state)
{
    fixture *f = *state;
    flaky_store flaky = {{&flaky_ops}, f->store, 0};
    lake_sink *sink = make_sink(f, &flaky.base, LAKE_COMPRESSION_GZIP);
    lake_buf expected = {0};

    add_records(sink, "persistent://iot-system/prod/commands", 30, 32, &expected);
    assert_int_equal(flaky.calls, 1);
    assert_int_equal(f->persisted_records, 0);
    json_t *listed = list_objects(f);
    assert_int_equal(json_array_size(listed), 1);
    json_decref(listed);

    nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    lake_sink_poll(sink);
    assert_int_equal(flaky.calls, 2);
    assert_int_equal(f->persisted_records, 3);
    listed = list_objects(f);
    assert_int_equal(json_array_size(listed), 1);
    assert_string_equal(json_string_value(json_array_get(listed, 0)),
                        "prod/iot-system/prod/commands/2026/12/04/13/900-30.jsonl.gz");
    json_decref(listed);
    assert_object(f, "prod/iot-system/prod/commands/2026/12/04/13/900-30.jsonl.gz",
                  LAKE_COMPRESSION_GZIP, &expected);

    lake_buf_clear(&expected);
    lake_sink_free(sink);
}

static void gcs_missing_bucket_fails(void **state)
{
    fixture *f = *state;
    char error[512] = "";
    lake_store *store = NULL;
    lake_gcs_config config = {.endpoint = f->url,
                              .bucket = "lake-it-no-such-bucket",
                              .credentials = LAKE_GCS_CREDENTIALS_NONE,
                              .timeout_ms = 30000};
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_OK);
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_ERR_HTTP_STATUS);
    assert_non_null(strstr(error, "status 404"));
    lake_store_free(store);
}

static void gcs_unreachable_endpoint_fails(void **state)
{
    (void)state;
    char error[512] = "";
    lake_store *store = NULL;
    /* Port 1 on loopback: nothing listens there, so the connection is refused. */
    lake_gcs_config config = {.endpoint = "http://127.0.0.1:1",
                              .bucket = "lake-it-bucket",
                              .credentials = LAKE_GCS_CREDENTIALS_NONE,
                              .timeout_ms = 5000};
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_OK);
    assert_int_equal(
        lake_store_put(store, "x/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_ERR_NETWORK);
    assert_non_null(strstr(error, "127.0.0.1:1"));
    lake_store_free(store);
}

static void gcs_token_env_sends_token(void **state)
{
    fixture *f = *state;
    char error[512] = "";
    lake_store *store = NULL;
    lake_gcs_config config = {.endpoint = f->url,
                              .bucket = f->bucket,
                              .credentials = LAKE_GCS_CREDENTIALS_TOKEN_ENV,
                              .token_env = "SWITCHYARD_LAKE_TEST_GCS_TOKEN",
                              .timeout_ms = 30000};
    assert_int_equal(lake_store_gcs_new(&config, &store, error, sizeof error), LAKE_OK);

    unsetenv("SWITCHYARD_LAKE_TEST_GCS_TOKEN");
    assert_int_equal(
        lake_store_put(store, "t/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_ERR_CREDENTIALS);
    assert_non_null(strstr(error, "SWITCHYARD_LAKE_TEST_GCS_TOKEN"));

    /* The emulator accepts any token; this proves the header is well formed. */
    setenv("SWITCHYARD_LAKE_TEST_GCS_TOKEN", "ya29.test-token", 1);
    assert_int_equal(
        lake_store_put(store, "t/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_OK);
    setenv("SWITCHYARD_LAKE_TEST_GCS_TOKEN", "bad token\r\nX-Injected: 1", 1);
    assert_int_equal(
        lake_store_put(store, "t/1-1.jsonl", (const uint8_t *)"x", 1, NULL, error, sizeof error),
        LAKE_ERR_CREDENTIALS);
    unsetenv("SWITCHYARD_LAKE_TEST_GCS_TOKEN");
    lake_store_free(store);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(gcs_sink_uploads_gzip_files, setup, teardown),
        cmocka_unit_test_setup_teardown(gcs_sink_uploads_zstd_files, setup, teardown),
        cmocka_unit_test_setup_teardown(gcs_put_again_overwrites_object, setup, teardown),
        cmocka_unit_test_setup_teardown(gcs_sink_retry_keeps_one_object, setup, teardown),
        cmocka_unit_test_setup_teardown(gcs_missing_bucket_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(gcs_unreachable_endpoint_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(gcs_token_env_sends_token, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
