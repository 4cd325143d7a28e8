/*
 * Provisioning actions: building them, printing them one per line, and
 * releasing them. The printed form is the stable format that
 * docs/configuration.md ("Provisioning") documents:
 *
 *   VERB TARGET [key=value ...]
 *
 * where TARGET is a tenant, TENANT/NAMESPACE, or persistent://TENANT/NAMESPACE/TOPIC,
 * and list values are comma-separated without spaces.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/provision_internal.h"

static bool out_of_memory(plan_builder *builder)
{
    snprintf(builder->error, builder->error_size, "out of memory while computing the plan");
    return false;
}

admin_action *plan_add(plan_builder *builder, admin_action_kind kind, const char *target)
{
    admin_plan *plan = builder->plan;
    if (plan->count == builder->capacity) {
        size_t capacity = builder->capacity ? builder->capacity * 2 : 16;
        admin_action *grown = realloc(plan->actions, capacity * sizeof *grown);
        if (grown == NULL) {
            out_of_memory(builder);
            return NULL;
        }
        plan->actions = grown;
        builder->capacity = capacity;
    }
    char *copy = strdup(target);
    if (copy == NULL) {
        out_of_memory(builder);
        return NULL;
    }
    admin_action *action = &plan->actions[plan->count++];
    memset(action, 0, sizeof *action);
    action->kind = kind;
    action->target = copy;
    return action;
}

admin_action *plan_add_topic(plan_builder *builder, admin_action_kind kind,
                             const char *namespace_name, const char *topic)
{
    size_t size = strlen(namespace_name) + 1 + strlen(topic) + 1;
    char *target = malloc(size);
    if (target == NULL) {
        out_of_memory(builder);
        return NULL;
    }
    snprintf(target, size, "%s/%s", namespace_name, topic);
    admin_action *action = plan_add(builder, kind, target);
    free(target);
    return action;
}

bool plan_add_grant(plan_builder *builder, admin_action_kind kind, const char *namespace_name,
                    const char *topic, const char *role, unsigned permissions)
{
    admin_action *action = topic != NULL ? plan_add_topic(builder, kind, namespace_name, topic)
                                         : plan_add(builder, kind, namespace_name);
    if (action == NULL) {
        return false;
    }
    action->role = strdup(role);
    action->permissions = permissions;
    return action->role != NULL || out_of_memory(builder);
}

/* Copies wanted, then the entries of extra that wanted lacks, into a new array. */
static char **merge_strings(const char *const *wanted, size_t wanted_count, char *const *extra,
                            size_t extra_count, size_t *count)
{
    char **merged = calloc(wanted_count + extra_count + 1, sizeof *merged);
    if (merged == NULL) {
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < wanted_count + extra_count; i++) {
        const char *text = i < wanted_count ? wanted[i] : extra[i - wanted_count];
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++) {
            seen = strcmp(merged[j], text) == 0;
        }
        if (seen) {
            continue;
        }
        merged[n] = strdup(text);
        if (merged[n] == NULL) {
            for (size_t j = 0; j < n; j++) {
                free(merged[j]);
            }
            free(merged);
            return NULL;
        }
        n++;
    }
    *count = n;
    return merged;
}

bool plan_add_tenant(plan_builder *builder, admin_action_kind kind, const sy_config_tenant *tenant,
                     const admin_tenant_state *have)
{
    admin_action *action = plan_add(builder, kind, tenant->name);
    if (action == NULL) {
        return false;
    }
    action->admin_roles = merge_strings(
        tenant->admin_roles, tenant->admin_role_count, have != NULL ? have->admin_roles : NULL,
        have != NULL ? have->admin_role_count : 0, &action->admin_role_count);
    action->allowed_clusters = merge_strings(
        tenant->allowed_clusters, tenant->allowed_cluster_count,
        have != NULL ? have->allowed_clusters : NULL,
        have != NULL ? have->allowed_cluster_count : 0, &action->allowed_cluster_count);
    if (action->admin_roles == NULL || action->allowed_clusters == NULL) {
        return out_of_memory(builder);
    }
    return true;
}

