/*
 * Building the routing table from the Switchyard configuration file.
 *
 * Kept apart from route.h so that the decision logic does not depend on the
 * configuration model; only programs that read a configuration include this.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_CONFIG_H
#define SWITCHYARD_ROUTE_ROUTE_CONFIG_H

#include <stddef.h>

#include "common/config.h"
#include "route/route.h"

/* Sections that route_table_from_config reads; pass them to sy_config_load. */
#define ROUTE_CONFIG_SECTIONS (SY_CONFIG_INGEST | SY_CONFIG_ENVIRONMENTS | SY_CONFIG_ROUTER)

/*
 * Builds a routing table from config, which must have been loaded with at
 * least ROUTE_CONFIG_SECTIONS. Each environment (developer environments
 * included) routes to persistent://<its namespace>/<router.target_topic>;
 * the quarantine topic is persistent://<ingest.namespace>/<ingest.quarantine_topic>;
 * router.unknown_environment "quarantine" quarantines unknown values.
 * Returns NULL with a message in error when a section is missing or
 * route_table_create rejects the result. The caller frees the table with
 * route_table_free; the table does not point into config.
 */
route_table *route_table_from_config(const sy_config *config, char *error, size_t error_size);

#endif
