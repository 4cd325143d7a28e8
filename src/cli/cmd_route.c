/*
 * switchyard route: the routing daemon (src/route/route_daemon.h), and
 * --check, which runs the routing decision over messages from a JSON lines
 * file and prints where each would go, without touching a broker.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "route/route.h"
#include "route/route_config.h"
#include "route/route_daemon.h"

/*
 * Maximum length of one line of MESSAGES: room for a 5 MiB payload even when
 * JSON escapes make it up to six times longer.
 * NOTE: getline reads the whole line before this check, so a longer line is
 * rejected only after it was read into memory.
 */
#define CHECK_MAX_LINE_BYTES (6u * ROUTE_MAX_PAYLOAD_BYTES + 64u * 1024u)

static void print_route_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard route --config FILE [daemon options]\n"
            "       switchyard route --config FILE --check MESSAGES [--registry FILE]\n"
            "\n"
            "Routes each message of the ingest topic to the topic of its environment, or to\n"
            "the quarantine topic with a reason, by the router section of the configuration\n"
            "and the device registry. An input is acknowledged only after the broker has\n"
            "persisted its output; outputs carry stable producer names and sequence ids so\n"
            "that the broker's deduplication drops what a restarted router sends again.\n"
            "\n"
            "  --config FILE       configuration file (pulsar, ingest, environments and router\n"
            "                      sections); SWITCHYARD_PULSAR_URL overrides the service URL\n"
            "  --registry FILE     device registry to use instead of router.registry\n"
            "  --log-level LEVEL   debug, info, warn or error (default info)\n"
            "  --help              print this help\n"
            "\n"
            "Daemon options:\n"
            "  --metrics-port PORT       serve Prometheus metrics on http://ADDRESS:PORT/metrics;\n"
            "                            0 turns them off (default: router.metrics_port, or 0)\n"
            "  --metrics-address ADDR    IPv4 address for the metrics server (default 127.0.0.1)\n"
            "  --subscription-type TYPE  failover (default: each input partition to one router)\n"
            "                            or key_shared (each device key to one router)\n"
            "  --instance NAME           this router's consumer name, unique in the subscription\n"
            "                            and the same across restarts; with key_shared it is\n"
            "                            also part of every producer name, and required\n"
            "  --max-inflight N          outputs sent and not yet persisted, at most (1000)\n"
            "  --receiver-queue N        inputs the broker may send ahead (3000)\n"
            "  --output-batching MODE    mixed (default): a batch of outputs contains any devices;\n"
            "                            by-key: one device per batch, for key_shared\n"
            "                            consumers of the output topics\n"
            "  --output-compression C    lz4 (default), zstd, zlib or none: compression of\n"
            "                            output batches\n"
            "  --drain-timeout MS        on SIGTERM or SIGINT, wait this long for pending\n"
            "                            outputs before closing (10000)\n"
            "\n"
            "Signals: SIGHUP reloads the configuration's rules and the registry (the registry\n"
            "is also reloaded when its file changes, checked every second); a reload that\n"
            "fails validation keeps the previous rules and logs why. SIGTERM or SIGINT stops\n"
            "receiving, waits for pending outputs, acknowledges them, and exits 0.\n"
            "\n"
            "--check MESSAGES decides for each message in MESSAGES (JSON lines, '-' for\n"
            "standard input) and prints the decisions; it touches no broker.\n"
            "Each line of MESSAGES is one JSON object:\n"
            "  {\"properties\": {\"env\": \"dev\", \"device_id\": \"22449\"}, \"key\": \"22449\",\n"
            "   \"payload\": {\"device_id\": \"22449\", \"command\": \"NOOP\"}}\n"
            "properties (an object of strings) and key (a string) are optional; payload is\n"
            "required: a string is taken as the payload's bytes, any other JSON value is\n"
            "written out compactly. Blank lines are skipped.\n"
            "\n"
            "Output of --check, one line per message, fields separated by one space:\n"
            "  LINE routed TOPIC env=ENV rule=RULE device=DEVICE\n"
            "  LINE quarantined TOPIC reason=REASON env=ENV device=DEVICE\n"
            "LINE is the line number in MESSAGES. RULE is default_environment, env_property,\n"
            "developer_environment or unknown_environment. REASON is one of\n"
            "missing_device_id, invalid_device_id, device_id_mismatch, invalid_env,\n"
            "unknown_env, env_not_allowed, dev_without_developer, unknown_developer,\n"
            "developer_mismatch, invalid_property, unparseable_payload, invalid_topic.\n"
            "ENV and DEVICE are '-' when the message was quarantined before they were\n"
            "found valid.\n"
            "\n"
            "Exit status: 0 when every line was decided (quarantined ones included) or the\n"
            "daemon stopped on a signal; 2 when an option, the configuration, the registry\n"
            "or a line of MESSAGES is invalid (the message names the file and line); 1 when\n"
            "MESSAGES cannot be read or the daemon fails (broker unreachable, subscription\n"
            "refused, metrics port taken).\n");
}

