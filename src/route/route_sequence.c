/* Sequence ids from input positions, message ids as text, producer names. */
#include "route/route_sequence.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/decimal.h"

bool route_sequence_from_id(const pulsar_message_id *id, int64_t *sequence_id)
{
    uint64_t batch_index = id->batch_index < 0 ? 0u : (uint64_t)id->batch_index;
    if (id->ledger_id >= (UINT64_C(1) << ROUTE_SEQUENCE_LEDGER_BITS) ||
        id->entry_id >= (UINT64_C(1) << ROUTE_SEQUENCE_ENTRY_BITS) ||
        batch_index >= (UINT64_C(1) << ROUTE_SEQUENCE_BATCH_BITS)) {
        return false;
    }
    uint64_t value = id->ledger_id << (ROUTE_SEQUENCE_ENTRY_BITS + ROUTE_SEQUENCE_BATCH_BITS) |
                     id->entry_id << ROUTE_SEQUENCE_BATCH_BITS | batch_index;
    *sequence_id = (int64_t)value;
    return true;
}

/* Formatted by hand, because snprintf here was a visible share of the router's time. */
bool route_message_id_format(const pulsar_message_id *id, char *out, size_t size)
{
    char text[SY_MESSAGE_ID_TEXT_MAX];
    char *p = sy_put_message_id(text, id->ledger_id, id->entry_id, id->partition,
                                id->batch_index);
    size_t len = (size_t)(p - text);
    if (len >= size) {
        return false;
    }
    memcpy(out, text, len);
    out[len] = '\0';
    return true;
}

bool route_producer_name(const char *subscription, const char *instance, int32_t partition,
                         const char *output_topic, char *out, size_t size)
{
    const char *slash = strrchr(output_topic, '/');
    const char *short_name = slash != NULL ? slash + 1 : output_topic;
    int32_t number = partition < 0 ? 0 : partition;
    int n;
    if (instance != NULL) {
        n = snprintf(out, size, "%s-%s-%" PRId32 "-%s", subscription, instance, number,
                     short_name);
    } else {
        n = snprintf(out, size, "%s-%" PRId32 "-%s", subscription, number, short_name);
    }
    return n >= 0 && (size_t)n < size;
}
