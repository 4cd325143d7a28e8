/*
 * The routing table: configured environments (shared and developer ones),
 * their topic templates, and the policies for missing and unknown
 * environments.
 *
 * route_table_create validates everything a decision relies on, so that a
 * decision never meets a bad template. Each template is expanded at
 * creation with its environment's name, its developer and a device id of
 * the maximum length. Each result must be a valid topic name that fits
 * ROUTE_MAX_TOPIC_BYTES.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_internal.h"

/* A device id of ROUTE_MAX_DEVICE_ID_BYTES characters, the longest a template may meet. */
static const char longest_device_id[] =
    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
_Static_assert(sizeof longest_device_id == ROUTE_MAX_DEVICE_ID_BYTES + 1,
               "longest_device_id must have the maximum device id length");

static void set_error(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *error, size_t error_size, const char *format, ...)
{
    if (error == NULL || error_size == 0) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

static char *copy_string(const char *text)
{
    if (text == NULL) {
        return NULL;
    }
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    if (copy != NULL) {
        memcpy(copy, text, len);
    }
    return copy;
}

static const char *expand_problem(route__expand_result result)
{
    switch (result) {
    case ROUTE__EXPAND_OK:
        return "no problem";
    case ROUTE__EXPAND_BAD_TEMPLATE:
        return "has an unknown or unclosed placeholder (use {env}, {developer} or {device})";
    case ROUTE__EXPAND_MISSING_VALUE:
        return "uses {developer}, which only the developer environment template may use";
    case ROUTE__EXPAND_BAD_DEVICE:
        return "cannot take a device id";
    case ROUTE__EXPAND_TOO_LONG:
        return "expands to more than 255 bytes with a 64-character device id";
    case ROUTE__EXPAND_INVALID_TOPIC:
        return "does not expand to persistent://TENANT/NAMESPACE/TOPIC of valid names";
    }
    return "is invalid";
}

/* Expands template_text with sample values and reports the first problem. */
static bool check_template(const char *what, const char *template_text,
                           const route__template_values *values, char *error, size_t error_size)
{
    if (template_text == NULL) {
        set_error(error, error_size, "%s: topic template is missing: set it", what);
        return false;
    }
    /* Namespaces are provisioned ahead, so a device id may only name a topic inside one. */
    const char *device = strstr(template_text, "{device}");
    if (device != NULL && strchr(device, '/') != NULL) {
        set_error(error, error_size,
                  "%s: topic template '%s' uses {device} outside the local topic name: put it "
                  "after the last '/'",
                  what, template_text);
        return false;
    }

    char topic[ROUTE_MAX_TOPIC_BYTES + 1];
    route__expand_result result =
        route__expand_template(template_text, values, topic, sizeof topic);
    if (result != ROUTE__EXPAND_OK) {
        set_error(error, error_size, "%s: topic template '%s' %s", what, template_text,
                  expand_problem(result));
        return false;
    }
    return true;
}

/* A developer environment is exactly dev-<developer>, and only it starts with dev-. */
static bool check_developer_name(const route_environment_spec *env, char *error, size_t error_size)
{
    size_t prefix_len = strlen(ROUTE_DEVELOPER_ENV_PREFIX);
    bool has_prefix = strncmp(env->name, ROUTE_DEVELOPER_ENV_PREFIX, prefix_len) == 0;
    if (env->developer == NULL) {
        if (has_prefix) {
            set_error(error, error_size,
                      "environment '%s': names starting with 'dev-' are reserved for developer "
                      "environments: rename it or set its developer",
                      env->name);
            return false;
        }
        return true;
    }
    if (!route__valid_developer_name(env->developer, strlen(env->developer))) {
        set_error(error, error_size,
                  "developer '%s' is not a valid name: use 1 to 40 of a-z, 0-9 and '-'",
                  env->developer);
        return false;
    }
    if (!has_prefix || strcmp(env->name + prefix_len, env->developer) != 0) {
        set_error(error, error_size, "environment '%s' of developer '%s' must be named 'dev-%s'",
                  env->name, env->developer, env->developer);
        return false;
    }
    return true;
}

static bool check_environment(const route_table_spec *spec, size_t index, char *error,
                              size_t error_size)
{
    const route_environment_spec *env = &spec->environments[index];
    if (env->name == NULL || !route__valid_env_name(env->name, strlen(env->name))) {
        set_error(error, error_size,
                  "environment '%s' is not a valid name: use 1 to 48 of a-z, 0-9 and '-', "
                  "starting with a letter",
                  env->name != NULL ? env->name : "");
        return false;
    }
    if (!check_developer_name(env, error, error_size)) {
        return false;
    }
    for (size_t j = 0; j < index; j++) {
        if (strcmp(spec->environments[j].name, env->name) == 0) {
            set_error(error, error_size, "environment '%s' is listed twice: remove one", env->name);
            return false;
        }
    }

    route__template_values values = {env->name, env->developer, longest_device_id};
    char what[96];
    snprintf(what, sizeof what, "environment '%s'", env->name);
    return check_template(what, env->topic_template, &values, error, error_size);
}

static bool check_environments(const route_table_spec *spec, char *error, size_t error_size)
{
    if (spec->environment_count > 0 && spec->environments == NULL) {
        set_error(error, error_size, "the routing table's environments are missing");
        return false;
    }
    for (size_t i = 0; i < spec->environment_count; i++) {
        if (!check_environment(spec, i, error, error_size)) {
            return false;
        }
    }
    return true;
}

/* Returns true if name is a configured shared (not developer) environment. */
static bool is_shared_environment(const route_table_spec *spec, const char *name)
{
    for (size_t i = 0; i < spec->environment_count; i++) {
        if (strcmp(spec->environments[i].name, name) == 0) {
            return spec->environments[i].developer == NULL;
        }
    }
    return false;
}

static bool check_policies(const route_table_spec *spec, char *error, size_t error_size)
{
    if (spec->default_environment == NULL ||
        !is_shared_environment(spec, spec->default_environment)) {
        set_error(error, error_size,
                  "default environment '%s' is not a configured shared environment: name one "
                  "of them",
                  spec->default_environment != NULL ? spec->default_environment : "");
        return false;
    }
    if (spec->unknown_environment != NULL) {
        if (!is_shared_environment(spec, spec->unknown_environment)) {
            set_error(error, error_size,
                      "unknown-environment target '%s' is not a configured shared environment: "
                      "name one of them, or quarantine",
                      spec->unknown_environment);
            return false;
        }
        if (strcmp(spec->unknown_environment, spec->default_environment) == 0) {
            set_error(error, error_size,
                      "unknown-environment target '%s' is the default (production) environment, "
                      "which must never receive unknown values: name another one, or quarantine",
                      spec->unknown_environment);
            return false;
        }
    }
    if (spec->quarantine_topic == NULL || !route__valid_topic(spec->quarantine_topic)) {
        set_error(error, error_size,
                  "quarantine topic '%s' is not a valid persistent://TENANT/NAMESPACE/TOPIC name",
                  spec->quarantine_topic != NULL ? spec->quarantine_topic : "");
        return false;
    }
    return true;
}

static bool copy_spec(route_table *table, const route_table_spec *spec)
{
    table->environments = calloc(spec->environment_count + 1, sizeof *table->environments);
    if (table->environments == NULL) {
        return false;
    }
    for (size_t i = 0; i < spec->environment_count; i++) {
        const route_environment_spec *from = &spec->environments[i];
        route__environment *env = &table->environments[i];
        table->environment_count++;
        env->name = copy_string(from->name);
        env->topic_template = copy_string(from->topic_template);
        env->developer = copy_string(from->developer);
        if (env->name == NULL || env->topic_template == NULL ||
            (from->developer != NULL && env->developer == NULL)) {
            return false;
        }
    }

    table->default_environment = copy_string(spec->default_environment);
    table->quarantine_topic = copy_string(spec->quarantine_topic);
    if (table->default_environment == NULL || table->quarantine_topic == NULL) {
        return false;
    }
    if (spec->unknown_environment != NULL) {
        table->unknown_environment = copy_string(spec->unknown_environment);
        if (table->unknown_environment == NULL) {
            return false;
        }
    }
    return true;
}

route_table *route_table_create(const route_table_spec *spec, char *error, size_t error_size)
{
    if (!check_environments(spec, error, error_size) || !check_policies(spec, error, error_size)) {
        return NULL;
    }

    route_table *table = calloc(1, sizeof *table);
    if (table == NULL || !copy_spec(table, spec)) {
        route_table_free(table);
        set_error(error, error_size, "out of memory while building the routing table");
        return NULL;
    }
    return table;
}

void route_table_free(route_table *table)
{
    if (table == NULL) {
        return;
    }
    for (size_t i = 0; i < table->environment_count; i++) {
        free(table->environments[i].name);
        free(table->environments[i].topic_template);
        free(table->environments[i].developer);
    }
    free(table->environments);
    free(table->default_environment);
    free(table->unknown_environment);
    free(table->quarantine_topic);
    free(table);
}

const char *route_table_quarantine_topic(const route_table *table)
{
    return table->quarantine_topic;
}

const route__environment *route__table_find(const route_table *table, const char *name)
{
    for (size_t i = 0; i < table->environment_count; i++) {
        if (strcmp(table->environments[i].name, name) == 0) {
            return &table->environments[i];
        }
    }
    return NULL;
}

const route__environment *route__table_find_developer(const route_table *table,
                                                      const char *developer)
{
    for (size_t i = 0; i < table->environment_count; i++) {
        const char *owner = table->environments[i].developer;
        if (owner != NULL && strcmp(owner, developer) == 0) {
            return &table->environments[i];
        }
    }
    return NULL;
}

bool route_table_has_developer(const route_table *table, const char *name)
{
    return route__table_find_developer(table, name) != NULL;
}

bool route_table_has_environment(const route_table *table, const char *name)
{
    return route__table_find(table, name) != NULL;
}
