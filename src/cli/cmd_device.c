/*
 * switchyard device: the demo's device simulator.
 *
 * Replays Sensor.Community readings as device messages into the ingest
 * topic, as the ingestion layer would after authenticating each device:
 * key and device_id property = the sensor id, event time = the reading's
 * time, env and app_version properties from the scenario file. Devices on
 * app version 2 also send PING messages. A version 2 backend sends a PONG
 * back on its environment's replies topic, and the simulator reports the
 * round-trip times.
 *
 * Every message is sent asynchronously and counted when the broker confirms
 * it; the program exits non-zero if any send failed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "demo/demo_message.h"
#include "demo/replay.h"
#include "demo/scenario.h"
#include "pulsar/pulsar.h"

#define COMPONENT "device"
#define DEVICE_MAX_DEVICES 4096
#define DEVICE_MAX_REPLY_TOPICS 256

typedef struct {
    char id[DEMO_MAX_DEVICE_ID + 1];
    const demo_device_setting *setting;
    uint64_t readings;            /* readings queued, main thread only */
    uint64_t pings;               /* pings queued, main thread only */
    _Atomic uint64_t acknowledged;
    _Atomic uint64_t failed;
} device_state;

typedef struct device_run device_run;

typedef struct {
    device_run *run;
    pulsar_consumer *consumer;
} reply_reader;

typedef struct {
    int64_t sent_ms;              /* monotonic time the PING was queued */
    int64_t rtt_ms;               /* -1 until its PONG arrives */
    size_t device;
} ping_record;

typedef struct {
    const char *config_path;
    const char *scenario_path;
    const char *data_dir;
    const char *report_path;
    const char *producer_name;
    const char *token_env;
    double rate;
    uint64_t limit;
    int ping_timeout_ms;
} device_options;

struct device_run {
    device_state devices[DEVICE_MAX_DEVICES];
    size_t device_count;

    pthread_mutex_t ping_lock;
    ping_record *pings;           /* index = ping_id - 1 */
    size_t ping_count;
    size_t ping_capacity;
    size_t pongs_received;
    _Atomic uint64_t pongs_unmatched;

    pulsar_consumer *reply_consumers[DEVICE_MAX_REPLY_TOPICS];
    size_t reply_consumer_count;
    reply_reader readers[DEVICE_MAX_REPLY_TOPICS];
    pthread_t reply_threads[DEVICE_MAX_REPLY_TOPICS];
    size_t reply_thread_count;
    atomic_bool replies_done;

    uint64_t invalid_rows;
};

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard device --config FILE --scenario FILE --data DIR [options]\n"
            "\n"
            "Replays Sensor.Community readings as IoT device messages into the ingest topic.\n"
            "\n"
            "  --config FILE         Switchyard configuration (pulsar, ingest, environments)\n"
            "  --scenario FILE       env and app version of each device (see examples/demo/)\n"
            "  --data DIR            directory of Sensor.Community CSV files, replayed in time order\n"
            "  --rate N              readings per second; 0 sends as fast as possible (default 0)\n"
            "  --limit N             stop after N readings (default: every reading)\n"
            "  --ping-timeout-ms N   at the end, stop waiting for outstanding PONG replies once\n"
            "                        none has arrived for N ms (default 30000)\n"
            "  --producer-name NAME  stable producer name, for broker deduplication\n"
            "                        (default switchyard-device)\n"
            "  --report FILE         write a JSON summary: counts per device, PING round trips\n"
            "  --token-env VAR       environment variable holding the token (overrides the\n"
            "                        configuration's pulsar.token_env)\n"
            "  --log-level LEVEL     debug, info, warn or error (default info)\n"
            "  --help                print this help\n"
            "\n"
            "Exit status: 0 when every message was confirmed by the broker, 1 when a send\n"
            "failed, 2 on a usage or configuration error.\n");
}

