/*
 * Sends a provisioning plan to the admin REST API, one request per action,
 * in plan order. It stops at the first failure, because later actions
 * depend on earlier ones (a namespace before its topics, a topic before
 * its grants).
 */
#include "admin/provision.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *method;
    char path[768];
    char *body; /* JSON text or NULL; freed by the caller */
} admin_request;

static char *string_array_json(char *const *items, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < count; i++) {
        if (json_array_append_new(array, json_string(items[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    char *text = array != NULL ? json_dumps(array, JSON_COMPACT) : NULL;
    json_decref(array);
    return text;
}

static char *tenant_json(const admin_action *action)
{
    char *roles = string_array_json(action->admin_roles, action->admin_role_count);
    char *clusters = string_array_json(action->allowed_clusters, action->allowed_cluster_count);
    char *body = NULL;
    if (roles != NULL && clusters != NULL) {
        size_t size = strlen(roles) + strlen(clusters) + 48;
        body = malloc(size);
        if (body != NULL) {
            snprintf(body, size, "{\"adminRoles\":%s,\"allowedClusters\":%s}", roles, clusters);
        }
    }
    free(roles);
    free(clusters);
    return body;
}

static char *permissions_json(unsigned permissions)
{
    char names[128];
    admin_permissions_format(permissions, names, sizeof names);
    json_t *array = json_array();
    char *save = NULL;
    for (char *name = strtok_r(names, ",", &save); array != NULL && name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        json_array_append_new(array, json_string(name));
    }
    char *text = array != NULL ? json_dumps(array, JSON_COMPACT) : NULL;
    json_decref(array);
    return text;
}

static char *integer_body(long long value)
{
    char *body = malloc(32);
    if (body != NULL) {
        snprintf(body, 32, "%lld", value);
    }
    return body;
}

/* Fills request for action; returns false when memory runs out. */
static bool build_request(const admin_action *action, admin_request *request)
{
    const char *target = action->target;
    char *path = request->path;
    size_t size = sizeof request->path;
    request->body = NULL;

    switch (action->kind) {
    case ADMIN_CREATE_TENANT:
    case ADMIN_UPDATE_TENANT:
        request->method = action->kind == ADMIN_CREATE_TENANT ? "PUT" : "POST";
        snprintf(path, size, "/admin/v2/tenants/%s", target);
        request->body = tenant_json(action);
        return request->body != NULL;
    case ADMIN_CREATE_NAMESPACE:
        request->method = "PUT";
        snprintf(path, size, "/admin/v2/namespaces/%s", target);
        return true;
    case ADMIN_SET_RETENTION:
        request->method = "POST";
        snprintf(path, size, "/admin/v2/namespaces/%s/retention", target);
        request->body = malloc(96);
        if (request->body != NULL) {
            snprintf(request->body, 96,
                     "{\"retentionTimeInMinutes\":%lld,\"retentionSizeInMB\":%lld}",
                     (long long)action->first, (long long)action->second);
        }
        return request->body != NULL;
    case ADMIN_ENABLE_DEDUPLICATION:
        request->method = "POST";
        snprintf(path, size, "/admin/v2/namespaces/%s/deduplication", target);
        request->body = strdup("true");
        return request->body != NULL;
    case ADMIN_SET_MESSAGE_TTL:
        request->method = "POST";
        snprintf(path, size, "/admin/v2/namespaces/%s/messageTTL", target);
        request->body = integer_body((long long)action->first);
        return request->body != NULL;
    case ADMIN_DISABLE_INACTIVE_TOPIC_DELETION:
        /* The duration is required but unused while deleteWhileInactive is false. */
        request->method = "POST";
        snprintf(path, size, "/admin/v2/namespaces/%s/inactiveTopicPolicies", target);
        request->body = strdup("{\"inactiveTopicDeleteMode\":\"delete_when_no_subscriptions\","
                               "\"maxInactiveDurationSeconds\":60,\"deleteWhileInactive\":false}");
        return request->body != NULL;
    case ADMIN_CREATE_TOPIC:
        request->method = "PUT";
        snprintf(path, size, "/admin/v2/persistent/%s", target);
        return true;
    case ADMIN_CREATE_PARTITIONED_TOPIC:
    case ADMIN_UPDATE_PARTITIONS:
        request->method = action->kind == ADMIN_CREATE_PARTITIONED_TOPIC ? "PUT" : "POST";
        snprintf(path, size, "/admin/v2/persistent/%s/partitions", target);
        request->body = integer_body((long long)action->first);
        return request->body != NULL;
    case ADMIN_GRANT_NAMESPACE:
    case ADMIN_GRANT_TOPIC:
        request->method = "POST";
        snprintf(path, size, "/admin/v2/%s/%s/permissions/%s",
                 action->kind == ADMIN_GRANT_TOPIC ? "persistent" : "namespaces", target,
                 action->role);
        request->body = permissions_json(action->permissions);
        return request->body != NULL;
    case ADMIN_REVOKE_NAMESPACE:
    case ADMIN_REVOKE_TOPIC:
        request->method = "DELETE";
        snprintf(path, size, "/admin/v2/%s/%s/permissions/%s",
                 action->kind == ADMIN_REVOKE_TOPIC ? "persistent" : "namespaces", target,
                 action->role);
        return true;
    case ADMIN_DELETE_TOPIC:
        /* force: the person asked for the deletion, so connected clients do not stop it. */
        request->method = "DELETE";
        snprintf(path, size, "/admin/v2/persistent/%s?force=true", target);
        return true;
    case ADMIN_DELETE_PARTITIONED_TOPIC:
        request->method = "DELETE";
        snprintf(path, size, "/admin/v2/persistent/%s/partitions?force=true", target);
        return true;
    case ADMIN_DELETE_NAMESPACE:
        request->method = "DELETE";
        snprintf(path, size, "/admin/v2/namespaces/%s", target);
        return true;
    }
    return false;
}

size_t admin_plan_apply(admin_http *client, const admin_plan *plan, admin_apply_progress progress,
                        void *context, char *error, size_t error_size)
{
    error[0] = '\0';
    for (size_t i = 0; i < plan->count; i++) {
        const admin_action *action = &plan->actions[i];
        char line[512];
        admin_action_format(action, line, sizeof line);

        admin_request request;
        if (!build_request(action, &request)) {
            free(request.body);
            snprintf(error, error_size, "%s: out of memory building the request", line);
            return i;
        }

        admin_response response;
        int rc = admin_http_request(client, request.method, request.path, request.body, &response);
        free(request.body);
        if (rc != 0) {
            snprintf(error, error_size, "%s: %s", line, response.error);
            admin_response_clear(&response);
            return i;
        }
        if (response.status < 200 || response.status >= 300) {
            snprintf(error, error_size, "%s: HTTP %ld on %s %s: %s", line, response.status,
                     request.method, request.path, response.error);
            admin_response_clear(&response);
            return i;
        }
        admin_response_clear(&response);
        if (progress != NULL) {
            progress(action, i, context);
        }
    }
    return plan->count;
}