bool plan_delete_topic(plan_builder *builder, const char *namespace_name,
                       const admin_topic_state *topic)
{
    admin_action_kind kind =
        topic->partitions > 0 ? ADMIN_DELETE_PARTITIONED_TOPIC : ADMIN_DELETE_TOPIC;
    return plan_add_topic(builder, kind, namespace_name, topic->name) != NULL;
}

bool plan_check_partitions(plan_builder *builder, const char *namespace_name, const char *topic,
                           int existing, int wanted)
{
    if (existing == 0) {
        snprintf(builder->error, builder->error_size,
                 "topic persistent://%s/%s exists without partitions, but the configuration asks "
                 "for %d: set partitions: 0, or delete the topic by hand and run again",
                 namespace_name, topic, wanted);
        return false;
    }
    if (wanted == 0) {
        snprintf(builder->error, builder->error_size,
                 "topic persistent://%s/%s exists with %d partitions, but the configuration asks "
                 "for a non-partitioned topic: set partitions: %d, or delete the topic by hand "
                 "and run again",
                 namespace_name, topic, existing, existing);
        return false;
    }
    if (wanted < existing) {
        snprintf(builder->error, builder->error_size,
                 "topic persistent://%s/%s has %d partitions, more than the %d configured, and "
                 "Pulsar cannot remove partitions: set partitions: %d",
                 namespace_name, topic, existing, wanted, existing);
        return false;
    }
    return true;
}

/* ---- printing ---------------------------------------------------------- */

typedef struct {
    char *out;
    size_t size;
    size_t length; /* of the whole line, even past size */
} line_writer;

__attribute__((format(printf, 2, 3))) static void put(line_writer *line, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    size_t used = line->length < line->size ? line->length : line->size;
    int n = vsnprintf(line->size > used ? line->out + used : NULL,
                      line->size > used ? line->size - used : 0, format, args);
    va_end(args);
    if (n > 0) {
        line->length += (size_t)n;
    }
}

static void put_list(line_writer *line, const char *key, char *const *items, size_t count)
{
    put(line, " %s=", key);
    for (size_t i = 0; i < count; i++) {
        put(line, "%s%s", i > 0 ? "," : "", items[i]);
    }
}

size_t admin_permissions_format(unsigned permissions, char *out, size_t out_size)
{
    /* Name order, which is also the order in which the broker lists them. */
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"consume", ADMIN_PERMISSION_CONSUME},   {"functions", ADMIN_PERMISSION_FUNCTIONS},
        {"packages", ADMIN_PERMISSION_PACKAGES}, {"produce", ADMIN_PERMISSION_PRODUCE},
        {"sinks", ADMIN_PERMISSION_SINKS},       {"sources", ADMIN_PERMISSION_SOURCES},
    };
    line_writer line = {out, out_size, 0};
    if (out_size > 0) {
        out[0] = '\0';
    }
    bool first = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((permissions & names[i].bit) != 0) {
            put(&line, "%s%s", first ? "" : ",", names[i].name);
            first = false;
        }
    }
    return line.length;
}

static const char *verb(admin_action_kind kind)
{
    static const char *const verbs[] = {
        [ADMIN_CREATE_TENANT] = "create-tenant",
        [ADMIN_UPDATE_TENANT] = "update-tenant",
        [ADMIN_CREATE_NAMESPACE] = "create-namespace",
        [ADMIN_SET_RETENTION] = "set-retention",
        [ADMIN_ENABLE_DEDUPLICATION] = "enable-deduplication",
        [ADMIN_SET_MESSAGE_TTL] = "set-message-ttl",
        [ADMIN_DISABLE_INACTIVE_TOPIC_DELETION] = "disable-inactive-topic-deletion",
        [ADMIN_CREATE_TOPIC] = "create-topic",
        [ADMIN_CREATE_PARTITIONED_TOPIC] = "create-partitioned-topic",
        [ADMIN_UPDATE_PARTITIONS] = "update-partitions",
        [ADMIN_GRANT_NAMESPACE] = "grant-namespace",
        [ADMIN_GRANT_TOPIC] = "grant-topic",
        [ADMIN_REVOKE_NAMESPACE] = "revoke-namespace",
        [ADMIN_REVOKE_TOPIC] = "revoke-topic",
        [ADMIN_DELETE_TOPIC] = "delete-topic",
        [ADMIN_DELETE_PARTITIONED_TOPIC] = "delete-partitioned-topic",
        [ADMIN_DELETE_NAMESPACE] = "delete-namespace",
    };
    return verbs[kind];
}

