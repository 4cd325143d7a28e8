/*
 * Fuzz target: route_decide over arbitrary properties, key and payload.
 *
 * Input layout: lines "KEY=VALUE" (split at the first '=') are properties,
 * a line "#KEY" sets the message key, and everything after the first empty
 * line is the payload. Besides memory errors, the target aborts when a
 * decision breaks an invariant of route.h: a message whose env is present
 * and not "prod" reaches prod, or a routed topic is not one that the table
 * could produce.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route_test_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_PROPERTIES (ROUTE_MAX_PROPERTIES + 2)

static void check_invariants(const route_message *message, const route_decision *decision)
{
    const route_property *env = NULL;
    for (size_t i = 0; i < message->property_count; i++) {
        if (message->properties[i].key_len == 3 &&
            memcmp(message->properties[i].key, "env", 3) == 0) {
            env = &message->properties[i];
            break;
        }
    }
    bool claims_prod = env != NULL && env->value_len == 4 && memcmp(env->value, "prod", 4) == 0;
    bool reaches_prod = strcmp(decision->topic, "persistent://iot-system/prod/commands") == 0;
    if (env != NULL && !claims_prod && reaches_prod) {
        abort();
    }
    if (decision->quarantined && strcmp(decision->topic, TEST_QUARANTINE) != 0) {
        abort();
    }
    if (!decision->quarantined && strncmp(decision->topic, "persistent://iot-system/",
                                          strlen("persistent://iot-system/")) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    route_property properties[FUZZ_MAX_PROPERTIES];
    route_message message = {.properties = properties};

    size_t pos = 0;
    while (pos < size) {
        const char *line = text + pos;
        const char *newline = memchr(line, '\n', size - pos);
        size_t len = newline != NULL ? (size_t)(newline - line) : size - pos;
        pos += len + (newline != NULL ? 1 : 0);
        if (len == 0) {
            break;
        }
        if (line[0] == '#') {
            message.key = line + 1;
            message.key_len = len - 1;
            continue;
        }
        const char *equals = memchr(line, '=', len);
        if (equals == NULL || message.property_count == FUZZ_MAX_PROPERTIES) {
            continue;
        }
        size_t key_len = (size_t)(equals - line);
        properties[message.property_count++] =
            (route_property){line, key_len, equals + 1, len - key_len - 1};
    }
    message.payload = data + pos;
    message.payload_len = size - pos;

    route_table *poc = test_poc_table();
    route_table *full = test_full_table();
    route_registry *registry = test_registry();
    if (poc == NULL || full == NULL || registry == NULL) {
        abort();
    }

    route_decision decision;
    route_property out[FUZZ_MAX_PROPERTIES + 5];
    route_decide(poc, NULL, &message, &decision);
    check_invariants(&message, &decision);
    (void)route_output_properties(&message, &decision, "persistent://i/n/t", "1:2:-1:0", out,
                                  FUZZ_MAX_PROPERTIES + 5);
    route_decide(full, registry, &message, &decision);
    check_invariants(&message, &decision);
    route_decide(full, NULL, &message, &decision);
    check_invariants(&message, &decision);

    route_registry_free(registry);
    route_table_free(full);
    route_table_free(poc);
    return 0;
}
