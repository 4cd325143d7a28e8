/*
 * A growable byte buffer, the output of encoders, compressors and writers.
 *
 * Ownership: the buffer owns data; lake_buf_clear frees it. A zeroed
 * lake_buf is a valid empty buffer. Thread safety: none; one owner at a time.
 */
#ifndef SWITCHYARD_LAKE_BUF_H
#define SWITCHYARD_LAKE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "lake/lake_error.h"

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} lake_buf;

/* Makes room for at least extra more bytes. Returns LAKE_ERR_NOMEM on failure. */
lake_err lake_buf_reserve(lake_buf *buf, size_t extra);

/* Appends len bytes. Returns LAKE_ERR_NOMEM, leaving buf unchanged, on failure. */
lake_err lake_buf_append(lake_buf *buf, const void *bytes, size_t len);

/* Appends a NUL-terminated string without its NUL. */
lake_err lake_buf_append_str(lake_buf *buf, const char *text);

/* Frees the data and leaves an empty buffer. */
void lake_buf_clear(lake_buf *buf);

#endif
