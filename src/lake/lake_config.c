/*
 * Loader of the `sink` section (lake_config.h). Each sink is checked key by
 * key; the first problem ends the load with the file, line and key path.
 */
#include "lake/lake_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake_path.h"
#include "lake/lake_writer.h"

#define DEFAULT_PATH "{env}/{tenant}/{namespace}/{topic}/{yyyy}/{mm}/{dd}/{hh}"

static const char *const sink_keys[] = {
    "environment",
    "topics",
    "namespace",
    "subscription",
    "subscription_type",
    "format",
    "compression",
    "compression_level",
    "path",
    "time_zone",
    "max_records",
    "max_bytes",
    "max_age_seconds",
    "max_pending_files",
    "receiver_queue",
    "retry",
    "store",
    NULL,
};
static const char *const retry_keys[] = {"initial_ms", "max_ms", NULL};
static const char *const store_keys[] = {
    "kind", "directory", "bucket", "endpoint", "credentials", "timeout_seconds", NULL,
};
static const char *const credentials_keys[] = {
    "source", "token_env", "token_file", "key_file", "token_uri", NULL,
};

typedef struct {
    const sy_yaml_doc *doc;
    char *error;
    size_t error_size;
    char context[128]; /* "sink.prod-lake", or "sink.prod-lake.store" while reading the store */
} loader;

__attribute__((format(printf, 3, 4))) static lake_err fail(loader *ld, unsigned line,
                                                           const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    snprintf(ld->error, ld->error_size, "%s:%u: %s", ld->doc->path, line, message);
    return LAKE_ERR_INVALID;
}

/* Matches the Pulsar name rule of docs/configuration.md: 1-64 of a-z 0-9 - _, not starting with -
 * or _. */
static bool pulsar_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > 64 || name[0] == '-' || name[0] == '_') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

static bool environment_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 48 || !(name[0] >= 'a' && name[0] <= 'z')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

static unsigned node_line(const sy_yaml_node *parent, const sy_yaml_node *node, const char *key)
{
    unsigned line = sy_yaml_key_line(parent, key);
    return line != 0 ? line : (node != NULL ? node->line : parent->line);
}

/* Reads an optional scalar; *out stays NULL when key is absent. */
static lake_err get_text(loader *ld, const sy_yaml_node *map, const char *key, char **out)
{
    const sy_yaml_node *node = sy_yaml_get(map, key);
    if (node == NULL) {
        return LAKE_OK;
    }
    if (node->kind != SY_YAML_SCALAR || node->value[0] == '\0') {
        return fail(ld, node_line(map, node, key), "%s.%s must be a non-empty text", ld->context,
                    key);
    }
    *out = strdup(node->value);
    return *out == NULL ? LAKE_ERR_NOMEM : LAKE_OK;
}

static lake_err get_required_text(loader *ld, const sy_yaml_node *map, const char *key, char **out)
{
    lake_err rc = get_text(ld, map, key, out);
    if (rc == LAKE_OK && *out == NULL) {
        return fail(ld, map->line, "%s.%s is missing", ld->context, key);
    }
    return rc;
}

/* Reads an optional integer within [min, max], scaled by unit; *out keeps its default when absent.
 */
static lake_err get_int(loader *ld, const sy_yaml_node *map, const char *key, int64_t min,
                        int64_t max, int64_t unit, int64_t *out)
{
    const sy_yaml_node *node = sy_yaml_get(map, key);
    if (node == NULL) {
        return LAKE_OK;
    }
    int64_t value;
    if (!sy_yaml_int64(node, &value) || value < min || value > max) {
        return fail(ld, node_line(map, node, key), "%s.%s must be a whole number from %lld to %lld",
                    ld->context, key, (long long)min, (long long)max);
    }
    *out = value * unit;
    return LAKE_OK;
}

