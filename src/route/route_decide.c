/*
 * route_decide: the steps a to h that route.h lists, one function each, and
 * the output properties of a decided message.
 *
 * Each step either fills part of the decision and returns ROUTE_REASON_NONE
 * or returns the reason that quarantines the message; route_decide stops at
 * the first reason. Nothing from the message is copied into the decision
 * before it passed its check, so a quarantined decision carries only
 * validated text.
 */
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"
#include "route/route_internal.h"
#include "route/route_json.h"

#define SWITCHYARD_PREFIX "switchyard."

static const char *const rule_names[] = {
    [ROUTE_RULE_DEFAULT_ENVIRONMENT] = "default_environment",
    [ROUTE_RULE_ENV_PROPERTY] = "env_property",
    [ROUTE_RULE_DEVELOPER_ENVIRONMENT] = "developer_environment",
    [ROUTE_RULE_UNKNOWN_ENVIRONMENT] = "unknown_environment",
    [ROUTE_RULE_QUARANTINE] = "quarantine",
};

static const char *const reason_names[ROUTE_REASON_COUNT] = {
    [ROUTE_REASON_NONE] = "none",
    [ROUTE_REASON_MISSING_DEVICE_ID] = "missing_device_id",
    [ROUTE_REASON_INVALID_DEVICE_ID] = "invalid_device_id",
    [ROUTE_REASON_DEVICE_ID_MISMATCH] = "device_id_mismatch",
    [ROUTE_REASON_INVALID_ENV] = "invalid_env",
    [ROUTE_REASON_UNKNOWN_ENV] = "unknown_env",
    [ROUTE_REASON_ENV_NOT_ALLOWED] = "env_not_allowed",
    [ROUTE_REASON_DEV_WITHOUT_DEVELOPER] = "dev_without_developer",
    [ROUTE_REASON_UNKNOWN_DEVELOPER] = "unknown_developer",
    [ROUTE_REASON_DEVELOPER_MISMATCH] = "developer_mismatch",
    [ROUTE_REASON_INVALID_PROPERTY] = "invalid_property",
    [ROUTE_REASON_UNPARSEABLE_PAYLOAD] = "unparseable_payload",
    [ROUTE_REASON_INVALID_TOPIC] = "invalid_topic",
};

const char *route_rule_name(route_rule rule)
{
    if ((unsigned)rule >= sizeof rule_names / sizeof rule_names[0]) {
        return "unknown";
    }
    return rule_names[rule];
}

const char *route_reason_name(route_reason reason)
{
    if ((unsigned)reason >= ROUTE_REASON_COUNT) {
        return "unknown";
    }
    return reason_names[reason];
}

/* State shared by the steps of one decision. */
typedef struct {
    const route_table *table;
    const route_registry *registry;
    const route_message *message;
    route_decision *decision;
    const route_property *env; /* the env property, NULL when absent */
    const char *developer;     /* the device's registry developer, or NULL */
    bool claimed_dev;          /* env was exactly "dev" */
} decide_state;

static bool bytes_equal(const char *a, size_t a_len, const char *b)
{
    return a_len == strlen(b) && memcmp(a, b, a_len) == 0;
}

static const route_property *find_property(const route_message *message, const char *key)
{
    for (size_t i = 0; i < message->property_count; i++) {
        const route_property *property = &message->properties[i];
        if (bytes_equal(property->key, property->key_len, key)) {
            return property;
        }
    }
    return NULL;
}

/* Copies len bytes that already passed a name check into a buffer of size bytes. */
static void copy_checked(char *out, size_t size, const char *text, size_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/* Step a. */
static route_reason check_env(decide_state *state)
{
    state->env = find_property(state->message, ROUTE_PROP_ENV);
    if (state->env != NULL && !route__valid_env_name(state->env->value, state->env->value_len)) {
        return ROUTE_REASON_INVALID_ENV;
    }
    return ROUTE_REASON_NONE;
}

static bool valid_key(const char *key, size_t len)
{
    if (len == 0 || len > ROUTE_MAX_KEY_BYTES) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 0x21 || c > 0x7e) {
            return false;
        }
    }
    size_t prefix_len = strlen(SWITCHYARD_PREFIX);
    return !(len >= prefix_len && memcmp(key, SWITCHYARD_PREFIX, prefix_len) == 0);
}

/*
 * Checks that text is UTF-8 without control characters (C0, DEL and C1),
 * overlong forms, surrogates or code points above U+10FFFF.
 */
