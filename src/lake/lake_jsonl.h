/*
 * JSON lines encoding: one JSON object per record, ended by "\n".
 *
 * Members, in this order:
 *   topic          the full topic name
 *   message_id     "ledger:entry:partition:batch_index"
 *   key            the partition key, or null
 *   publish_time   ISO 8601 UTC with milliseconds, "2026-12-04T13:05:01.123Z"
 *   event_time     the same form, or null when the producer set none
 *   properties     an object of the message properties, in message order
 *   payload        the payload as a JSON string, when it is valid UTF-8
 *   payload_base64 otherwise: the payload in standard base64 with padding
 * Exactly one of payload and payload_base64 is present. An empty payload is
 * "payload":"", and a NUL byte in valid UTF-8 is written as \u0000, so every
 * payload byte survives. A payload that is itself JSON is still written as a
 * string, so that a reader gets back exactly the bytes that were published.
 * Bytes of a key, property or topic that are not valid UTF-8 are replaced by
 * U+FFFD, because those are text by Pulsar's protocol.
 *
 * Thread safety: pure functions; any thread.
 */
#ifndef SWITCHYARD_LAKE_JSONL_H
#define SWITCHYARD_LAKE_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lake/lake_buf.h"
#include "lake/lake_record.h"

/* Appends one line for record to out. Returns LAKE_ERR_NOMEM on failure. */
lake_err lake_jsonl_encode(const lake_record *record, lake_buf *out);

/* Returns true when bytes are valid UTF-8 (no overlong forms, no surrogates). */
bool lake_utf8_valid(const uint8_t *bytes, size_t len);

/*
 * Writes time_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into text (25 bytes with the
 * NUL). Years before 1 or after 9999 are clamped to those years' limits.
 */
void lake_format_utc_ms(int64_t time_ms, char text[25]);

#endif
