/*
 * Result descriptions, the retriable/fatal split, key routing and the small
 * message helpers of pulsar.h.
 */
#include "pulsar/pulsar.h"

#include <stdlib.h>
#include <string.h>

static const char *const local_names[] = {
    [PULSAR_OK] = "success",
    [PULSAR_ERR_INVALID_ARGUMENT] = "invalid argument",
    [PULSAR_ERR_NO_MEMORY] = "out of memory",
    [PULSAR_ERR_INVALID_URL] = "invalid service URL (expected pulsar://host:port)",
    [PULSAR_ERR_UNSUPPORTED] = "not supported by this client",
    [PULSAR_ERR_CONNECT] = "connecting to the broker failed",
    [PULSAR_ERR_DISCONNECTED] = "connection to the broker lost",
    [PULSAR_ERR_TIMEOUT] = "timed out",
    [PULSAR_ERR_MALFORMED] = "malformed data from the peer",
    [PULSAR_ERR_TOO_LARGE] = "message or frame larger than the maximum size",
    [PULSAR_ERR_CHECKSUM] = "checksum mismatch",
    [PULSAR_ERR_COMPRESSION] = "compression or decompression failed",
    [PULSAR_ERR_QUEUE_FULL] = "producer queue full",
    [PULSAR_ERR_CLOSED] = "already closed",
    [PULSAR_ERR_LOOKUP] = "topic lookup failed",
    [PULSAR_ERR_PROTOCOL] = "unexpected response from the broker",
    [PULSAR_ERR_INVALID_STATE] = "operation not allowed in this state",
};

static const char *const broker_names[] = {
    "broker: unknown error",
    "broker: metadata error",
    "broker: persistence error",
    "broker: authentication failed",
    "broker: not authorized",
    "broker: consumer busy (the subscription already has a consumer, or another type)",
    "broker: service not ready",
    "broker: producer blocked, quota exceeded",
    "broker: producer blocked, quota exceeded (exception)",
    "broker: checksum failed on the broker",
    "broker: unsupported protocol version",
    "broker: topic not found",
    "broker: subscription not found",
    "broker: consumer not found",
    "broker: too many requests",
    "broker: topic terminated",
    "broker: producer busy (another producer uses this name)",
    "broker: invalid topic name",
    "broker: incompatible schema",
    "broker: consumer assign error",
    "broker: transaction coordinator not found",
    "broker: invalid transaction status",
    "broker: not allowed",
    "broker: transaction conflict",
    "broker: transaction not found",
    "broker: producer fenced",
};

const char *pulsar_result_str(pulsar_result result)
{
    size_t code = (size_t)result;
    if (code < sizeof local_names / sizeof local_names[0] && local_names[code] != NULL) {
        return local_names[code];
    }
    if (pulsar_result_is_broker_error(result)) {
        size_t broker = code - PULSAR_ERR_BROKER_BASE;
        if (broker < sizeof broker_names / sizeof broker_names[0]) {
            return broker_names[broker];
        }
        return "broker: error code newer than this client";
    }
    return "unknown result code";
}

bool pulsar_result_is_broker_error(pulsar_result result)
{
    return (int)result >= PULSAR_ERR_BROKER_BASE;
}

bool pulsar_result_is_retriable(pulsar_result result)
{
    switch (result) {
    case PULSAR_ERR_CONNECT:
    case PULSAR_ERR_DISCONNECTED:
    case PULSAR_ERR_TIMEOUT:
    case PULSAR_ERR_QUEUE_FULL:
    case PULSAR_ERR_BROKER_METADATA:
    case PULSAR_ERR_BROKER_PERSISTENCE:
    case PULSAR_ERR_BROKER_SERVICE_NOT_READY:
    case PULSAR_ERR_BROKER_TOO_MANY_REQUESTS:
    case PULSAR_ERR_BROKER_PRODUCER_BUSY:
        return true;
    default:
        return false;
    }
}

/* Decodes one UTF-8 sequence at s. An invalid or truncated sequence yields U+FFFD and
 * advances by one byte. */
static uint32_t next_code_point(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t cp;
    int extra;

    if (p[0] < 0x80) {
        *s = p + 1;
        return p[0];
    } else if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        cp = p[0] & 0x1Fu;
        extra = 1;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        cp = p[0] & 0x0Fu;
        extra = 2;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        cp = p[0] & 0x07u;
        extra = 3;
    } else {
        *s = p + 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= extra; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s = p + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    /* Overlong forms, surrogates and values above U+10FFFF are invalid UTF-8. */
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        *s = p + 1;
        return 0xFFFD;
    }
    *s = p + extra + 1;
    return cp;
}

uint32_t pulsar_key_partition(const char *key, uint32_t partitions)
{
    if (partitions == 0 || key == NULL) {
        return 0;
    }
    uint32_t hash = 0;
    const unsigned char *s = (const unsigned char *)key;
    while (*s != '\0') {
        uint32_t cp = next_code_point(&s);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            hash = hash * 31u + (0xD800u + (cp >> 10));
            hash = hash * 31u + (0xDC00u + (cp & 0x3FFu));
        } else {
            hash = hash * 31u + cp;
        }
    }
    return (hash & 0x7FFFFFFFu) % partitions;
}

bool pulsar_message_id_is_duplicate(const pulsar_message_id *id)
{
    return id != NULL && id->ledger_id == PULSAR_DUPLICATE_LEDGER_ID &&
           id->entry_id == PULSAR_DUPLICATE_LEDGER_ID;
}

void pulsar_outgoing_message_init(pulsar_outgoing_message *message)
{
    memset(message, 0, sizeof *message);
    message->sequence_id = -1;
}

const char *pulsar_message_property(const pulsar_message *message, const char *key)
{
    if (message == NULL || key == NULL) {
        return NULL;
    }
    /* A received key may hold a NUL byte: only a key of exactly this length matches. */
    size_t key_len = strlen(key);
    for (size_t i = 0; i < message->property_count; i++) {
        size_t len = message->property_key_lens != NULL ? message->property_key_lens[i]
                                                        : strlen(message->properties[i].key);
        if (len == key_len && memcmp(message->properties[i].key, key, key_len) == 0) {
            return message->properties[i].value;
        }
    }
    return NULL;
}