static bool valid_value(const char *text, size_t len)
{
    if (len > ROUTE_MAX_VALUE_BYTES) {
        return false;
    }
    const uint8_t *bytes = (const uint8_t *)text;
    size_t i = 0;
    while (i < len) {
        uint32_t code;
        size_t step = sy_utf8_decode(bytes + i, len - i, &code);
        if (step == 0 || code < 0x20 || (code >= 0x7F && code <= 0x9F)) {
            return false;
        }
        i += step;
    }
    return true;
}

/* Step b. */
static route_reason check_properties(decide_state *state)
{
    const route_message *message = state->message;
    if (message->property_count > ROUTE_MAX_PROPERTIES) {
        return ROUTE_REASON_INVALID_PROPERTY;
    }
    for (size_t i = 0; i < message->property_count; i++) {
        const route_property *property = &message->properties[i];
        if (!valid_key(property->key, property->key_len) ||
            !valid_value(property->value, property->value_len)) {
            return ROUTE_REASON_INVALID_PROPERTY;
        }
        for (size_t j = 0; j < i; j++) {
            const route_property *earlier = &message->properties[j];
            if (earlier->key_len == property->key_len &&
                memcmp(earlier->key, property->key, property->key_len) == 0) {
                return ROUTE_REASON_INVALID_PROPERTY;
            }
        }
    }
    return ROUTE_REASON_NONE;
}

/* Step c. */
static route_reason check_device_id(decide_state *state)
{
    const route_message *message = state->message;
    const route_property *property = find_property(message, ROUTE_PROP_DEVICE_ID);
    bool has_property = property != NULL && property->value_len > 0;
    bool has_key = message->key != NULL && message->key_len > 0;
    if (!has_property && !has_key) {
        return ROUTE_REASON_MISSING_DEVICE_ID;
    }

    const char *id = has_property ? property->value : message->key;
    size_t id_len = has_property ? property->value_len : message->key_len;
    if (!route__valid_device_id(id, id_len)) {
        return ROUTE_REASON_INVALID_DEVICE_ID;
    }
    if (has_property && has_key &&
        (message->key_len != id_len || memcmp(message->key, id, id_len) != 0)) {
        return ROUTE_REASON_DEVICE_ID_MISMATCH;
    }
    copy_checked(state->decision->device_id, sizeof state->decision->device_id, id, id_len);
    return ROUTE_REASON_NONE;
}

/* Step d: the payload's device_id member, a string or a non-negative integer. */
static route_reason check_payload(decide_state *state)
{
    const route_message *message = state->message;
    if (message->payload == NULL || message->payload_len > ROUTE_MAX_PAYLOAD_BYTES) {
        return ROUTE_REASON_UNPARSEABLE_PAYLOAD;
    }
    route_json_member member;
    if (!route_json_read(message->payload, message->payload_len, ROUTE_PAYLOAD_DEVICE_ID,
                         &member)) {
        return ROUTE_REASON_UNPARSEABLE_PAYLOAD;
    }
    /* A negative integer is not a device id. */
    bool usable = member.kind == ROUTE_JSON_STRING ||
                  (member.kind == ROUTE_JSON_INTEGER && member.text[0] != '-');
    if (!usable) {
        return ROUTE_REASON_UNPARSEABLE_PAYLOAD;
    }
    if (member.truncated || !bytes_equal(member.text, member.len, state->decision->device_id)) {
        return ROUTE_REASON_DEVICE_ID_MISMATCH;
    }
    return ROUTE_REASON_NONE;
}

static void choose(decide_state *state, const char *environment, route_rule rule)
{
    copy_checked(state->decision->environment, sizeof state->decision->environment, environment,
                 strlen(environment));
    state->decision->rule = rule;
}

/* Step e. */
static route_reason choose_environment(decide_state *state)
{
    const route_table *table = state->table;
    if (state->registry != NULL) {
        state->developer = route_registry_developer(state->registry, state->decision->device_id);
    }
    if (state->env == NULL) {
        choose(state, table->default_environment, ROUTE_RULE_DEFAULT_ENVIRONMENT);
        return ROUTE_REASON_NONE;
    }

    char claim[ROUTE_MAX_ENV_BYTES + 1];
    copy_checked(claim, sizeof claim, state->env->value, state->env->value_len);
    state->claimed_dev = strcmp(claim, ROUTE_DEV_ENVIRONMENT) == 0;

    if (state->claimed_dev && state->developer != NULL) {
        const route__environment *own = route__table_find_developer(table, state->developer);
        if (own == NULL) {
            return ROUTE_REASON_UNKNOWN_DEVELOPER;
        }
        choose(state, own->name, ROUTE_RULE_DEVELOPER_ENVIRONMENT);
        return ROUTE_REASON_NONE;
    }
    if (route__table_find(table, claim) != NULL) {
        choose(state, claim, ROUTE_RULE_ENV_PROPERTY);
        return ROUTE_REASON_NONE;
    }
    if (state->claimed_dev && state->registry != NULL) {
        return ROUTE_REASON_DEV_WITHOUT_DEVELOPER;
    }
    if (table->unknown_environment != NULL) {
        choose(state, table->unknown_environment, ROUTE_RULE_UNKNOWN_ENVIRONMENT);
        return ROUTE_REASON_NONE;
    }
    return ROUTE_REASON_UNKNOWN_ENV;
}

