/*
 * Provisioning: makes a Pulsar cluster contain the tenants, namespaces, topics,
 * policies and permissions that a configuration describes.
 *
 * It works in three steps, so that every change is printed before it is
 * made and a configuration error sends nothing to the cluster:
 *   1. admin_state_read reads what exists, through the admin REST API;
 *   2. admin_plan_compute compares that with the configuration and returns
 *      the list of actions (a pure function: no I/O, same input, same plan);
 *   3. admin_plan_apply sends the actions in order and stops at the first
 *      failure.
 * A second run on a provisioned cluster plans nothing. Nothing is deleted,
 * revoked or narrowed unless ADMIN_PLAN_DELETE_UNLISTED is given.
 *
 * What the plan asks for, per namespace (in this order: the ingest
 * namespace, then every environment in configuration order):
 *   - the tenant (created, or its admin roles and clusters extended);
 *   - the namespace, its retention, deduplication (always on, because the
 *     router's producers rely on it), its message TTL when configured, and
 *     an inactive topic policy that keeps its topics (a Pulsar 4.2.4 broker
 *     with default settings deletes a topic without producers and
 *     subscriptions within minutes, which would undo provisioning);
 *   - its topics, partitioned or not;
 *   - grants: in the ingest namespace the router and the audit role may
 *     consume, and the router may produce to the quarantine topic; in every
 *     environment the router may produce; in the production environment
 *     each prod_backends role may produce and consume; in a developer's
 *     environment that developer's role may produce and consume.
 *
 * Each action prints as one line (admin_action_format), in the stable
 * format that docs/configuration.md ("Provisioning") documents for scripts.
 *
 * Ownership: states and plans own every string in them; release them with
 * admin_state_clear and admin_plan_clear. Thread safety: none of these
 * functions shares state, so different threads may work on different
 * objects at once.
 */
#ifndef SWITCHYARD_ADMIN_PROVISION_H
#define SWITCHYARD_ADMIN_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin/admin_http.h"
#include "common/config.h"

/* Pulsar's AuthAction values as bits. */
enum {
    ADMIN_PERMISSION_PRODUCE = 1u << 0,
    ADMIN_PERMISSION_CONSUME = 1u << 1,
    ADMIN_PERMISSION_FUNCTIONS = 1u << 2,
    ADMIN_PERMISSION_SOURCES = 1u << 3,
    ADMIN_PERMISSION_SINKS = 1u << 4,
    ADMIN_PERMISSION_PACKAGES = 1u << 5,
};

/* Options of admin_plan_compute. */
enum {
    /* Also delete topics and namespaces, revoke grants and narrow tenant roles
     * that the configuration does not list (only inside its tenants). */
    ADMIN_PLAN_DELETE_UNLISTED = 1u << 0,
};

/* ---- cluster state ----------------------------------------------------- */

typedef struct {
    char *topic; /* local topic name for a topic grant, NULL for the namespace */
    char *role;
    unsigned permissions; /* ADMIN_PERMISSION_* bits */
} admin_grant;

typedef struct {
    char *name;     /* local name, for example "commands" */
    int partitions; /* 0 = non-partitioned */
} admin_topic_state;

typedef struct {
    char *name; /* "tenant/namespace" */
    bool has_retention;
    int64_t retention_minutes;
    int64_t retention_size_mb;
    bool deduplication;          /* true only when the namespace policy enables it */
    int64_t message_ttl_seconds; /* 0 = none */
    bool keeps_inactive_topics;  /* inactive topic policy with deleteWhileInactive false */
    admin_topic_state *topics;
    size_t topic_count;
    admin_grant *grants;
    size_t grant_count;
} admin_namespace_state;

typedef struct {
    char *name;
    char **admin_roles;
    size_t admin_role_count;
    char **allowed_clusters;
    size_t allowed_cluster_count;
} admin_tenant_state;

/* What exists of the configured tenants; tenants not found are absent. */
typedef struct {
    admin_tenant_state *tenants;
    size_t tenant_count;
    admin_namespace_state *namespaces;
    size_t namespace_count;
} admin_cluster_state;

/*
 * Builders, used by admin_state_read and by tests. Each copies its strings
 * and returns the new entry, or NULL when memory runs out. Pointers that
 * they return stay valid only until the next call that adds to the same
 * array.
 */
admin_tenant_state *admin_state_add_tenant(admin_cluster_state *state, const char *name,
                                           const char *const *admin_roles, size_t role_count,
                                           const char *const *clusters, size_t cluster_count);
