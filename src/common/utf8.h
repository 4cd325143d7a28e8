/*
 * Strict UTF-8 decoding of one sequence, shared by every check of text from
 * devices and brokers: no overlong forms, no UTF-16 surrogates, nothing
 * above U+10FFFF (RFC 3629). Thread safety: a pure function.
 */
#ifndef SWITCHYARD_COMMON_UTF8_H
#define SWITCHYARD_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at the start of bytes (len > 0) and returns its
 * length, 1 to 4, or 0 when it is not valid UTF-8. When code is not NULL
 * and the sequence is valid, *code is its code point.
 */
size_t sy_utf8_decode(const uint8_t *bytes, size_t len, uint32_t *code);

#endif
