/*
 * Syntax checks for the names that may reach a topic, and topic templates.
 *
 * Every check takes bytes with a length, because property values come off
 * the wire and may hold a NUL that a C-string check would stop at. Only
 * ASCII letters, digits and a few separators pass, so '/', '.', '{' and
 * every non-ASCII or control byte are rejected before any name is built.
 */
#include <stdio.h>
#include <string.h>

#include "route/route_internal.h"

#define TOPIC_SCHEME "persistent://"
/* Tenant and namespace parts follow the configuration's name rule. */
#define TOPIC_MAX_PART_BYTES 64

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Environment and developer names: a-z, 0-9, '-'. */
static bool is_name_char(char c)
{
    return is_lower(c) || is_digit(c) || c == '-';
}

bool route__valid_env_name(const char *text, size_t len)
{
    if (text == NULL || len == 0 || len > ROUTE_MAX_ENV_BYTES || !is_lower(text[0])) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(text[i])) {
            return false;
        }
    }
    return true;
}

bool route__valid_developer_name(const char *text, size_t len)
{
    if (text == NULL || len == 0 || len > ROUTE_MAX_DEVELOPER_BYTES) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(text[i])) {
            return false;
        }
    }
    return true;
}

bool route__valid_device_id(const char *text, size_t len)
{
    if (text == NULL || len == 0 || len > ROUTE_MAX_DEVICE_ID_BYTES) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!(is_lower(c) || is_upper(c) || is_digit(c) || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Tenant or namespace: 1 to 64 of a-z, 0-9, '-', '_', starting with a letter or digit. */
static bool valid_topic_part(const char *text, size_t len)
{
    if (len == 0 || len > TOPIC_MAX_PART_BYTES || !(is_lower(text[0]) || is_digit(text[0]))) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!(is_name_char(text[i]) || text[i] == '_')) {
            return false;
        }
    }
    return true;
}

/*
 * Local topic name: letters, digits, '-', '_', '.', not starting with '.'.
 * "-partition-" is rejected because Pulsar reads such a name as one
 * partition of a partitioned topic, which a device id must not select.
 */
static bool valid_topic_local(const char *text, size_t len)
{
    if (len == 0 || text[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!(is_lower(c) || is_upper(c) || is_digit(c) || c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return strstr(text, "-partition-") == NULL;
}

bool route__valid_topic(const char *topic)
{
    size_t scheme_len = strlen(TOPIC_SCHEME);
    if (topic == NULL || strncmp(topic, TOPIC_SCHEME, scheme_len) != 0 ||
        strlen(topic) > ROUTE_MAX_TOPIC_BYTES) {
        return false;
    }

    const char *tenant = topic + scheme_len;
    const char *slash1 = strchr(tenant, '/');
    if (slash1 == NULL) {
        return false;
    }
    const char *ns = slash1 + 1;
    const char *slash2 = strchr(ns, '/');
    if (slash2 == NULL) {
        return false;
    }
    const char *local = slash2 + 1;
    if (strchr(local, '/') != NULL) {
        return false;
    }
    return valid_topic_part(tenant, (size_t)(slash1 - tenant)) &&
           valid_topic_part(ns, (size_t)(slash2 - ns)) && valid_topic_local(local, strlen(local));
}

/* Appends len bytes of text to out at *pos; false when it does not fit with a NUL. */
static bool append(char *out, size_t out_size, size_t *pos, const char *text, size_t len)
{
    if (len >= out_size - *pos) {
        return false;
    }
    memcpy(out + *pos, text, len);
    *pos += len;
    out[*pos] = '\0';
    return true;
}

/* Returns the value for placeholder name, sets *known false for an unknown name. */
static const char *placeholder_value(const route__template_values *values, const char *name,
                                     size_t len, bool *known, bool *is_device)
{
    *known = true;
    *is_device = false;
    if (len == 3 && memcmp(name, "env", 3) == 0) {
        return values->env;
    }
    if (len == 9 && memcmp(name, "developer", 9) == 0) {
        return values->developer;
    }
    if (len == 6 && memcmp(name, "device", 6) == 0) {
        *is_device = true;
        return values->device;
    }
    *known = false;
    return NULL;
}

route__expand_result route__expand_template(const char *template_text,
                                            const route__template_values *values, char *out,
                                            size_t out_size)
{
    size_t pos = 0;
    if (out_size == 0) {
        return ROUTE__EXPAND_TOO_LONG;
    }
    out[0] = '\0';

    const char *p = template_text;
    while (*p != '\0') {
        if (*p == '}') {
            return ROUTE__EXPAND_BAD_TEMPLATE;
        }
        if (*p != '{') {
            if (!append(out, out_size, &pos, p, 1)) {
                return ROUTE__EXPAND_TOO_LONG;
            }
            p++;
            continue;
        }

        const char *close = strchr(p + 1, '}');
        if (close == NULL) {
            return ROUTE__EXPAND_BAD_TEMPLATE;
        }
        bool known = false;
        bool is_device = false;
        const char *value =
            placeholder_value(values, p + 1, (size_t)(close - p - 1), &known, &is_device);
        if (!known) {
            return ROUTE__EXPAND_BAD_TEMPLATE;
        }
        if (value == NULL) {
            return ROUTE__EXPAND_MISSING_VALUE;
        }
        if (is_device && !route__valid_device_id(value, strlen(value))) {
            return ROUTE__EXPAND_BAD_DEVICE;
        }
        if (!append(out, out_size, &pos, value, strlen(value))) {
            return ROUTE__EXPAND_TOO_LONG;
        }
        p = close + 1;
    }

    if (!route__valid_topic(out)) {
        return ROUTE__EXPAND_INVALID_TOPIC;
    }
    return ROUTE__EXPAND_OK;
}
