/*
 * `switchyard sink` as a separate process, from a real Pulsar standalone
 * into a real GCS emulator (fake-gcs-server):
 *
 *   - a known stream gives exactly the expected object names, one per
 *     max_records messages named after its first message id, each with
 *     exactly the expected lines;
 *   - a sink killed with SIGKILL while it uploads, then restarted, leaves
 *     every message in the bucket, and no message in two different objects
 *     (a rewritten file replaces its earlier copy under the same name).
 *
 * The sink acknowledges a stored file with one ACK command, so a kill never
 * splits a file between acknowledged and redelivered messages; the test
 * closes files by record count only, so a restart regroups them the same way.
 *
 * Needs SWITCHYARD_TEST_PULSAR_URL, SWITCHYARD_TEST_ADMIN_URL and
 * SWITCHYARD_TEST_GCS_URL (set by scripts/test.sh); fails without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lake_it_support.h"
#include "pulsar/pulsar.h"

#define SUBSCRIPTION "lake-process-it"

typedef struct {
    const char *pulsar_url;
    const char *admin_url;
    const char *gcs_url;
    pulsar_client *client;
    char local_topic[96];
    char topic[160];
    char bucket[96];
    char dir[128];
    char config_path[192];
    char log_path[192];
    void *sent; /* the test's sent_message array, freed by teardown */
} fixture;

/* What the test sent, and what it read back through a subscription of its own. */
typedef struct {
    pulsar_message_id id;
    char payload[96];
    char key[32];
    char number[16];
    uint64_t event_time_ms;
    uint64_t publish_time_ms;
} sent_message;