typedef struct {
    const char *config_path;
    const char *check_path;
    const char *registry_path;
    const char *log_level;
    const char *metrics_port;
    const char *metrics_address;
    const char *subscription_type;
    const char *instance;
    const char *max_inflight;
    const char *receiver_queue;
    const char *output_batching;
    const char *output_compression;
    const char *drain_timeout;
} route_options;

/* Parses argv; returns -1 to continue, or the exit status when done (help, or an error). */
static int parse_options(int argc, char **argv, route_options *options)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_route_usage(stdout);
            return CLI_EXIT_OK;
        }
        const char **target = NULL;
        if (strcmp(arg, "--config") == 0) {
            target = &options->config_path;
        } else if (strcmp(arg, "--check") == 0) {
            target = &options->check_path;
        } else if (strcmp(arg, "--registry") == 0) {
            target = &options->registry_path;
        } else if (strcmp(arg, "--log-level") == 0) {
            target = &options->log_level;
        } else if (strcmp(arg, "--metrics-port") == 0) {
            target = &options->metrics_port;
        } else if (strcmp(arg, "--metrics-address") == 0) {
            target = &options->metrics_address;
        } else if (strcmp(arg, "--subscription-type") == 0) {
            target = &options->subscription_type;
        } else if (strcmp(arg, "--instance") == 0) {
            target = &options->instance;
        } else if (strcmp(arg, "--max-inflight") == 0) {
            target = &options->max_inflight;
        } else if (strcmp(arg, "--receiver-queue") == 0) {
            target = &options->receiver_queue;
        } else if (strcmp(arg, "--output-batching") == 0) {
            target = &options->output_batching;
        } else if (strcmp(arg, "--output-compression") == 0) {
            target = &options->output_compression;
        } else if (strcmp(arg, "--drain-timeout") == 0) {
            target = &options->drain_timeout;
        } else {
            fprintf(stderr,
                    "switchyard route: unknown option '%s': run 'switchyard route "
                    "--help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr,
                    "switchyard route: option '%s' needs a value: run 'switchyard "
                    "route --help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
        *target = argv[++i];
    }
    return -1;
}

/* Loads the table and the registry (NULL when there is none); returns false after printing. */
static bool load_routing(const route_options *options, route_table **table,
                         route_registry **registry)
{
    char error[1024];
    sy_config *config =
        sy_config_load(options->config_path, ROUTE_CONFIG_SECTIONS | SY_CONFIG_VALIDATE_ALL, error,
                       sizeof error);
    if (config == NULL) {
        fprintf(stderr, "switchyard route: %s\n", error);
        return false;
    }
    *table = route_table_from_config(config, error, sizeof error);
    if (*table == NULL) {
        fprintf(stderr, "switchyard route: %s\n", error);
        sy_config_free(config);
        return false;
    }

    const char *registry_path =
        options->registry_path != NULL ? options->registry_path : config->router.registry;
    *registry = NULL;
    if (registry_path != NULL) {
        *registry = route_registry_load(registry_path, error, sizeof error);
        if (*registry == NULL || !route_registry_check(*registry, *table, error, sizeof error)) {
            fprintf(stderr, "switchyard route: %s\n", error);
            route_registry_free(*registry);
            route_table_free(*table);
            sy_config_free(config);
            return false;
        }
    }
    sy_config_free(config);
    return true;
}

