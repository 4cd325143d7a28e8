/*
 * switchyard reconcile: the demo's end-of-run accounting.
 *
 * Waits until every subscription on the ingest topic and on the
 * environments' command topics has no backlog and nothing unacknowledged.
 * The sinks acknowledge a message only once its file is stored, so the lake
 * is complete then. It compares per environment:
 *   sent     what the devices sent, by where the routing rules send it
 *            (each device's claimed env and the registry)
 *   routed   messages the broker received on the environment's topic
 *   handled  messages the environment's backends received
 *   lake     records in the environment's area of the data lake
 * plus the quarantine topic, and the audit trail against the total sent.
 * It also checks that no record of a non-production device is in the
 * production area of the lake. Exits 1 when anything does not reconcile.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin/admin_http.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "demo/demo_lake_count.h"
#include "route/route.h"
#include "route/route_config.h"

#define COMPONENT "reconcile"
#define RECONCILE_MAX_BACKENDS 64
#define RECONCILE_QUARANTINE "(quarantine)"

typedef struct {
    const char *env;
    const char *path;
} backend_report;

typedef struct {
    const char *config_path;
    const char *device_report;
    const char *lake_dir;
    const char *audit_dir;
    backend_report backends[RECONCILE_MAX_BACKENDS];
    size_t backend_count;
    int wait_timeout_s;
    int wait_only;
} reconcile_options;

/* One row of the table. -1 in a column means "not measured". */
typedef struct {
    const char *name;
    int64_t sent;
    int64_t routed;
    int64_t handled;
    int64_t lake;
} reconcile_row;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard reconcile --config FILE --device-report FILE --lake DIR\n"
            "                            --audit DIR [--backend ENV=FILE]... [options]\n"
            "       switchyard reconcile --config FILE --wait-only [--wait-timeout-s N]\n"
            "\n"
            "Waits until the pipeline has drained, then compares per environment what the\n"
            "devices sent, what the router routed, what the backends handled and what the\n"
            "lake holds, and the audit trail against the total sent.\n"
            "\n"
            "  --config FILE          Switchyard configuration of the run\n"
            "  --device-report FILE   JSON report of switchyard device --report\n"
            "  --backend ENV=FILE     JSON report of a switchyard backend serving ENV\n"
            "                         (repeat for each backend)\n"
            "  --lake DIR             local lake root; each environment's area is DIR/<env>\n"
            "  --audit DIR            local root of the audit trail\n"
            "  --wait-timeout-s N     how long to wait for the pipeline to drain (default 300;\n"
            "                         0 compares at once without waiting)\n"
            "  --wait-only            wait for the pipeline to drain, compare nothing\n"
            "  --help                 print this help\n"
            "\n"
            "Exit status: 0 when every count reconciles, 1 when one does not, 2 on a usage\n"
            "or configuration error.\n");
}

