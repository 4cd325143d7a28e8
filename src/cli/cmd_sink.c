/*
 * switchyard sink: copies the messages of Pulsar topics into lake files,
 * by one named entry of the configuration's `sink` section.
 *
 * Each message is acknowledged only after the file that contains it is
 * durable in the store. On SIGTERM or SIGINT the open files are closed and
 * uploaded (retrying until --drain-timeout), and whatever could not be
 * written stays unacknowledged, so Pulsar delivers it again.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/admin_http.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "lake/lake_config.h"
#include "lake/lake_gcs.h"
#include "lake/lake_pulsar.h"

typedef struct {
    const char *config_path;
    const char *sink_name;
    const char *log_level;
    long drain_timeout_ms;
    bool check;
} sink_options;

static volatile sig_atomic_t stop_requested;

static void print_sink_usage(FILE *out)
{
    fprintf(out,
            "usage: switchyard sink --config FILE [--sink NAME] [--check] [--log-level LEVEL]\n"
            "\n"
            "Copies the messages of the topics of one entry of the configuration's sink\n"
            "section into files in a local directory or a Google Cloud Storage bucket, and\n"
            "acknowledges each message once its file is stored.\n"
            "\n"
            "  --config FILE         configuration file (pulsar and sink sections; a sink\n"
            "                        with a namespace also needs pulsar.admin_url)\n"
            "  --sink NAME           the entry of the sink section to run; may be left out\n"
            "                        when the section has only one\n"
            "  --check               validate the configuration, print where files would go,\n"
            "                        and exit; contacts neither Pulsar nor the store\n"
            "  --drain-timeout MS    on SIGTERM or SIGINT, keep retrying uploads of the\n"
            "                        last files this many milliseconds (default 30000)\n"
            "  --log-level LEVEL     debug, info, warn or error (default info)\n"
            "  --help                print this help\n");
}

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
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

/* Returns -1 to go on, else the exit status (after --help or a usage error). */
static int parse_options(int argc, char **argv, sink_options *options)
{
    options->drain_timeout_ms = 30000;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_sink_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(arg, "--check") == 0) {
            options->check = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr,
                    "switchyard sink: unknown option or missing value '%s'; run "
                    "'switchyard sink --help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
        const char *value = argv[++i];
        if (strcmp(arg, "--config") == 0) {
            options->config_path = value;
        } else if (strcmp(arg, "--sink") == 0) {
            options->sink_name = value;
        } else if (strcmp(arg, "--log-level") == 0) {
            options->log_level = value;
        } else if (strcmp(arg, "--drain-timeout") == 0) {
            char *end = NULL;
            options->drain_timeout_ms = strtol(value, &end, 10);
            if (*end != '\0' || options->drain_timeout_ms < 0 ||
                options->drain_timeout_ms > 3600000) {
                fprintf(stderr,
                        "switchyard sink: invalid --drain-timeout '%s': use milliseconds from 0 "
                        "to 3600000\n",
                        value);
                return CLI_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "switchyard sink: unknown option '%s'; run 'switchyard sink --help'\n",
                    arg);
            return CLI_EXIT_USAGE;
        }
    }
    if (options->config_path == NULL) {
        fprintf(stderr, "switchyard sink: --config is required: run 'switchyard sink --help'\n");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

static const lake_sink_settings *choose_sink(const lake_config *config, const char *name)
{
    if (name != NULL) {
        const lake_sink_settings *sink = lake_config_find(config, name);
        if (sink == NULL) {
            fprintf(stderr, "switchyard sink: no sink called '%s' in the sink section\n", name);
        }
        return sink;
    }
    if (config->sink_count == 1) {
        return &config->sinks[0];
    }
    fprintf(stderr, "switchyard sink: the sink section has %zu entries: choose one with --sink:",
            config->sink_count);
    for (size_t i = 0; i < config->sink_count; i++) {
        fprintf(stderr, " %s", config->sinks[i].name);
    }
    fprintf(stderr, "\n");
    return NULL;
}

static lake_err open_store(const lake_sink_settings *sink, lake_store **store, char *error,
                           size_t error_size)
{
    if (sink->store_kind == LAKE_STORE_LOCAL) {
        return lake_store_fs_new(sink->directory, store, error, error_size);
    }
    lake_gcs_config config = {
        .endpoint = sink->endpoint,
        .bucket = sink->bucket,
        .credentials = sink->credentials,
        .token_env = sink->token_env,
        .token_file = sink->token_file,
        .key_file = sink->key_file,
        .token_uri = sink->token_uri,
        .timeout_ms = (long)sink->timeout_ms,
    };
    return lake_store_gcs_new(&config, store, error, error_size);
}

/* Prints the settings and the object name that a message published now would get. */
static int print_check(const lake_sink_settings *sink)
{
    char error[512] = "";
    lake_path_template *path_template = NULL;
    lake_tz *tz = NULL;
    lake_topic_name topic;
    if (lake_path_template_parse(sink->path, &path_template, error, sizeof error) != LAKE_OK ||
        lake_tz_load(sink->time_zone, &tz, error, sizeof error) != LAKE_OK) {
        fprintf(stderr, "switchyard sink: %s\n", error);
        lake_path_template_free(path_template);
        return CLI_EXIT_USAGE;
    }
    printf("sink %s: environment %s, subscription %s\n", sink->name, sink->environment,
           sink->subscription);
    for (size_t i = 0; i < sink->topic_count; i++) {
        if (lake_topic_name_parse(sink->topics[i], &topic, error, sizeof error) != LAKE_OK) {
            continue; /* lake_config_load already checked every topic */
        }
        char suffix[64];
        snprintf(suffix, sizeof suffix, ".%s%s", sink->format,
                 lake_compression_extension(sink->compression));
        lake_path_values values = {
            .env = sink->environment,
            .topic = &topic,
            .time_zone = tz,
            .time_ms = (int64_t)time(NULL) * 1000,
            .first_id = {0, 0, -1, -1},
            .suffix = suffix,
        };
        char name[LAKE_OBJECT_NAME_MAX];
        if (lake_path_render(path_template, &values, name, error, sizeof error) != LAKE_OK) {
            printf("  %s: %s\n", sink->topics[i], error);
            continue;
        }
        /* The file name part depends on the first message's id, unknown here. */
        char *file_part = strrchr(name, '/');
        int directory_len = file_part != NULL ? (int)(file_part - name) + 1 : 0;
        bool local = sink->store_kind == LAKE_STORE_LOCAL;
        printf("  %s -> %s%s/%.*s<ledger>-<entry>%s\n", sink->topics[i], local ? "" : "gs://",
               local ? sink->directory : sink->bucket, directory_len, name, suffix);
    }
    if (sink->namespace_name != NULL) {
        printf("  every topic of %s\n", sink->namespace_name);
    }
    lake_path_template_free(path_template);
    lake_tz_free(tz);
    return CLI_EXIT_OK;
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int run_sink(const sink_options *options, const lake_sink_settings *sink)
{
    char error[1024] = "";
    sy_config *config = sy_config_load(options->config_path, SY_CONFIG_PULSAR, error, sizeof error);
    if (config == NULL) {
        fprintf(stderr, "switchyard sink: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    char *token = NULL;
    if (config->pulsar.service_url == NULL) {
        fprintf(stderr,
                "switchyard sink: pulsar.service_url is missing: set it in %s or set "
                "SWITCHYARD_PULSAR_URL\n",
                options->config_path);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }
    if (sy_config_read_token(config, NULL, &token, error, sizeof error) != 0) {
        fprintf(stderr, "switchyard sink: %s\n", error);
        sy_config_free(config);
        return CLI_EXIT_USAGE;
    }

    int status = CLI_EXIT_FAILURE;
    lake_store *store = NULL;
    pulsar_client *client = NULL;
    lake_pulsar_sink *running = NULL;
    admin_http *admin = NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (open_store(sink, &store, error, sizeof error) != LAKE_OK) {
        fprintf(stderr, "switchyard sink: %s\n", error);
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }

    pulsar_client_config client_config;
    pulsar_client_config_init(&client_config);
    client_config.service_url = config->pulsar.service_url;
    client_config.auth_token = token;
    pulsar_result result = pulsar_client_create(&client_config, &client);
    if (result != PULSAR_OK) {
        fprintf(stderr, "switchyard sink: creating the Pulsar client for %s failed: %s\n",
                config->pulsar.service_url, pulsar_result_str(result));
        goto cleanup;
    }
    if (sink->namespace_name != NULL) {
        if (config->pulsar.admin_url == NULL) {
            fprintf(stderr,
                    "switchyard sink: pulsar.admin_url is missing: sink %s lists the topics of %s "
                    "through the admin API; set it in %s or set SWITCHYARD_ADMIN_URL\n",
                    sink->name, sink->namespace_name, options->config_path);
            status = CLI_EXIT_USAGE;
            goto cleanup;
        }
        admin = admin_http_new(config->pulsar.admin_url, token, 30000);
        if (admin == NULL) {
            fprintf(stderr, "switchyard sink: creating the admin client for %s failed\n",
                    config->pulsar.admin_url);
            goto cleanup;
        }
    }
    if (lake_pulsar_sink_start(client, admin, sink, store, &running, error, sizeof error) !=
        LAKE_OK) {
        sy_log(SY_LOG_ERROR, "sink", "%s", error);
        goto cleanup;
    }

    install_handler(SIGTERM, on_stop_signal);
    install_handler(SIGINT, on_stop_signal);
    signal(SIGPIPE, SIG_IGN);
    lake_err rc = LAKE_OK;
    while (!stop_requested && rc == LAKE_OK) {
        rc = lake_pulsar_sink_run_once(running, 200, error, sizeof error);
    }
    if (rc != LAKE_OK) {
        sy_log(SY_LOG_ERROR, "sink", "stopping sink %s: %s", sink->name, error);
    } else {
        sy_log(SY_LOG_INFO, "sink", "stopping sink %s on signal; uploading the open files",
               sink->name);
    }
    lake_err stop_rc = lake_pulsar_sink_stop(running, monotonic_ms() + options->drain_timeout_ms,
                                             error, sizeof error);
    running = NULL;
    install_handler(SIGTERM, SIG_DFL);
    install_handler(SIGINT, SIG_DFL);
    status = rc == LAKE_OK && stop_rc == LAKE_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;

cleanup:
    pulsar_client_close(client);
    admin_http_free(admin);
    lake_store_free(store);
    curl_global_cleanup();
    free(token);
    sy_config_free(config);
    return status;
}

int cli_sink(int argc, char **argv)
{
    sink_options options = {0};
    int done = parse_options(argc, argv, &options);
    if (done >= 0) {
        return done;
    }
    if (options.log_level != NULL) {
        sy_log_level level;
        if (!sy_log_level_parse(options.log_level, &level)) {
            fprintf(stderr,
                    "switchyard sink: invalid --log-level '%s': use debug, info, warn or error\n",
                    options.log_level);
            return CLI_EXIT_USAGE;
        }
        sy_log_set_level(level);
    }

    char error[1024] = "";
    sy_yaml_doc *doc = sy_yaml_load(options.config_path, error, sizeof error);
    if (doc == NULL) {
        fprintf(stderr, "switchyard sink: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    lake_config *config = NULL;
    lake_err rc = lake_config_load(doc, &config, error, sizeof error);
    sy_yaml_free(doc);
    if (rc != LAKE_OK) {
        fprintf(stderr, "switchyard sink: %s\n", error);
        return CLI_EXIT_USAGE;
    }

    int status = CLI_EXIT_USAGE;
    const lake_sink_settings *sink = choose_sink(config, options.sink_name);
    if (sink != NULL) {
        status = options.check ? print_check(sink) : run_sink(&options, sink);
    }
    lake_config_free(config);
    return status;
}