static lake_err check_keys(loader *ld, const sy_yaml_node *map, const char *what,
                           const char *const *allowed)
{
    if (map->kind != SY_YAML_MAPPING) {
        return fail(ld, map->line, "%s must be a mapping", what);
    }
    const char *unknown = sy_yaml_unknown_key(map, allowed);
    if (unknown != NULL) {
        return fail(ld, sy_yaml_key_line(map, unknown), "unknown key '%s' in %s", unknown, what);
    }
    return LAKE_OK;
}

/* Makes a relative path relative to the configuration file's directory. */
static lake_err resolve_path(loader *ld, char **path)
{
    if (*path == NULL || (*path)[0] == '/') {
        return LAKE_OK;
    }
    const char *slash = strrchr(ld->doc->path, '/');
    if (slash == NULL) {
        return LAKE_OK;
    }
    size_t dir_len = (size_t)(slash - ld->doc->path);
    size_t size = dir_len + strlen(*path) + 2;
    char *joined = malloc(size);
    if (joined == NULL) {
        return LAKE_ERR_NOMEM;
    }
    snprintf(joined, size, "%.*s/%s", (int)dir_len, ld->doc->path, *path);
    free(*path);
    *path = joined;
    return LAKE_OK;
}

static lake_err load_topics(loader *ld, const sy_yaml_node *map, lake_sink_settings *sink)
{
    const sy_yaml_node *topics = sy_yaml_get(map, "topics");
    lake_err rc = get_text(ld, map, "namespace", &sink->namespace_name);
    if (rc != LAKE_OK) {
        return rc;
    }
    if ((topics == NULL) == (sink->namespace_name == NULL)) {
        return fail(ld, map->line, "%s needs exactly one of topics and namespace", ld->context);
    }
    if (sink->namespace_name != NULL) {
        const char *slash = strchr(sink->namespace_name, '/');
        if (slash == NULL ||
            !pulsar_name_valid(sink->namespace_name, (size_t)(slash - sink->namespace_name)) ||
            !pulsar_name_valid(slash + 1, strlen(slash + 1))) {
            return fail(ld, sy_yaml_key_line(map, "namespace"),
                        "invalid %s.namespace '%s': write tenant/namespace, each 1 to 64 "
                        "characters of a-z, 0-9, '-' and '_'",
                        ld->context, sink->namespace_name);
        }
        return LAKE_OK;
    }

    unsigned line = sy_yaml_key_line(map, "topics");
    if (topics->kind != SY_YAML_SEQUENCE || topics->count == 0) {
        return fail(ld, line, "%s.topics must be a non-empty list of topic names", ld->context);
    }
    sink->topics = calloc(topics->count, sizeof *sink->topics);
    if (sink->topics == NULL) {
        return LAKE_ERR_NOMEM;
    }
    for (size_t i = 0; i < topics->count; i++) {
        const sy_yaml_node *item = topics->items[i];
        char reason[256] = "";
        lake_topic_name parts;
        if (item->kind != SY_YAML_SCALAR ||
            lake_topic_name_parse(item->value, &parts, reason, sizeof reason) != LAKE_OK) {
            return fail(ld, item->line, "invalid topic in %s.topics: %s", ld->context,
                        item->kind == SY_YAML_SCALAR ? reason : "not a text");
        }
        sink->topics[i] = strdup(item->value);
        if (sink->topics[i] == NULL) {
            return LAKE_ERR_NOMEM;
        }
        sink->topic_count++;
    }
    return LAKE_OK;
}

