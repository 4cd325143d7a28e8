/*
 * Loads a configuration from a YAML tree (common/yaml_doc.h) into the
 * structs of common/config.h.
 *
 * One parse function per section fills the struct and stops at the first
 * error, which names the file, the line and the fix. Checks that span
 * sections (tenants listed, developer environments, router targets) run
 * after every requested section is parsed. Strings are copied into an arena
 * owned by the configuration, so the YAML tree is freed before returning.
 */
#include "common/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_internal.h"
#include "common/yaml_doc.h"

/*
 * Every top-level key that any program reads. "sink" belongs to the lake
 * sink, which loads it itself (lake/lake_config.h); this loader only lets it
 * pass. A module that adds a section adds its key here.
 */
static const char *const top_level_keys[] = {
    "pulsar",     "tenants", "ingest", "environments", "developer_environment",
    "developers", "roles",   "router", "sink",         NULL,
};

static const char *const pulsar_keys[] = {
    "service_url", "admin_url", "cluster", "token_env", "token_file", NULL,
};

static const char *const tenant_keys[] = {"name", "admin_roles", "allowed_clusters", NULL};

static const char *const ingest_keys[] = {
    "namespace", "topic", "partitions", "quarantine_topic", "retention", NULL,
};

static const char *const environment_keys[] = {
    "name", "namespace", "topics", "retention", "message_ttl_seconds", NULL,
};

static const char *const template_keys[] = {
    "namespace", "topics", "retention", "message_ttl_seconds", NULL,
};

static const char *const topic_keys[] = {"name", "partitions", NULL};
static const char *const developer_keys[] = {"name", "role", NULL};
static const char *const roles_keys[] = {"router", "audit", "prod_backends", NULL};

static const char *const router_keys[] = {
    "subscription", "default_environment", "target_topic", "unknown_environment",
    "registry",     "metrics_port",        NULL,
};

/* ---- pulsar ---------------------------------------------------------- */

static bool has_prefix(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void apply_url_override(cfg_loader *ld, const char **field, const char *variable)
{
    const char *value = getenv(variable);
    if (value != NULL && value[0] != '\0') {
        *field = cfg_strdup(ld, value);
    }
}

static bool parse_pulsar(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config_pulsar *pulsar = &ld->config->pulsar;
    if (!cfg_check_mapping(ld, node, "pulsar", pulsar_keys)) {
        return false;
    }
    if (!cfg_get_string(ld, node, "service_url", "pulsar", false, &pulsar->service_url) ||
        !cfg_get_string(ld, node, "admin_url", "pulsar", false, &pulsar->admin_url) ||
        !cfg_get_string(ld, node, "cluster", "pulsar", false, &pulsar->cluster) ||
        !cfg_get_string(ld, node, "token_env", "pulsar", false, &pulsar->token_env) ||
        !cfg_get_string(ld, node, "token_file", "pulsar", false, &pulsar->token_file)) {
        return false;
    }

    const char *service_url = pulsar->service_url;
    if (service_url != NULL && !has_prefix(service_url, "pulsar://") &&
        !has_prefix(service_url, "pulsar+ssl://")) {
        return cfg_fail(ld, sy_yaml_key_line(node, "service_url"),
                        "invalid pulsar.service_url '%s': write pulsar://HOST:PORT or "
                        "pulsar+ssl://HOST:PORT",
                        service_url);
    }
    const char *admin_url = pulsar->admin_url;
    if (admin_url != NULL && !has_prefix(admin_url, "http://") &&
        !has_prefix(admin_url, "https://")) {
        return cfg_fail(ld, sy_yaml_key_line(node, "admin_url"),
                        "invalid pulsar.admin_url '%s': write http://HOST:PORT or "
                        "https://HOST:PORT",
                        admin_url);
    }
    if (pulsar->cluster != NULL && !sy_config_valid_pulsar_name(pulsar->cluster)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "cluster"), "invalid pulsar.cluster '%s': %s",
                        pulsar->cluster, CFG_PULSAR_NAME_RULE);
    }
    if (pulsar->token_env != NULL && pulsar->token_file != NULL) {
        return cfg_fail(ld, sy_yaml_key_line(node, "token_file"),
                        "pulsar has both token_env and token_file: keep one of them");
    }
    return true;
}

