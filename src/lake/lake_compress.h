/*
 * Streaming compression of lake files: none, gzip (zlib) or zstd (libzstd).
 *
 * A compressor turns a sequence of writes into one gzip member or one zstd
 * frame, appended to the caller's buffer. lake_decompress reverses it,
 * with a cap on the output so that a corrupt or hostile object cannot
 * exhaust memory.
 *
 * Ownership: the caller frees a compressor with lake_compressor_free.
 * Thread safety: a compressor belongs to one thread at a time.
 */
#ifndef SWITCHYARD_LAKE_COMPRESS_H
#define SWITCHYARD_LAKE_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lake/lake_buf.h"

typedef enum {
    LAKE_COMPRESSION_NONE,
    LAKE_COMPRESSION_GZIP,
    LAKE_COMPRESSION_ZSTD,
} lake_compression;

/* Parses "none", "gzip" or "zstd". Returns false, leaving *out alone, otherwise. */
bool lake_compression_parse(const char *name, lake_compression *out);

/* Returns "none", "gzip" or "zstd". */
const char *lake_compression_name(lake_compression kind);

/* Returns the object name suffix: "", ".gz" or ".zst". */
const char *lake_compression_extension(lake_compression kind);

/* Returns NULL for none, "application/gzip" or "application/zstd". */
const char *lake_compression_content_type(lake_compression kind);

typedef struct lake_compressor lake_compressor;

/*
 * Starts a stream. level 0 picks the library's default (6 for gzip, 3 for
 * zstd); otherwise gzip takes 1-9 and zstd 1-19. Returns LAKE_ERR_INVALID
 * for another level, LAKE_ERR_NOMEM or LAKE_ERR_COMPRESSION.
 */
lake_err lake_compressor_new(lake_compression kind, int level, lake_compressor **out);

/* Compresses len bytes, appending whatever output is ready to out. */
lake_err lake_compressor_write(lake_compressor *compressor, const uint8_t *bytes, size_t len,
                               lake_buf *out);

/* Ends the stream, appending the rest of the output; no write may follow. */
lake_err lake_compressor_finish(lake_compressor *compressor, lake_buf *out);

void lake_compressor_free(lake_compressor *compressor);

/*
 * Decompresses one whole gzip member or zstd frame (or copies, for none)
 * and appends the result to out. Fails with LAKE_ERR_COMPRESSION when the
 * input is corrupt, truncated, followed by extra bytes, or would expand
 * beyond max_output bytes.
 */
lake_err lake_decompress(lake_compression kind, const uint8_t *bytes, size_t len, size_t max_output,
                         lake_buf *out);

#endif
