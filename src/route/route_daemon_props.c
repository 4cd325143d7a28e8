/*
 * Input and output fields of the router's messages.
 *
 * Input fields are taken with the byte lengths that the Pulsar client
 * reports, never with strlen: a property value may contain a NUL byte, and
 * "prod\0x" read as a C string would pass as "prod", which breaks the
 * fail-closed rule.
 *
 * Output properties of a quarantined message (invariant 4 of route_daemon.h):
 * every input property is kept. One that cannot be sent as it came (key or
 * value with a NUL byte or invalid UTF-8, or a key that the router sets
 * itself: "switchyard." prefix or "reason") becomes the property
 * "switchyard.raw.<index>" whose value is base64(key) "." base64(value), in
 * standard base64 with padding, where index is the property's position in
 * the input (from 0). A message key with a NUL byte is sent as no key plus
 * the property "switchyard.raw.key" = base64(key).
 */
#include "route/route_daemon_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/utf8.h"

bool daemon_input_init(daemon_input *input, const pulsar_message *message)
{
    memset(input, 0, sizeof *input);
    size_t count = message->property_count;
    if (count > 0) {
        input->properties = calloc(count, sizeof *input->properties);
        if (input->properties == NULL) {
            return false;
        }
    }
    for (size_t i = 0; i < count; i++) {
        const pulsar_property *p = &message->properties[i];
        input->properties[i] = (route_property){p->key, message->property_key_lens[i], p->value,
                                                message->property_value_lens[i]};
    }
    input->message.properties = input->properties;
    input->message.property_count = count;
    if (message->key != NULL) {
        input->message.key = message->key;
        input->message.key_len = message->key_len;
    }
    input->message.payload = message->payload;
    input->message.payload_len = message->payload_len;
    return true;
}

void daemon_input_free(daemon_input *input)
{
    free(input->properties);
    input->properties = NULL;
}

bool daemon_text_sendable(const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    size_t i = 0;
    while (i < len) {
        if (p[i] == 0) {
            return false;
        }
        size_t n = sy_utf8_decode(p + i, len - i, NULL);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

/* Returns a new NUL-terminated standard base64 encoding of bytes, or NULL. */
static char *base64(const char *bytes, size_t len)
{
    size_t out_len = 4 * ((len + 2) / 3);
    char *out = malloc(out_len + 1);
    if (out == NULL) {
        return NULL;
    }
    /* EVP_EncodeBlock takes an int length; a property is far below INT_MAX on the wire. */
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)bytes, (int)len);
    out[out_len] = '\0';
    return out;
}

static bool is_router_set_key(const route_property *p)
{
    static const char prefix[] = "switchyard.";
    if (p->key_len >= sizeof prefix - 1 && memcmp(p->key, prefix, sizeof prefix - 1) == 0) {
        return true;
    }
    return p->key_len == strlen(ROUTE_PROP_REASON) &&
           memcmp(p->key, ROUTE_PROP_REASON, p->key_len) == 0;
}

static char *keep(daemon_output_fields *fields, char *text)
{
    if (text != NULL) {
        fields->storage[fields->storage_count++] = text;
    }
    return text;
}

/* Returns "switchyard.raw.<index>" = base64(key) "." base64(value) as two owned strings. */
static bool encode_raw(daemon_output_fields *fields, size_t index, const route_property *p,
                       pulsar_property *out)
{
    char name[64];
    snprintf(name, sizeof name, "switchyard.raw.%zu", index);
    char *key = base64(p->key, p->key_len);
    char *value = base64(p->value, p->value_len);
    char *joined = NULL;
    if (key != NULL && value != NULL) {
        size_t len = strlen(key) + 1 + strlen(value);
        joined = malloc(len + 1);
        if (joined != NULL) {
            snprintf(joined, len + 1, "%s.%s", key, value);
        }
    }
    free(key);
    free(value);
    out->key = keep(fields, strdup(name));
    out->value = keep(fields, joined);
    return out->key != NULL && out->value != NULL;
}

static void put(daemon_output_fields *fields, const char *key, const char *value)
{
    fields->properties[fields->property_count++] = (pulsar_property){key, value};
}

static bool build_quarantined(const daemon_input *input, const route_decision *decision,
                              const char *source_topic, const char *source_id,
                              daemon_output_fields *fields)
{
    const route_message *m = &input->message;
    for (size_t i = 0; i < m->property_count; i++) {
        const route_property *p = &m->properties[i];
        if (is_router_set_key(p) || !daemon_text_sendable(p->key, p->key_len) ||
            !daemon_text_sendable(p->value, p->value_len)) {
            if (!encode_raw(fields, i, p, &fields->properties[fields->property_count++])) {
                return false;
            }
        } else {
            /* The received strings end in a NUL right after their true length. */
            put(fields, p->key, p->value);
        }
    }
    if (m->key != NULL) {
        if (memchr(m->key, 0, m->key_len) == NULL) {
            fields->key = m->key;
        } else {
            char *encoded = keep(fields, base64(m->key, m->key_len));
            if (encoded == NULL) {
                return false;
            }
            put(fields, "switchyard.raw.key", encoded);
        }
    }
    put(fields, ROUTE_PROP_RULE, route_rule_name(decision->rule));
    put(fields, ROUTE_PROP_SOURCE_TOPIC, source_topic);
    put(fields, ROUTE_PROP_SOURCE_ID, source_id);
    put(fields, ROUTE_PROP_REASON, route_reason_name(decision->reason));
    return true;
}

/* A routed message passed step b of route_decide, so every property is sendable text. */
static bool build_routed(const daemon_input *input, const route_decision *decision,
                         const char *source_topic, const char *source_id,
                         daemon_output_fields *fields)
{
    size_t capacity = input->message.property_count + 5;
    route_property *out = calloc(capacity, sizeof *out);
    if (out == NULL) {
        return false;
    }
    size_t count = route_output_properties(&input->message, decision, source_topic, source_id,
                                           out, capacity);
    for (size_t i = 0; i < count; i++) {
        put(fields, out[i].key, out[i].value);
    }
    free(out);
    fields->key = input->message.key;
    return true;
}

bool daemon_output_fields_build(const daemon_input *input, const route_decision *decision,
                                const char *source_topic, const char *source_id,
                                daemon_output_fields *fields)
{
    memset(fields, 0, sizeof *fields);
    size_t count = input->message.property_count;
    /* Up to two owned strings per property and one for the key. */
    fields->properties = calloc(count + 6, sizeof *fields->properties);
    fields->storage = calloc(2 * count + 1, sizeof *fields->storage);
    if (fields->properties == NULL || fields->storage == NULL) {
        daemon_output_fields_free(fields);
        return false;
    }
    bool ok = decision->quarantined
                  ? build_quarantined(input, decision, source_topic, source_id, fields)
                  : build_routed(input, decision, source_topic, source_id, fields);
    if (!ok) {
        daemon_output_fields_free(fields);
    }
    return ok;
}

void daemon_output_fields_free(daemon_output_fields *fields)
{
    for (size_t i = 0; i < fields->storage_count; i++) {
        free(fields->storage[i]);
    }
    free(fields->storage);
    free(fields->properties);
    memset(fields, 0, sizeof *fields);
}