/* Step f. */
static route_reason check_allowed(decide_state *state)
{
    if (route_registry_allows(state->registry, state->table, state->decision->device_id,
                              state->decision->environment)) {
        return ROUTE_REASON_NONE;
    }
    if (state->claimed_dev && state->developer == NULL) {
        return ROUTE_REASON_DEV_WITHOUT_DEVELOPER;
    }
    return ROUTE_REASON_ENV_NOT_ALLOWED;
}

/* Step g. */
static route_reason check_developer(decide_state *state)
{
    const route_property *property = find_property(state->message, ROUTE_PROP_DEVELOPER);
    if (property == NULL) {
        return ROUTE_REASON_NONE;
    }
    if (state->developer == NULL ||
        !bytes_equal(property->value, property->value_len, state->developer)) {
        return ROUTE_REASON_DEVELOPER_MISMATCH;
    }
    return ROUTE_REASON_NONE;
}

/* Step h. */
static route_reason expand_topic(decide_state *state)
{
    route_decision *decision = state->decision;
    const route__environment *env = route__table_find(state->table, decision->environment);
    if (env == NULL) {
        return ROUTE_REASON_INVALID_TOPIC;
    }
    route__template_values values = {env->name, env->developer, decision->device_id};
    route__expand_result result = route__expand_template(env->topic_template, &values,
                                                         decision->topic, sizeof decision->topic);
    if (result == ROUTE__EXPAND_BAD_DEVICE) {
        return ROUTE_REASON_INVALID_DEVICE_ID;
    }
    return result == ROUTE__EXPAND_OK ? ROUTE_REASON_NONE : ROUTE_REASON_INVALID_TOPIC;
}

typedef route_reason (*decide_step)(decide_state *state);

static const decide_step steps[] = {
    check_env,          check_properties, check_device_id, check_payload,
    choose_environment, check_allowed,    check_developer, expand_topic,
};

void route_decide(const route_table *table, const route_registry *registry,
                  const route_message *message, route_decision *decision)
{
    memset(decision, 0, sizeof *decision);
    decide_state state = {
        .table = table,
        .registry = registry,
        .message = message,
        .decision = decision,
    };

    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        route_reason reason = steps[i](&state);
        if (reason != ROUTE_REASON_NONE) {
            decision->quarantined = true;
            decision->rule = ROUTE_RULE_QUARANTINE;
            decision->reason = reason;
            copy_checked(decision->topic, sizeof decision->topic, table->quarantine_topic,
                         strlen(table->quarantine_topic));
            return;
        }
    }
}

static bool is_router_key(const route_property *property)
{
    static const char *const keys[] = {ROUTE_PROP_RULE, ROUTE_PROP_ENVIRONMENT,
                                       ROUTE_PROP_SOURCE_TOPIC, ROUTE_PROP_SOURCE_ID,
                                       ROUTE_PROP_REASON};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (bytes_equal(property->key, property->key_len, keys[i])) {
            return true;
        }
    }
    return false;
}

static void put(route_property *out, size_t *count, const char *key, const char *value)
{
    out[*count] = (route_property){key, strlen(key), value, strlen(value)};
    (*count)++;
}

size_t route_output_properties(const route_message *message, const route_decision *decision,
                               const char *source_topic, const char *source_id, route_property *out,
                               size_t capacity)
{
    if (capacity < message->property_count + 5) {
        return 0;
    }
    size_t count = 0;
    for (size_t i = 0; i < message->property_count; i++) {
        if (!is_router_key(&message->properties[i])) {
            out[count++] = message->properties[i];
        }
    }

    put(out, &count, ROUTE_PROP_RULE, route_rule_name(decision->rule));
    if (!decision->quarantined) {
        put(out, &count, ROUTE_PROP_ENVIRONMENT, decision->environment);
    }
    put(out, &count, ROUTE_PROP_SOURCE_TOPIC, source_topic);
    put(out, &count, ROUTE_PROP_SOURCE_ID, source_id);
    if (decision->quarantined) {
        put(out, &count, ROUTE_PROP_REASON, route_reason_name(decision->reason));
    }
    return count;
}
