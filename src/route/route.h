/*
 * The router's decision: which topic one input message goes to.
 *
 * This module is pure logic. It reads no file except a device registry that
 * the caller asks it to load, opens no socket and keeps no clock, so every
 * rule below is tested by table without a broker.
 *
 * Invariants that every decision keeps:
 *  1. Production by default: a message without an `env` property goes to the
 *     table's default environment.
 *  2. Fail closed: a message whose environment is malformed, unknown (under
 *     the quarantine policy) or not allowed for its device is never routed to
 *     an environment. It is quarantined with a reason, never dropped.
 *  3. No value from a message reaches a topic name unless it passed the
 *     syntax check of its kind and names something configured: an `env`
 *     value must equal a configured environment, the developer of a
 *     developer environment comes from the registry and must be configured,
 *     and `{device}` is filled only with an id of [A-Za-z0-9_-]{1,64}. The
 *     expanded topic is checked again before it is returned.
 *
 * Decision steps, in order; the first that fails quarantines the message
 * with the reason named:
 *   a. `env` property, if present: 1 to ROUTE_MAX_ENV_BYTES bytes of a-z,
 *      0-9 and '-', starting with a letter                       invalid_env
 *   b. properties: at most ROUTE_MAX_PROPERTIES of them. Each key has 1 to
 *      ROUTE_MAX_KEY_BYTES printable ASCII bytes, does not start with
 *      "switchyard." and is not repeated. Each value has at most
 *      ROUTE_MAX_VALUE_BYTES bytes of UTF-8 without control characters
 *                                                           invalid_property
 *   c. device id: the `device_id` property, else the message key;
 *      neither present or empty                            missing_device_id
 *      not [A-Za-z0-9_-]{1,64}                             invalid_device_id
 *      property and key both present and different        device_id_mismatch
 *   d. payload: a JSON object of at most ROUTE_MAX_PAYLOAD_BYTES whose
 *      `device_id` member is a string or a non-negative integer
 *                                                        unparseable_payload
 *      that member differs from the device id             device_id_mismatch
 *      The payload alone never supplies the device id: the ingestion layer
 *      sets the property or key from the authenticated device, the payload
 *      is written by the device.
 *   e. environment: absent -> default environment (rule default_environment);
 *      `dev` from a registry device with a developer -> dev-<developer>
 *      (rule developer_environment), where the developer must be configured
 *                                                          unknown_developer
 *      a configured name, dev-<developer> included -> itself
 *      (rule env_property);
 *      `dev` when it is not configured, from a device without a developer,
 *      with a registry loaded                          dev_without_developer
 *      anything else -> the unknown-environment environment when the table
 *      names one (rule unknown_environment)                      unknown_env
 *   f. registry: the chosen environment must be allowed for the device
 *      (see route_registry_allows)                           env_not_allowed
 *      or, when the claim was `dev` and the device has no developer,
 *                                                      dev_without_developer
 *   g. `developer` property, if present, must equal the device's registry
 *      developer (absent from the registry counts as different)
 *                                                         developer_mismatch
 *   h. the topic template of the environment expands to a valid
 *      persistent:// topic name                                invalid_topic
 *
 * Ownership and threads: a table and a registry are immutable once created,
 * so any number of threads may share them. route_decide only reads them and
 * writes the caller's decision. Replacing a registry (reload) is the
 * caller's job: load and check the new one, then swap the pointer under the
 * caller's own lock, and free the old one when no decision uses it.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_H
#define SWITCHYARD_ROUTE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on untrusted input. A value over a limit quarantines the message. */
#define ROUTE_MAX_PROPERTIES      64
#define ROUTE_MAX_KEY_BYTES       128
#define ROUTE_MAX_VALUE_BYTES     1024
#define ROUTE_MAX_ENV_BYTES       48
#define ROUTE_MAX_DEVELOPER_BYTES 40
#define ROUTE_MAX_DEVICE_ID_BYTES 64
/*
 * Pulsar's default maxMessageSize (5 MiB). NOTE: a broker configured with a
 * larger limit can deliver larger payloads, and those are quarantined as
 * unparseable_payload.
 */
#define ROUTE_MAX_PAYLOAD_BYTES (5u * 1024u * 1024u)
/* Maximum length of a topic name that a template expands to, without the terminating NUL. */
#define ROUTE_MAX_TOPIC_BYTES 255

/* Names of the properties that the router reads. */
#define ROUTE_PROP_ENV       "env"
#define ROUTE_PROP_DEVICE_ID "device_id"
#define ROUTE_PROP_DEVELOPER "developer"
/* Member of the JSON payload that carries the device id. */
#define ROUTE_PAYLOAD_DEVICE_ID "device_id"