static void finish_pulsar(cfg_loader *ld)
{
    sy_config_pulsar *pulsar = &ld->config->pulsar;
    if (pulsar->cluster == NULL) {
        pulsar->cluster = "standalone";
    }
    apply_url_override(ld, &pulsar->service_url, "SWITCHYARD_PULSAR_URL");
    apply_url_override(ld, &pulsar->admin_url, "SWITCHYARD_ADMIN_URL");
}

/* ---- tenants --------------------------------------------------------- */

static bool parse_tenant(cfg_loader *ld, const sy_yaml_node *node, const char *context,
                         sy_config_tenant *tenant)
{
    if (!cfg_check_mapping(ld, node, context, tenant_keys) ||
        !cfg_get_string(ld, node, "name", context, true, &tenant->name) ||
        !cfg_get_string_list(ld, node, "admin_roles", context, &tenant->admin_roles,
                             &tenant->admin_role_count) ||
        !cfg_get_string_list(ld, node, "allowed_clusters", context, &tenant->allowed_clusters,
                             &tenant->allowed_cluster_count)) {
        return false;
    }
    tenant->line = node->line;
    if (!sy_config_valid_pulsar_name(tenant->name)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "name"), "invalid tenant name '%s': %s",
                        tenant->name, CFG_PULSAR_NAME_RULE);
    }
    for (size_t i = 0; i < tenant->admin_role_count; i++) {
        if (!sy_config_valid_role_name(tenant->admin_roles[i])) {
            return cfg_fail(ld, sy_yaml_key_line(node, "admin_roles"),
                            "invalid role '%s' in %s.admin_roles: %s", tenant->admin_roles[i],
                            context, CFG_ROLE_RULE);
        }
    }
    for (size_t i = 0; i < tenant->allowed_cluster_count; i++) {
        if (!sy_config_valid_pulsar_name(tenant->allowed_clusters[i])) {
            return cfg_fail(ld, sy_yaml_key_line(node, "allowed_clusters"),
                            "invalid cluster '%s' in %s.allowed_clusters: %s",
                            tenant->allowed_clusters[i], context, CFG_PULSAR_NAME_RULE);
        }
    }
    return true;
}

static bool parse_tenants(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config *config = ld->config;
    if (!cfg_check_sequence(ld, node, "tenants")) {
        return false;
    }
    config->tenants = cfg_alloc(ld, node->count * sizeof *config->tenants);
    if (config->tenants == NULL) {
        return false;
    }
    for (size_t i = 0; i < node->count; i++) {
        char context[48];
        snprintf(context, sizeof context, "tenants[%zu]", i);
        sy_config_tenant *tenant = &config->tenants[i];
        if (!parse_tenant(ld, node->items[i], context, tenant)) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(config->tenants[j].name, tenant->name) == 0) {
                return cfg_fail(ld, tenant->line,
                                "duplicate tenant '%s' (first at line %u): remove one of them",
                                tenant->name, config->tenants[j].line);
            }
        }
        config->tenant_count++;
    }
    return true;
}

static void finish_tenants(cfg_loader *ld)
{
    sy_config *config = ld->config;
    const char *cluster = config->pulsar.cluster != NULL ? config->pulsar.cluster : "standalone";
    for (size_t i = 0; i < config->tenant_count; i++) {
        sy_config_tenant *tenant = &config->tenants[i];
        if (tenant->allowed_cluster_count == 0) {
            tenant->allowed_clusters = cfg_alloc(ld, sizeof *tenant->allowed_clusters);
            if (tenant->allowed_clusters == NULL) {
                return;
            }
            tenant->allowed_clusters[0] = cluster;
            tenant->allowed_cluster_count = 1;
        }
    }
}

/* ---- ingest ---------------------------------------------------------- */