static bool targets_topic(admin_action_kind kind)
{
    return kind == ADMIN_CREATE_TOPIC || kind == ADMIN_CREATE_PARTITIONED_TOPIC ||
           kind == ADMIN_UPDATE_PARTITIONS || kind == ADMIN_GRANT_TOPIC ||
           kind == ADMIN_REVOKE_TOPIC || kind == ADMIN_DELETE_TOPIC ||
           kind == ADMIN_DELETE_PARTITIONED_TOPIC;
}

size_t admin_action_format(const admin_action *action, char *out, size_t out_size)
{
    line_writer line = {out, out_size, 0};
    if (out_size > 0) {
        out[0] = '\0';
    }
    put(&line, "%s %s%s", verb(action->kind), targets_topic(action->kind) ? "persistent://" : "",
        action->target);

    char permissions[128];
    switch (action->kind) {
    case ADMIN_CREATE_TENANT:
    case ADMIN_UPDATE_TENANT:
        put_list(&line, "admin_roles", action->admin_roles, action->admin_role_count);
        put_list(&line, "allowed_clusters", action->allowed_clusters,
                 action->allowed_cluster_count);
        break;
    case ADMIN_SET_RETENTION:
        put(&line, " minutes=%lld size_mb=%lld", (long long)action->first,
            (long long)action->second);
        break;
    case ADMIN_SET_MESSAGE_TTL:
        put(&line, " seconds=%lld", (long long)action->first);
        break;
    case ADMIN_CREATE_PARTITIONED_TOPIC:
    case ADMIN_UPDATE_PARTITIONS:
        put(&line, " partitions=%lld", (long long)action->first);
        break;
    case ADMIN_GRANT_NAMESPACE:
    case ADMIN_GRANT_TOPIC:
        admin_permissions_format(action->permissions, permissions, sizeof permissions);
        put(&line, " role=%s actions=%s", action->role, permissions);
        break;
    case ADMIN_REVOKE_NAMESPACE:
    case ADMIN_REVOKE_TOPIC:
        put(&line, " role=%s", action->role);
        break;
    default:
        break;
    }
    return line.length;
}

size_t admin_plan_count_removals(const admin_plan *plan)
{
    size_t removals = 0;
    for (size_t i = 0; i < plan->count; i++) {
        admin_action_kind kind = plan->actions[i].kind;
        removals += kind == ADMIN_REVOKE_NAMESPACE || kind == ADMIN_REVOKE_TOPIC ||
                    kind == ADMIN_DELETE_TOPIC || kind == ADMIN_DELETE_PARTITIONED_TOPIC ||
                    kind == ADMIN_DELETE_NAMESPACE;
    }
    return removals;
}

static void free_string_array(char **strings, size_t count)
{
    for (size_t i = 0; strings != NULL && i < count; i++) {
        free(strings[i]);
    }
    free(strings);
}

void admin_plan_clear(admin_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        admin_action *action = &plan->actions[i];
        free(action->target);
        free(action->role);
        free_string_array(action->admin_roles, action->admin_role_count);
        free_string_array(action->allowed_clusters, action->allowed_cluster_count);
    }
    free(plan->actions);
    memset(plan, 0, sizeof *plan);
}
