/*
 * Checks of the configuration that span sections, run after every
 * requested section is parsed: expansion of developer environments, unique
 * environments and namespaces, listed tenants, and the router's targets
 * (invariants 2 to 5 of common/config.h).
 */
#include <stdio.h>
#include <string.h>

#include "common/config_internal.h"

static bool loaded(const cfg_loader *ld, unsigned section)
{
    return (ld->config->sections & section) != 0;
}

/* Writes the template with {developer} replaced by name into the arena. */
static const char *fill_template(cfg_loader *ld, const char *template, const char *name)
{
    const char *placeholder = strstr(template, "{developer}");
    size_t prefix = (size_t)(placeholder - template);
    const char *suffix = placeholder + strlen("{developer}");
    char *filled = cfg_alloc(ld, prefix + strlen(name) + strlen(suffix) + 1);
    if (filled == NULL) {
        return NULL;
    }
    memcpy(filled, template, prefix);
    strcpy(filled + prefix, name);
    strcat(filled, suffix);
    return filled;
}

static bool expand_developers(cfg_loader *ld)
{
    sy_config *config = ld->config;
    const cfg_template *template = &ld->template;
    if (config->developer_count > 0 && !template->present) {
        return cfg_fail(ld, config->developers[0].line,
                        "developers are listed but developer_environment is missing: add the "
                        "template their environments are made from");
    }

    if (config->environments == NULL) {
        /* Only developers were loaded, without an environments section. */
        config->environments =
            cfg_alloc(ld, (config->developer_count + 1) * sizeof *config->environments);
        if (config->environments == NULL) {
            return false;
        }
    }

    for (size_t i = 0; i < config->developer_count; i++) {
        const sy_config_developer *developer = &config->developers[i];
        sy_config_environment *environment = &config->environments[config->environment_count];

        char name[SY_CONFIG_MAX_ENVIRONMENT_NAME + 1];
        snprintf(name, sizeof name, "dev-%s", developer->name);
        environment->name = cfg_strdup(ld, name);
        environment->namespace_name =
            fill_template(ld, template->namespace_template, developer->name);
        if (environment->name == NULL || environment->namespace_name == NULL) {
            return false;
        }

        const char *slash = strchr(environment->namespace_name, '/');
        char *tenant = cfg_alloc(ld, (size_t)(slash - environment->namespace_name) + 1);
        if (tenant == NULL) {
            return false;
        }
        memcpy(tenant, environment->namespace_name, (size_t)(slash - environment->namespace_name));
        if (!sy_config_valid_pulsar_name(tenant) || !sy_config_valid_pulsar_name(slash + 1)) {
            return cfg_fail(ld, developer->line,
                            "developer '%s' gives namespace '%s', which is not a valid "
                            "namespace: shorten the name or change "
                            "developer_environment.namespace",
                            developer->name, environment->namespace_name);
        }

        environment->tenant = tenant;
        environment->topics = template->topics;
        environment->topic_count = template->topic_count;
        environment->retention = template->retention;
        environment->message_ttl_seconds = template->message_ttl_seconds;
        environment->developer = developer->name;
        environment->developer_role = developer->role;
        environment->line = developer->line;
        config->environment_count++;
    }
    return true;
}

static bool check_unique_environments(cfg_loader *ld)
{
    const sy_config *config = ld->config;
    for (size_t i = 0; i < config->environment_count; i++) {
        const sy_config_environment *environment = &config->environments[i];
        for (size_t j = 0; j < i; j++) {
            const sy_config_environment *earlier = &config->environments[j];
            if (strcmp(earlier->name, environment->name) == 0) {
                return cfg_fail(ld, environment->line,
                                "duplicate environment '%s' (first at line %u): rename or "
                                "remove one of them",
                                environment->name, earlier->line);
            }
            if (strcmp(earlier->namespace_name, environment->namespace_name) == 0) {
                return cfg_fail(ld, environment->line,
                                "environments '%s' and '%s' share namespace '%s': give each "
                                "environment its own namespace",
                                earlier->name, environment->name, environment->namespace_name);
            }
        }
        if (loaded(ld, SY_CONFIG_INGEST) &&
            strcmp(config->ingest.namespace_name, environment->namespace_name) == 0) {
            return cfg_fail(ld, environment->line,
                            "environment '%s' uses the ingest namespace '%s': give it a "
                            "namespace of its own",
                            environment->name, environment->namespace_name);
        }
    }
    return true;
}

