/*
 * Sequence ids and names that make the router's output deduplicable.
 *
 * The broker drops a message as a duplicate when its sequence id is not
 * above the highest one persisted for the same producer name on the same
 * topic. The router therefore derives each output's sequence id from the
 * position of its input, and names each producer after the subscription,
 * the input partition and the output topic. A router that crashes and
 * replays its unacknowledged inputs sends them again with the same names
 * and the same ids, and the broker keeps only the first copy.
 *
 * Layout of a sequence id (bit 63 stays 0, the id is a positive int64):
 *   bits 40..62  ledger id       (below 2^23 = 8388608)
 *   bits 16..39  entry id        (below 2^24 = 16777216)
 *   bits  0..15  batch index     (below 2^16 = 65536; -1, not batched, is 0)
 * The order of ids is the order of positions in one partition, because a
 * topic's ledger ids only grow and entries grow within a ledger.
 *
 * Pure functions, safe from any thread.
 */
#ifndef SWITCHYARD_ROUTE_ROUTE_SEQUENCE_H
#define SWITCHYARD_ROUTE_ROUTE_SEQUENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pulsar/pulsar.h"

#define ROUTE_SEQUENCE_LEDGER_BITS 23
#define ROUTE_SEQUENCE_ENTRY_BITS  24
#define ROUTE_SEQUENCE_BATCH_BITS  16

/* Maximum length of a text message id from route_message_id_format, without the NUL. */
#define ROUTE_MESSAGE_ID_TEXT_BYTES 80

/* Maximum length of a producer name from route_producer_name, without the NUL. */
#define ROUTE_PRODUCER_NAME_BYTES 200

/*
 * Computes the sequence id of the message at id into *sequence_id. Returns
 * false, leaving *sequence_id alone, when a field does not fit its bits (see
 * the layout above). The caller then has no deduplicable id for it.
 */
bool route_sequence_from_id(const pulsar_message_id *id, int64_t *sequence_id);

/*
 * Writes id as "LEDGER:ENTRY:PARTITION:BATCH_INDEX" (decimal; -1 for no
 * partition or no batch) into out, which has size bytes. The text is the
 * ROUTE_PROP_SOURCE_ID property. Returns false if out is too small
 * (ROUTE_MESSAGE_ID_TEXT_BYTES + 1 is always enough).
 */
bool route_message_id_format(const pulsar_message_id *id, char *out, size_t size);

/*
 * Writes the producer name "<subscription>-<partition>-<topic short name>"
 * into out, or "<subscription>-<instance>-<partition>-<topic short name>"
 * when instance is not NULL. partition -1 (a non-partitioned input) is
 * written as 0. The short name is the part of output_topic after its last
 * '/'. Returns false if out (size bytes) is too small.
 */
bool route_producer_name(const char *subscription, const char *instance, int32_t partition,
                         const char *output_topic, char *out, size_t size);

#endif