static lake_err load_batching(loader *ld, const sy_yaml_node *map, lake_sink_settings *sink)
{
    sink->max_records = 10000;
    sink->max_bytes = 64 * 1024 * 1024;
    sink->max_age_ms = 300 * 1000;
    sink->max_pending_files = 4;
    sink->receiver_queue = LAKE_DEFAULT_RECEIVER_QUEUE;
    sink->retry_initial_ms = 1000;
    sink->retry_max_ms = 60000;
    sink->topic_refresh_ms = 30000;

    lake_err rc = get_int(ld, map, "max_records", 1, 10000000, 1, &sink->max_records);
    if (rc == LAKE_OK) {
        rc = get_int(ld, map, "max_bytes", 1024, 1024 * 1024 * 1024, 1, &sink->max_bytes);
    }
    if (rc == LAKE_OK) {
        rc = get_int(ld, map, "max_age_seconds", 1, 86400, 1000, &sink->max_age_ms);
    }
    if (rc == LAKE_OK) {
        rc = get_int(ld, map, "max_pending_files", 1, 1000, 1, &sink->max_pending_files);
    }
    if (rc == LAKE_OK) {
        rc = get_int(ld, map, "receiver_queue", 1, 1000000, 1, &sink->receiver_queue);
    }
    const sy_yaml_node *retry = sy_yaml_get(map, "retry");
    if (rc == LAKE_OK && retry != NULL) {
        char what[200];
        snprintf(what, sizeof what, "%s.retry", ld->context);
        rc = check_keys(ld, retry, what, retry_keys);
        if (rc == LAKE_OK) {
            rc = get_int(ld, retry, "initial_ms", 1, 3600000, 1, &sink->retry_initial_ms);
        }
        if (rc == LAKE_OK) {
            rc = get_int(ld, retry, "max_ms", 1, 3600000, 1, &sink->retry_max_ms);
        }
        if (rc == LAKE_OK && sink->retry_max_ms < sink->retry_initial_ms) {
            rc = fail(ld, retry->line, "%s.retry.max_ms must be at least initial_ms", ld->context);
        }
    }
    return rc;
}

static lake_err load_format(loader *ld, const sy_yaml_node *map, lake_sink_settings *sink)
{
    char *compression = NULL;
    lake_err rc = get_text(ld, map, "format", &sink->format);
    if (rc == LAKE_OK && sink->format == NULL && (sink->format = strdup("jsonl")) == NULL) {
        rc = LAKE_ERR_NOMEM;
    }
    if (rc == LAKE_OK && lake_format_find(sink->format) == NULL) {
        rc = fail(ld, sy_yaml_key_line(map, "format"), "unknown %s.format '%s': use jsonl",
                  ld->context, sink->format);
    }
    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "compression", &compression);
    }
    sink->compression = LAKE_COMPRESSION_GZIP;
    if (rc == LAKE_OK && compression != NULL &&
        !lake_compression_parse(compression, &sink->compression)) {
        rc = fail(ld, sy_yaml_key_line(map, "compression"),
                  "unknown %s.compression '%s': use none, gzip or zstd", ld->context, compression);
    }
    free(compression);
    int64_t level = 0;
    int64_t max_level = sink->compression == LAKE_COMPRESSION_ZSTD ? 19 : 9;
    if (rc == LAKE_OK) {
        rc = get_int(ld, map, "compression_level", 0, max_level, 1, &level);
    }
    sink->compression_level = (int)level;
    return rc;
}

/*
 * Renders the name of a file of each topic with the longest possible id, so
 * that a name over the store's limit fails here instead of at the first upload.
 */
static lake_err check_name_lengths(loader *ld, const sy_yaml_node *map,
                                   const lake_path_template *path_template,
                                   const lake_sink_settings *sink)
{
    lake_tz *utc = NULL;
    char reason[512] = "";
    lake_err rc = lake_tz_load("UTC", &utc, reason, sizeof reason);
    for (size_t i = 0; rc == LAKE_OK && i < sink->topic_count; i++) {
        lake_topic_name topic;
        rc = lake_topic_name_parse(sink->topics[i], &topic, reason, sizeof reason);
        if (rc != LAKE_OK) {
            break;
        }
        lake_path_values values = {
            .env = sink->environment,
            .topic = &topic,
            .time_zone = utc,
            .time_ms = 0,
            .first_id = {UINT64_MAX, UINT64_MAX, INT32_MAX, INT32_MAX},
            .suffix = ".jsonl.zst",
        };
        char name[LAKE_OBJECT_NAME_MAX];
        rc = lake_path_render(path_template, &values, name, reason, sizeof reason);
    }
    lake_tz_free(utc);
    if (rc != LAKE_OK) {
        return fail(ld, node_line(map, sy_yaml_get(map, "path"), "path"), "%s.path: %s",
                    ld->context, reason);
    }
    return LAKE_OK;
}