/* One message of a --check file, its strings owned by root and payload_text. */
typedef struct {
    json_t *root;
    route_property *properties;
    char *payload_text; /* the dumped payload when it was not a JSON string */
    route_message message;
} check_message;

static void free_check_message(check_message *m)
{
    json_decref(m->root);
    free(m->properties);
    free(m->payload_text);
}

/* Parses one line into m; on failure writes what is wrong into error and returns false. */
static bool parse_check_line(const char *line, size_t len, check_message *m, char *error,
                             size_t error_size)
{
    memset(m, 0, sizeof *m);
    json_error_t json_error;
    m->root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &json_error);
    if (m->root == NULL) {
        snprintf(error, error_size, "invalid JSON at column %d: %s", json_error.column,
                 json_error.text);
        return false;
    }
    if (!json_is_object(m->root)) {
        snprintf(error, error_size, "expected a JSON object with \"payload\"");
        return false;
    }

    const char *name;
    json_t *value;
    json_object_foreach(m->root, name, value)
    {
        if (strcmp(name, "properties") != 0 && strcmp(name, "key") != 0 &&
            strcmp(name, "payload") != 0) {
            snprintf(error, error_size, "unknown member \"%s\": use properties, key or payload",
                     name);
            return false;
        }
    }

    json_t *properties = json_object_get(m->root, "properties");
    if (properties != NULL) {
        if (!json_is_object(properties)) {
            snprintf(error, error_size, "\"properties\" must be an object of strings");
            return false;
        }
        m->properties = calloc(json_object_size(properties) + 1, sizeof *m->properties);
        if (m->properties == NULL) {
            snprintf(error, error_size, "out of memory");
            return false;
        }
        json_object_foreach(properties, name, value)
        {
            if (!json_is_string(value)) {
                snprintf(error, error_size, "property \"%s\" must be a string", name);
                return false;
            }
            m->properties[m->message.property_count++] = (route_property){
                name, strlen(name), json_string_value(value), json_string_length(value)};
        }
        m->message.properties = m->properties;
    }

    json_t *key = json_object_get(m->root, "key");
    if (key != NULL) {
        if (!json_is_string(key)) {
            snprintf(error, error_size, "\"key\" must be a string");
            return false;
        }
        m->message.key = json_string_value(key);
        m->message.key_len = json_string_length(key);
    }

    json_t *payload = json_object_get(m->root, "payload");
    if (payload == NULL) {
        snprintf(error, error_size, "\"payload\" is missing: add it (a string or any JSON value)");
        return false;
    }
    if (json_is_string(payload)) {
        m->message.payload = (const uint8_t *)json_string_value(payload);
        m->message.payload_len = json_string_length(payload);
    } else {
        m->payload_text = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
        if (m->payload_text == NULL) {
            snprintf(error, error_size, "out of memory");
            return false;
        }
        m->message.payload = (const uint8_t *)m->payload_text;
        m->message.payload_len = strlen(m->payload_text);
    }
    return true;
}

static void print_decision(unsigned long line_number, const route_decision *decision)
{
    const char *env = decision->environment[0] != '\0' ? decision->environment : "-";
    const char *device = decision->device_id[0] != '\0' ? decision->device_id : "-";
    if (decision->quarantined) {
        printf("%lu quarantined %s reason=%s env=%s device=%s\n", line_number, decision->topic,
               route_reason_name(decision->reason), env, device);
    } else {
        printf("%lu routed %s env=%s rule=%s device=%s\n", line_number, decision->topic, env,
               route_rule_name(decision->rule), device);
    }
}

static bool is_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n') {
            return false;
        }
    }
    return true;
}

