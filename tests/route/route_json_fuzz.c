/*
 * Fuzz target: route_json_read and jansson (json_loadb with
 * JSON_REJECT_DUPLICATES) agree on every input, both on whether it is a
 * valid document and on the top-level "device_id" member. Any difference
 * aborts. Inputs with a NUL byte are only checked to be invalid, because
 * jansson skips a NUL that follows a number.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_member(const json_t *root, const route_json_member *member)
{
    const json_t *value = json_is_object(root) ? json_object_get(root, "device_id") : NULL;
    if (value == NULL) {
        if (member->kind != ROUTE_JSON_ABSENT) {
            abort();
        }
        return;
    }
    if (json_is_string(value)) {
        size_t len = json_string_length(value);
        size_t stored = len < ROUTE_JSON_MEMBER_TEXT_MAX ? len : ROUTE_JSON_MEMBER_TEXT_MAX;
        if (member->kind != ROUTE_JSON_STRING || member->len != len ||
            member->truncated != (stored < len) ||
            memcmp(member->text, json_string_value(value), stored) != 0) {
            abort();
        }
    } else if (json_is_integer(value)) {
        char text[32];
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        if (member->kind != ROUTE_JSON_INTEGER || strcmp(member->text, text) != 0) {
            abort();
        }
    } else if (member->kind != ROUTE_JSON_OTHER) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    route_json_member member;
    bool valid = route_json_read(data, size, "device_id", &member);
    if (memchr(data, 0, size) != NULL) {
        if (valid) {
            abort();
        }
        return 0;
    }
    json_error_t error;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &error);
    if (valid != (root != NULL)) {
        abort();
    }
    if (root != NULL) {
        check_member(root, &member);
        json_decref(root);
    }
    return 0;
}
