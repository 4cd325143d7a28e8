/*
 * switchyard backend: the demo's backend service.
 *
 * Consumes the commands topic of one environment on a shared subscription.
 * App version 1 handles NOOP; app version 2 handles NOOP and PING, and
 * replies to each PING with a PONG on the environment's replies topic. Other
 * commands and unparseable payloads are counted and logged, never fatal.
 *
 * A PING is acknowledged only after its PONG is persisted, so a crash never
 * loses a reply; every other message is acknowledged once handled.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "demo/demo_message.h"
#include "pulsar/pulsar.h"

#define COMPONENT "backend"

typedef struct {
    const char *config_path;
    const char *env;
    const char *subscription;
    const char *report_path;
    const char *token_env;
    int app_version;
} backend_options;

typedef struct {
    uint64_t received;
    uint64_t noop;
    uint64_t ping;
    uint64_t unknown;
    uint64_t invalid;
    _Atomic uint64_t pong_sent;
    _Atomic uint64_t pong_failed;
    json_t *per_device;       /* device id -> messages handled */
} backend_counts;

/* What a PONG's send callback needs to acknowledge its PING. */
typedef struct {
    pulsar_consumer *consumer;
    pulsar_message_id ping_id;
    backend_counts *counts;
} pong_pending;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard backend --config FILE --env NAME --app-version 1|2 [options]\n"
            "\n"
            "Runs the demo backend service on one environment's commands topic.\n"
            "Version 1 handles NOOP; version 2 handles NOOP and PING, answering PONG on the\n"
            "environment's replies topic.\n"
            "\n"
            "  --config FILE        Switchyard configuration (pulsar, environments, router)\n"
            "  --env NAME           environment to serve, for example prod or dev-alice\n"
            "  --app-version N      1 or 2\n"
            "  --subscription NAME  shared subscription (default backend-v<N>)\n"
            "  --report FILE        keep a JSON file of the counts, rewritten every second\n"
            "  --token-env VAR      environment variable holding the token (overrides the\n"
            "                       configuration's pulsar.token_env)\n"
            "  --log-level LEVEL    debug, info, warn or error (default info)\n"
            "  --help               print this help\n"
            "\n"
            "Runs until SIGINT or SIGTERM, then writes the report and exits 0.\n");
}

