/*
 * The provisioning plan: a pure function from (configuration, cluster state)
 * to the list of actions that makes the cluster match the configuration.
 *
 * Invariants the plan keeps:
 *   1. Idempotence: for a state that already matches, the plan is empty.
 *      Every comparison below is between the wanted value and the state.
 *   2. Additive by default: grants and tenant role lists are only widened
 *      (the union of what exists and what is wanted), so a grant made by
 *      hand survives. Only ADMIN_PLAN_DELETE_UNLISTED narrows, revokes or
 *      deletes, and then only inside the configured tenants.
 *   3. Order: tenants come first. Each namespace then gets its creation,
 *      policies, topics, grants and removals, in that order. Namespaces that
 *      the configuration does not list come last, each after its topics.
 */
#include "admin/provision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/provision_internal.h"

/* ---- wanted state ------------------------------------------------------ */

typedef struct {
    const char *topic; /* NULL for a namespace grant */
    const char *role;
    unsigned permissions;
} wanted_grant;

typedef struct {
    const char *name;
    int partitions;
} wanted_topic;

typedef struct {
    const char *name;
    sy_config_retention retention;
    int64_t message_ttl_seconds;
    wanted_topic topics[2]; /* ingest only: the input and the quarantine topic */
    const sy_config_topic *config_topics;
    size_t config_topic_count;
    wanted_grant *grants;
    size_t grant_count;
    size_t grant_capacity;
} wanted_namespace;

static bool want_grant(wanted_namespace *ns, const char *topic, const char *role,
                       unsigned permissions)
{
    if (role == NULL) {
        return true;
    }
    for (size_t i = 0; i < ns->grant_count; i++) {
        wanted_grant *grant = &ns->grants[i];
        bool same_topic =
            (grant->topic == NULL && topic == NULL) ||
            (grant->topic != NULL && topic != NULL && strcmp(grant->topic, topic) == 0);
        if (same_topic && strcmp(grant->role, role) == 0) {
            grant->permissions |= permissions;
            return true;
        }
    }
    if (ns->grant_count == ns->grant_capacity) {
        size_t capacity = ns->grant_capacity ? ns->grant_capacity * 2 : 8;
        wanted_grant *grown = realloc(ns->grants, capacity * sizeof *grown);
        if (grown == NULL) {
            return false;
        }
        ns->grants = grown;
        ns->grant_capacity = capacity;
    }
    ns->grants[ns->grant_count++] = (wanted_grant){topic, role, permissions};
    return true;
}

static size_t wanted_topic_count(const wanted_namespace *ns)
{
    return ns->config_topics != NULL ? ns->config_topic_count : 2;
}

static wanted_topic wanted_topic_at(const wanted_namespace *ns, size_t index)
{
    if (ns->config_topics != NULL) {
        return (wanted_topic){ns->config_topics[index].name, ns->config_topics[index].partitions};
    }
    return ns->topics[index];
}