/* Decides every line of path; returns the exit status. */
static int run_check(const char *path, const route_table *table, const route_registry *registry)
{
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *file = from_stdin ? stdin : fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "switchyard route: cannot open %s: %s\n", path, strerror(errno));
        return CLI_EXIT_FAILURE;
    }

    int status = CLI_EXIT_OK;
    char *line = NULL;
    size_t capacity = 0;
    unsigned long line_number = 0;
    ssize_t len;
    while ((len = getline(&line, &capacity, file)) >= 0) {
        line_number++;
        if ((size_t)len > CHECK_MAX_LINE_BYTES) {
            fprintf(stderr, "switchyard route: %s:%lu: line is longer than %u bytes\n", path,
                    line_number, CHECK_MAX_LINE_BYTES);
            status = CLI_EXIT_USAGE;
            break;
        }
        if (is_blank(line, (size_t)len)) {
            continue;
        }

        check_message m;
        char error[512];
        if (!parse_check_line(line, (size_t)len, &m, error, sizeof error)) {
            fprintf(stderr, "switchyard route: %s:%lu: %s\n", path, line_number, error);
            free_check_message(&m);
            status = CLI_EXIT_USAGE;
            break;
        }
        route_decision decision;
        route_decide(table, registry, &m.message, &decision);
        print_decision(line_number, &decision);
        free_check_message(&m);
    }
    if (status == CLI_EXIT_OK && ferror(file)) {
        fprintf(stderr, "switchyard route: cannot read %s: %s\n", path, strerror(errno));
        status = CLI_EXIT_FAILURE;
    }

    free(line);
    if (!from_stdin) {
        fclose(file);
    }
    return status;
}

/* Parses text as a decimal number from min to max into *value; false when it is not one. */
static bool parse_number(const char *text, long min, long max, long *value)
{
    char *end = NULL;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || parsed < min || parsed > max) {
        return false;
    }
    *value = parsed;
    return true;
}

/* Fills daemon options from the command line; returns false after printing what is wrong. */
static bool daemon_options_from(const route_options *options, route_daemon_options *out)
{
    memset(out, 0, sizeof *out);
    out->config_path = options->config_path;
    out->registry_path = options->registry_path;
    out->metrics_address = options->metrics_address;
    out->instance = options->instance;
    out->metrics_port = -1;
    out->subscription_type = PULSAR_SUBSCRIPTION_FAILOVER;
    out->output_compression = PULSAR_COMPRESSION_LZ4;
    long value;
    if (options->metrics_port != NULL) {
        if (!parse_number(options->metrics_port, 0, 65535, &value)) {
            fprintf(stderr, "switchyard route: invalid --metrics-port '%s': use 0 to 65535\n",
                    options->metrics_port);
            return false;
        }
        out->metrics_port = (int)value;
    }
    if (options->subscription_type != NULL) {
        if (strcmp(options->subscription_type, "failover") == 0) {
            out->subscription_type = PULSAR_SUBSCRIPTION_FAILOVER;
        } else if (strcmp(options->subscription_type, "key_shared") == 0) {
            out->subscription_type = PULSAR_SUBSCRIPTION_KEY_SHARED;
        } else {
            fprintf(stderr,
                    "switchyard route: invalid --subscription-type '%s': use failover or "
                    "key_shared\n",
                    options->subscription_type);
            return false;
        }
    }
    if (options->max_inflight != NULL) {
        if (!parse_number(options->max_inflight, 1, 100000, &value)) {
            fprintf(stderr, "switchyard route: invalid --max-inflight '%s': use 1 to 100000\n",
                    options->max_inflight);
            return false;
        }
        out->max_inflight = (uint32_t)value;
    }
    if (options->receiver_queue != NULL) {
        if (!parse_number(options->receiver_queue, 1, 1000000, &value)) {
            fprintf(stderr,
                    "switchyard route: invalid --receiver-queue '%s': use 1 to 1000000\n",
                    options->receiver_queue);
            return false;
        }
        out->receiver_queue = (uint32_t)value;
    }
    if (options->output_batching != NULL) {
        if (strcmp(options->output_batching, "mixed") == 0) {
            out->output_batches_by_key = false;
        } else if (strcmp(options->output_batching, "by-key") == 0) {
            out->output_batches_by_key = true;
        } else {
            fprintf(stderr,
                    "switchyard route: invalid --output-batching '%s': use mixed or by-key\n",
                    options->output_batching);
            return false;
        }
    }
    if (options->output_compression != NULL &&
        !pulsar_compression_parse(options->output_compression, &out->output_compression)) {
        fprintf(stderr,
                "switchyard route: invalid --output-compression '%s': use lz4, zstd, zlib or "
                "none\n",
                options->output_compression);
        return false;
    }
    if (options->drain_timeout != NULL) {
        if (!parse_number(options->drain_timeout, 1, 3600000, &value)) {
            fprintf(stderr,
                    "switchyard route: invalid --drain-timeout '%s': use 1 to 3600000 "
                    "milliseconds\n",
                    options->drain_timeout);
            return false;
        }
        out->drain_timeout_ms = (uint32_t)value;
    }
    return true;
}