static int parse_options(int argc, char **argv, backend_options *options)
{
    static const struct option long_options[] = {
        {"config", required_argument, NULL, 'c'},
        {"env", required_argument, NULL, 'e'},
        {"app-version", required_argument, NULL, 'a'},
        {"subscription", required_argument, NULL, 's'},
        {"report", required_argument, NULL, 'o'},
        {"token-env", required_argument, NULL, 'k'},
        {"log-level", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(options, 0, sizeof *options);

    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            options->config_path = optarg;
            break;
        case 'e':
            options->env = optarg;
            break;
        case 'a':
            if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
                fprintf(stderr, "switchyard backend: invalid --app-version '%s': use 1 or 2\n",
                        optarg);
                return CLI_EXIT_USAGE;
            }
            options->app_version = optarg[0] - '0';
            break;
        case 's':
            options->subscription = optarg;
            break;
        case 'o':
            options->report_path = optarg;
            break;
        case 'k':
            options->token_env = optarg;
            break;
        case 'v':
            if (cli_set_log_level("backend", optarg) != 0) {
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
        fprintf(stderr, "switchyard backend: unexpected argument '%s'\n", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (options->config_path == NULL || options->env == NULL || options->app_version == 0) {
        fprintf(stderr, "switchyard backend: --config, --env and --app-version are required "
                        "(see --help)\n");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static void on_pong_sent(pulsar_result result, const pulsar_message_id *id, int64_t sequence_id,
                         void *user_data)
{
    (void)id;
    (void)sequence_id;
    pong_pending *pending = user_data;
    if (result == PULSAR_OK) {
        atomic_fetch_add(&pending->counts->pong_sent, 1);
        pulsar_consumer_ack(pending->consumer, &pending->ping_id);
    } else {
        /* Not acknowledged: the broker redelivers the PING and the PONG is tried again. */
        atomic_fetch_add(&pending->counts->pong_failed, 1);
        sy_log(SY_LOG_ERROR, COMPONENT, "PONG send failed: %s; the PING will be redelivered",
               pulsar_result_str(result));
        pulsar_consumer_negative_ack(pending->consumer, &pending->ping_id);
    }
    free(pending);
}

static int send_pong(pulsar_producer *replies, pulsar_consumer *consumer,
                     const pulsar_message *input, const demo_message *ping, backend_counts *counts)
{
    char payload[DEMO_MAX_PAYLOAD];
    int len = demo_ping_message(DEMO_COMMAND_PONG, ping->device_id, ping->timestamp_ms,
                                ping->ping_id, payload, sizeof payload);
    pong_pending *pending = malloc(sizeof *pending);
    if (len < 0 || pending == NULL) {
        free(pending);
        return -1;
    }
    *pending = (pong_pending){consumer, input->id, counts};

    pulsar_property properties[] = {{"device_id", ping->device_id}};
    pulsar_outgoing_message message;
    pulsar_outgoing_message_init(&message);
    message.payload = payload;
    message.payload_len = (size_t)len;
    message.key = ping->device_id;
    message.properties = properties;
    message.property_count = 1;
    message.event_time_ms = input->event_time_ms;
    pulsar_result rc = pulsar_producer_send_async(replies, &message, on_pong_sent, pending);
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, COMPONENT, "cannot queue a PONG for device %s: %s",
               ping->device_id, pulsar_result_str(rc));
        free(pending);
        return -1;
    }
    return 0;
}

static void count_device(backend_counts *counts, const char *device_id)
{
    json_t *value = json_object_get(counts->per_device, device_id);
    json_int_t current = value != NULL ? json_integer_value(value) : 0;
    json_object_set_new(counts->per_device, device_id, json_integer(current + 1));
}

/* Handles one message; returns 0 when the caller should acknowledge it now. */
static int handle_message(const backend_options *options, pulsar_producer *replies,
                          pulsar_consumer *consumer, const pulsar_message *input,
                          backend_counts *counts)
{
    counts->received++;
    demo_message message;
    char error[256];
    if (demo_message_parse(input->payload, input->payload_len, &message, error, sizeof error) !=
        0) {
        counts->invalid++;
        sy_log(SY_LOG_WARN, COMPONENT, "invalid message %" PRIu64 ":%" PRIu64 " (%zu bytes): %s",
               input->id.ledger_id, input->id.entry_id, input->payload_len, error);
        return 0;
    }
    count_device(counts, message.device_id);

    if (message.command == DEMO_COMMAND_NOOP) {
        counts->noop++;
        return 0;
    }
    if (message.command == DEMO_COMMAND_PING && options->app_version >= 2) {
        counts->ping++;
        if (send_pong(replies, consumer, input, &message, counts) == 0) {
            return 1;
        }
        /* Redelivered later; the PONG is tried again then. */
        pulsar_consumer_negative_ack(consumer, &input->id);
        return 1;
    }

    counts->unknown++;
    if (counts->unknown <= 10 || counts->unknown % 1000 == 0) {
        sy_log(SY_LOG_WARN, COMPONENT,
               "unknown command '%s' from device %s (app version %d handles %s; %" PRIu64
               " unknown so far)",
               message.command_text, message.device_id, options->app_version,
               options->app_version >= 2 ? "NOOP and PING" : "NOOP", counts->unknown);
    }
    return 0;
}

static char *report_text(const backend_options *options, backend_counts *counts)
{
    json_t *report = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O}",
                               "env", options->env, "app_version", options->app_version,
                               "received", (json_int_t)counts->received,
                               "noop", (json_int_t)counts->noop,
                               "ping", (json_int_t)counts->ping,
                               "pong_sent", (json_int_t)atomic_load(&counts->pong_sent),
                               "pong_failed", (json_int_t)atomic_load(&counts->pong_failed),
                               "unknown", (json_int_t)counts->unknown,
                               "invalid", (json_int_t)counts->invalid,
                               "devices", counts->per_device);
    char *text = report != NULL ? json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(report);
    return text;
}

static void write_report(const backend_options *options, backend_counts *counts)
{
    if (options->report_path == NULL) {
        return;
    }
    char *text = report_text(options, counts);
    if (text != NULL) {
        cli_write_file_atomically(options->report_path, text, COMPONENT);
        free(text);
    }
}

static int serve(const backend_options *options, pulsar_consumer *consumer,
                 pulsar_producer *replies, backend_counts *counts)
{
    int64_t written_ms = 0;
    uint64_t written_received = UINT64_MAX;
    while (!cli_stop_requested()) {
        pulsar_message *message = NULL;
        pulsar_result rc = pulsar_consumer_receive(consumer, 200, &message);
        if (rc == PULSAR_OK) {
            if (handle_message(options, replies, consumer, message, counts) == 0) {
                pulsar_consumer_ack(consumer, &message->id);
            }
            pulsar_message_free(message);
        } else if (rc != PULSAR_ERR_TIMEOUT) {
            sy_log(SY_LOG_ERROR, COMPONENT, "receive failed: %s", pulsar_result_str(rc));
            return CLI_EXIT_FAILURE;
        }

        /* A report at most once a second, and only when something changed. */
        int64_t now = cli_monotonic_ms();
        if (now - written_ms >= 1000 && counts->received != written_received) {
            pulsar_producer_flush(replies);
            write_report(options, counts);
            written_ms = now;
            written_received = counts->received;
        }
    }
    return CLI_EXIT_OK;
}

static int run_backend(const backend_options *options, const sy_config *config,
                       const sy_config_environment *env)
{
    pulsar_client *client = NULL;
    if (cli_open_client(config, options->token_env, COMPONENT, &client) != 0) {
        return CLI_EXIT_FAILURE;
    }

    int status = CLI_EXIT_FAILURE;
    pulsar_consumer *consumer = NULL;
    pulsar_producer *replies = NULL;
    backend_counts counts = {.per_device = json_object()};
    char subscription[64];
    snprintf(subscription, sizeof subscription, "backend-v%d", options->app_version);
    char *commands_topic = cli_topic_name(env->namespace_name, config->router.target_topic);
    char *replies_topic = cli_topic_name(env->namespace_name, "replies");
    if (commands_topic == NULL || replies_topic == NULL || counts.per_device == NULL) {
        goto done;
    }

    pulsar_consumer_config consumer_config;
    pulsar_consumer_config_init(&consumer_config);
    consumer_config.topic = commands_topic;
    consumer_config.subscription =
        options->subscription != NULL ? options->subscription : subscription;
    consumer_config.type = PULSAR_SUBSCRIPTION_SHARED;
    consumer_config.initial_position = PULSAR_POSITION_EARLIEST;
    pulsar_result rc = pulsar_consumer_subscribe(client, &consumer_config, &consumer);
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, COMPONENT, "cannot subscribe %s to %s: %s",
               consumer_config.subscription, commands_topic, pulsar_result_str(rc));
        goto done;
    }

    if (options->app_version >= 2) {
        pulsar_producer_config producer_config;
        pulsar_producer_config_init(&producer_config);
        producer_config.topic = replies_topic;
        rc = pulsar_producer_create(client, &producer_config, &replies);
        if (rc != PULSAR_OK) {
            sy_log(SY_LOG_ERROR, COMPONENT, "cannot create a producer on %s: %s", replies_topic,
                   pulsar_result_str(rc));
            goto done;
        }
    }

    sy_log(SY_LOG_INFO, COMPONENT, "app version %d serving %s (subscription %s)",
           options->app_version, commands_topic, consumer_config.subscription);
    status = serve(options, consumer, replies, &counts);
    if (replies != NULL) {
        pulsar_producer_flush(replies);
    }
    write_report(options, &counts);
    sy_log(SY_LOG_INFO, COMPONENT,
           "stopped: %" PRIu64 " received, %" PRIu64 " NOOP, %" PRIu64 " PING, %" PRIu64
           " PONG sent, %" PRIu64 " unknown, %" PRIu64 " invalid",
           counts.received, counts.noop, counts.ping, atomic_load(&counts.pong_sent),
           counts.unknown, counts.invalid);