static lake_err load_layout(loader *ld, const sy_yaml_node *map, lake_sink_settings *sink)
{
    lake_err rc = get_text(ld, map, "path", &sink->path);
    if (rc == LAKE_OK && sink->path == NULL && (sink->path = strdup(DEFAULT_PATH)) == NULL) {
        rc = LAKE_ERR_NOMEM;
    }
    char reason[512] = "";
    if (rc == LAKE_OK) {
        lake_path_template *path_template = NULL;
        if (lake_path_template_parse(sink->path, &path_template, reason, sizeof reason) !=
            LAKE_OK) {
            rc = fail(ld, node_line(map, sy_yaml_get(map, "path"), "path"), "%s.path: %s",
                      ld->context, reason);
        } else {
            rc = check_name_lengths(ld, map, path_template, sink);
        }
        lake_path_template_free(path_template);
    }

    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "time_zone", &sink->time_zone);
    }
    if (rc == LAKE_OK && sink->time_zone == NULL && (sink->time_zone = strdup("UTC")) == NULL) {
        rc = LAKE_ERR_NOMEM;
    }
    if (rc == LAKE_OK) {
        lake_tz *tz = NULL;
        if (lake_tz_load(sink->time_zone, &tz, reason, sizeof reason) != LAKE_OK) {
            rc = fail(ld, node_line(map, sy_yaml_get(map, "time_zone"), "time_zone"),
                      "%s.time_zone: %s", ld->context, reason);
        }
        lake_tz_free(tz);
    }
    return rc;
}

static lake_err load_credentials(loader *ld, const sy_yaml_node *store, lake_sink_settings *sink)
{
    const sy_yaml_node *map = sy_yaml_get(store, "credentials");
    char what[200];
    snprintf(what, sizeof what, "%s.store.credentials", ld->context);
    if (map == NULL) {
        /* No default source: silently falling back to one could reach a metadata server. */
        return fail(ld, store->line,
                    "%s is missing: name a source (none, token_env, token_file, "
                    "service_account or metadata)",
                    what);
    }
    lake_err rc = check_keys(ld, map, what, credentials_keys);
    char *source = NULL;
    if (rc == LAKE_OK) {
        rc = get_required_text(ld, map, "source", &source);
    }
    if (rc == LAKE_OK && !lake_gcs_credentials_parse(source, &sink->credentials)) {
        rc = fail(ld, sy_yaml_key_line(map, "source"),
                  "unknown %s.source '%s': use none, token_env, token_file, service_account or "
                  "metadata",
                  what, source);
    }
    free(source);
    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "token_env", &sink->token_env);
    }
    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "token_file", &sink->token_file);
    }
    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "key_file", &sink->key_file);
    }
    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "token_uri", &sink->token_uri);
    }
    if (rc != LAKE_OK) {
        return rc;
    }

    const char *needed = NULL;
    const char *source_name = NULL;
    if (sink->credentials == LAKE_GCS_CREDENTIALS_TOKEN_ENV && sink->token_env == NULL) {
        needed = "token_env";
        source_name = "token_env";
    } else if (sink->credentials == LAKE_GCS_CREDENTIALS_TOKEN_FILE && sink->token_file == NULL) {
        needed = "token_file";
        source_name = "token_file";
    } else if (sink->credentials == LAKE_GCS_CREDENTIALS_SERVICE_ACCOUNT &&
               sink->key_file == NULL) {
        needed = "key_file";
        source_name = "service_account";
    }
    if (needed != NULL) {
        return fail(ld, map->line, "%s.%s is missing: source %s needs it", what, needed,
                    source_name);
    }
    if (sink->credentials == LAKE_GCS_CREDENTIALS_METADATA) {
        return fail(ld, sy_yaml_key_line(map, "source"),
                    "%s.source 'metadata' is not implemented yet: use token_env, token_file or "
                    "service_account",
                    what);
    }
    rc = resolve_path(ld, &sink->token_file);
    if (rc == LAKE_OK) {
        rc = resolve_path(ld, &sink->key_file);
    }
    return rc;
}

