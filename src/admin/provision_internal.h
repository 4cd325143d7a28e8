/*
 * Helpers shared by the files of provisioning (provision_plan.c,
 * provision_actions.c). Not part of the module's contract.
 */
#ifndef SWITCHYARD_ADMIN_PROVISION_INTERNAL_H
#define SWITCHYARD_ADMIN_PROVISION_INTERNAL_H

#include <stdbool.h>

#include "admin/provision.h"

typedef struct {
    admin_plan *plan;
    size_t capacity;
    char *error;
    size_t error_size;
} plan_builder;

/*
 * Each adder appends one action and returns it (or true); on out of memory
 * it writes the error and returns NULL (or false).
 */
admin_action *plan_add(plan_builder *builder, admin_action_kind kind, const char *target);
admin_action *plan_add_topic(plan_builder *builder, admin_action_kind kind,
                             const char *namespace_name, const char *topic);
bool plan_add_grant(plan_builder *builder, admin_action_kind kind, const char *namespace_name,
                    const char *topic, const char *role, unsigned permissions);

/*
 * Adds a create-tenant or update-tenant action with the configured roles and
 * clusters, plus those of have when it is not NULL (to keep what exists).
 */
bool plan_add_tenant(plan_builder *builder, admin_action_kind kind, const sy_config_tenant *tenant,
                     const admin_tenant_state *have);

/* Adds the delete action that fits topic: partitioned or not. */
bool plan_delete_topic(plan_builder *builder, const char *namespace_name,
                       const admin_topic_state *topic);

/*
 * Checks that an existing topic with existing partitions can become one
 * with wanted partitions (wanted > existing > 0). Otherwise writes why not
 * and returns false.
 */
bool plan_check_partitions(plan_builder *builder, const char *namespace_name, const char *topic,
                           int existing, int wanted);

#endif