static int setup(void **state)
{
    const char *pulsar_url = it_require_env("SWITCHYARD_TEST_PULSAR_URL");
    const char *admin_url = it_require_env("SWITCHYARD_TEST_ADMIN_URL");
    const char *gcs_url = it_require_env("SWITCHYARD_TEST_GCS_URL");
    if (pulsar_url == NULL || admin_url == NULL || gcs_url == NULL) {
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->pulsar_url = pulsar_url;
    f->admin_url = admin_url;
    f->gcs_url = gcs_url;

    pulsar_client_config config;
    pulsar_client_config_init(&config);
    config.service_url = pulsar_url;
    assert_int_equal(pulsar_client_create(&config, &f->client), PULSAR_OK);

    /* A topic and bucket of their own per test and run, so reruns start empty. */
    static unsigned sequence;
    snprintf(f->local_topic, sizeof f->local_topic, "lake-process-%ld-%ld-%u", (long)getpid(),
             (long)time(NULL), ++sequence);
    snprintf(f->topic, sizeof f->topic, "persistent://public/default/%s", f->local_topic);
    snprintf(f->bucket, sizeof f->bucket, "%s", f->local_topic);
    it_gcs_create_bucket(gcs_url, f->bucket);
    it_make_temp_dir("lake-process-test", f->dir, sizeof f->dir);
    snprintf(f->config_path, sizeof f->config_path, "%s/switchyard.yaml", f->dir);
    snprintf(f->log_path, sizeof f->log_path, "%s/sink.log", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pulsar_client_close(f->client);
    it_remove_tree(f->dir);
    free(f->sent);
    free(f);
    return 0;
}

/* Writes a configuration whose one sink copies the fixture's topic into its bucket. */
static void write_config(const fixture *f, int max_records, int max_age_seconds)
{
    char text[2048];
    snprintf(text, sizeof text,
             "pulsar:\n"
             "  service_url: %s\n"
             "sink:\n"
             "  lake:\n"
             "    environment: prod\n"
             "    topics: [%s]\n"
             "    subscription: " SUBSCRIPTION "\n"
             "    compression: gzip\n"
             "    path: \"{env}/{tenant}/{namespace}/{topic}\"\n"
             "    max_records: %d\n"
             "    max_age_seconds: %d\n"
             "    retry: {initial_ms: 100, max_ms: 1000}\n"
             "    store:\n"
             "      kind: gcs\n"
             "      bucket: %s\n"
             "      endpoint: %s\n"
             "      credentials: {source: none}\n",
             f->pulsar_url, f->topic, max_records, max_age_seconds, f->bucket, f->gcs_url);
    it_write_file(f->config_path, text);
}

static pid_t start_sink(const fixture *f)
{
    const char *argv[] = {"sink", "--config", f->config_path, "--log-level", "warn", NULL};
    return it_spawn(f->log_path, argv);
}

/* Publishes messages first..first+count-1 one by one, unbatched, keeping each receipt. */
static void publish(fixture *f, sent_message *sent, size_t first, size_t count)
{
    pulsar_producer_config config;
    pulsar_producer_config_init(&config);
    config.topic = f->topic;
    pulsar_producer *producer = NULL;
    assert_int_equal(pulsar_producer_create(f->client, &config, &producer), PULSAR_OK);
    for (size_t i = first; i < first + count; i++) {
        sent_message *m = &sent[i];
        snprintf(m->payload, sizeof m->payload, "{\"device_id\":\"d%zu\",\"command\":\"NOOP\"}",
                 i % 7);
        snprintf(m->key, sizeof m->key, "d%zu", i % 7);
        snprintf(m->number, sizeof m->number, "%zu", i);
        m->event_time_ms = 1796389500000 + i;
        const pulsar_property properties[] = {{"env", "prod"}, {"n", m->number}};
        pulsar_outgoing_message message;
        pulsar_outgoing_message_init(&message);
        message.payload = m->payload;
        message.payload_len = strlen(m->payload);
        message.key = m->key;
        message.properties = properties;
        message.property_count = 2;
        message.event_time_ms = m->event_time_ms;
        assert_int_equal(pulsar_producer_send(producer, &message, &m->id), PULSAR_OK);
    }
    assert_int_equal(pulsar_producer_close(producer), PULSAR_OK);
}

/* Reads the publish times that the broker assigned, through a subscription of the test's own. */
static void read_publish_times(fixture *f, sent_message *sent, size_t count)
{
    pulsar_consumer_config config;
    pulsar_consumer_config_init(&config);
    config.topic = f->topic;
    config.subscription = "test-reader";
    config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_consumer *consumer = NULL;
    assert_int_equal(pulsar_consumer_subscribe(f->client, &config, &consumer), PULSAR_OK);
    for (size_t i = 0; i < count; i++) {
        pulsar_message *message = NULL;
        assert_int_equal(pulsar_consumer_receive(consumer, 10000, &message), PULSAR_OK);
        assert_int_equal(message->id.ledger_id, sent[i].id.ledger_id);
        assert_int_equal(message->id.entry_id, sent[i].id.entry_id);
        sent[i].publish_time_ms = message->publish_time_ms;
        pulsar_message_free(message);
    }
    assert_int_equal(pulsar_consumer_unsubscribe(consumer), PULSAR_OK);
}

static void format_id(const pulsar_message_id *id, char *text, size_t size)
{
    snprintf(text, size, "%" PRIu64 ":%" PRIu64 ":%" PRId32 ":%" PRId32, id->ledger_id,
             id->entry_id, id->partition, id->batch_index);
}

static void object_name(const fixture *f, const pulsar_message_id *first, char *name, size_t size)
{
    snprintf(name, size, "prod/public/default/%s/%" PRIu64 "-%" PRIu64 ".jsonl.gz", f->local_topic,
             first->ledger_id, first->entry_id);
}

/* Builds the line that the sink must write for m. */
static json_t *expected_line(const fixture *f, const sent_message *m)
{
    char id[64];
    char publish_time[32];
    char event_time[32];
    format_id(&m->id, id, sizeof id);
    it_format_utc_ms((int64_t)m->publish_time_ms, publish_time);
    it_format_utc_ms((int64_t)m->event_time_ms, event_time);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "topic", f->topic,
                     "message_id", id, "key", m->key, "publish_time", publish_time, "event_time",
                     event_time, "properties", "env", "prod", "n", m->number, "payload",
                     m->payload);
}

static void assert_line_equal(const fixture *f, const char *name, json_t *line,
                              const sent_message *m)
{
    json_t *expected = expected_line(f, m);
    if (!json_equal(line, expected)) {
        char *got = json_dumps(line, JSON_SORT_KEYS);
        char *want = json_dumps(expected, JSON_SORT_KEYS);
        fail_msg("%s: line\n  %s\nexpected\n  %s", name, got, want);
    }
    json_decref(expected);
}

/* Waits up to timeout_ms for at least count objects in the bucket, and returns how many there are.
 */
static size_t wait_for_objects(const fixture *f, size_t count, int timeout_ms, int poll_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        json_t *names = it_gcs_list(f->gcs_url, f->bucket);
        size_t found = json_array_size(names);
        json_decref(names);
        if (found >= count || it_now_ms() >= deadline) {
            return found;
        }
        it_sleep_ms(poll_ms);
    }
}