static int parse_options(int argc, char **argv, reconcile_options *options)
{
    static const struct option long_options[] = {
        {"config", required_argument, NULL, 'c'},
        {"device-report", required_argument, NULL, 'd'},
        {"backend", required_argument, NULL, 'b'},
        {"lake", required_argument, NULL, 'l'},
        {"audit", required_argument, NULL, 'a'},
        {"wait-timeout-s", required_argument, NULL, 'w'},
        {"wait-only", no_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(options, 0, sizeof *options);
    options->wait_timeout_s = 300;

    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            options->config_path = optarg;
            break;
        case 'd':
            options->device_report = optarg;
            break;
        case 'b': {
            char *equals = strchr(optarg, '=');
            if (equals == NULL || equals == optarg || equals[1] == '\0' ||
                options->backend_count == RECONCILE_MAX_BACKENDS) {
                fprintf(stderr, "switchyard reconcile: invalid --backend '%s': give ENV=FILE, "
                                "at most %d times\n", optarg, RECONCILE_MAX_BACKENDS);
                return CLI_EXIT_USAGE;
            }
            *equals = '\0';
            options->backends[options->backend_count++] = (backend_report){optarg, equals + 1};
            break;
        }
        case 'l':
            options->lake_dir = optarg;
            break;
        case 'a':
            options->audit_dir = optarg;
            break;
        case 'w': {
            char *end = NULL;
            long value = strtol(optarg, &end, 10);
            if (*end != '\0' || value < 0 || value > 86400) {
                fprintf(stderr, "switchyard reconcile: invalid --wait-timeout-s '%s': give "
                                "seconds from 0 to 86400\n", optarg);
                return CLI_EXIT_USAGE;
            }
            options->wait_timeout_s = (int)value;
            break;
        }
        case 'W':
            options->wait_only = 1;
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
        fprintf(stderr, "switchyard reconcile: unexpected argument '%s'\n", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (options->config_path == NULL) {
        fprintf(stderr, "switchyard reconcile: --config is required (see --help)\n");
        return CLI_EXIT_USAGE;
    }
    if (!options->wait_only && (options->device_report == NULL || options->lake_dir == NULL ||
                                options->audit_dir == NULL)) {
        fprintf(stderr, "switchyard reconcile: --device-report, --lake and --audit are required "
                        "unless --wait-only (see --help)\n");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/*
 * Fetches the stats of topic (a "tenant/namespace/topic" path) into a new
 * JSON object: partitioned-stats when partitions > 0. Returns NULL after
 * logging why.
 */
static json_t *fetch_stats(admin_http *admin, const char *topic_path, int partitions)
{
    char path[512];
    snprintf(path, sizeof path, "/admin/v2/persistent/%s/%s", topic_path,
             partitions > 0 ? "partitioned-stats" : "stats");
    admin_response response;
    if (admin_http_request(admin, "GET", path, NULL, &response) != 0 || response.status != 200) {
        sy_log(SY_LOG_ERROR, COMPONENT, "GET %s: HTTP %ld: %s", path, response.status,
               response.error);
        admin_response_clear(&response);
        return NULL;
    }
    json_t *stats = json_loadb(response.body, response.body_len, 0, NULL);
    admin_response_clear(&response);
    return stats;
}

/* Returns the messages still owed to any subscription of a topic's stats. */
static int64_t outstanding(const json_t *stats)
{
    int64_t total = 0;
    const char *name;
    json_t *subscription;
    json_object_foreach(json_object_get(stats, "subscriptions"), name, subscription) {
        total += json_integer_value(json_object_get(subscription, "msgBacklog"));
        total += json_integer_value(json_object_get(subscription, "unackedMessages"));
    }
    return total;
}

typedef struct {
    char path[256];   /* tenant/namespace/topic */
    int partitions;
} watched_topic;

static size_t watched_topics(const sy_config *config, watched_topic *topics, size_t capacity)
{
    size_t count = 0;
    snprintf(topics[count].path, sizeof topics[count].path, "%s/%s",
             config->ingest.namespace_name, config->ingest.topic);
    topics[count++].partitions = config->ingest.partitions;
    for (size_t i = 0; i < config->environment_count && count < capacity; i++) {
        const sy_config_environment *env = &config->environments[i];
        const sy_config_topic *topic = sy_config_find_topic(env, config->router.target_topic);
        if (topic == NULL) {
            continue;
        }
        snprintf(topics[count].path, sizeof topics[count].path, "%s/%s", env->namespace_name,
                 topic->name);
        topics[count++].partitions = topic->partitions;
    }
    return count;
}

/* Waits until no subscription owes anything, twice in a row one second apart. */
static int wait_for_drain(admin_http *admin, const sy_config *config, int timeout_s)
{
    watched_topic topics[256];
    size_t count = watched_topics(config, topics, 256);
    time_t deadline = time(NULL) + timeout_s;
    int quiet_rounds = 0;
    int64_t owed = 0;

    while (time(NULL) <= deadline) {
        owed = 0;
        for (size_t i = 0; i < count; i++) {
            json_t *stats = fetch_stats(admin, topics[i].path, topics[i].partitions);
            if (stats == NULL) {
                return -1;
            }
            owed += outstanding(stats);
            json_decref(stats);
        }
        quiet_rounds = owed == 0 ? quiet_rounds + 1 : 0;
        if (quiet_rounds >= 2) {
            return 0;
        }
        struct timespec pause = {1, 0};
        nanosleep(&pause, NULL);
    }
    sy_log(SY_LOG_ERROR, COMPONENT, "the pipeline did not drain within %d s: %" PRId64
           " messages still owed to subscriptions", timeout_s, owed);
    return -1;
}

static int64_t messages_in(admin_http *admin, const char *namespace_name, const char *topic,
                           int partitions)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", namespace_name, topic);
    json_t *stats = fetch_stats(admin, path, partitions);
    int64_t count = stats != NULL ? json_integer_value(json_object_get(stats, "msgInCounter")) : -1;
    json_decref(stats);
    return count;
}

/* Returns the environment (or RECONCILE_QUARANTINE) that the rules give a device's messages. */
static const char *expected_environment(const route_table *table, const route_registry *registry,
                                        const char *device_id, const char *env,
                                        route_decision *decision)
{
    route_property properties[2];
    size_t count = 0;
    properties[count++] = (route_property){"device_id", 9, device_id, strlen(device_id)};
    if (env != NULL) {
        properties[count++] = (route_property){"env", 3, env, strlen(env)};
    }
    char payload[128];
    int len = snprintf(payload, sizeof payload, "{\"device_id\":\"%s\"}", device_id);
    route_message message = {properties, count, device_id, strlen(device_id),
                             (const uint8_t *)payload, len > 0 ? (size_t)len : 0};
    route_decide(table, registry, &message, decision);
    return decision->quarantined ? RECONCILE_QUARANTINE : decision->environment;
}

static reconcile_row *find_row(reconcile_row *rows, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(rows[i].name, name) == 0) {
            return &rows[i];
        }
    }
    return NULL;
}

static json_t *load_json(const char *path)
{
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    if (root == NULL) {
        sy_log(SY_LOG_ERROR, COMPONENT, "%s:%d: cannot read the report: %s", path, error.line,
               error.text);
    }
    return root;
}

static void print_cell(int64_t value)
{
    if (value < 0) {
        printf(" %9s", "-");
    } else {
        printf(" %9" PRId64, value);
    }
}

/* Checks that every lake record of row's area comes from a device routed there. */
static int check_isolation(const char *area, const json_t *per_device, const json_t *expected,
                           const char *lake_dir)
{
    int ok = 1;
    const char *device;
    json_t *records;
    json_object_foreach((json_t *)per_device, device, records) {
        const char *home = json_string_value(json_object_get(expected, device));
        if (home == NULL || strcmp(home, area) != 0) {
            printf("MISMATCH: %" JSON_INTEGER_FORMAT " records of device %s (routed to %s) are "
                   "in %s/%s\n",
                   json_integer_value(records), device, home != NULL ? home : "nowhere", lake_dir,
                   area);
            ok = 0;
        }
    }
    return ok;
}

static int reconcile(const reconcile_options *options, const sy_config *config,
                     const route_table *table, const route_registry *registry, admin_http *admin)
{
    json_t *devices_report = load_json(options->device_report);
    if (devices_report == NULL) {
        return CLI_EXIT_FAILURE;
    }

    size_t row_count = config->environment_count + 1;
    reconcile_row *rows = calloc(row_count, sizeof *rows);
    json_t *expected = json_object();
    int ok = rows != NULL && expected != NULL;
    for (size_t i = 0; ok && i < config->environment_count; i++) {
        const sy_config_environment *env = &config->environments[i];
        const sy_config_topic *topic = sy_config_find_topic(env, config->router.target_topic);
        rows[i] = (reconcile_row){env->name, 0, -1, -1, 0};
        if (topic != NULL) {
            rows[i].routed = messages_in(admin, env->namespace_name, topic->name,
                                         topic->partitions);
        }
    }
    if (ok) {
        rows[row_count - 1] = (reconcile_row){RECONCILE_QUARANTINE, 0, -1, -1, -1};
        rows[row_count - 1].routed = messages_in(admin, config->ingest.namespace_name,
                                                 config->ingest.quarantine_topic, 0);
    }

    /* Sent: every confirmed message of a device, under where the rules send it. */
    int64_t total_sent = 0;
    const char *device_id;
    json_t *device;
    json_object_foreach(json_object_get(devices_report, "devices"), device_id, device) {
        if (!ok) {
            break;
        }
        route_decision decision;
        const char *env = json_string_value(json_object_get(device, "env"));
        const char *home = expected_environment(table, registry, device_id, env, &decision);
        reconcile_row *row = find_row(rows, row_count, home);
        int64_t sent = json_integer_value(json_object_get(device, "acknowledged"));
        if (row != NULL) {
            row->sent += sent;
        }
        total_sent += sent;
        json_object_set_new(expected, device_id, json_string(home));
    }

    /* Handled: the backends' own counts. */
    json_t *answering = json_object(); /* environments served by a version 2 backend */
    for (size_t i = 0; ok && i < options->backend_count; i++) {
        reconcile_row *row = find_row(rows, row_count, options->backends[i].env);
        json_t *report = load_json(options->backends[i].path);
        if (row == NULL || report == NULL) {
            if (row == NULL) {
                sy_log(SY_LOG_ERROR, COMPONENT, "--backend %s: no such environment",
                       options->backends[i].env);
            }
            json_decref(report);
            ok = 0;
            break;
        }
        row->handled = (row->handled < 0 ? 0 : row->handled) +
                       json_integer_value(json_object_get(report, "received"));
        if (json_integer_value(json_object_get(report, "app_version")) >= 2) {
            json_object_set_new(answering, row->name, json_true());
        }
        json_decref(report);
    }

    /* Only a version 2 backend replies to a PING with a PONG. */
    int64_t expected_pongs = 0;
    json_object_foreach(json_object_get(devices_report, "devices"), device_id, device) {
        const char *home = json_string_value(json_object_get(expected, device_id));
        if (home != NULL && json_object_get(answering, home) != NULL) {
            expected_pongs += json_integer_value(json_object_get(device, "pings"));
        }
    }
    json_decref(answering);

    /* Lake: the records of each environment's area, and whose they are. */
    for (size_t i = 0; ok && i + 1 < row_count; i++) {
        char area[4096];
        snprintf(area, sizeof area, "%s/%s", options->lake_dir, rows[i].name);
        demo_lake_count count = {.per_device = json_object()};
        char error[512];
        if (demo_lake_count_directory(area, &count, error, sizeof error) != 0 || count.unreadable > 0) {
            printf("MISMATCH: %s: %s\n", area,
                   count.unreadable > 0 ? "a lake file cannot be read" : error);
            ok = 0;
        }
        rows[i].lake = (int64_t)count.records;
        if (!check_isolation(rows[i].name, count.per_device, expected, options->lake_dir)) {
            ok = 0;
        }
        json_decref(count.per_device);
    }
    demo_lake_count audit = {.per_device = json_object()};
    char error[512];
    if (demo_lake_count_directory(options->audit_dir, &audit, error, sizeof error) != 0) {
        printf("MISMATCH: %s: %s\n", options->audit_dir, error);
        ok = 0;
    }
    json_decref(audit.per_device);

    /* The table, then the verdict. */
    printf("\n%-16s %9s %9s %9s %9s\n", "environment", "sent", "routed", "handled", "lake");
    for (size_t i = 0; rows != NULL && i < row_count; i++) {
        reconcile_row *row = &rows[i];
        printf("%-16s", row->name);
        print_cell(row->sent);
        print_cell(row->routed);
        print_cell(row->handled);
        print_cell(row->lake);
        int row_ok = row->routed == row->sent && (row->handled < 0 || row->handled == row->sent) &&
                     (row->lake < 0 || row->lake == row->sent);
        printf("  %s\n", row_ok ? "ok" : "MISMATCH");
        ok = ok && row_ok;
    }
    int audit_ok = (int64_t)audit.records == total_sent;
    printf("%-16s %9" PRId64 " %9s %9s %9" PRIu64 "  %s\n", "audit (all)", total_sent, "-", "-",
           audit.records, audit_ok ? "ok" : "MISMATCH");
    ok = ok && audit_ok;

    json_t *rtt = json_object_get(devices_report, "ping_rtt_ms");
    json_int_t pings_sent = json_integer_value(json_object_get(devices_report, "pings_sent"));
    printf("\nPING round trip: p50 %" JSON_INTEGER_FORMAT " ms, p99 %" JSON_INTEGER_FORMAT
           " ms over %" JSON_INTEGER_FORMAT " PONGs\n",
           json_integer_value(json_object_get(rtt, "p50")),
           json_integer_value(json_object_get(rtt, "p99")),
           json_integer_value(json_object_get(devices_report, "pongs_received")));
    printf("PINGs sent: %" JSON_INTEGER_FORMAT ", of which %" PRId64
           " were routed to a version 2 backend and %" PRId64
           " went elsewhere (quarantine, or an environment without one), where nothing answers\n",
           pings_sent, expected_pongs, (int64_t)pings_sent - expected_pongs);
    int pings_ok = json_integer_value(json_object_get(devices_report, "pongs_received")) ==
                   expected_pongs;
    if (!pings_ok) {
        printf("MISMATCH: %" PRId64 " PINGs reached a version 2 backend, but %" JSON_INTEGER_FORMAT
               " PONGs came back\n",
               expected_pongs, json_integer_value(json_object_get(devices_report, "pongs_received")));
    }
    ok = ok && pings_ok;
    printf("%s\n", ok ? "everything reconciles" : "some counts do NOT reconcile");

    free(rows);
    json_decref(expected);
    json_decref(devices_report);
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_reconcile(int argc, char **argv)
{
    reconcile_options options;
    int rc = parse_options(argc, argv, &options);
    if (rc != CLI_EXIT_OK) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    char error[512];
    sy_config *config = sy_config_load(options.config_path, SY_CONFIG_PULSAR | ROUTE_CONFIG_SECTIONS,
                                       error, sizeof error);
    if (config == NULL) {
        fprintf(stderr, "switchyard reconcile: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    route_table *table = route_table_from_config(config, error, sizeof error);
    route_registry *registry = NULL;
    if (table != NULL && config->router.registry != NULL) {
        registry = route_registry_load(config->router.registry, error, sizeof error);
    }
    if (table == NULL || (config->router.registry != NULL && registry == NULL) ||
        config->pulsar.admin_url == NULL) {
        fprintf(stderr, "switchyard reconcile: %s\n",
                config->pulsar.admin_url == NULL
                    ? "no pulsar.admin_url: set it in the file or in SWITCHYARD_ADMIN_URL"
                    : error);
        route_registry_free(registry);
        route_table_free(table);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }

    char *token = NULL;
    admin_http *admin = NULL;
    if (sy_config_read_token(config, "SWITCHYARD_ADMIN_TOKEN", &token, error, sizeof error) != 0) {
        fprintf(stderr, "switchyard reconcile: %s\n", error);
        rc = CLI_EXIT_USAGE;
    } else if ((admin = admin_http_new(config->pulsar.admin_url, token, 30000)) == NULL) {
        rc = CLI_EXIT_FAILURE;
    } else if (options.wait_timeout_s > 0 &&
               wait_for_drain(admin, config, options.wait_timeout_s) != 0) {
        rc = CLI_EXIT_FAILURE;
    } else if (options.wait_only) {
        sy_log(SY_LOG_INFO, COMPONENT, "every subscription has caught up");
        rc = CLI_EXIT_OK;
    } else {
        rc = reconcile(&options, config, table, registry, admin);
    }
    admin_http_free(admin);
    free(token);
    route_registry_free(registry);
    route_table_free(table);
    sy_config_free(config);
    return rc;
}
