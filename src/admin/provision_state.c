/*
 * The cluster state that provisioning plans against: builders, release, and
 * reading it through the admin REST API.
 *
 * One GET of a namespace returns its whole policy document, which contains
 * retention, deduplication, message TTL and every grant (namespace grants in
 * auth_policies.namespace_auth, topic grants in auth_policies.destination_auth,
 * as Pulsar 4.2 stores them), so a namespace costs three requests: policies,
 * partitioned topics and non-partitioned topics, plus one per partitioned
 * topic for its partition count.
 */
#include "admin/provision.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- builders ---------------------------------------------------------- */

/* Grows *items by one element of size bytes; returns the new zeroed element. */
static void *grow(void **items, size_t *count, size_t size)
{
    char *grown = realloc(*items, (*count + 1) * size);
    if (grown == NULL) {
        return NULL;
    }
    *items = grown;
    void *item = grown + *count * size;
    memset(item, 0, size);
    (*count)++;
    return item;
}

static char **copy_strings(const char *const *strings, size_t count)
{
    char **copy = calloc(count + 1, sizeof *copy);
    if (copy == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        copy[i] = strdup(strings[i]);
        if (copy[i] == NULL) {
            for (size_t j = 0; j < i; j++) {
                free(copy[j]);
            }
            free(copy);
            return NULL;
        }
    }
    return copy;
}

static void free_strings(char **strings, size_t count)
{
    if (strings == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        free(strings[i]);
    }
    free(strings);
}

admin_tenant_state *admin_state_add_tenant(admin_cluster_state *state, const char *name,
                                           const char *const *admin_roles, size_t role_count,
                                           const char *const *clusters, size_t cluster_count)
{
    char *name_copy = strdup(name);
    char **roles_copy = copy_strings(admin_roles, role_count);
    char **clusters_copy = copy_strings(clusters, cluster_count);
    admin_tenant_state *tenant = NULL;
    if (name_copy != NULL && roles_copy != NULL && clusters_copy != NULL) {
        tenant = grow((void **)&state->tenants, &state->tenant_count, sizeof *tenant);
    }
    if (tenant == NULL) {
        free(name_copy);
        free_strings(roles_copy, role_count);
        free_strings(clusters_copy, cluster_count);
        return NULL;
    }
    tenant->name = name_copy;
    tenant->admin_roles = roles_copy;
    tenant->admin_role_count = role_count;
    tenant->allowed_clusters = clusters_copy;
    tenant->allowed_cluster_count = cluster_count;
    return tenant;
}

admin_namespace_state *admin_state_add_namespace(admin_cluster_state *state, const char *name)
{
    char *name_copy = strdup(name);
    admin_namespace_state *ns = NULL;
    if (name_copy != NULL) {
        ns = grow((void **)&state->namespaces, &state->namespace_count, sizeof *ns);
    }
    if (ns == NULL) {
        free(name_copy);
        return NULL;
    }
    ns->name = name_copy;
    return ns;
}

admin_topic_state *admin_namespace_add_topic(admin_namespace_state *ns, const char *name,
                                             int partitions)
{
    char *name_copy = strdup(name);
    admin_topic_state *topic = NULL;
    if (name_copy != NULL) {
        topic = grow((void **)&ns->topics, &ns->topic_count, sizeof *topic);
    }
    if (topic == NULL) {
        free(name_copy);
        return NULL;
    }
    topic->name = name_copy;
    topic->partitions = partitions;
    return topic;
}

admin_grant *admin_namespace_add_grant(admin_namespace_state *ns, const char *topic,
                                       const char *role, unsigned permissions)
{
    char *topic_copy = topic != NULL ? strdup(topic) : NULL;
    char *role_copy = strdup(role);
    admin_grant *grant = NULL;
    if (role_copy != NULL && (topic == NULL || topic_copy != NULL)) {
        grant = grow((void **)&ns->grants, &ns->grant_count, sizeof *grant);
    }
    if (grant == NULL) {
        free(topic_copy);
        free(role_copy);
        return NULL;
    }
    grant->topic = topic_copy;
    grant->role = role_copy;
    grant->permissions = permissions;
    return grant;
}

void admin_state_clear(admin_cluster_state *state)
{
    for (size_t i = 0; i < state->tenant_count; i++) {
        admin_tenant_state *tenant = &state->tenants[i];
        free(tenant->name);
        free_strings(tenant->admin_roles, tenant->admin_role_count);
        free_strings(tenant->allowed_clusters, tenant->allowed_cluster_count);
    }
    free(state->tenants);
    for (size_t i = 0; i < state->namespace_count; i++) {
        admin_namespace_state *ns = &state->namespaces[i];
        free(ns->name);
        for (size_t j = 0; j < ns->topic_count; j++) {
            free(ns->topics[j].name);
        }
        free(ns->topics);
        for (size_t j = 0; j < ns->grant_count; j++) {
            free(ns->grants[j].topic);
            free(ns->grants[j].role);
        }
        free(ns->grants);
    }
    free(state->namespaces);
    memset(state, 0, sizeof *state);
}