static bool tenant_listed(const sy_config *config, const char *tenant)
{
    for (size_t i = 0; i < config->tenant_count; i++) {
        if (strcmp(config->tenants[i].name, tenant) == 0) {
            return true;
        }
    }
    return false;
}

static bool check_tenants_listed(cfg_loader *ld)
{
    const sy_config *config = ld->config;
    if (loaded(ld, SY_CONFIG_INGEST) && !tenant_listed(config, config->ingest.tenant)) {
        return cfg_fail(ld, config->ingest.line,
                        "namespace '%s' of ingest is in tenant '%s', which is not listed under "
                        "tenants: add the tenant there",
                        config->ingest.namespace_name, config->ingest.tenant);
    }
    for (size_t i = 0; i < config->environment_count; i++) {
        const sy_config_environment *environment = &config->environments[i];
        if (!tenant_listed(config, environment->tenant)) {
            return cfg_fail(ld, environment->line,
                            "namespace '%s' of environment '%s' is in tenant '%s', which is not "
                            "listed under tenants: add the tenant there",
                            environment->namespace_name, environment->name, environment->tenant);
        }
    }
    return true;
}

static bool check_router_targets(cfg_loader *ld)
{
    const sy_config *config = ld->config;
    const sy_config_router *router = &config->router;
    const sy_yaml_node *node = ld->router_node;

    if (sy_config_find_environment(config, router->default_environment) == NULL) {
        unsigned line = sy_yaml_key_line(node, "default_environment");
        return cfg_fail(ld, line != 0 ? line : ld->router_line,
                        "router.default_environment '%s' is not a configured environment: "
                        "name one of the environments",
                        router->default_environment);
    }

    const char *unknown = router->unknown_environment;
    if (strcmp(unknown, SY_CONFIG_QUARANTINE) != 0) {
        unsigned line = sy_yaml_key_line(node, "unknown_environment");
        if (strcmp(unknown, router->default_environment) == 0 ||
            strcmp(unknown, SY_CONFIG_PRODUCTION_ENVIRONMENT) == 0) {
            return cfg_fail(ld, line,
                            "router.unknown_environment must not be the production "
                            "environment '%s': write quarantine or a non-production environment",
                            unknown);
        }
        if (sy_config_find_environment(config, unknown) == NULL) {
            return cfg_fail(ld, line,
                            "router.unknown_environment '%s' is not a configured environment: "
                            "write quarantine or the name of an environment",
                            unknown);
        }
    }

    for (size_t i = 0; i < config->environment_count; i++) {
        const sy_config_environment *environment = &config->environments[i];
        if (sy_config_find_topic(environment, router->target_topic) == NULL) {
            return cfg_fail(ld, environment->line,
                            "environment '%s' has no topic '%s', which router.target_topic "
                            "names: add it to its topics",
                            environment->name, router->target_topic);
        }
    }
    return true;
}

static bool check_roles(cfg_loader *ld)
{
    const sy_config *config = ld->config;
    if (config->roles.prod_backend_count > 0 &&
        sy_config_find_environment(config, SY_CONFIG_PRODUCTION_ENVIRONMENT) == NULL) {
        return cfg_fail(ld, 1,
                        "roles.prod_backends is set but there is no environment named '%s': "
                        "add the production environment or remove prod_backends",
                        SY_CONFIG_PRODUCTION_ENVIRONMENT);
    }
    return true;
}

bool cfg_check_cross_sections(cfg_loader *ld)
{
    if (loaded(ld, SY_CONFIG_ENVIRONMENTS)) {
        if (!expand_developers(ld) || !check_unique_environments(ld)) {
            return false;
        }
    }
    if (loaded(ld, SY_CONFIG_TENANTS) && !check_tenants_listed(ld)) {
        return false;
    }
    if (loaded(ld, SY_CONFIG_ROUTER) && loaded(ld, SY_CONFIG_ENVIRONMENTS) &&
        !check_router_targets(ld)) {
        return false;
    }
    if (loaded(ld, SY_CONFIG_ROLES) && loaded(ld, SY_CONFIG_ENVIRONMENTS) && !check_roles(ld)) {
        return false;
    }
    return true;
}