static bool parse_ingest(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config_ingest *ingest = &ld->config->ingest;
    int64_t partitions = 0;
    if (!cfg_check_mapping(ld, node, "ingest", ingest_keys) ||
        !cfg_get_namespace(ld, node, "ingest", &ingest->namespace_name, &ingest->tenant) ||
        !cfg_get_string(ld, node, "topic", "ingest", true, &ingest->topic) ||
        !cfg_get_int(ld, node, "partitions", "ingest", 0, SY_CONFIG_MAX_PARTITIONS, &partitions) ||
        !cfg_get_string(ld, node, "quarantine_topic", "ingest", false, &ingest->quarantine_topic) ||
        !cfg_get_retention(ld, node, "ingest", &ingest->retention)) {
        return false;
    }
    ingest->partitions = (int)partitions;
    ingest->line = node->line;
    if (ingest->quarantine_topic == NULL) {
        ingest->quarantine_topic = "quarantine";
    }
    if (!sy_config_valid_pulsar_name(ingest->topic)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "topic"), "invalid topic name '%s': %s",
                        ingest->topic, CFG_PULSAR_NAME_RULE);
    }
    unsigned quarantine_line = sy_yaml_key_line(node, "quarantine_topic");
    if (!sy_config_valid_pulsar_name(ingest->quarantine_topic)) {
        return cfg_fail(ld, quarantine_line, "invalid topic name '%s': %s",
                        ingest->quarantine_topic, CFG_PULSAR_NAME_RULE);
    }
    if (strcmp(ingest->topic, ingest->quarantine_topic) == 0) {
        return cfg_fail(ld, quarantine_line,
                        "ingest.quarantine_topic is the input topic '%s': name another topic",
                        ingest->topic);
    }
    return true;
}

/* ---- environments ---------------------------------------------------- */

static bool parse_topics(cfg_loader *ld, const sy_yaml_node *owner, const char *context,
                         sy_config_topic **topics, size_t *count)
{
    const sy_yaml_node *node = sy_yaml_get(owner, "topics");
    if (node == NULL) {
        return cfg_fail(ld, owner->line, "missing key 'topics' in %s: list its topics", context);
    }
    char list_context[160];
    snprintf(list_context, sizeof list_context, "%s.topics", context);
    if (!cfg_check_sequence(ld, node, list_context)) {
        return false;
    }
    *topics = cfg_alloc(ld, node->count * sizeof **topics);
    if (*topics == NULL) {
        return false;
    }
    *count = 0;
    for (size_t i = 0; i < node->count; i++) {
        char item_context[192];
        snprintf(item_context, sizeof item_context, "%s[%zu]", list_context, i);
        const sy_yaml_node *item = node->items[i];
        sy_config_topic *topic = &(*topics)[i];
        int64_t partitions = 0;
        if (!cfg_check_mapping(ld, item, item_context, topic_keys) ||
            !cfg_get_string(ld, item, "name", item_context, true, &topic->name) ||
            !cfg_get_int(ld, item, "partitions", item_context, 0, SY_CONFIG_MAX_PARTITIONS,
                         &partitions)) {
            return false;
        }
        topic->partitions = (int)partitions;
        topic->line = item->line;
        if (!sy_config_valid_pulsar_name(topic->name)) {
            return cfg_fail(ld, item->line, "invalid topic name '%s': %s", topic->name,
                            CFG_PULSAR_NAME_RULE);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp((*topics)[j].name, topic->name) == 0) {
                return cfg_fail(ld, item->line,
                                "duplicate topic '%s' in %s (first at line %u): remove one of "
                                "them",
                                topic->name, context, (*topics)[j].line);
            }
        }
        (*count)++;
    }
    return true;
}

static bool parse_ttl(cfg_loader *ld, const sy_yaml_node *node, const char *context,
                      int64_t *seconds)
{
    /* Ten years: any larger TTL is a typo, and Pulsar stores it as a 32-bit int. */
    return cfg_get_int(ld, node, "message_ttl_seconds", context, 0, 315360000, seconds);
}

static bool parse_environment(cfg_loader *ld, const sy_yaml_node *node, const char *context,
                              sy_config_environment *environment)
{
    if (!cfg_check_mapping(ld, node, context, environment_keys) ||
        !cfg_get_string(ld, node, "name", context, true, &environment->name)) {
        return false;
    }
    environment->line = node->line;
    unsigned name_line = sy_yaml_key_line(node, "name");
    if (!sy_config_valid_environment_name(environment->name)) {
        return cfg_fail(ld, name_line, "invalid environment name '%s': %s", environment->name,
                        CFG_ENVIRONMENT_NAME_RULE);
    }
    if (has_prefix(environment->name, "dev-")) {
        return cfg_fail(ld, name_line,
                        "environment name '%s' starts with 'dev-', which is reserved for "
                        "developer environments: list the developer under developers instead",
                        environment->name);
    }
    if (strcmp(environment->name, SY_CONFIG_QUARANTINE) == 0) {
        return cfg_fail(ld, name_line,
                        "environment name 'quarantine' is reserved for router."
                        "unknown_environment: choose another name");
    }
    return cfg_get_namespace(ld, node, context, &environment->namespace_name,
                             &environment->tenant) &&
           parse_topics(ld, node, context, &environment->topics, &environment->topic_count) &&
           cfg_get_retention(ld, node, context, &environment->retention) &&
           parse_ttl(ld, node, context, &environment->message_ttl_seconds);
}