static lake_err load_store(loader *ld, const sy_yaml_node *map, lake_sink_settings *sink)
{
    const sy_yaml_node *store = sy_yaml_get(map, "store");
    char what[200];
    snprintf(what, sizeof what, "%s.store", ld->context);
    if (store == NULL) {
        return fail(ld, map->line, "%s is missing", what);
    }
    lake_err rc = check_keys(ld, store, what, store_keys);
    char *kind = NULL;
    if (rc == LAKE_OK) {
        rc = get_required_text(ld, store, "kind", &kind);
    }
    if (rc != LAKE_OK) {
        free(kind);
        return rc;
    }
    bool local = strcmp(kind, "local") == 0;
    bool gcs = strcmp(kind, "gcs") == 0;
    free(kind);
    if (!local && !gcs) {
        return fail(ld, sy_yaml_key_line(store, "kind"), "unknown %s.kind: use local or gcs", what);
    }

    /* Messages about the store's own keys name them as sink.NAME.store.KEY. */
    size_t context_len = strlen(ld->context);
    snprintf(ld->context + context_len, sizeof ld->context - context_len, ".store");
    if (local) {
        sink->store_kind = LAKE_STORE_LOCAL;
        rc = get_required_text(ld, store, "directory", &sink->directory);
        if (rc == LAKE_OK) {
            rc = resolve_path(ld, &sink->directory);
        }
    } else {
        sink->store_kind = LAKE_STORE_GCS;
        sink->timeout_ms = 60000;
        rc = get_required_text(ld, store, "bucket", &sink->bucket);
        if (rc == LAKE_OK) {
            rc = get_text(ld, store, "endpoint", &sink->endpoint);
        }
        if (rc == LAKE_OK) {
            rc = get_int(ld, store, "timeout_seconds", 1, 3600, 1000, &sink->timeout_ms);
        }
        const char *endpoint = getenv("SWITCHYARD_GCS_ENDPOINT");
        if (rc == LAKE_OK && endpoint != NULL && endpoint[0] != '\0') {
            free(sink->endpoint);
            sink->endpoint = strdup(endpoint);
            rc = sink->endpoint == NULL ? LAKE_ERR_NOMEM : LAKE_OK;
        }
        ld->context[context_len] = '\0';
        if (rc == LAKE_OK) {
            rc = load_credentials(ld, store, sink);
        }
    }
    ld->context[context_len] = '\0';
    return rc;
}