/* Fills wanted[0] with the ingest namespace and wanted[1..] with the environments. */
static bool build_wanted(const sy_config *config, wanted_namespace *wanted)
{
    const sy_config_roles *roles = &config->roles;
    wanted_namespace *ingest = &wanted[0];
    ingest->name = config->ingest.namespace_name;
    ingest->retention = config->ingest.retention;
    ingest->topics[0] = (wanted_topic){config->ingest.topic, config->ingest.partitions};
    ingest->topics[1] = (wanted_topic){config->ingest.quarantine_topic, 0};
    if (!want_grant(ingest, NULL, roles->router, ADMIN_PERMISSION_CONSUME) ||
        !want_grant(ingest, NULL, roles->audit, ADMIN_PERMISSION_CONSUME) ||
        !want_grant(ingest, config->ingest.quarantine_topic, roles->router,
                    ADMIN_PERMISSION_PRODUCE)) {
        return false;
    }

    const unsigned both = ADMIN_PERMISSION_PRODUCE | ADMIN_PERMISSION_CONSUME;
    for (size_t i = 0; i < config->environment_count; i++) {
        const sy_config_environment *environment = &config->environments[i];
        wanted_namespace *ns = &wanted[i + 1];
        ns->name = environment->namespace_name;
        ns->retention = environment->retention;
        ns->message_ttl_seconds = environment->message_ttl_seconds;
        ns->config_topics = environment->topics;
        ns->config_topic_count = environment->topic_count;
        if (!want_grant(ns, NULL, roles->router, ADMIN_PERMISSION_PRODUCE)) {
            return false;
        }
        if (strcmp(environment->name, SY_CONFIG_PRODUCTION_ENVIRONMENT) == 0) {
            for (size_t j = 0; j < roles->prod_backend_count; j++) {
                if (!want_grant(ns, NULL, roles->prod_backends[j], both)) {
                    return false;
                }
            }
        }
        if (environment->developer_role != NULL &&
            !want_grant(ns, NULL, environment->developer_role, both)) {
            return false;
        }
    }
    return true;
}

/* ---- lookups in the state ---------------------------------------------- */

static const admin_tenant_state *find_tenant(const admin_cluster_state *state, const char *name)
{
    for (size_t i = 0; i < state->tenant_count; i++) {
        if (strcmp(state->tenants[i].name, name) == 0) {
            return &state->tenants[i];
        }
    }
    return NULL;
}

static const admin_namespace_state *find_namespace(const admin_cluster_state *state,
                                                   const char *name)
{
    for (size_t i = 0; i < state->namespace_count; i++) {
        if (strcmp(state->namespaces[i].name, name) == 0) {
            return &state->namespaces[i];
        }
    }
    return NULL;
}

static const admin_topic_state *find_topic(const admin_namespace_state *ns, const char *name)
{
    for (size_t i = 0; ns != NULL && i < ns->topic_count; i++) {
        if (strcmp(ns->topics[i].name, name) == 0) {
            return &ns->topics[i];
        }
    }
    return NULL;
}

static unsigned granted(const admin_namespace_state *ns, const char *topic, const char *role)
{
    for (size_t i = 0; ns != NULL && i < ns->grant_count; i++) {
        const admin_grant *grant = &ns->grants[i];
        bool same_topic =
            (grant->topic == NULL && topic == NULL) ||
            (grant->topic != NULL && topic != NULL && strcmp(grant->topic, topic) == 0);
        if (same_topic && strcmp(grant->role, role) == 0) {
            return grant->permissions;
        }
    }
    return 0;
}

static bool grant_wanted(const wanted_namespace *ns, const admin_grant *grant)
{
    for (size_t i = 0; i < ns->grant_count; i++) {
        const wanted_grant *wanted = &ns->grants[i];
        bool same_topic = (wanted->topic == NULL && grant->topic == NULL) ||
                          (wanted->topic != NULL && grant->topic != NULL &&
                           strcmp(wanted->topic, grant->topic) == 0);
        if (same_topic && strcmp(wanted->role, grant->role) == 0) {
            return true;
        }
    }
    return false;
}

