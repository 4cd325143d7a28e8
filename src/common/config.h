/*
 * The Switchyard configuration model: the YAML file of docs/configuration.md
 * loaded into plain structs and validated.
 *
 * Every program calls sy_config_load with the sections it uses. Those
 * sections must be present and are fully validated; any other section is
 * skipped unless SY_CONFIG_VALIDATE_ALL asks for it to be validated too.
 * The `sink` section is always skipped, because the lake sink loads it
 * (lake/lake_config.h). An unknown top-level key is an error in every case,
 * because it is most likely a misspelt section name.
 *
 * After loading, these invariants hold (numbered for the code that relies
 * on them):
 *   1. Every name (tenant, namespace part, topic, environment, developer,
 *      role) matches the rules of docs/configuration.md, so it is safe to
 *      put into a topic name, a URL path or an object path as it is.
 *   2. Environment names are unique, namespaces of environments are unique
 *      and differ from the ingest namespace, topic names are unique within
 *      an environment, developer names are unique.
 *   3. Developer environments are expanded: environment "dev-<developer>"
 *      follows the explicit environments in the list, in the order of
 *      `developers`, with its namespace made from the template and its
 *      `developer` field set. Explicit environments never start with "dev-".
 *   4. When the tenants section is loaded, the tenant of every namespace
 *      (ingest and environments) is listed under `tenants`.
 *   5. When the router section is loaded with the environments section,
 *      default_environment and unknown_environment (unless "quarantine")
 *      name loaded environments, unknown_environment is neither the default
 *      environment nor the production environment, and every environment
 *      has the topic named by target_topic.
 *
 * Ownership: sy_config_load returns a configuration that the caller frees
 * with sy_config_free; every string and array in it belongs to it.
 * Thread safety: a loaded configuration is read-only and may be shared.
 */
#ifndef SWITCHYARD_COMMON_CONFIG_H
#define SWITCHYARD_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sections that sy_config_load reads (bit flags, combined with |). */
enum {
    SY_CONFIG_PULSAR = 1u << 0,
    SY_CONFIG_TENANTS = 1u << 1,
    SY_CONFIG_INGEST = 1u << 2,
    /* environments, and developer_environment with developers when present */
    SY_CONFIG_ENVIRONMENTS = 1u << 3,
    SY_CONFIG_ROLES = 1u << 4,
    SY_CONFIG_ROUTER = 1u << 5,
    /* Also validate, and load, every other section that the file has. */
    SY_CONFIG_VALIDATE_ALL = 1u << 8,
};

/* The name of the production environment: what roles.prod_backends may use. */
#define SY_CONFIG_PRODUCTION_ENVIRONMENT "prod"

/* unknown_environment value that sends messages of unknown environments to quarantine. */
#define SY_CONFIG_QUARANTINE "quarantine"

/* Limits on names (docs/configuration.md, "Names"). */
#define SY_CONFIG_MAX_PULSAR_NAME      64
#define SY_CONFIG_MAX_ENVIRONMENT_NAME 48
#define SY_CONFIG_MAX_DEVELOPER_NAME   40
#define SY_CONFIG_MAX_ROLE_NAME        128
/* Upper bound on partitions of one topic; Pulsar itself sets none by default. */
#define SY_CONFIG_MAX_PARTITIONS 10000

/* A namespace's retention policy; -1 in a field means unlimited, 0 means none. */
typedef struct {
    bool set; /* false when the configuration gives no retention */
    int64_t minutes;
    int64_t size_mb;
} sy_config_retention;

typedef struct {
    const char *name; /* local topic name, for example "commands" */
    int partitions;   /* 0 = non-partitioned, else 1..SY_CONFIG_MAX_PARTITIONS */
    unsigned line;
} sy_config_topic;

typedef struct {
    const char *service_url; /* pulsar://... or pulsar+ssl://...; NULL when neither file nor
                                SWITCHYARD_PULSAR_URL gives one */
    const char *admin_url;   /* http://... or https://...; NULL when neither file nor
                                SWITCHYARD_ADMIN_URL gives one */
    const char *cluster;     /* default "standalone" */
    const char *token_env;   /* variable that contains this program's token, or NULL */
    const char *token_file;  /* file that contains this program's token, or NULL */
} sy_config_pulsar;

typedef struct {
    const char *name;
    const char **admin_roles;
    size_t admin_role_count;
    const char **allowed_clusters; /* default: the one pulsar.cluster */
    size_t allowed_cluster_count;
    unsigned line;
} sy_config_tenant;

