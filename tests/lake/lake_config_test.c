/*
 * The sink section: a full section loads with exact values, defaults fill
 * what is left out, and each kind of mistake is reported with its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake_config.h"

static const char full_config[] =
    "pulsar:\n"
    "  service_url: pulsar://127.0.0.1:6650\n"
    "sink:\n"
    "  prod-lake:\n"
    "    environment: prod\n"
    "    topics: [persistent://iot-system/prod/commands, persistent://iot-system/prod/replies]\n"
    "    subscription: switchyard-lake-prod\n"
    "    subscription_type: key_shared\n"
    "    format: jsonl\n"
    "    compression: zstd\n"
    "    compression_level: 12\n"
    "    path: \"lake/{env}/{topic}/{yyyy}/{mm}/{dd}\"\n"
    "    time_zone: Europe/Berlin\n"
    "    max_records: 500\n"
    "    max_bytes: 1048576\n"
    "    max_age_seconds: 60\n"
    "    max_pending_files: 8\n"
    "    receiver_queue: 200\n"
    "    retry: {initial_ms: 250, max_ms: 30000}\n"
    "    store:\n"
    "      kind: gcs\n"
    "      bucket: acme-lake-prod\n"
    "      endpoint: http://127.0.0.1:4443\n"
    "      timeout_seconds: 20\n"
    "      credentials:\n"
    "        source: service_account\n"
    "        key_file: keys/lake.json\n"
    "        token_uri: http://127.0.0.1:9/token\n"
    "  audit:\n"
    "    environment: audit\n"
    "    namespace: iot-system/ingest\n"
    "    subscription: switchyard-audit\n"
    "    store: {kind: local, directory: /var/lib/switchyard/audit}\n";

static lake_err load(const char *text, lake_config **config, char *error, size_t error_size)
{
    char yaml_error[256] = "";
    sy_yaml_doc *doc = sy_yaml_load_string(text, strlen(text), "/etc/switchyard/sink.yaml",
                                           yaml_error, sizeof yaml_error);
    if (doc == NULL) {
        fail_msg("YAML did not load: %s", yaml_error);
    }
    lake_err rc = lake_config_load(doc, config, error, error_size);
    sy_yaml_free(doc);
    return rc;
}

static void config_full_section_exact(void **state)
{
    (void)state;
    unsetenv("SWITCHYARD_GCS_ENDPOINT");
    lake_config *config = NULL;
    char error[512] = "";
    if (load(full_config, &config, error, sizeof error) != LAKE_OK) {
        fail_msg("%s", error);
    }
    assert_int_equal(config->sink_count, 2);

    const lake_sink_settings *sink = lake_config_find(config, "prod-lake");
    assert_non_null(sink);
    assert_string_equal(sink->environment, "prod");
    assert_int_equal(sink->topic_count, 2);
    assert_string_equal(sink->topics[1], "persistent://iot-system/prod/replies");
    assert_null(sink->namespace_name);
    assert_string_equal(sink->subscription, "switchyard-lake-prod");
    assert_int_equal(sink->subscription_type, LAKE_SUBSCRIPTION_KEY_SHARED);
    assert_string_equal(sink->format, "jsonl");
    assert_int_equal(sink->compression, LAKE_COMPRESSION_ZSTD);
    assert_int_equal(sink->compression_level, 12);
    assert_string_equal(sink->path, "lake/{env}/{topic}/{yyyy}/{mm}/{dd}");
    assert_string_equal(sink->time_zone, "Europe/Berlin");
    assert_int_equal(sink->max_records, 500);
    assert_int_equal(sink->max_bytes, 1048576);
    assert_int_equal(sink->max_age_ms, 60000);
    assert_int_equal(sink->max_pending_files, 8);
    assert_int_equal(sink->receiver_queue, 200);
    assert_int_equal(sink->retry_initial_ms, 250);
    assert_int_equal(sink->retry_max_ms, 30000);
    assert_int_equal(sink->store_kind, LAKE_STORE_GCS);
    assert_string_equal(sink->bucket, "acme-lake-prod");
    assert_string_equal(sink->endpoint, "http://127.0.0.1:4443");
    assert_int_equal(sink->timeout_ms, 20000);
    assert_int_equal(sink->credentials, LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT);
    assert_string_equal(sink->key_file, "/etc/switchyard/keys/lake.json");
    assert_string_equal(sink->token_uri, "http://127.0.0.1:9/token");

    sink = lake_config_find(config, "audit");
    assert_non_null(sink);
    assert_string_equal(sink->namespace_name, "iot-system/ingest");
    assert_int_equal(sink->topic_count, 0);
    assert_int_equal(sink->store_kind, LAKE_STORE_LOCAL);
    assert_string_equal(sink->directory, "/var/lib/switchyard/audit");
    assert_null(lake_config_find(config, "dev"));
    lake_config_free(config);
}

static void config_defaults_filled(void **state)
{
    (void)state;
    const char *text = "sink:\n"
                       "  dev:\n"
                       "    environment: dev\n"
                       "    topics: [persistent://iot-system/dev/commands]\n"
                       "    subscription: lake-dev\n"
                       "    store: {kind: local, directory: lake}\n";
    lake_config *config = NULL;
    char error[512] = "";
    assert_int_equal(load(text, &config, error, sizeof error), LAKE_OK);
    const lake_sink_settings *sink = &config->sinks[0];
    assert_int_equal(sink->subscription_type, LAKE_SUBSCRIPTION_FAILOVER);
    assert_string_equal(sink->format, "jsonl");
    assert_int_equal(sink->compression, LAKE_COMPRESSION_GZIP);
    assert_int_equal(sink->compression_level, 0);
    assert_string_equal(sink->path, "{env}/{tenant}/{namespace}/{topic}/{yyyy}/{mm}/{dd}/{hh}");
    assert_string_equal(sink->time_zone, "UTC");
    assert_int_equal(sink->max_records, 10000);
    assert_int_equal(sink->max_bytes, 67108864);
    assert_int_equal(sink->max_age_ms, 300000);
    assert_int_equal(sink->max_pending_files, 4);
    assert_int_equal(sink->receiver_queue, LAKE_DEFAULT_RECEIVER_QUEUE);
    assert_int_equal(sink->retry_initial_ms, 1000);
    assert_int_equal(sink->retry_max_ms, 60000);
    assert_string_equal(sink->directory, "/etc/switchyard/lake");
    lake_config_free(config);
}

static void config_endpoint_override_from_env(void **state)
{
    (void)state;
    setenv("SWITCHYARD_GCS_ENDPOINT", "http://127.0.0.1:14443", 1);
    lake_config *config = NULL;
    char error[512] = "";
    assert_int_equal(load(full_config, &config, error, sizeof error), LAKE_OK);
    assert_string_equal(lake_config_find(config, "prod-lake")->endpoint, "http://127.0.0.1:14443");
    unsetenv("SWITCHYARD_GCS_ENDPOINT");
    lake_config_free(config);
}

static void config_mistakes_reported_with_line(void **state)
{
    (void)state;
    static const struct {
        const char *settings; /* lines under "  s:\n" */
        const char *message;
    } cases[] = {
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: local, directory: /x}\n    max_recrods: 5\n",
         "sink.yaml:7: unknown key 'max_recrods' in sink.s"},
        {"    environment: prod\n    subscription: s\n    store: {kind: local, directory: /x}\n",
         "sink.yaml:3: sink.s needs exactly one of topics and namespace"},
        {"    environment: prod\n    topics: [persistent://t/n/..]\n    subscription: s\n"
         "    store: {kind: local, directory: /x}\n",
         "sink.yaml:4: invalid topic in sink.s.topics: topic '..' is not a safe name part"},
        {"    environment: Prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: local, directory: /x}\n",
         "sink.yaml:3: invalid sink.s.environment 'Prod'"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    path: \"../{env}\"\n    store: {kind: local, directory: /x}\n",
         "sink.yaml:6: sink.s.path: path template '../{env}' is not a safe relative path"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    time_zone: Mars/Base\n    store: {kind: local, directory: /x}\n",
         "sink.yaml:6: sink.s.time_zone: cannot open time zone file"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    max_age_seconds: 0\n    store: {kind: local, directory: /x}\n",
         "sink.yaml:6: sink.s.max_age_seconds must be a whole number from 1 to 86400"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    compression: lz4\n    store: {kind: local, directory: /x}\n",
         "sink.yaml:6: unknown sink.s.compression 'lz4'"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: gcs, bucket: b-1}\n",
         "sink.yaml:6: sink.s.store.credentials is missing"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: gcs, bucket: b-1, credentials: {source: metadata}}\n",
         "sink.s.store.credentials.source 'metadata' is not implemented yet"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: gcs, bucket: b-1, credentials: {source: token_env}}\n",
         "sink.s.store.credentials.token_env is missing"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: s3}\n",
         "sink.yaml:6: unknown sink.s.store.kind: use local or gcs"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    store: {kind: local}\n",
         "sink.s.store.directory is missing"},
        {"    environment: prod\n    topics: [persistent://t/n/x]\n    subscription: s\n"
         "    retry: {initial_ms: 500, max_ms: 100}\n    store: {kind: local, directory: /x}\n",
         "sink.s.retry.max_ms must be at least initial_ms"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "sink:\n  s:\n%s", cases[i].settings);
        lake_config *config = NULL;
        char error[512] = "";
        lake_err rc = load(text, &config, error, sizeof error);
        if (rc != LAKE_ERR_INVALID || strstr(error, cases[i].message) == NULL) {
            fail_msg("case %zu: got %s: '%s', expected '%s'", i, lake_err_str(rc), error,
                     cases[i].message);
        }
        assert_null(config);
    }
}