static bool topic_wanted(const wanted_namespace *ns, const char *name)
{
    for (size_t i = 0; i < wanted_topic_count(ns); i++) {
        if (strcmp(wanted_topic_at(ns, i).name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- plan steps -------------------------------------------------------- */

static bool contains(char *const *strings, size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(strings[i], text) == 0) {
            return true;
        }
    }
    return false;
}

/* Returns how many of wanted are missing from have. */
static size_t count_missing(const char *const *wanted, size_t wanted_count, char *const *have,
                            size_t have_count)
{
    size_t missing = 0;
    for (size_t i = 0; i < wanted_count; i++) {
        missing += !contains(have, have_count, wanted[i]);
    }
    return missing;
}

static bool plan_tenants(plan_builder *builder, const sy_config *config,
                         const admin_cluster_state *state, bool exact)
{
    for (size_t i = 0; i < config->tenant_count; i++) {
        const sy_config_tenant *tenant = &config->tenants[i];
        const admin_tenant_state *have = find_tenant(state, tenant->name);
        if (have == NULL) {
            if (!plan_add_tenant(builder, ADMIN_CREATE_TENANT, tenant, NULL)) {
                return false;
            }
            continue;
        }
        size_t missing_roles = count_missing(tenant->admin_roles, tenant->admin_role_count,
                                             have->admin_roles, have->admin_role_count);
        size_t missing_clusters =
            count_missing(tenant->allowed_clusters, tenant->allowed_cluster_count,
                          have->allowed_clusters, have->allowed_cluster_count);
        bool extra = have->admin_role_count + missing_roles > tenant->admin_role_count ||
                     have->allowed_cluster_count + missing_clusters > tenant->allowed_cluster_count;
        if (missing_roles + missing_clusters > 0 || (exact && extra)) {
            if (!plan_add_tenant(builder, ADMIN_UPDATE_TENANT, tenant, exact ? NULL : have)) {
                return false;
            }
        }
    }
    return true;
}

static bool plan_policies(plan_builder *builder, const wanted_namespace *ns,
                          const admin_namespace_state *have)
{
    const sy_config_retention *retention = &ns->retention;
    if (retention->set &&
        (have == NULL || !have->has_retention || have->retention_minutes != retention->minutes ||
         have->retention_size_mb != retention->size_mb)) {
        admin_action *action = plan_add(builder, ADMIN_SET_RETENTION, ns->name);
        if (action == NULL) {
            return false;
        }
        action->first = retention->minutes;
        action->second = retention->size_mb;
    }
    if ((have == NULL || !have->deduplication) &&
        plan_add(builder, ADMIN_ENABLE_DEDUPLICATION, ns->name) == NULL) {
        return false;
    }
    if (ns->message_ttl_seconds > 0 &&
        (have == NULL || have->message_ttl_seconds != ns->message_ttl_seconds)) {
        admin_action *action = plan_add(builder, ADMIN_SET_MESSAGE_TTL, ns->name);
        if (action == NULL) {
            return false;
        }
        action->first = ns->message_ttl_seconds;
    }
    if ((have == NULL || !have->keeps_inactive_topics) &&
        plan_add(builder, ADMIN_DISABLE_INACTIVE_TOPIC_DELETION, ns->name) == NULL) {
        return false;
    }
    return true;
}

static bool plan_topics(plan_builder *builder, const wanted_namespace *ns,
                        const admin_namespace_state *have)
{
    for (size_t i = 0; i < wanted_topic_count(ns); i++) {
        wanted_topic topic = wanted_topic_at(ns, i);
        const admin_topic_state *existing = find_topic(have, topic.name);
        if (existing != NULL && existing->partitions == topic.partitions) {
            continue;
        }
        if (existing != NULL) {
            if (!plan_check_partitions(builder, ns->name, topic.name, existing->partitions,
                                       topic.partitions)) {
                return false;
            }
        }
        admin_action_kind kind = existing != NULL       ? ADMIN_UPDATE_PARTITIONS
                                 : topic.partitions > 0 ? ADMIN_CREATE_PARTITIONED_TOPIC
                                                        : ADMIN_CREATE_TOPIC;
        admin_action *action = plan_add_topic(builder, kind, ns->name, topic.name);
        if (action == NULL) {
            return false;
        }
        action->first = topic.partitions;
    }
    return true;
}

static bool plan_grants(plan_builder *builder, const wanted_namespace *ns,
                        const admin_namespace_state *have, bool exact)
{
    for (size_t i = 0; i < ns->grant_count; i++) {
        const wanted_grant *grant = &ns->grants[i];
        unsigned current = granted(have, grant->topic, grant->role);
        bool missing = (grant->permissions & ~current) != 0;
        if (!missing && !(exact && current != grant->permissions)) {
            continue;
        }
        unsigned permissions = exact ? grant->permissions : grant->permissions | current;
        if (!plan_add_grant(builder,
                            grant->topic != NULL ? ADMIN_GRANT_TOPIC : ADMIN_GRANT_NAMESPACE,
                            ns->name, grant->topic, grant->role, permissions)) {
            return false;
        }
    }
    return true;
}

static bool plan_removals(plan_builder *builder, const wanted_namespace *ns,
                          const admin_namespace_state *have)
{
    for (size_t i = 0; have != NULL && i < have->grant_count; i++) {
        const admin_grant *grant = &have->grants[i];
        if (!grant_wanted(ns, grant) &&
            !plan_add_grant(builder,
                            grant->topic != NULL ? ADMIN_REVOKE_TOPIC : ADMIN_REVOKE_NAMESPACE,
                            ns->name, grant->topic, grant->role, 0)) {
            return false;
        }
    }
    for (size_t i = 0; have != NULL && i < have->topic_count; i++) {
        const admin_topic_state *topic = &have->topics[i];
        if (!topic_wanted(ns, topic->name) && !plan_delete_topic(builder, have->name, topic)) {
            return false;
        }
    }
    return true;
}

static bool namespace_wanted(const wanted_namespace *wanted, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(wanted[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static bool plan_unlisted_namespaces(plan_builder *builder, const admin_cluster_state *state,
                                     const wanted_namespace *wanted, size_t wanted_count)
{
    for (size_t i = 0; i < state->namespace_count; i++) {
        const admin_namespace_state *ns = &state->namespaces[i];
        if (namespace_wanted(wanted, wanted_count, ns->name)) {
            continue;
        }
        for (size_t j = 0; j < ns->topic_count; j++) {
            if (!plan_delete_topic(builder, ns->name, &ns->topics[j])) {
                return false;
            }
        }
        if (plan_add(builder, ADMIN_DELETE_NAMESPACE, ns->name) == NULL) {
            return false;
        }
    }
    return true;
}

int admin_plan_compute(const sy_config *config, const admin_cluster_state *state, unsigned options,
                       admin_plan *plan, char *error, size_t error_size)
{
    memset(plan, 0, sizeof *plan);
    const unsigned needed =
        SY_CONFIG_TENANTS | SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS | SY_CONFIG_ROLES;
    if ((config->sections & needed) != needed) {
        snprintf(error, error_size,
                 "%s: provisioning needs the tenants, ingest, environments "
                 "and roles sections: add the missing ones",
                 config->path);
        return -1;
    }

    plan_builder builder = {.plan = plan, .error = error, .error_size = error_size};
    size_t wanted_count = config->environment_count + 1;
    wanted_namespace *wanted = calloc(wanted_count, sizeof *wanted);
    bool exact = (options & ADMIN_PLAN_DELETE_UNLISTED) != 0;
    bool ok = wanted != NULL && build_wanted(config, wanted);
    if (!ok) {
        snprintf(error, error_size, "out of memory while computing the plan");
    }

    ok = ok && plan_tenants(&builder, config, state, exact);
    for (size_t i = 0; ok && i < wanted_count; i++) {
        const admin_namespace_state *have = find_namespace(state, wanted[i].name);
        ok = (have != NULL || plan_add(&builder, ADMIN_CREATE_NAMESPACE, wanted[i].name)) &&
             plan_policies(&builder, &wanted[i], have) && plan_topics(&builder, &wanted[i], have) &&
             plan_grants(&builder, &wanted[i], have, exact) &&
             (!exact || plan_removals(&builder, &wanted[i], have));
    }
    ok = ok && (!exact || plan_unlisted_namespaces(&builder, state, wanted, wanted_count));

    for (size_t i = 0; wanted != NULL && i < wanted_count; i++) {
        free(wanted[i].grants);
    }
    free(wanted);
    if (!ok) {
        admin_plan_clear(plan);
        return -1;
    }
    return 0;
}