static lake_err load_sink(loader *ld, const char *name, unsigned line, const sy_yaml_node *map,
                          lake_sink_settings *sink)
{
    snprintf(ld->context, sizeof ld->context, "sink.%s", name);
    sink->line = line;
    if ((sink->name = strdup(name)) == NULL) {
        return LAKE_ERR_NOMEM;
    }
    if (!pulsar_name_valid(name, strlen(name))) {
        return fail(ld, line,
                    "invalid sink name '%s': use 1 to 64 characters of a-z, 0-9, '-' and '_'",
                    name);
    }
    lake_err rc = check_keys(ld, map, ld->context, sink_keys);
    if (rc == LAKE_OK) {
        rc = get_required_text(ld, map, "environment", &sink->environment);
    }
    if (rc == LAKE_OK && !environment_name_valid(sink->environment)) {
        rc = fail(ld, sy_yaml_key_line(map, "environment"),
                  "invalid %s.environment '%s': use 1 to 48 characters of a-z, 0-9 and '-', "
                  "starting with a letter",
                  ld->context, sink->environment);
    }
    if (rc == LAKE_OK) {
        rc = load_topics(ld, map, sink);
    }
    if (rc == LAKE_OK) {
        rc = get_required_text(ld, map, "subscription", &sink->subscription);
    }
    if (rc == LAKE_OK && !pulsar_name_valid(sink->subscription, strlen(sink->subscription))) {
        rc = fail(ld, sy_yaml_key_line(map, "subscription"),
                  "invalid %s.subscription '%s': use 1 to 64 characters of a-z, 0-9, '-' and '_'",
                  ld->context, sink->subscription);
    }

    char *type = NULL;
    if (rc == LAKE_OK) {
        rc = get_text(ld, map, "subscription_type", &type);
    }
    static const char *const type_names[] = {"failover", "exclusive", "shared", "key_shared"};
    sink->subscription_type = LAKE_SUBSCRIPTION_FAILOVER;
    if (rc == LAKE_OK && type != NULL) {
        bool found = false;
        for (size_t i = 0; i < 4; i++) {
            if (strcmp(type, type_names[i]) == 0) {
                sink->subscription_type = (lake_subscription_type)i;
                found = true;
            }
        }
        if (!found) {
            rc = fail(ld, sy_yaml_key_line(map, "subscription_type"),
                      "unknown %s.subscription_type '%s': use failover, exclusive, shared or "
                      "key_shared",
                      ld->context, type);
        }
    }
    free(type);

    if (rc == LAKE_OK) {
        rc = load_format(ld, map, sink);
    }
    if (rc == LAKE_OK) {
        rc = load_layout(ld, map, sink);
    }
    if (rc == LAKE_OK) {
        rc = load_batching(ld, map, sink);
    }
    if (rc == LAKE_OK) {
        rc = load_store(ld, map, sink);
    }
    return rc;
}

lake_err lake_config_load(const sy_yaml_doc *doc, lake_config **out, char *error, size_t error_size)
{
    loader ld = {doc, error, error_size, "sink"};
    const sy_yaml_node *section = doc->root != NULL ? sy_yaml_get(doc->root, "sink") : NULL;
    if (section == NULL) {
        return fail(&ld, 1, "the sink section is missing: see docs/configuration.md, \"Sink\"");
    }
    if (section->kind != SY_YAML_MAPPING || section->count == 0) {
        return fail(&ld, section->line, "sink must be a mapping of sink names to settings");
    }

    lake_config *config = calloc(1, sizeof *config);
    if (config == NULL || (config->sinks = calloc(section->count, sizeof *config->sinks)) == NULL) {
        free(config);
        return LAKE_ERR_NOMEM;
    }
    lake_err rc = LAKE_OK;
    for (size_t i = 0; i < section->count && rc == LAKE_OK; i++) {
        config->sink_count++;
        rc = load_sink(&ld, section->keys[i], section->key_lines[i], section->items[i],
                       &config->sinks[i]);
    }
    if (rc != LAKE_OK) {
        lake_config_free(config);
        return rc;
    }
    *out = config;
    return LAKE_OK;
}

const lake_sink_settings *lake_config_find(const lake_config *config, const char *name)
{
    for (size_t i = 0; i < config->sink_count; i++) {
        if (strcmp(config->sinks[i].name, name) == 0) {
            return &config->sinks[i];
        }
    }
    return NULL;
}

static void free_sink(lake_sink_settings *sink)
{
    for (size_t i = 0; i < sink->topic_count; i++) {
        free(sink->topics[i]);
    }
    free(sink->topics);
    char *strings[] = {
        sink->name,     sink->environment, sink->namespace_name, sink->subscription,
        sink->format,   sink->path,        sink->time_zone,      sink->directory,
        sink->bucket,   sink->endpoint,    sink->token_env,      sink->token_file,
        sink->key_file, sink->token_uri,
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        free(strings[i]);
    }
}

void lake_config_free(lake_config *config)
{
    if (config == NULL) {
        return;
    }
    for (size_t i = 0; i < config->sink_count; i++) {
        free_sink(&config->sinks[i]);
    }
    free(config->sinks);
    free(config);
}
