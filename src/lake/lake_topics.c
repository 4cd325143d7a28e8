/* Topics of a namespace through the admin API (lake_topics.h). */
#include "lake/lake_topics.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTITION_SUFFIX "-partition-"

static lake_err load_names(const char *text, size_t len, const char *what, json_t **out,
                           char *error, size_t error_size)
{
    json_error_t parse_error;
    json_t *names = json_loadb(text != NULL ? text : "", text != NULL ? len : 0, 0, &parse_error);
    if (names == NULL || !json_is_array(names)) {
        snprintf(error, error_size, "the admin API's list of %s is not a JSON array: %s", what,
                 names == NULL ? parse_error.text : "another JSON value");
        json_decref(names);
        return LAKE_ERR_INVALID;
    }
    size_t index;
    json_t *name;
    json_array_foreach(names, index, name)
    {
        if (!json_is_string(name)) {
            snprintf(error, error_size,
                     "the admin API's list of %s has a non-string item at index %zu", what, index);
            json_decref(names);
            return LAKE_ERR_INVALID;
        }
    }
    *out = names;
    return LAKE_OK;
}

static bool is_system_topic(const char *name)
{
    const char *local = strrchr(name, '/');
    return local != NULL && strncmp(local + 1, "__", 2) == 0;
}

/* Returns true when name is "<partitioned>-partition-<digits>" for one of partitioned. */
static bool is_partition_of(const char *name, const json_t *partitioned)
{
    const char *suffix = strstr(name, PARTITION_SUFFIX);
    while (suffix != NULL) {
        const char *digits = suffix + strlen(PARTITION_SUFFIX);
        size_t digit_count = strspn(digits, "0123456789");
        if (digit_count > 0 && digits[digit_count] == '\0') {
            size_t base_len = (size_t)(suffix - name);
            size_t index;
            json_t *item;
            json_array_foreach(partitioned, index, item)
            {
                const char *base = json_string_value(item);
                if (strlen(base) == base_len && strncmp(base, name, base_len) == 0) {
                    return true;
                }
            }
        }
        suffix = strstr(suffix + 1, PARTITION_SUFFIX);
    }
    return false;
}

static lake_err add_name(lake_topic_list *list, const char *name)
{
    if (is_system_topic(name) || lake_topic_list_contains(list, name)) {
        return LAKE_OK;
    }
    char **names = realloc(list->names, (list->count + 1) * sizeof *names);
    if (names == NULL) {
        return LAKE_ERR_NOMEM;
    }
    list->names = names;
    if ((list->names[list->count] = strdup(name)) == NULL) {
        return LAKE_ERR_NOMEM;
    }
    list->count++;
    return LAKE_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

lake_err lake_topic_list_from_json(const char *topics_json, size_t topics_len,
                                   const char *partitioned_json, size_t partitioned_len,
                                   lake_topic_list *out, char *error, size_t error_size)
{
    json_t *topics = NULL;
    json_t *partitioned = NULL;
    lake_err rc = load_names(topics_json, topics_len, "topics", &topics, error, error_size);
    if (rc == LAKE_OK) {
        rc = load_names(partitioned_json, partitioned_len, "partitioned topics", &partitioned,
                        error, error_size);
    }

    lake_topic_list list = {NULL, 0};
    size_t index;
    json_t *item;
    if (rc == LAKE_OK) {
        json_array_foreach(partitioned, index, item)
        {
            if ((rc = add_name(&list, json_string_value(item))) != LAKE_OK) {
                break;
            }
        }
    }
    if (rc == LAKE_OK) {
        json_array_foreach(topics, index, item)
        {
            const char *name = json_string_value(item);
            if (!is_partition_of(name, partitioned) && (rc = add_name(&list, name)) != LAKE_OK) {
                break;
            }
        }
    }
    json_decref(topics);
    json_decref(partitioned);
    if (rc != LAKE_OK) {
        lake_topic_list_free(&list);
        return rc;
    }
    if (list.count > 1) {
        qsort(list.names, list.count, sizeof *list.names, compare_names);
    }
    *out = list;
    return LAKE_OK;
}

static lake_err get_list(admin_http *admin, const char *path, admin_response *response, char *error,
                         size_t error_size)
{
    if (admin_http_request(admin, "GET", path, NULL, response) != 0) {
        snprintf(error, error_size, "listing topics with GET %s failed: %s", path, response->error);
        return LAKE_ERR_NETWORK;
    }
    if (response->status != 200) {
        snprintf(error, error_size, "listing topics with GET %s returned HTTP %ld: %s", path,
                 response->status, response->error);
        admin_response_clear(response);
        return LAKE_ERR_HTTP_STATUS;
    }
    return LAKE_OK;
}

lake_err lake_topic_list_fetch(admin_http *admin, const char *namespace_name, lake_topic_list *out,
                               char *error, size_t error_size)
{
    char path[256];
    char partitioned_path[288];
    snprintf(path, sizeof path, "/admin/v2/persistent/%s", namespace_name);
    snprintf(partitioned_path, sizeof partitioned_path, "%s/partitioned", path);

    admin_response topics = {0};
    admin_response partitioned = {0};
    lake_err rc = get_list(admin, path, &topics, error, error_size);
    if (rc == LAKE_OK) {
        rc = get_list(admin, partitioned_path, &partitioned, error, error_size);
    }
    if (rc == LAKE_OK) {
        rc = lake_topic_list_from_json(topics.body, topics.body_len, partitioned.body,
                                       partitioned.body_len, out, error, error_size);
    }
    admin_response_clear(&topics);
    admin_response_clear(&partitioned);
    return rc;
}

bool lake_topic_list_contains(const lake_topic_list *list, const char *topic)
{
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->names[i], topic) == 0) {
            return true;
        }
    }
    return false;
}

void lake_topic_list_free(lake_topic_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->names[i]);
    }
    free(list->names);
    list->names = NULL;
    list->count = 0;
}
