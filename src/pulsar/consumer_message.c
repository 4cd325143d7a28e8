/*
 * Received messages: each pulsar_message is one allocation holding the
 * struct, its property array, its strings and its payload, so the caller
 * frees it with one call and a failed build leaks nothing.
 */
#include "pulsar/consumer_internal.h"

#include <stdlib.h>
#include <string.h>

#include "pulsar/batch.h"

/* Copies bytes plus a NUL at *cursor and returns the copy. */
static char *place_string(char **cursor, proto_bytes bytes)
{
    char *start = *cursor;
    if (bytes.len > 0) {
        memcpy(start, bytes.data, bytes.len);
    }
    start[bytes.len] = '\0';
    *cursor += bytes.len + 1;
    return start;
}

pulsar_message *consumer_build_message(const message_parts *parts)
{
    proto_cursor props;
    proto_bytes key;
    proto_bytes value;
    size_t property_count = 0;
    size_t text_bytes = 0;
    int rc;

    proto_cursor_init(&props, parts->properties_raw.data, parts->properties_raw.len);
    while ((rc = meta_next_property(&props, parts->properties_field, &key, &value)) == 1) {
        property_count++;
        text_bytes += key.len + 1 + value.len + 1;
    }
    if (rc < 0) {
        return NULL;
    }
    size_t topic_len = strlen(parts->topic);
    text_bytes += topic_len + 1 + parts->producer_name.len + 1;
    text_bytes += parts->has_key ? parts->key.len + 1 : 0;

    size_t total = sizeof(pulsar_message) + property_count * sizeof(pulsar_property) +
                   2 * property_count * sizeof(size_t) + text_bytes + parts->payload.len;
    pulsar_message *message = malloc(total);
    if (message == NULL) {
        return NULL;
    }
    pulsar_property *properties = (pulsar_property *)(message + 1);
    size_t *key_lens = (size_t *)(properties + property_count);
    size_t *value_lens = key_lens + property_count;
    char *cursor = (char *)(value_lens + property_count);

    proto_cursor_init(&props, parts->properties_raw.data, parts->properties_raw.len);
    for (size_t i = 0; i < property_count; i++) {
        meta_next_property(&props, parts->properties_field, &key, &value);
        properties[i].key = place_string(&cursor, key);
        properties[i].value = place_string(&cursor, value);
        key_lens[i] = key.len;
        value_lens[i] = value.len;
    }
    proto_bytes topic = {(const uint8_t *)parts->topic, topic_len};
    message->topic = place_string(&cursor, topic);
    message->producer_name = place_string(&cursor, parts->producer_name);
    message->key = parts->has_key ? place_string(&cursor, parts->key) : NULL;
    message->key_len = parts->has_key ? parts->key.len : 0;
    message->property_key_lens = key_lens;
    message->property_value_lens = value_lens;
    if (parts->payload.len > 0) {
        memcpy(cursor, parts->payload.data, parts->payload.len);
    }
    message->payload = (const uint8_t *)cursor;
    message->payload_len = parts->payload.len;
    message->properties = properties;
    message->property_count = property_count;
    message->id = parts->id;
    message->event_time_ms = parts->event_time_ms;
    message->publish_time_ms = parts->publish_time_ms;
    message->sequence_id = parts->sequence_id;
    message->redelivery_count = parts->redelivery_count;
    return message;
}

void pulsar_message_free(pulsar_message *message)
{
    free(message);
}