/* The daemon that the signal handlers talk to; set while run_daemon runs. */
static route_daemon *signal_target;

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    if (signal_target != NULL) {
        route_daemon_request_stop(signal_target);
    }
}

static void on_reload_signal(int signal_number)
{
    (void)signal_number;
    if (signal_target != NULL) {
        route_daemon_request_reload(signal_target);
    }
}

static void install_handler(int signal_number, void (*handler)(int))
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    /* The client's threads may take the signal; restarting keeps their reads and writes whole. */
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, NULL);
}

static int run_daemon(const route_options *options)
{
    route_daemon_options daemon_options;
    if (!daemon_options_from(options, &daemon_options)) {
        return CLI_EXIT_USAGE;
    }
    char error[1024];
    route_daemon *daemon = route_daemon_create(&daemon_options, error, sizeof error);
    if (daemon == NULL) {
        fprintf(stderr, "switchyard route: %s\n", error);
        return CLI_EXIT_USAGE;
    }

    signal_target = daemon;
    install_handler(SIGTERM, on_stop_signal);
    install_handler(SIGINT, on_stop_signal);
    install_handler(SIGHUP, on_reload_signal);
    signal(SIGPIPE, SIG_IGN);
    int status = route_daemon_run(daemon);
    install_handler(SIGTERM, SIG_DFL);
    install_handler(SIGINT, SIG_DFL);
    install_handler(SIGHUP, SIG_DFL);
    signal_target = NULL;
    route_daemon_free(daemon);
    return status == ROUTE_DAEMON_EXIT_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_route(int argc, char **argv)
{
    route_options options = {0};
    int done = parse_options(argc, argv, &options);
    if (done >= 0) {
        return done;
    }
    if (options.log_level != NULL) {
        sy_log_level level;
        if (!sy_log_level_parse(options.log_level, &level)) {
            fprintf(stderr,
                    "switchyard route: invalid --log-level '%s': use debug, info, warn "
                    "or error\n",
                    options.log_level);
            return CLI_EXIT_USAGE;
        }
        sy_log_set_level(level);
    }
    if (options.config_path == NULL) {
        fprintf(stderr, "switchyard route: --config is required: run 'switchyard route --help'\n");
        return CLI_EXIT_USAGE;
    }
    if (options.check_path == NULL) {
        return run_daemon(&options);
    }
    /* --check ignores the daemon options, but a wrong value still gets its error. */
    route_daemon_options unused;
    if (!daemon_options_from(&options, &unused)) {
        return CLI_EXIT_USAGE;
    }

    route_table *table = NULL;
    route_registry *registry = NULL;
    if (!load_routing(&options, &table, &registry)) {
        return CLI_EXIT_USAGE;
    }
    int status = run_check(options.check_path, table, registry);
    route_registry_free(registry);
    route_table_free(table);
    return status;
}