static bool parse_environments(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config *config = ld->config;
    if (!cfg_check_sequence(ld, node, "environments")) {
        return false;
    }
    /* Room for the developer environments that cfg_check_cross_sections appends. */
    config->environments =
        cfg_alloc(ld, (node->count + ld->developer_capacity) * sizeof *config->environments);
    if (config->environments == NULL) {
        return false;
    }
    for (size_t i = 0; i < node->count; i++) {
        char context[48];
        snprintf(context, sizeof context, "environments[%zu]", i);
        sy_config_environment *environment = &config->environments[i];
        if (!parse_environment(ld, node->items[i], context, environment)) {
            return false;
        }
        config->environment_count++;
    }
    return true;
}

static bool parse_developer_template(cfg_loader *ld, const sy_yaml_node *node)
{
    cfg_template *template = &ld->template;
    const char *context = "developer_environment";
    if (!cfg_check_mapping(ld, node, context, template_keys) ||
        !cfg_get_string(ld, node, "namespace", context, true, &template->namespace_template) ||
        !parse_topics(ld, node, context, &template->topics, &template->topic_count) ||
        !cfg_get_retention(ld, node, context, &template->retention) ||
        !parse_ttl(ld, node, context, &template->message_ttl_seconds)) {
        return false;
    }
    template->present = true;
    template->line = node->line;
    template->namespace_line = sy_yaml_key_line(node, "namespace");

    const char *placeholder = strstr(template->namespace_template, "{developer}");
    const char *slash = strchr(template->namespace_template, '/');
    if (placeholder == NULL || slash == NULL || placeholder < slash ||
        strstr(placeholder + 1, "{developer}") != NULL) {
        return cfg_fail(ld, template->namespace_line,
                        "invalid developer_environment.namespace '%s': write TENANT/NAME with "
                        "{developer} once in NAME, for example iot-system/dev-{developer}",
                        template->namespace_template);
    }
    return true;
}

static bool parse_developers(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config *config = ld->config;
    if (!cfg_check_sequence(ld, node, "developers")) {
        return false;
    }
    config->developers = cfg_alloc(ld, node->count * sizeof *config->developers);
    if (config->developers == NULL) {
        return false;
    }
    for (size_t i = 0; i < node->count; i++) {
        char context[48];
        snprintf(context, sizeof context, "developers[%zu]", i);
        const sy_yaml_node *item = node->items[i];
        sy_config_developer *developer = &config->developers[i];
        if (!cfg_check_mapping(ld, item, context, developer_keys) ||
            !cfg_get_string(ld, item, "name", context, true, &developer->name) ||
            !cfg_get_string(ld, item, "role", context, true, &developer->role)) {
            return false;
        }
        developer->line = item->line;
        if (!sy_config_valid_developer_name(developer->name)) {
            return cfg_fail(ld, item->line, "invalid developer name '%s': %s", developer->name,
                            CFG_DEVELOPER_NAME_RULE);
        }
        if (!sy_config_valid_role_name(developer->role)) {
            return cfg_fail(ld, item->line, "invalid role '%s' of developer '%s': %s",
                            developer->role, developer->name, CFG_ROLE_RULE);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(config->developers[j].name, developer->name) == 0) {
                return cfg_fail(ld, item->line,
                                "duplicate developer '%s' (first at line %u): remove one of them",
                                developer->name, config->developers[j].line);
            }
        }
        config->developer_count++;
    }
    return true;
}

/* ---- roles and router ------------------------------------------------ */