/*
 * Names of the properties that the router adds to each output message. The
 * input's properties are kept; an input property with one of these keys is
 * replaced (input keys starting with "switchyard." are rejected in step b).
 */
#define ROUTE_PROP_RULE         "switchyard.rule"         /* route_rule_name of the decision */
#define ROUTE_PROP_ENVIRONMENT  "switchyard.environment"  /* chosen environment, routed only */
#define ROUTE_PROP_SOURCE_TOPIC "switchyard.source_topic" /* topic the input was read from */
#define ROUTE_PROP_SOURCE_ID    "switchyard.source_id"    /* input message id as text */
#define ROUTE_PROP_REASON       "reason"                  /* route_reason_name, quarantine only */

/* The environment name that a device claims to reach its developer's environment. */
#define ROUTE_DEV_ENVIRONMENT "dev"
/* Developer environments are named this prefix followed by the developer. */
#define ROUTE_DEVELOPER_ENV_PREFIX "dev-"

/* Which step decided. The names (route_rule_name) are stable: they become a property. */
typedef enum {
    ROUTE_RULE_DEFAULT_ENVIRONMENT,   /* no env property: the default environment */
    ROUTE_RULE_ENV_PROPERTY,          /* env names a configured environment */
    ROUTE_RULE_DEVELOPER_ENVIRONMENT, /* env dev from a device with a developer */
    ROUTE_RULE_UNKNOWN_ENVIRONMENT,   /* unknown env sent to the configured fallback */
    ROUTE_RULE_QUARANTINE,            /* any quarantine reason */
} route_rule;

/*
 * Why a message was quarantined. The names (route_reason_name) are stable:
 * they become the `reason` property and metric labels.
 */
typedef enum {
    ROUTE_REASON_NONE = 0,
    ROUTE_REASON_MISSING_DEVICE_ID,
    ROUTE_REASON_INVALID_DEVICE_ID,
    ROUTE_REASON_DEVICE_ID_MISMATCH,
    ROUTE_REASON_INVALID_ENV,
    ROUTE_REASON_UNKNOWN_ENV,
    ROUTE_REASON_ENV_NOT_ALLOWED,
    ROUTE_REASON_DEV_WITHOUT_DEVELOPER,
    ROUTE_REASON_UNKNOWN_DEVELOPER,
    ROUTE_REASON_DEVELOPER_MISMATCH,
    ROUTE_REASON_INVALID_PROPERTY,
    ROUTE_REASON_UNPARSEABLE_PAYLOAD,
    ROUTE_REASON_INVALID_TOPIC,
    ROUTE_REASON_COUNT,
} route_reason;

/* Returns the stable name of rule ("default_environment", ...), "unknown" if out of range. */
const char *route_rule_name(route_rule rule);

/* Returns the stable name of reason ("unknown_env", ...); "none" for ROUTE_REASON_NONE. */
const char *route_reason_name(route_reason reason);

/* ------------------------------------------------------------------------ */
/* Routing table                                                             */

/*
 * One routing target. topic_template is a persistent:// topic name that may
 * contain {env}, {device} and, in a developer environment, {developer}.
 * A developer environment has developer set and is named dev-<developer>.
 */
typedef struct {
    const char *name;
    const char *topic_template;
    const char *developer; /* NULL for a shared environment */
} route_environment_spec;

/* Everything a table is made of; route_table_create copies it. */
typedef struct {
    const route_environment_spec *environments;
    size_t environment_count;
    const char *default_environment;
    /* Environment for an unknown env value; NULL quarantines it (reason unknown_env). */
    const char *unknown_environment;
    const char *quarantine_topic; /* a topic name, no placeholders */
} route_table_spec;

typedef struct route_table route_table;

/*
 * Validates spec and copies it into a new table. Returns NULL and writes a
 * message naming the value and the fix into error when: a name is not a
 * valid environment (or developer) name, a name is repeated, a name starts
 * with dev- but is not dev-<its developer> (or the reverse), a template has
 * an unknown or unclosed placeholder or does not expand to a persistent://
 * topic of at most ROUTE_MAX_TOPIC_BYTES, {developer} appears outside a
 * developer environment, the default or unknown environment is not
 * configured or is a developer environment,
 * the unknown environment is the default environment (production can never
 * receive unknown values), {device} appears before the last '/' (it may
 * only name a topic inside a provisioned namespace), or memory runs out. The caller frees the table
 * with route_table_free.
 */
route_table *route_table_create(const route_table_spec *spec, char *error, size_t error_size);

void route_table_free(route_table *table);

