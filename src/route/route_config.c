/*
 * route_table_from_config: the configuration's environments, ingest and
 * router sections turned into a route_table_spec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_config.h"

#define TOPIC_BUFFER_BYTES (ROUTE_MAX_TOPIC_BYTES + 1)

route_table *route_table_from_config(const sy_config *config, char *error, size_t error_size)
{
    unsigned needed = ROUTE_CONFIG_SECTIONS;
    if ((config->sections & needed) != needed) {
        snprintf(error, error_size,
                 "%s: the router needs the ingest, environments and router sections: add them",
                 config->path);
        return NULL;
    }

    size_t count = config->environment_count;
    route_environment_spec *environments = calloc(count + 1, sizeof *environments);
    char(*topics)[TOPIC_BUFFER_BYTES] = calloc(count + 1, sizeof *topics);
    char quarantine[TOPIC_BUFFER_BYTES];
    route_table *table = NULL;
    if (environments == NULL || topics == NULL) {
        snprintf(error, error_size, "%s: out of memory", config->path);
        goto free_spec;
    }

    for (size_t i = 0; i < count; i++) {
        const sy_config_environment *env = &config->environments[i];
        int n = snprintf(topics[i], TOPIC_BUFFER_BYTES, "persistent://%s/%s", env->namespace_name,
                         config->router.target_topic);
        if (n < 0 || n >= TOPIC_BUFFER_BYTES) {
            snprintf(error, error_size, "%s: the topic of environment '%s' is longer than %d bytes",
                     config->path, env->name, ROUTE_MAX_TOPIC_BYTES);
            goto free_spec;
        }
        environments[i] = (route_environment_spec){env->name, topics[i], env->developer};
    }
    int n = snprintf(quarantine, sizeof quarantine, "persistent://%s/%s",
                     config->ingest.namespace_name, config->ingest.quarantine_topic);
    if (n < 0 || (size_t)n >= sizeof quarantine) {
        snprintf(error, error_size, "%s: the quarantine topic is longer than %d bytes",
                 config->path, ROUTE_MAX_TOPIC_BYTES);
        goto free_spec;
    }

    const char *unknown = config->router.unknown_environment;
    if (unknown != NULL && strcmp(unknown, SY_CONFIG_QUARANTINE) == 0) {
        unknown = NULL;
    }
    route_table_spec spec = {environments, count, config->router.default_environment, unknown,
                             quarantine};
    char reason[512];
    table = route_table_create(&spec, reason, sizeof reason);
    if (table == NULL) {
        snprintf(error, error_size, "%s: %s", config->path, reason);
    }

free_spec:
    free(topics);
    free(environments);
    return table;
}