/* Waits until the sink's subscription has nothing left to acknowledge. */
static void wait_for_empty_backlog(const fixture *f, int timeout_ms)
{
    char url[512];
    snprintf(url, sizeof url, "%s/admin/v2/persistent/public/default/%s/stats", f->admin_url,
             f->local_topic);
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        json_t *stats = it_http_get_json(url);
        json_t *subscription =
            json_object_get(json_object_get(stats, "subscriptions"), SUBSCRIPTION);
        json_int_t backlog = json_integer_value(json_object_get(subscription, "msgBacklog"));
        bool present = subscription != NULL;
        json_decref(stats);
        if (present && backlog == 0) {
            return;
        }
        if (it_now_ms() >= deadline) {
            it_print_log(f->log_path);
            fail_msg("subscription %s still had %lld messages to write after %d ms", SUBSCRIPTION,
                     (long long)backlog, timeout_ms);
        }
        it_sleep_ms(200);
    }
}

static size_t find_sent(const sent_message *sent, size_t count, const char *id_text)
{
    for (size_t i = 0; i < count; i++) {
        char id[64];
        format_id(&sent[i].id, id, sizeof id);
        if (strcmp(id, id_text) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

#define EXACT_COUNT   20
#define EXACT_RECORDS 5

static void sink_process_writes_exact_objects(void **state)
{
    fixture *f = *state;
    sent_message sent[EXACT_COUNT];
    memset(sent, 0, sizeof sent);
    publish(f, sent, 0, EXACT_COUNT);
    read_publish_times(f, sent, EXACT_COUNT);
    write_config(f, EXACT_RECORDS, 3600);

    pid_t sink = start_sink(f);
    size_t found = wait_for_objects(f, EXACT_COUNT / EXACT_RECORDS, 60000, 200);
    wait_for_empty_backlog(f, 30000);
    int status = it_stop(sink, SIGTERM, 40000);
    if (status != 0) {
        it_print_log(f->log_path);
    }
    assert_int_equal(status, 0);
    assert_int_equal(found, EXACT_COUNT / EXACT_RECORDS);

    /* The exact set of names: one per EXACT_RECORDS messages, after the first of them. */
    json_t *names = it_gcs_list(f->gcs_url, f->bucket);
    assert_int_equal(json_array_size(names), EXACT_COUNT / EXACT_RECORDS);
    for (size_t file = 0; file < EXACT_COUNT / EXACT_RECORDS; file++) {
        char name[512];
        object_name(f, &sent[file * EXACT_RECORDS].id, name, sizeof name);
        bool listed = false;
        json_t *item;
        size_t index;
        json_array_foreach(names, index, item)
        {
            listed = listed || strcmp(json_string_value(item), name) == 0;
        }
        if (!listed) {
            fail_msg("object %s is missing from bucket %s", name, f->bucket);
        }

        lake_buf bytes = it_gcs_download(f->gcs_url, f->bucket, name);
        json_t *lines = it_parse_lake_file(name, &bytes);
        lake_buf_clear(&bytes);
        assert_int_equal(json_array_size(lines), EXACT_RECORDS);
        for (size_t i = 0; i < EXACT_RECORDS; i++) {
            assert_line_equal(f, name, json_array_get(lines, i), &sent[file * EXACT_RECORDS + i]);
        }
        json_decref(lines);
    }
    json_decref(names);
}

#define CRASH_COUNT      400
#define CRASH_RECORDS    2
#define CRASH_KILL_AFTER 10

static void sink_process_survives_kill(void **state)
{
    fixture *f = *state;
    sent_message *sent = calloc(CRASH_COUNT, sizeof *sent);
    assert_non_null(sent);
    f->sent = sent;
    publish(f, sent, 0, CRASH_COUNT);
    read_publish_times(f, sent, CRASH_COUNT);
    /*
     * After the restart a message whose acknowledgement the kill lost comes
     * back first, so the last file of the run can be short: the age limit
     * closes it.
     */
    write_config(f, CRASH_RECORDS, 2);

    /* Kill the first run as soon as a few objects exist, while it is still uploading. */
    pid_t sink = start_sink(f);
    size_t before_kill = wait_for_objects(f, CRASH_KILL_AFTER, 60000, 5);
    assert_int_equal(it_stop(sink, SIGKILL, 10000), 128 + SIGKILL);
    size_t after_kill = wait_for_objects(f, SIZE_MAX, 0, 0);
    assert_true(before_kill >= CRASH_KILL_AFTER);
    if (after_kill >= CRASH_COUNT / CRASH_RECORDS) {
        fail_msg("the first run wrote all %zu objects before the kill, so the kill tested "
                 "nothing: raise CRASH_COUNT",
                 after_kill);
    }

    pid_t restarted = start_sink(f);
    wait_for_empty_backlog(f, 120000);
    int status = it_stop(restarted, SIGTERM, 40000);
    if (status != 0) {
        it_print_log(f->log_path);
    }
    assert_int_equal(status, 0);

    /* Every message in exactly one object, and every object named after its first line. */
    static size_t holder[CRASH_COUNT];
    for (size_t i = 0; i < CRASH_COUNT; i++) {
        holder[i] = SIZE_MAX;
    }
    json_t *names = it_gcs_list(f->gcs_url, f->bucket);
    json_t *item;
    size_t object;
    json_array_foreach(names, object, item)
    {
        const char *name = json_string_value(item);
        lake_buf bytes = it_gcs_download(f->gcs_url, f->bucket, name);
        json_t *lines = it_parse_lake_file(name, &bytes);
        lake_buf_clear(&bytes);
        assert_true(json_array_size(lines) >= 1);
        assert_true(json_array_size(lines) <= CRASH_RECORDS);
        json_t *line;
        size_t index;
        json_array_foreach(lines, index, line)
        {
            const char *id = json_string_value(json_object_get(line, "message_id"));
            assert_non_null(id);
            size_t message = find_sent(sent, CRASH_COUNT, id);
            if (message == SIZE_MAX) {
                fail_msg("%s holds message %s, which the test never sent", name, id);
            }
            if (holder[message] != SIZE_MAX) {
                fail_msg("message %s is in two objects: %s and %s", id, name,
                         json_string_value(json_array_get(names, holder[message])));
            }
            holder[message] = object;
            assert_line_equal(f, name, line, &sent[message]);
            if (index == 0) {
                char expected_name[512];
                object_name(f, &sent[message].id, expected_name, sizeof expected_name);
                assert_string_equal(name, expected_name);
            }
        }
        json_decref(lines);
    }
    for (size_t i = 0; i < CRASH_COUNT; i++) {
        if (holder[i] == SIZE_MAX) {
            char id[64];
            format_id(&sent[i].id, id, sizeof id);
            fail_msg("message %zu (%s) is in no object after the restart", i, id);
        }
    }
    json_decref(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sink_process_writes_exact_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_process_survives_kill, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