/* ---- reading ----------------------------------------------------------- */

typedef struct {
    admin_http *client;
    char *error;
    size_t error_size;
} state_reader;

/*
 * GETs path and parses the JSON body into *json. Returns 1 on 200, 0 on
 * 404 (*json NULL), -1 on anything else with the error written.
 */
static int get_json(state_reader *reader, const char *path, json_t **json)
{
    *json = NULL;
    admin_response response;
    if (admin_http_request(reader->client, "GET", path, NULL, &response) != 0) {
        /* The transport error already names the method and the URL. */
        snprintf(reader->error, reader->error_size, "%s", response.error);
        admin_response_clear(&response);
        return -1;
    }
    if (response.status == 404) {
        admin_response_clear(&response);
        return 0;
    }
    if (response.status != 200) {
        snprintf(reader->error, reader->error_size, "GET %s: HTTP %ld: %s", path, response.status,
                 response.error);
        admin_response_clear(&response);
        return -1;
    }
    json_error_t parse_error;
    *json = response.body != NULL ? json_loadb(response.body, response.body_len, 0, &parse_error)
                                  : NULL;
    if (*json == NULL) {
        snprintf(reader->error, reader->error_size, "GET %s: the response is not JSON: %s", path,
                 response.body != NULL ? parse_error.text : "empty body");
        admin_response_clear(&response);
        return -1;
    }
    admin_response_clear(&response);
    return 1;
}

static bool out_of_memory(state_reader *reader)
{
    snprintf(reader->error, reader->error_size, "out of memory while reading the cluster state");
    return false;
}

/* Collects the strings of a JSON array into a NULL-terminated array of borrowed pointers. */
static const char **borrow_strings(json_t *array, size_t *count)
{
    size_t size = json_is_array(array) ? json_array_size(array) : 0;
    const char **strings = calloc(size + 1, sizeof *strings);
    *count = 0;
    if (strings == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < size; i++) {
        const char *text = json_string_value(json_array_get(array, i));
        if (text != NULL) {
            strings[(*count)++] = text;
        }
    }
    return strings;
}

static unsigned parse_permissions(json_t *actions)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"produce", ADMIN_PERMISSION_PRODUCE},     {"consume", ADMIN_PERMISSION_CONSUME},
        {"functions", ADMIN_PERMISSION_FUNCTIONS}, {"sources", ADMIN_PERMISSION_SOURCES},
        {"sinks", ADMIN_PERMISSION_SINKS},         {"packages", ADMIN_PERMISSION_PACKAGES},
    };
    unsigned permissions = 0;
    for (size_t i = 0; json_is_array(actions) && i < json_array_size(actions); i++) {
        const char *text = json_string_value(json_array_get(actions, i));
        for (size_t j = 0; text != NULL && j < sizeof names / sizeof names[0]; j++) {
            if (strcmp(text, names[j].name) == 0) {
                permissions |= names[j].bit;
            }
        }
    }
    return permissions;
}

static bool add_grants(state_reader *reader, admin_namespace_state *ns, const char *topic,
                       json_t *roles)
{
    const char *role;
    json_t *actions;
    json_object_foreach(roles, role, actions)
    {
        if (admin_namespace_add_grant(ns, topic, role, parse_permissions(actions)) == NULL) {
            return out_of_memory(reader);
        }
    }
    return true;
}

static bool read_policies(state_reader *reader, admin_namespace_state *ns)
{
    char path[512];
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", ns->name);
    json_t *policies = NULL;
    if (get_json(reader, path, &policies) != 1) {
        if (policies == NULL && reader->error[0] == '\0') {
            snprintf(reader->error, reader->error_size,
                     "GET %s: HTTP 404: namespace vanished "
                     "while reading: run again",
                     path);
        }
        return false;
    }

    json_t *retention = json_object_get(policies, "retention_policies");
    if (json_is_object(retention)) {
        ns->has_retention = true;
        ns->retention_minutes =
            json_integer_value(json_object_get(retention, "retentionTimeInMinutes"));
        ns->retention_size_mb = json_integer_value(json_object_get(retention, "retentionSizeInMB"));
    }
    ns->deduplication = json_is_true(json_object_get(policies, "deduplicationEnabled"));
    ns->message_ttl_seconds =
        json_integer_value(json_object_get(policies, "message_ttl_in_seconds"));
    json_t *inactive = json_object_get(policies, "inactive_topic_policies");
    ns->keeps_inactive_topics =
        json_is_object(inactive) && json_is_false(json_object_get(inactive, "deleteWhileInactive"));

    json_t *auth = json_object_get(policies, "auth_policies");
    bool ok = add_grants(reader, ns, NULL, json_object_get(auth, "namespace_auth"));

    /* Topic grants are keyed by full name; keep those of this namespace's persistent topics. */
    char prefix[512];
    snprintf(prefix, sizeof prefix, "persistent://%s/", ns->name);
    const char *topic;
    json_t *roles;
    json_object_foreach(json_object_get(auth, "destination_auth"), topic, roles)
    {
        if (ok && strncmp(topic, prefix, strlen(prefix)) == 0) {
            ok = add_grants(reader, ns, topic + strlen(prefix), roles);
        }
    }
    json_decref(policies);
    return ok;
}

