/*
 * Fuzz target: any payload, key and property value encode to one JSON line
 * that jansson parses, and every payload byte comes back, either from
 * "payload" (valid UTF-8) or from "payload_base64".
 *
 * Input layout: byte 0 is the key's length and byte 1 the property value's
 * length (each capped by what remains), then the key, the value, and the
 * rest as the payload. The key and value stop at their first NUL, as C
 * strings do.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake_jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *take_text(const uint8_t **data, size_t *size, size_t len)
{
    if (len > *size) {
        len = *size;
    }
    char *text = malloc(len + 1);
    if (text == NULL) {
        abort();
    }
    memcpy(text, *data, len);
    text[len] = '\0';
    *data += len;
    *size -= len;
    return text;
}

/* Decodes standard base64 with padding. Returns the length, or SIZE_MAX when malformed. */
static size_t base64_decode(const char *text, size_t len, uint8_t *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (len % 4 != 0) {
        return SIZE_MAX;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t group = 0;
        int pad = 0;
        for (size_t j = 0; j < 4; j++) {
            const char *hit = text[i + j] == '=' ? NULL : strchr(alphabet, text[i + j]);
            if (text[i + j] == '=') {
                pad++;
            } else if (hit == NULL || text[i + j] == '\0' || pad > 0) {
                return SIZE_MAX;
            }
            group = group << 6 | (hit != NULL ? (uint32_t)(hit - alphabet) : 0u);
        }
        out[n++] = (uint8_t)(group >> 16);
        if (pad < 2) {
            out[n++] = (uint8_t)(group >> 8);
        }
        if (pad < 1) {
            out[n++] = (uint8_t)group;
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t key_len = data[0];
    size_t value_len = data[1];
    data += 2;
    size -= 2;
    char *key = take_text(&data, &size, key_len);
    char *value = take_text(&data, &size, value_len);

    lake_property property = {"p", value};
    lake_record record = {
        .payload = data,
        .payload_len = size,
        .properties = &property,
        .property_count = 1,
        .key = key,
        .id = {1, 2, -1, 3},
        .topic = "persistent://t/n/x",
        .publish_time_ms = 1764853501123,
        .event_time_ms = 0,
    };
    lake_buf line = {0};
    if (lake_jsonl_encode(&record, &line) != LAKE_OK) {
        abort();
    }
    if (line.len == 0 || line.data[line.len - 1] != '\n') {
        abort();
    }

    json_error_t error;
    json_t *object = json_loadb((const char *)line.data, line.len - 1, JSON_ALLOW_NUL, &error);
    if (object == NULL) {
        abort();
    }
    json_t *payload = json_object_get(object, "payload");
    json_t *payload_base64 = json_object_get(object, "payload_base64");
    if ((payload == NULL) == (payload_base64 == NULL)) {
        abort();
    }
    if (payload != NULL) {
        if (json_string_length(payload) != size ||
            memcmp(json_string_value(payload), data, size) != 0 || !lake_utf8_valid(data, size)) {
            abort();
        }
    } else {
        uint8_t *decoded = malloc(size + 3);
        const char *text = json_string_value(payload_base64);
        size_t decoded_len = decoded != NULL && text != NULL
                                 ? base64_decode(text, json_string_length(payload_base64), decoded)
                                 : SIZE_MAX;
        if (decoded_len != size || memcmp(decoded, data, size) != 0 ||
            lake_utf8_valid(data, size)) {
            abort();
        }
        free(decoded);
    }
    if (!json_is_string(json_object_get(object, "key")) ||
        !json_is_string(json_object_get(json_object_get(object, "properties"), "p"))) {
        abort();
    }

    json_decref(object);
    lake_buf_clear(&line);
    free(key);
    free(value);
    return 0;
}
