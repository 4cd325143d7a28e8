/*
 * Definitions shared by the files of the route module and by nothing else.
 * Names internal to the module carry the route__ prefix.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_INTERNAL_H
#define SWITCHYARD_ROUTE_ROUTE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "route/route.h"

typedef struct {
    char *name;
    char *topic_template;
    char *developer; /* NULL for a shared environment */
} route__environment;

struct route_table {
    route__environment *environments;
    size_t environment_count;
    char *default_environment;
    char *unknown_environment; /* NULL: quarantine unknown values */
    char *quarantine_topic;
};

/* Name checks over bytes with a length, so an embedded NUL fails them. */
bool route__valid_env_name(const char *text, size_t len);
bool route__valid_developer_name(const char *text, size_t len);
bool route__valid_device_id(const char *text, size_t len);

/* Checks a topic name: persistent://TENANT/NAMESPACE/TOPIC of configured-name characters. */
bool route__valid_topic(const char *topic);

/* Values substituted into a template; a NULL field fails the expansion if used. */
typedef struct {
    const char *env;
    const char *developer;
    const char *device;
} route__template_values;

typedef enum {
    ROUTE__EXPAND_OK,
    ROUTE__EXPAND_BAD_TEMPLATE,  /* unknown or unclosed placeholder */
    ROUTE__EXPAND_MISSING_VALUE, /* a placeholder whose value is NULL */
    ROUTE__EXPAND_BAD_DEVICE,    /* {device} with an id that is not [A-Za-z0-9_-]{1,64} */
    ROUTE__EXPAND_TOO_LONG,
    ROUTE__EXPAND_INVALID_TOPIC, /* the result is not a valid topic name */
} route__expand_result;

/* Expands template into out (out_size bytes, NUL-terminated on success). */
route__expand_result route__expand_template(const char *template_text,
                                            const route__template_values *values, char *out,
                                            size_t out_size);

/* Returns the table's environment called name, or NULL. */
const route__environment *route__table_find(const route_table *table, const char *name);

/* Returns the developer environment of developer, or NULL. */
const route__environment *route__table_find_developer(const route_table *table,
                                                      const char *developer);

#endif
