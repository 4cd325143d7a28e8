/*
 * Reloading the routing rules without a restart: on SIGHUP the
 * configuration and the registry are read again, and when only the
 * registry file changes (its mtime or size, checked every second) the same
 * reload runs. A reload replaces the table and the registry only when the
 * new configuration loads, its table builds, and the registry passes both
 * route_registry_load and route_registry_check against that table.
 * Otherwise the old rules stay and the error is logged.
 *
 * No lock guards the swap: the table and the registry are read only on the
 * receive thread, which also runs the reload between two messages.
 * The ingest topic, subscription, service URL and metrics port are read
 * once at start; a reload that changes them logs a warning and they keep
 * their old values until a restart.
 */
#include "route/route_daemon_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "route/route_config.h"

bool daemon_registry_changed(route_daemon *daemon)
{
    if (daemon->registry_path == NULL) {
        return false;
    }
    struct stat st;
    if (stat(daemon->registry_path, &st) != 0) {
        /* A file being replaced may be missing for a moment, and the next check finds the new one. */
        return false;
    }
    return st.st_mtim.tv_sec != daemon->registry_mtime.tv_sec ||
           st.st_mtim.tv_nsec != daemon->registry_mtime.tv_nsec ||
           st.st_size != daemon->registry_size;
}

void daemon_registry_remember(route_daemon *daemon)
{
    struct stat st;
    if (daemon->registry_path != NULL && stat(daemon->registry_path, &st) == 0) {
        daemon->registry_mtime = st.st_mtim;
        daemon->registry_size = st.st_size;
    }
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void warn_fixed_settings(const sy_config *old, const sy_config *new_config)
{
    if (!same_text(old->ingest.namespace_name, new_config->ingest.namespace_name) ||
        !same_text(old->ingest.topic, new_config->ingest.topic) ||
        !same_text(old->router.subscription, new_config->router.subscription) ||
        !same_text(old->pulsar.service_url, new_config->pulsar.service_url) ||
        old->router.metrics_port != new_config->router.metrics_port) {
        sy_log(SY_LOG_WARN, "route",
               "reload: the ingest topic, subscription, service URL or metrics port changed in "
               "%s; they take effect only after a restart",
               new_config->path);
    }
}

void daemon_reload(route_daemon *daemon, const char *why)
{
    char error[1024];
    const route_daemon_options *options = daemon->options;
    sy_config *config = sy_config_load(options->config_path,
                                       ROUTE_CONFIG_SECTIONS | SY_CONFIG_PULSAR, error,
                                       sizeof error);
    route_table *table = NULL;
    route_registry *registry = NULL;
    char *registry_path = NULL;
    if (config == NULL) {
        goto failed;
    }
    table = route_table_from_config(config, error, sizeof error);
    if (table == NULL) {
        goto failed;
    }
    const char *path =
        options->registry_path != NULL ? options->registry_path : config->router.registry;
    if (path != NULL) {
        registry_path = strdup(path);
        if (registry_path == NULL) {
            snprintf(error, sizeof error, "out of memory");
            goto failed;
        }
        registry = route_registry_load(path, error, sizeof error);
        if (registry == NULL || !route_registry_check(registry, table, error, sizeof error)) {
            goto failed;
        }
    }

    warn_fixed_settings(daemon->config, config);
    route_table_free(daemon->table);
    route_registry_free(daemon->registry);
    sy_config_free(daemon->config);
    free(daemon->registry_path);
    daemon->config = config;
    daemon->table = table;
    daemon->registry = registry;
    daemon->registry_path = registry_path;
    daemon_registry_remember(daemon);
    route_metrics_reload(daemon->metrics, true);
    sy_log(SY_LOG_INFO, "route", "reload (%s): rules of %s loaded, registry %s with %zu devices",
           why, options->config_path, registry_path != NULL ? registry_path : "(none)",
           registry != NULL ? route_registry_device_count(registry) : (size_t)0);
    return;

failed:
    /* Remember the failed file too, so that the error is logged once, not every second. */
    daemon_registry_remember(daemon);
    route_metrics_reload(daemon->metrics, false);
    sy_log(SY_LOG_ERROR, "route", "reload (%s) failed, the previous rules stay in use: %s", why,
           error);
    route_registry_free(registry);
    free(registry_path);
    route_table_free(table);
    sy_config_free(config);
}