static void config_overlong_names_rejected(void **state)
{
    (void)state;
    char topic[256];
    memset(topic, 'a', 200);
    topic[200] = '\0';
    char text[1024];
    snprintf(text, sizeof text,
             "sink:\n  s:\n    environment: prod\n    topics: [persistent://t/n/%s]\n"
             "    subscription: s\n    path: \"{topic}/{topic}/{topic}/{topic}/{topic}\"\n"
             "    store: {kind: local, directory: /x}\n",
             topic);
    lake_config *config = NULL;
    char error[512] = "";
    assert_int_equal(load(text, &config, error, sizeof error), LAKE_ERR_INVALID);
    assert_non_null(strstr(error, "sink.yaml:6: sink.s.path: object name would be longer than "
                                  "1024 bytes"));

    /* Four parts of 200 characters and the longest file name still fit. */
    snprintf(text, sizeof text,
             "sink:\n  s:\n    environment: prod\n    topics: [persistent://t/n/%s]\n"
             "    subscription: s\n    path: \"{topic}/{topic}/{topic}/{topic}\"\n"
             "    store: {kind: local, directory: /x}\n",
             topic);
    assert_int_equal(load(text, &config, error, sizeof error), LAKE_OK);
    lake_config_free(config);
}

static void config_missing_section_rejected(void **state)
{
    (void)state;
    lake_config *config = NULL;
    char error[512] = "";
    assert_int_equal(load("pulsar: {service_url: pulsar://x:1}\n", &config, error, sizeof error),
                     LAKE_ERR_INVALID);
    assert_non_null(strstr(error, "the sink section is missing"));
    assert_int_equal(load("sink: [a, b]\n", &config, error, sizeof error), LAKE_ERR_INVALID);
    assert_non_null(strstr(error, "sink must be a mapping"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_full_section_exact),
        cmocka_unit_test(config_defaults_filled),
        cmocka_unit_test(config_endpoint_override_from_env),
        cmocka_unit_test(config_mistakes_reported_with_line),
        cmocka_unit_test(config_overlong_names_rejected),
        cmocka_unit_test(config_missing_section_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