static bool parse_roles(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config_roles *roles = &ld->config->roles;
    if (!cfg_check_mapping(ld, node, "roles", roles_keys) ||
        !cfg_get_string(ld, node, "router", "roles", false, &roles->router) ||
        !cfg_get_string(ld, node, "audit", "roles", false, &roles->audit) ||
        !cfg_get_string_list(ld, node, "prod_backends", "roles", &roles->prod_backends,
                             &roles->prod_backend_count)) {
        return false;
    }
    if (roles->router != NULL && !sy_config_valid_role_name(roles->router)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "router"), "invalid role '%s': %s",
                        roles->router, CFG_ROLE_RULE);
    }
    if (roles->audit != NULL && !sy_config_valid_role_name(roles->audit)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "audit"), "invalid role '%s': %s", roles->audit,
                        CFG_ROLE_RULE);
    }
    for (size_t i = 0; i < roles->prod_backend_count; i++) {
        if (!sy_config_valid_role_name(roles->prod_backends[i])) {
            return cfg_fail(ld, sy_yaml_key_line(node, "prod_backends"),
                            "invalid role '%s' in roles.prod_backends: %s", roles->prod_backends[i],
                            CFG_ROLE_RULE);
        }
    }
    return true;
}

static bool parse_router(cfg_loader *ld, const sy_yaml_node *node)
{
    sy_config_router *router = &ld->config->router;
    int64_t port = 0;
    if (!cfg_check_mapping(ld, node, "router", router_keys) ||
        !cfg_get_string(ld, node, "subscription", "router", false, &router->subscription) ||
        !cfg_get_string(ld, node, "default_environment", "router", false,
                        &router->default_environment) ||
        !cfg_get_string(ld, node, "target_topic", "router", false, &router->target_topic) ||
        !cfg_get_string(ld, node, "unknown_environment", "router", false,
                        &router->unknown_environment) ||
        !cfg_get_string(ld, node, "registry", "router", false, &router->registry) ||
        !cfg_get_int(ld, node, "metrics_port", "router", 0, 65535, &port)) {
        return false;
    }
    router->metrics_port = (int)port;
    ld->router_line = node->line;
    ld->router_node = node;

    if (router->subscription == NULL) {
        router->subscription = "switchyard-router";
    }
    if (router->default_environment == NULL) {
        router->default_environment = SY_CONFIG_PRODUCTION_ENVIRONMENT;
    }
    if (router->target_topic == NULL) {
        router->target_topic = "commands";
    }
    if (router->unknown_environment == NULL) {
        router->unknown_environment = SY_CONFIG_QUARANTINE;
    }
    if (!sy_config_valid_pulsar_name(router->subscription)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "subscription"),
                        "invalid router.subscription '%s': %s", router->subscription,
                        CFG_PULSAR_NAME_RULE);
    }
    if (!sy_config_valid_pulsar_name(router->target_topic)) {
        return cfg_fail(ld, sy_yaml_key_line(node, "target_topic"),
                        "invalid router.target_topic '%s': %s", router->target_topic,
                        CFG_PULSAR_NAME_RULE);
    }
    if (router->registry != NULL) {
        router->registry = cfg_resolve_path(ld, router->registry);
    }
    return true;
}

/* ---- the whole file -------------------------------------------------- */

typedef bool (*section_parser)(cfg_loader *ld, const sy_yaml_node *node);

typedef struct {
    const char *key;
    unsigned flag;
    bool required_with_flag; /* false: optional even when its flag is requested */
    section_parser parse;
} section_entry;

/* In dependency order: developers before environments, which reserve room for them. */
static const section_entry sections[] = {
    {"pulsar", SY_CONFIG_PULSAR, true, parse_pulsar},
    {"tenants", SY_CONFIG_TENANTS, true, parse_tenants},
    {"ingest", SY_CONFIG_INGEST, true, parse_ingest},
    {"developer_environment", SY_CONFIG_ENVIRONMENTS, false, parse_developer_template},
    {"developers", SY_CONFIG_ENVIRONMENTS, false, parse_developers},
    {"environments", SY_CONFIG_ENVIRONMENTS, true, parse_environments},
    {"roles", SY_CONFIG_ROLES, true, parse_roles},
    {"router", SY_CONFIG_ROUTER, true, parse_router},
};

