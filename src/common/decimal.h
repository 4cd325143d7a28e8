/*
 * Decimal text of integers without snprintf, for hot paths that format
 * message ids for every message.
 *
 * Each function writes at p, which needs room for 20 bytes (sy_put_u64) or
 * 11 bytes (sy_put_i32), writes no NUL, and returns the end of what it
 * wrote. Thread safety: pure functions.
 */
#ifndef SWITCHYARD_COMMON_DECIMAL_H
#define SWITCHYARD_COMMON_DECIMAL_H

#include <stdint.h>

char *sy_put_u64(char *p, uint64_t value);

char *sy_put_i32(char *p, int32_t value);

#endif