/* Returns the local name of a full topic name of namespace ns, or NULL. */
static const char *local_topic_name(const char *full, const char *ns)
{
    static const char scheme[] = "persistent://";
    size_t ns_len = strlen(ns);
    if (strncmp(full, scheme, sizeof scheme - 1) != 0 ||
        strncmp(full + sizeof scheme - 1, ns, ns_len) != 0 ||
        full[sizeof scheme - 1 + ns_len] != '/') {
        return NULL;
    }
    return full + sizeof scheme - 1 + ns_len + 1;
}

/* True for "NAME-partition-N" where NAME is a partitioned topic of ns. */
static bool is_partition_of_known_topic(const admin_namespace_state *ns, const char *name)
{
    const char *marker = strstr(name, "-partition-");
    if (marker == NULL) {
        return false;
    }
    size_t base_len = (size_t)(marker - name);
    for (size_t i = 0; i < ns->topic_count; i++) {
        if (ns->topics[i].partitions > 0 && strlen(ns->topics[i].name) == base_len &&
            strncmp(ns->topics[i].name, name, base_len) == 0) {
            return true;
        }
    }
    return false;
}

static bool read_topics(state_reader *reader, admin_namespace_state *ns)
{
    char path[512];
    json_t *list = NULL;

    snprintf(path, sizeof path, "/admin/v2/persistent/%s/partitioned", ns->name);
    if (get_json(reader, path, &list) != 1) {
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < json_array_size(list); i++) {
        const char *full = json_string_value(json_array_get(list, i));
        const char *name = full != NULL ? local_topic_name(full, ns->name) : NULL;
        if (name == NULL || strncmp(name, "__", 2) == 0) {
            continue;
        }
        json_t *metadata = NULL;
        snprintf(path, sizeof path, "/admin/v2/persistent/%s/%s/partitions", ns->name, name);
        ok = get_json(reader, path, &metadata) == 1;
        if (ok) {
            int partitions = (int)json_integer_value(json_object_get(metadata, "partitions"));
            ok = admin_namespace_add_topic(ns, name, partitions) != NULL || out_of_memory(reader);
        }
        json_decref(metadata);
    }
    json_decref(list);
    if (!ok) {
        return false;
    }

    snprintf(path, sizeof path, "/admin/v2/persistent/%s", ns->name);
    if (get_json(reader, path, &list) != 1) {
        return false;
    }
    for (size_t i = 0; ok && i < json_array_size(list); i++) {
        const char *full = json_string_value(json_array_get(list, i));
        const char *name = full != NULL ? local_topic_name(full, ns->name) : NULL;
        /* Names starting with "__" are Pulsar's system topics, never provisioned. */
        if (name == NULL || strncmp(name, "__", 2) == 0 || is_partition_of_known_topic(ns, name)) {
            continue;
        }
        ok = admin_namespace_add_topic(ns, name, 0) != NULL || out_of_memory(reader);
    }
    json_decref(list);
    return ok;
}

static bool read_tenant(state_reader *reader, admin_cluster_state *state, const char *tenant)
{
    char path[512];
    json_t *info = NULL;
    snprintf(path, sizeof path, "/admin/v2/tenants/%s", tenant);
    int found = get_json(reader, path, &info);
    if (found <= 0) {
        return found == 0;
    }

    size_t role_count = 0;
    size_t cluster_count = 0;
    const char **roles = borrow_strings(json_object_get(info, "adminRoles"), &role_count);
    const char **clusters =
        borrow_strings(json_object_get(info, "allowedClusters"), &cluster_count);
    bool ok =
        roles != NULL && clusters != NULL &&
        admin_state_add_tenant(state, tenant, roles, role_count, clusters, cluster_count) != NULL;
    free(roles);
    free(clusters);
    json_decref(info);
    if (!ok) {
        return out_of_memory(reader);
    }

    json_t *namespaces = NULL;
    snprintf(path, sizeof path, "/admin/v2/namespaces/%s", tenant);
    if (get_json(reader, path, &namespaces) != 1) {
        return false;
    }
    for (size_t i = 0; ok && i < json_array_size(namespaces); i++) {
        const char *name = json_string_value(json_array_get(namespaces, i));
        if (name == NULL) {
            continue;
        }
        admin_namespace_state *ns = admin_state_add_namespace(state, name);
        ok = ns != NULL ? read_policies(reader, ns) && read_topics(reader, ns)
                        : out_of_memory(reader);
    }
    json_decref(namespaces);
    return ok;
}

int admin_state_read(admin_http *client, const sy_config *config, admin_cluster_state *state,
                     char *error, size_t error_size)
{
    memset(state, 0, sizeof *state);
    error[0] = '\0';
    state_reader reader = {.client = client, .error = error, .error_size = error_size};
    for (size_t i = 0; i < config->tenant_count; i++) {
        if (!read_tenant(&reader, state, config->tenants[i].name)) {
            admin_state_clear(state);
            return -1;
        }
    }
    return 0;
}