static int parse_options(int argc, char **argv, device_options *options)
{
    static const struct option long_options[] = {
        {"config", required_argument, NULL, 'c'},
        {"scenario", required_argument, NULL, 's'},
        {"data", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},
        {"limit", required_argument, NULL, 'l'},
        {"ping-timeout-ms", required_argument, NULL, 't'},
        {"producer-name", required_argument, NULL, 'p'},
        {"report", required_argument, NULL, 'o'},
        {"token-env", required_argument, NULL, 'k'},
        {"log-level", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(options, 0, sizeof *options);
    options->producer_name = "switchyard-device";
    options->ping_timeout_ms = 30000;

    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'c':
            options->config_path = optarg;
            break;
        case 's':
            options->scenario_path = optarg;
            break;
        case 'd':
            options->data_dir = optarg;
            break;
        case 'r':
            options->rate = strtod(optarg, &end);
            if (*end != '\0' || options->rate < 0) {
                fprintf(stderr, "switchyard device: invalid --rate '%s': give readings per "
                                "second, 0 or more\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'l':
            options->limit = strtoull(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || options->limit == 0) {
                fprintf(stderr, "switchyard device: invalid --limit '%s': give a count of "
                                "1 or more\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 't': {
            long value = strtol(optarg, &end, 10);
            if (*end != '\0' || value < 0 || value > 3600000) {
                fprintf(stderr, "switchyard device: invalid --ping-timeout-ms '%s': give "
                                "milliseconds from 0 to 3600000\n", optarg);
                return CLI_EXIT_USAGE;
            }
            options->ping_timeout_ms = (int)value;
            break;
        }
        case 'p':
            options->producer_name = optarg;
            break;
        case 'o':
            options->report_path = optarg;
            break;
        case 'k':
            options->token_env = optarg;
            break;
        case 'v':
            if (cli_set_log_level("device", optarg) != 0) {
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            print_usage(stdout);
            return -1;
        default:
            print_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "switchyard device: unexpected argument '%s'\n", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (options->config_path == NULL || options->scenario_path == NULL ||
        options->data_dir == NULL) {
        fprintf(stderr, "switchyard device: --config, --scenario and --data are required "
                        "(see --help)\n");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Returns the index of device id, adding it on first sight; -1 when the table is full. */
static long find_device(device_run *run, const demo_scenario *scenario, const char *id)
{
    for (size_t i = 0; i < run->device_count; i++) {
        if (strcmp(run->devices[i].id, id) == 0) {
            return (long)i;
        }
    }
    if (run->device_count == DEVICE_MAX_DEVICES || strlen(id) > DEMO_MAX_DEVICE_ID) {
        return -1;
    }
    device_state *device = &run->devices[run->device_count];
    strcpy(device->id, id);
    device->setting = demo_scenario_device(scenario, id);
    return (long)run->device_count++;
}

static void on_sent(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                    void *user_data)
{
    (void)id;
    device_state *device = user_data;
    if (result == PULSAR_OK) {
        atomic_fetch_add(&device->acknowledged, 1);
        return;
    }
    atomic_fetch_add(&device->failed, 1);
    sy_log(SY_LOG_ERROR, COMPONENT, "send of device %s failed (sequence id %" PRId64 "): %s",
           device->id, sequence_id, pulsar_result_str(result));
}

static int send_message(pulsar_producer *producer, device_state *device, const char *payload,
                        size_t payload_len, uint64_t event_time_ms)
{
    const demo_device_setting *setting = device->setting;
    char version[8];
    snprintf(version, sizeof version, "%d", setting->app_version);

    pulsar_property properties[3];
    size_t count = 0;
    properties[count++] = (pulsar_property){"device_id", device->id};
    properties[count++] = (pulsar_property){"app_version", version};
    if (!setting->omit_env) {
        properties[count++] = (pulsar_property){"env", setting->env};
    }

    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = payload;
    message.payload_len = payload_len;
    message.key = device->id;
    message.properties = properties;
    message.property_count = count;
    message.event_time_ms = event_time_ms;

    /* A full queue is back-pressure: wait for receipts to drain it. */
    for (;;) {
        pulsar_result rc = pulsar_producer_send_async(producer, &message, on_sent, device);
        if (rc == PULSAR_OK) {
            return 0;
        }
        if (rc != PULSAR_ERR_QUEUE_FULL) {
            sy_log(SY_LOG_ERROR, COMPONENT, "cannot queue a message of device %s: %s", device->id,
                   pulsar_result_str(rc));
            atomic_fetch_add(&device->failed, 1);
            return -1;
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

/* Records a new PING and returns its id (1-based), or 0 when out of memory. */
static uint64_t record_ping(device_run *run, size_t device)
{
    pthread_mutex_lock(&run->ping_lock);
    uint64_t ping_id = 0;
    if (run->ping_count == run->ping_capacity) {
        size_t capacity = run->ping_capacity ? run->ping_capacity * 2 : 1024;
        ping_record *grown = realloc(run->pings, capacity * sizeof *grown);
        if (grown != NULL) {
            run->pings = grown;
            run->ping_capacity = capacity;
        }
    }
    if (run->ping_count < run->ping_capacity) {
        run->pings[run->ping_count] = (ping_record){cli_monotonic_ms(), -1, device};
        ping_id = ++run->ping_count;
    }
    pthread_mutex_unlock(&run->ping_lock);
    return ping_id;
}

static void handle_reply(device_run *run, const pulsar_message *message)
{
    demo_message reply;
    char error[256];
    if (demo_message_parse(message->payload, message->payload_len, &reply, error, sizeof error) !=
            0 ||
        reply.command != DEMO_COMMAND_PONG) {
        atomic_fetch_add(&run->pongs_unmatched, 1);
        sy_log(SY_LOG_WARN, COMPONENT, "reply on %s is not a PONG: %s", message->topic,
               reply.command == DEMO_COMMAND_OTHER ? reply.command_text : error);
        return;
    }

    pthread_mutex_lock(&run->ping_lock);
    int matched = reply.ping_id >= 1 && reply.ping_id <= run->ping_count &&
                  run->pings[reply.ping_id - 1].rtt_ms < 0 &&
                  strcmp(run->devices[run->pings[reply.ping_id - 1].device].id,
                         reply.device_id) == 0;
    if (matched) {
        ping_record *ping = &run->pings[reply.ping_id - 1];
        ping->rtt_ms = cli_monotonic_ms() - ping->sent_ms;
        run->pongs_received++;
    }
    pthread_mutex_unlock(&run->ping_lock);
    if (!matched) {
        atomic_fetch_add(&run->pongs_unmatched, 1);
        sy_log(SY_LOG_WARN, COMPONENT, "PONG %" PRIu64 " for device %s matches no open PING",
               reply.ping_id, reply.device_id);
    }
}

/* Receives PONGs of one replies topic; one thread per topic keeps each wait short. */
static void *receive_replies(void *arg)
{
    reply_reader *reader = arg;
    while (!atomic_load(&reader->run->replies_done)) {
        pulsar_message *message = NULL;
        if (pulsar_consumer_receive(reader->consumer, 100, &message) != PULSAR_OK) {
            continue;
        }
        handle_reply(reader->run, message);
        pulsar_consumer_ack(reader->consumer, &message->id);
        pulsar_message_free(message);
    }
    return NULL;
}

/* Subscribes to the replies topic of every environment that has one. */
static int subscribe_replies(device_run *run, pulsar_client *client, const sy_config *config)
{
    char subscription[96];
    snprintf(subscription, sizeof subscription, "switchyard-device-%ld-%ld", (long)getpid(),
             (long)time(NULL));
    for (size_t i = 0; i < config->environment_count; i++) {
        const sy_config_environment *env = &config->environments[i];
        if (sy_config_find_topic(env, "replies") == NULL ||
            run->reply_consumer_count == DEVICE_MAX_REPLY_TOPICS) {
            continue;
        }
        char *topic = cli_topic_name(env->namespace_name, "replies");
        if (topic == NULL) {
            return -1;
        }
        pulsar_consumer_config consumer_config;
        pulsar_consumer_config_init(&consumer_config);
        consumer_config.topic = topic;
        consumer_config.subscription = subscription;
        consumer_config.initial_position = PULSAR_POSITION_LATEST;
        pulsar_result rc = pulsar_consumer_subscribe(
            client, &consumer_config, &run->reply_consumers[run->reply_consumer_count]);
        if (rc != PULSAR_OK) {
            sy_log(SY_LOG_ERROR, COMPONENT, "cannot subscribe to %s: %s", topic,
                   pulsar_result_str(rc));
            free(topic);
            return -1;
        }
        sy_log(SY_LOG_DEBUG, COMPONENT, "waiting for PONG replies on %s", topic);
        free(topic);
        run->reply_consumer_count++;
    }
    return 0;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Returns the nearest-rank percentile of sorted values. */
static int64_t percentile(const int64_t *sorted, size_t count, double fraction)
{
    if (count == 0) {
        return -1;
    }
    size_t rank = (size_t)(fraction * (double)count + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    return sorted[(rank > count ? count : rank) - 1];
}

static json_t *build_report(device_run *run, uint64_t readings_sent)
{
    json_t *report = json_object();
    json_t *devices = json_object();
    uint64_t acknowledged = 0;
    uint64_t failed = 0;
    for (size_t i = 0; i < run->device_count; i++) {
        device_state *device = &run->devices[i];
        uint64_t device_acknowledged = atomic_load(&device->acknowledged);
        uint64_t device_failed = atomic_load(&device->failed);
        acknowledged += device_acknowledged;
        failed += device_failed;
        json_t *entry = json_pack("{s:s?, s:i, s:b, s:I, s:I, s:I, s:I}",
                                  "env", device->setting->omit_env ? NULL : device->setting->env,
                                  "app_version", device->setting->app_version,
                                  "env_property", !device->setting->omit_env,
                                  "readings", (json_int_t)device->readings,
                                  "pings", (json_int_t)device->pings,
                                  "acknowledged", (json_int_t)device_acknowledged,
                                  "failed", (json_int_t)device_failed);
        json_object_set_new(devices, device->id, entry);
    }

    pthread_mutex_lock(&run->ping_lock);
    int64_t *rtts = malloc((run->ping_count ? run->ping_count : 1) * sizeof *rtts);
    size_t rtt_count = 0;
    for (size_t i = 0; rtts != NULL && i < run->ping_count; i++) {
        if (run->pings[i].rtt_ms >= 0) {
            rtts[rtt_count++] = run->pings[i].rtt_ms;
        }
    }
    size_t pings_sent = run->ping_count;
    pthread_mutex_unlock(&run->ping_lock);
    if (rtts != NULL) {
        qsort(rtts, rtt_count, sizeof *rtts, compare_int64);
    }

    json_object_set_new(report, "readings_sent", json_integer((json_int_t)readings_sent));
    json_object_set_new(report, "messages_acknowledged", json_integer((json_int_t)acknowledged));
    json_object_set_new(report, "messages_failed", json_integer((json_int_t)failed));
    json_object_set_new(report, "invalid_rows", json_integer((json_int_t)run->invalid_rows));
    json_object_set_new(report, "pings_sent", json_integer((json_int_t)pings_sent));
    json_object_set_new(report, "pongs_received", json_integer((json_int_t)rtt_count));
    json_object_set_new(report, "pongs_unmatched", json_integer((json_int_t)atomic_load(&run->pongs_unmatched)));
    json_object_set_new(report, "ping_rtt_ms",
                        json_pack("{s:I, s:I, s:I}", "p50",
                                  (json_int_t)(rtts ? percentile(rtts, rtt_count, 0.50) : -1),
                                  "p99",
                                  (json_int_t)(rtts ? percentile(rtts, rtt_count, 0.99) : -1),
                                  "max",
                                  (json_int_t)(rtts && rtt_count ? rtts[rtt_count - 1] : -1)));
    json_object_set_new(report, "devices", devices);
    free(rtts);
    return report;
}

static void show_progress(device_run *run, uint64_t queued, int64_t started_ms)
{
    uint64_t acknowledged = 0;
    for (size_t i = 0; i < run->device_count; i++) {
        acknowledged += atomic_load(&run->devices[i].acknowledged);
    }
    double seconds = (double)(cli_monotonic_ms() - started_ms) / 1000.0;
    pthread_mutex_lock(&run->ping_lock);
    size_t pings = run->ping_count;
    size_t pongs = run->pongs_received;
    pthread_mutex_unlock(&run->ping_lock);
    fprintf(stderr, "\rdevice: %" PRIu64 " queued, %" PRIu64 " confirmed, %.0f msg/s, "
                    "PONG %zu/%zu   ",
            queued, acknowledged, seconds > 0 ? (double)acknowledged / seconds : 0.0, pongs,
            pings);
}

/* Waits until the next reading may go out at the requested rate. */
static void pace(double rate, uint64_t sent, int64_t started_ms)
{
    if (rate <= 0) {
        return;
    }
    int64_t due_ms = started_ms + (int64_t)((double)sent * 1000.0 / rate);
    int64_t wait_ms = due_ms - cli_monotonic_ms();
    if (wait_ms > 0) {
        struct timespec pause = {(time_t)(wait_ms / 1000), (long)(wait_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
    }
}

/* Sends every reading of the replay (up to the limit). Returns the readings queued. */
static uint64_t replay_readings(device_run *run, demo_replay *replay,
                                const demo_scenario *scenario, pulsar_producer *producer,
                                const device_options *options)
{
    int show = isatty(STDERR_FILENO);
    int64_t started_ms = cli_monotonic_ms();
    int64_t shown_ms = 0;
    uint64_t queued = 0;
    sensor_reading reading;
    char error[256];
    char payload[DEMO_MAX_PAYLOAD];

    while (!cli_stop_requested() && (options->limit == 0 || queued < options->limit)) {
        sensor_csv_result rc = demo_replay_next(replay, &reading, error, sizeof error);
        if (rc == SENSOR_CSV_END) {
            break;
        }
        if (rc != SENSOR_CSV_OK) {
            run->invalid_rows++;
            sy_log(SY_LOG_WARN, COMPONENT, "skipped a row: %s", error);
            if (rc == SENSOR_CSV_IO) {
                break;
            }
            continue;
        }
        long index = find_device(run, scenario, reading.sensor_id);
        if (index < 0) {
            run->invalid_rows++;
            sy_log(SY_LOG_WARN, COMPONENT, "skipped device %s: more than %d devices",
                   reading.sensor_id, DEVICE_MAX_DEVICES);
            continue;
        }
        device_state *device = &run->devices[index];

        pace(options->rate, queued, started_ms);
        int len = demo_reading_message(&reading, payload, sizeof payload);
        if (len < 0 || send_message(producer, device, payload, (size_t)len,
                                    (uint64_t)reading.timestamp_ms) != 0) {
            break;
        }
        device->readings++;
        queued++;

        if (device->setting->app_version == 2 && scenario->ping_every > 0 &&
            device->readings % scenario->ping_every == 0) {
            uint64_t ping_id = record_ping(run, (size_t)index);
            len = demo_ping_message(DEMO_COMMAND_PING, device->id, reading.timestamp_ms, ping_id,
                                    payload, sizeof payload);
            if (ping_id == 0 || len < 0 ||
                send_message(producer, device, payload, (size_t)len,
                             (uint64_t)reading.timestamp_ms) != 0) {
                break;
            }
            device->pings++;
        }

        if (show && cli_monotonic_ms() - shown_ms >= 500) {
            shown_ms = cli_monotonic_ms();
            show_progress(run, queued, started_ms);
        }
    }
    if (show) {
        show_progress(run, queued, started_ms);
        fputc('\n', stderr);
    }
    return queued;
}

/*
 * Waits until every PING has its PONG, or until no PONG has arrived for
 * timeout_ms: a PING that the rules send to quarantine is never answered,
 * while a busy pipeline still delivers PONGs late.
 */
static void wait_for_pongs(device_run *run, int timeout_ms)
{
    size_t last_count = SIZE_MAX;
    int64_t deadline = 0;
    while (!cli_stop_requested()) {
        pthread_mutex_lock(&run->ping_lock);
        size_t received = run->pongs_received;
        int done = received >= run->ping_count;
        pthread_mutex_unlock(&run->ping_lock);
        if (done) {
            return;
        }
        int64_t now = cli_monotonic_ms();
        if (received != last_count) {
            last_count = received;
            deadline = now + timeout_ms;
        } else if (now >= deadline) {
            return;
        }
        struct timespec pause = {0, 20000000};
        nanosleep(&pause, NULL);
    }
}

static int run_device(const device_options *options, const sy_config *config,
                      const demo_scenario *scenario, demo_replay *replay, device_run *run)
{
    pulsar_client *client = NULL;
    if (cli_open_client(config, options->token_env, COMPONENT, &client) != 0) {
        return CLI_EXIT_FAILURE;
    }

    int status = CLI_EXIT_FAILURE;
    pulsar_producer *producer = NULL;
    char *ingest_topic = cli_topic_name(config->ingest.namespace_name, config->ingest.topic);
    if (ingest_topic == NULL) {
        goto close_client;
    }

    pulsar_producer_config producer_config;
    pulsar_producer_config_init(&producer_config);
    producer_config.topic = ingest_topic;
    producer_config.producer_name = options->producer_name;
    producer_config.batching_enabled = true;
    producer_config.batching_max_delay_ms = 5;
    producer_config.max_pending_messages = 5000;
    pulsar_result rc = pulsar_producer_create(client, &producer_config, &producer);
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, COMPONENT, "cannot create producer %s on %s: %s",
               options->producer_name, ingest_topic, pulsar_result_str(rc));
        goto close_client;
    }

    if (subscribe_replies(run, client, config) != 0) {
        goto close_producer;
    }
    for (size_t i = 0; i < run->reply_consumer_count; i++) {
        run->readers[i] = (reply_reader){run, run->reply_consumers[i]};
        if (pthread_create(&run->reply_threads[i], NULL, receive_replies, &run->readers[i]) != 0) {
            sy_log(SY_LOG_ERROR, COMPONENT, "cannot start a reply thread");
            goto close_consumers;
        }
        run->reply_thread_count++;
    }

    sy_log(SY_LOG_INFO, COMPONENT, "replaying %zu files from %s into %s",
           demo_replay_file_count(replay), options->data_dir, ingest_topic);
    uint64_t queued = replay_readings(run, replay, scenario, producer, options);
    rc = pulsar_producer_flush(producer);
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, COMPONENT, "flush of %s failed: %s", ingest_topic,
               pulsar_result_str(rc));
    }
    pthread_mutex_lock(&run->ping_lock);
    size_t open_pings = run->ping_count - run->pongs_received;
    pthread_mutex_unlock(&run->ping_lock);
    if (open_pings > 0) {
        sy_log(SY_LOG_INFO, COMPONENT,
               "waiting for %zu PONG replies, until none has arrived for %d ms", open_pings,
               options->ping_timeout_ms);
    }
    wait_for_pongs(run, options->ping_timeout_ms);

    json_t *report = build_report(run, queued);
    char *text = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_int_t failed = json_integer_value(json_object_get(report, "messages_failed"));
    sy_log(SY_LOG_INFO, COMPONENT,
           "sent %" PRIu64 " readings and %" JSON_INTEGER_FORMAT " PINGs from %zu devices: "
           "%" JSON_INTEGER_FORMAT " confirmed, %" JSON_INTEGER_FORMAT " failed, "
           "%" JSON_INTEGER_FORMAT " PONGs, %" PRIu64 " invalid rows",
           queued, json_integer_value(json_object_get(report, "pings_sent")), run->device_count,
           json_integer_value(json_object_get(report, "messages_acknowledged")), failed,
           json_integer_value(json_object_get(report, "pongs_received")), run->invalid_rows);
    status = failed == 0 && rc == PULSAR_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    if (options->report_path != NULL && text != NULL &&
        cli_write_file_atomically(options->report_path, text, COMPONENT) != 0) {
        status = CLI_EXIT_FAILURE;
    }
    free(text);
    json_decref(report);

close_consumers:
    atomic_store(&run->replies_done, true);
    for (size_t i = 0; i < run->reply_thread_count; i++) {
        pthread_join(run->reply_threads[i], NULL);
    }
    for (size_t i = 0; i < run->reply_consumer_count; i++) {
        /* The subscription was made for this run only. */
        pulsar_consumer_unsubscribe(run->reply_consumers[i]);
    }
close_producer:
    pulsar_producer_close(producer);
close_client:
    pulsar_client_close(client);
    free(ingest_topic);
    return status;
}

int cli_device(int argc, char **argv)
{
    device_options options;
    int rc = parse_options(argc, argv, &options);
    if (rc != CLI_EXIT_OK) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    char error[512];
    sy_config *config = sy_config_load(options.config_path,
                                       SY_CONFIG_PULSAR | SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS,
                                       error, sizeof error);
    if (config == NULL) {
        fprintf(stderr, "switchyard device: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    demo_scenario *scenario = demo_scenario_load(options.scenario_path, error, sizeof error);
    if (scenario == NULL) {
        fprintf(stderr, "switchyard device: %s\n", error);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }
    demo_replay *replay = demo_replay_open(options.data_dir, error, sizeof error);
    if (replay == NULL) {
        fprintf(stderr, "switchyard device: %s\n", error);
        demo_scenario_free(scenario);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }

    device_run *run = calloc(1, sizeof *run);
    if (run == NULL) {
        rc = CLI_EXIT_FAILURE;
    } else {
        pthread_mutex_init(&run->ping_lock, NULL);
        cli_install_stop_signals();
        rc = run_device(&options, config, scenario, replay, run);
        pthread_mutex_destroy(&run->ping_lock);
        free(run->pings);
        free(run);
    }
    demo_replay_close(replay);
    demo_scenario_free(scenario);
    sy_config_free(config);
    return rc;
}