done:
    pulsar_producer_close(replies);
    pulsar_consumer_close(consumer);
    pulsar_client_close(client);
    json_decref(counts.per_device);
    free(commands_topic);
    free(replies_topic);
    return status;
}

int cli_backend(int argc, char **argv)
{
    backend_options options;
    int rc = parse_options(argc, argv, &options);
    if (rc != CLI_EXIT_OK) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    char error[512];
    sy_config *config = sy_config_load(
        options.config_path, SY_CONFIG_PULSAR | SY_CONFIG_ENVIRONMENTS | SY_CONFIG_ROUTER, error,
        sizeof error);
    if (config == NULL) {
        fprintf(stderr, "switchyard backend: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    const sy_config_environment *env = sy_config_find_environment(config, options.env);
    if (env == NULL) {
        fprintf(stderr, "switchyard backend: environment '%s' is not in %s: use one of its "
                        "environments\n", options.env, options.config_path);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }
    if (options.app_version >= 2 && sy_config_find_topic(env, "replies") == NULL) {
        fprintf(stderr, "switchyard backend: environment '%s' has no replies topic, which app "
                        "version 2 answers PING on: add one to its topics\n", options.env);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }

    cli_install_stop_signals();
    rc = run_backend(&options, config, env);
    sy_config_free(config);
    return rc;
}