typedef struct {
    const char *namespace_name;   /* "tenant/namespace" */
    const char *tenant;           /* the part before '/' */
    const char *topic;            /* local name of the input topic */
    int partitions;               /* of the input topic; 0 = non-partitioned */
    const char *quarantine_topic; /* local name, default "quarantine"; non-partitioned */
    sy_config_retention retention;
    unsigned line;
} sy_config_ingest;

typedef struct {
    const char *name;           /* "prod", "test", "dev-alice", ... */
    const char *namespace_name; /* "tenant/namespace" */
    const char *tenant;         /* the part before '/' */
    sy_config_topic *topics;
    size_t topic_count;
    sy_config_retention retention;
    int64_t message_ttl_seconds; /* 0 = not set */
    const char *developer;       /* developer name for a developer environment, else NULL */
    const char *developer_role;  /* that developer's role, else NULL */
    unsigned line;               /* of the entry, or of the developer for a developer one */
} sy_config_environment;

typedef struct {
    const char *name;
    const char *role;
    unsigned line;
} sy_config_developer;

typedef struct {
    const char *router; /* NULL when not configured */
    const char *audit;  /* NULL when not configured */
    const char **prod_backends;
    size_t prod_backend_count;
} sy_config_roles;

typedef struct {
    const char *subscription;        /* default "switchyard-router" */
    const char *default_environment; /* default SY_CONFIG_PRODUCTION_ENVIRONMENT */
    const char *target_topic;        /* default "commands" */
    const char *unknown_environment; /* SY_CONFIG_QUARANTINE (default) or an environment name */
    const char *registry;            /* resolved against the configuration's directory, or NULL */
    int metrics_port;                /* 0 = no metrics endpoint (default) */
} sy_config_router;

typedef struct {
    const char *path;  /* the file it was loaded from, for messages */
    unsigned sections; /* SY_CONFIG_* bits of the sections loaded */
    sy_config_pulsar pulsar;
    sy_config_tenant *tenants;
    size_t tenant_count;
    sy_config_ingest ingest;
    sy_config_environment *environments; /* explicit ones first, then one per developer */
    size_t environment_count;
    sy_config_developer *developers;
    size_t developer_count;
    sy_config_roles roles;
    sy_config_router router;
    void *arena; /* owns every string and array above */
} sy_config;

/*
 * Loads and validates the configuration file path, reading the sections in
 * flags (see the enum above). SWITCHYARD_PULSAR_URL and SWITCHYARD_ADMIN_URL,
 * when set and not empty, replace pulsar.service_url and pulsar.admin_url.
 * Returns NULL on failure and writes one message into error:
 * "FILE:LINE: what is wrong: what to change", or "FILE: reason" when the
 * file cannot be read.
 */
sy_config *sy_config_load(const char *path, unsigned flags, char *error, size_t error_size);

/* As sy_config_load, from text in memory; name stands in for the file name. */
sy_config *sy_config_load_string(const char *text, size_t len, const char *name, unsigned flags,
                                 char *error, size_t error_size);

/* Releases a configuration. NULL is allowed. */
void sy_config_free(sy_config *config);

/* Returns the environment called name, or NULL. */
const sy_config_environment *sy_config_find_environment(const sy_config *config, const char *name);

/* Returns the topic called name of environment, or NULL. */
const sy_config_topic *sy_config_find_topic(const sy_config_environment *environment,
                                            const char *name);

/*
 * Reads the token for the cluster into a new string (*token, which the
 * caller frees) or sets *token to NULL when no token is configured.
 * override_env, when not NULL and set to a non-empty value, wins; then
 * pulsar.token_env, then pulsar.token_file. Surrounding white space of the
 * token is dropped. Returns 0, or -1 with a message in error when a named
 * variable is unset or empty, or a named file cannot be read or is empty.
 */
int sy_config_read_token(const sy_config *config, const char *override_env, char **token,
                         char *error, size_t error_size);

/* Name checks of docs/configuration.md, exposed for the router and the CLI. */
bool sy_config_valid_pulsar_name(const char *name); /* tenant, namespace part, topic */
bool sy_config_valid_environment_name(const char *name);
bool sy_config_valid_developer_name(const char *name);
bool sy_config_valid_role_name(const char *name); /* [A-Za-z0-9._@-], 1..128 */

#endif
