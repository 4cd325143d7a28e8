/*
 * The topics of a namespace that a sink with `namespace:` consumes, read
 * through Pulsar's admin API (v2):
 *
 *   GET /admin/v2/persistent/{tenant}/{namespace}              every topic,
 *       partitions of partitioned topics included ("x-partition-0", ...)
 *   GET /admin/v2/persistent/{tenant}/{namespace}/partitioned  the partitioned ones
 *
 * The result has each partitioned topic once, under its own name (one
 * consumer covers all of its partitions), and each other topic that is not
 * one of their partitions. Topics whose local name starts with "__"
 * (Pulsar's system topics, such as __change_events) are left out. Only
 * persistent topics are listed.
 *
 * Ownership: a lake_topic_list and its strings belong to the caller, who
 * frees it with lake_topic_list_free. Thread safety: the functions keep no
 * state; an admin_http client is used by one thread at a time.
 */
#ifndef SWITCHYARD_LAKE_TOPICS_H
#define SWITCHYARD_LAKE_TOPICS_H

#include <stddef.h>

#include "admin/admin_http.h"
#include "lake/lake_error.h"

typedef struct {
    char **names; /* full names, "persistent://tenant/namespace/topic", sorted */
    size_t count;
} lake_topic_list;

/*
 * Builds the list from the two responses' JSON arrays of topic names.
 * Returns LAKE_ERR_INVALID, naming what is wrong in error, when either is
 * not an array of strings, or LAKE_ERR_NOMEM.
 */
lake_err lake_topic_list_from_json(const char *topics_json, size_t topics_len,
                                   const char *partitioned_json, size_t partitioned_len,
                                   lake_topic_list *out, char *error, size_t error_size);

/*
 * Reads the topics of namespace_name ("tenant/namespace") through admin.
 * Returns LAKE_ERR_NETWORK when no response arrived, LAKE_ERR_HTTP_STATUS
 * with the status, path and broker's reason in error (404: the namespace
 * does not exist), LAKE_ERR_INVALID for a response that is not a list of
 * names, or LAKE_ERR_NOMEM. *out is set only on success.
 */
lake_err lake_topic_list_fetch(admin_http *admin, const char *namespace_name, lake_topic_list *out,
                               char *error, size_t error_size);

/* Returns true when list contains topic. */
bool lake_topic_list_contains(const lake_topic_list *list, const char *topic);

/* Frees the names and zeroes list. */
void lake_topic_list_free(lake_topic_list *list);

#endif
