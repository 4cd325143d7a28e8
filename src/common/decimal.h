/*
 * Decimal text of integers without snprintf, for hot paths that format
 * message ids for every message.
 *
 * Each function writes at p, which needs room for 20 bytes (sy_put_u64),
 * 11 bytes (sy_put_i32) or SY_MESSAGE_ID_TEXT_MAX (sy_put_message_id),
 * writes no NUL, and returns the end of what it wrote. Thread safety: pure
 * functions.
 */
#ifndef SWITCHYARD_COMMON_DECIMAL_H
#define SWITCHYARD_COMMON_DECIMAL_H

#include <stdint.h>

char *sy_put_u64(char *p, uint64_t value);

char *sy_put_i32(char *p, int32_t value);

/* Bytes that sy_put_message_id may write: two u64, two i32 and three colons. */
#define SY_MESSAGE_ID_TEXT_MAX (20 + 20 + 11 + 11 + 3)

/*
 * Writes a Pulsar message id as "ledger:entry:partition:batch_index", the
 * text form that the router's properties and the lake's records share.
 */
char *sy_put_message_id(char *p, uint64_t ledger_id, uint64_t entry_id, int32_t partition,
                        int32_t batch_index);

#endif