admin_namespace_state *admin_state_add_namespace(admin_cluster_state *state, const char *name);
admin_topic_state *admin_namespace_add_topic(admin_namespace_state *ns, const char *name,
                                             int partitions);
/* topic NULL adds a namespace grant. */
admin_grant *admin_namespace_add_grant(admin_namespace_state *ns, const char *topic,
                                       const char *role, unsigned permissions);

/* Releases everything in state and zeroes it. */
void admin_state_clear(admin_cluster_state *state);

/*
 * Reads the state of every tenant that config lists: the tenant, all its
 * namespaces, their policies, topics and grants. Needs a superuser or
 * tenant-admin token. Returns 0 and fills *state (which the caller clears),
 * or -1 with "GET PATH: HTTP STATUS: REASON" (or the transport error) in
 * error, leaving *state empty.
 */
int admin_state_read(admin_http *client, const sy_config *config, admin_cluster_state *state,
                     char *error, size_t error_size);

/* ---- plan -------------------------------------------------------------- */

typedef enum {
    ADMIN_CREATE_TENANT,
    ADMIN_UPDATE_TENANT,
    ADMIN_CREATE_NAMESPACE,
    ADMIN_SET_RETENTION,
    ADMIN_ENABLE_DEDUPLICATION,
    ADMIN_SET_MESSAGE_TTL,
    ADMIN_DISABLE_INACTIVE_TOPIC_DELETION,
    ADMIN_CREATE_TOPIC,
    ADMIN_CREATE_PARTITIONED_TOPIC,
    ADMIN_UPDATE_PARTITIONS,
    ADMIN_GRANT_NAMESPACE,
    ADMIN_GRANT_TOPIC,
    ADMIN_REVOKE_NAMESPACE,
    ADMIN_REVOKE_TOPIC,
    ADMIN_DELETE_TOPIC,
    ADMIN_DELETE_PARTITIONED_TOPIC,
    ADMIN_DELETE_NAMESPACE,
} admin_action_kind;

typedef struct {
    admin_action_kind kind;
    char *target;         /* tenant, "tenant/namespace", or "tenant/namespace/topic" */
    char *role;           /* grants and revokes, else NULL */
    unsigned permissions; /* grants: the complete set the role will hold */
    int64_t first;        /* retention minutes, TTL seconds or partitions */
    int64_t second;       /* retention size in MB */
    char **admin_roles;   /* tenant actions: the complete lists the tenant will hold */
    size_t admin_role_count;
    char **allowed_clusters;
    size_t allowed_cluster_count;
} admin_action;

typedef struct {
    admin_action *actions;
    size_t count;
} admin_plan;

/*
 * Computes the actions that turn state into what config describes.
 * config must have the tenants, ingest, environments and roles sections
 * loaded. Returns 0 with the actions in *plan (which the caller clears), or
 * -1 with a message in error and *plan empty in two cases. The cluster may
 * contain a topic that no action can fix: its kind (partitioned or not)
 * differs from the configuration, or it has more partitions than
 * configured. Or config lacks one of the sections above.
 */
int admin_plan_compute(const sy_config *config, const admin_cluster_state *state, unsigned options,
                       admin_plan *plan, char *error, size_t error_size);

/* Returns the number of delete and revoke actions in plan. */
size_t admin_plan_count_removals(const admin_plan *plan);

/*
 * Writes one action as one line, without a newline, for example
 *   create-namespace iot-system/dev-alice
 *   grant-namespace iot-system/dev-alice role=alice actions=consume,produce
 * Returns the length of the full line; the output is cut (and NUL-ended)
 * when it does not fit, as snprintf does.
 */
size_t admin_action_format(const admin_action *action, char *out, size_t out_size);

/* Writes the Pulsar AuthAction names of permissions, comma-separated, in name order. */
size_t admin_permissions_format(unsigned permissions, char *out, size_t out_size);

/* Releases every action and zeroes plan. */
void admin_plan_clear(admin_plan *plan);

/* ---- apply ------------------------------------------------------------- */

/* Called after each action that succeeded, with its index; may be NULL. */
typedef void (*admin_apply_progress)(const admin_action *action, size_t index, void *context);

/*
 * Sends the actions of plan in order. Returns the number applied; when that
 * is less than plan->count, the action at that index failed and error contains
 * "ACTION LINE: HTTP STATUS on METHOD PATH: REASON" (or the transport error),
 * and no later action was sent.
 */
size_t admin_plan_apply(admin_http *client, const admin_plan *plan, admin_apply_progress progress,
                        void *context, char *error, size_t error_size);

#endif