/* Returns the quarantine topic of table; owned by the table. */
const char *route_table_quarantine_topic(const route_table *table);

/* Returns true if name is a configured environment (shared or developer). */
bool route_table_has_environment(const route_table *table, const char *name);

/* Returns true if name is the developer of one of the table's environments. */
bool route_table_has_developer(const route_table *table, const char *name);

/* ------------------------------------------------------------------------ */
/* Device registry (the YAML file described in docs/configuration.md)       */

typedef struct route_registry route_registry;

/*
 * Loads and validates a registry from path. Returns NULL and writes
 * "FILE:LINE: what is wrong and what to do" into error when the file cannot
 * be read, is not YAML, has an unknown key, a device without `id` or
 * `environments`, an id that is not [A-Za-z0-9_-]{1,64}, an id listed twice,
 * an environment or developer name that is not valid, or an empty
 * `environments` list. A missing `default_environments` means an unlisted
 * device may use only the table's default environment. The caller frees the
 * result with route_registry_free.
 */
route_registry *route_registry_load(const char *path, char *error, size_t error_size);

/* As route_registry_load, from YAML text in memory. name is the file name used in messages. */
route_registry *route_registry_load_string(const char *text, size_t len, const char *name,
                                           char *error, size_t error_size);

/*
 * Checks that every environment that registry names is configured in table
 * and that every developer has a developer environment in it. Returns true,
 * or false with "FILE:LINE: ..." in error. A reload must pass both
 * route_registry_load and this check.
 */
bool route_registry_check(const route_registry *registry, const route_table *table, char *error,
                          size_t error_size);

void route_registry_free(route_registry *registry);

/* Returns the number of devices listed. */
size_t route_registry_device_count(const route_registry *registry);

/*
 * Returns the developer of device_id, or NULL when the device is not listed
 * or has none. The string belongs to the registry.
 */
const char *route_registry_developer(const route_registry *registry, const char *device_id);

/*
 * Returns true if device_id may use environment. A listed device may use the
 * names in its `environments`, and dev-<its developer> when that list has
 * `dev`. An unlisted device may use `default_environments`, or the table's
 * default environment when the file has none. A NULL registry allows every
 * environment (the table still limits them to configured ones).
 */
bool route_registry_allows(const route_registry *registry, const route_table *table,
                           const char *device_id, const char *environment);

/* ------------------------------------------------------------------------ */
/* Decision                                                                  */

/* One message property as bytes, as it came off the wire (not NUL-terminated). */
typedef struct {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} route_property;

/* One input message; every pointer is borrowed for the call. */
typedef struct {
    const route_property *properties;
    size_t property_count;
    const char *key; /* message key, NULL when the message has none */
    size_t key_len;
    const uint8_t *payload;
    size_t payload_len;
} route_message;

typedef struct {
    bool quarantined;
    route_rule rule;
    route_reason reason; /* ROUTE_REASON_NONE unless quarantined */
    /* Target topic: the environment's topic, or the quarantine topic. */
    char topic[ROUTE_MAX_TOPIC_BYTES + 1];
    /* Chosen environment; empty when quarantined before one was chosen. */
    char environment[ROUTE_MAX_ENV_BYTES + 1];
    /* Validated device id; empty when none was found valid. */
    char device_id[ROUTE_MAX_DEVICE_ID_BYTES + 1];
} route_decision;

/*
 * Decides where message goes. registry may be NULL, and then every
 * configured environment is allowed for every device. Always fills
 * *decision and has no failure return, because any fault in the message is
 * a quarantine reason. Allocates only while parsing the payload. If that
 * allocation fails, the message is quarantined as unparseable_payload.
 */
void route_decide(const route_table *table, const route_registry *registry,
                  const route_message *message, route_decision *decision);

/*
 * Builds the properties of the output message: the input's properties, less
 * any whose key the router sets, followed by ROUTE_PROP_RULE,
 * ROUTE_PROP_ENVIRONMENT (routed only), ROUTE_PROP_SOURCE_TOPIC,
 * ROUTE_PROP_SOURCE_ID and ROUTE_PROP_REASON (quarantined only). Pointers in
 * out point into message, decision and the two strings, which must outlive
 * out. Returns the number written, or 0 when capacity is too small (at most
 * message->property_count + 5 entries are needed).
 * NOTE: a message quarantined as invalid_property keeps its input properties
 * as they came, so they may hold NUL bytes or invalid UTF-8. A sender whose
 * properties must be NUL-terminated UTF-8 has to encode those itself.
 */
size_t route_output_properties(const route_message *message, const route_decision *decision,
                               const char *source_topic, const char *source_id, route_property *out,
                               size_t capacity);

#endif
