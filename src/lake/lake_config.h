/*
 * The `sink` section of the configuration file: one or more named lake
 * sinks, loaded from the YAML tree (docs/configuration.md, "Sink", lists
 * every key with its default and limits).
 *
 * Loading checks every value: names, the path template, the time zone (its
 * file is read), sizes and times within their limits, and that each store
 * has the settings its kind needs. An unknown key is an error naming the
 * file, the line and the key. No store is opened and nothing is contacted.
 *
 * Ownership: lake_config_load returns a configuration that the caller frees
 * with lake_config_free; every string in it belongs to it.
 * Thread safety: a loaded configuration is read-only and may be shared.
 */
#ifndef SWITCHYARD_LAKE_CONFIG_H
#define SWITCHYARD_LAKE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/yaml_doc.h"
#include "lake/lake_compress.h"
#include "lake/lake_gcs.h"

/*
 * Messages that the broker may send ahead of a sink, per consumer. It is
 * above the client's 1000, because a sink of many small messages would
 * otherwise wait for each FLOW round trip. A sink holds up to this many
 * messages in memory.
 */
#define LAKE_DEFAULT_RECEIVER_QUEUE 5000

typedef enum {
    LAKE_STORE_LOCAL,
    LAKE_STORE_GCS,
} lake_store_kind;

typedef enum {
    LAKE_SUBSCRIPTION_FAILOVER,
    LAKE_SUBSCRIPTION_EXCLUSIVE,
    LAKE_SUBSCRIPTION_SHARED,
    LAKE_SUBSCRIPTION_KEY_SHARED,
} lake_subscription_type;

typedef struct {
    char *name; /* the key under `sink` */
    unsigned line;
    char *environment; /* fills {env} */
    char **topics;     /* full topic names; NULL when namespace is set */
    size_t topic_count;
    char *namespace_name;     /* "tenant/namespace"; NULL when topics are listed */
    int64_t topic_refresh_ms; /* how often a namespace's topics are listed again; 30000 from
                                 lake_config_load (no YAML key yet), 0 also means 30000 */
    char *subscription;
    lake_subscription_type subscription_type;
    char *format; /* "jsonl" */
    lake_compression compression;
    int compression_level;
    char *path; /* the path template's text */
    char *time_zone;
    int64_t max_records;
    int64_t max_bytes;
    int64_t max_age_ms;
    int64_t max_pending_files;
    int64_t receiver_queue; /* messages the broker may send ahead; 0 also means the default */
    int64_t retry_initial_ms;
    int64_t retry_max_ms;
    lake_store_kind store_kind;
    char *directory; /* local store root */
    char *bucket;    /* gcs */
    char *endpoint;  /* gcs; NULL for the API's own */
    lake_gcs_credentials credentials;
    char *token_env;
    char *token_file;
    char *key_file;
    char *token_uri;
    int64_t timeout_ms; /* gcs request limit */
} lake_sink_settings;

typedef struct {
    lake_sink_settings *sinks;
    size_t sink_count;
} lake_config;

/*
 * Loads the `sink` section of doc. A missing section is an error, because
 * only the sink program calls this. Relative directories, key files and
 * token files are resolved against the directory of doc's file. The
 * environment variable SWITCHYARD_GCS_ENDPOINT, when set and not empty,
 * replaces the endpoint of every gcs store (for emulators in tests).
 * Returns LAKE_ERR_INVALID with "FILE:LINE: what is wrong" in error, or
 * LAKE_ERR_NOMEM.
 */
lake_err lake_config_load(const sy_yaml_doc *doc, lake_config **out, char *error,
                          size_t error_size);

/* Returns the sink called name, or NULL. */
const lake_sink_settings *lake_config_find(const lake_config *config, const char *name);

void lake_config_free(lake_config *config);

#endif