static bool parse_sections(cfg_loader *ld, const sy_yaml_node *root, unsigned flags)
{
    const char *unknown = sy_yaml_unknown_key(root, top_level_keys);
    if (unknown != NULL) {
        return cfg_fail(ld, sy_yaml_key_line(root, unknown),
                        "unknown section '%s': use pulsar, tenants, ingest, environments, "
                        "developer_environment, developers, roles, router or sink",
                        unknown);
    }

    const sy_yaml_node *developers = sy_yaml_get(root, "developers");
    if (developers != NULL && developers->kind == SY_YAML_SEQUENCE) {
        ld->developer_capacity = developers->count;
    }

    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        const section_entry *section = &sections[i];
        const sy_yaml_node *node = sy_yaml_get(root, section->key);
        bool requested = (flags & section->flag) != 0;
        if (node == NULL) {
            if (requested && section->required_with_flag) {
                return cfg_fail(ld, 1,
                                "missing section '%s': add it (see "
                                "docs/configuration.md)",
                                section->key);
            }
            continue;
        }
        if (!requested && (flags & SY_CONFIG_VALIDATE_ALL) == 0) {
            continue;
        }
        if (!section->parse(ld, node)) {
            return false;
        }
        ld->config->sections |= section->flag;
    }
    return true;
}

static sy_config *load_document(const sy_yaml_doc *doc, const char *name, unsigned flags,
                                char *error, size_t error_size)
{
    cfg_loader ld = {.name = name, .error = error, .error_size = error_size};
    ld.blocks = NULL;
    ld.config = calloc(1, sizeof *ld.config);
    if (ld.config == NULL) {
        snprintf(error, error_size, "%s: out of memory", name);
        return NULL;
    }
    ld.config->path = cfg_strdup(&ld, name);

    bool ok;
    if (doc->root == NULL) {
        ok = cfg_fail(&ld, 1, "the file is empty: write the sections of docs/configuration.md");
    } else if (doc->root->kind != SY_YAML_MAPPING) {
        ok = cfg_fail(&ld, doc->root->line,
                      "the file must be a mapping of sections (pulsar:, tenants:, ...)");
    } else {
        ok = parse_sections(&ld, doc->root, flags);
    }

    if (ok && (ld.config->sections & SY_CONFIG_PULSAR) != 0) {
        finish_pulsar(&ld);
    }
    if (ok && (ld.config->sections & SY_CONFIG_TENANTS) != 0) {
        finish_tenants(&ld);
    }
    ok = ok && cfg_check_cross_sections(&ld) && !ld.out_of_memory;
    if (!ok) {
        if (ld.out_of_memory) {
            snprintf(error, error_size, "%s: out of memory", name);
        }
        ld.config->arena = ld.blocks;
        sy_config_free(ld.config);
        return NULL;
    }
    ld.config->arena = ld.blocks;
    return ld.config;
}

sy_config *sy_config_load_string(const char *text, size_t len, const char *name, unsigned flags,
                                 char *error, size_t error_size)
{
    sy_yaml_doc *doc = sy_yaml_load_string(text, len, name, error, error_size);
    if (doc == NULL) {
        return NULL;
    }
    sy_config *config = load_document(doc, name, flags, error, error_size);
    sy_yaml_free(doc);
    return config;
}

sy_config *sy_config_load(const char *path, unsigned flags, char *error, size_t error_size)
{
    sy_yaml_doc *doc = sy_yaml_load(path, error, error_size);
    if (doc == NULL) {
        return NULL;
    }
    sy_config *config = load_document(doc, path, flags, error, error_size);
    sy_yaml_free(doc);
    return config;
}

void sy_config_free(sy_config *config)
{
    if (config == NULL) {
        return;
    }
    cfg_free_blocks(config->arena);
    free(config);
}

const sy_config_environment *sy_config_find_environment(const sy_config *config, const char *name)
{
    for (size_t i = 0; i < config->environment_count; i++) {
        if (strcmp(config->environments[i].name, name) == 0) {
            return &config->environments[i];
        }
    }
    return NULL;
}

const sy_config_topic *sy_config_find_topic(const sy_config_environment *environment,
                                            const char *name)
{
    for (size_t i = 0; i < environment->topic_count; i++) {
        if (strcmp(environment->topics[i].name, name) == 0) {
            return &environment->topics[i];
        }
    }
    return NULL;
}
