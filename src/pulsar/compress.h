/*
 * Payload compression as Pulsar's Java client writes it: LZ4 raw block
 * format (no frame header), ZLIB as a zlib stream, ZSTD frames.
 */
#ifndef SWITCHYARD_PULSAR_COMPRESS_H
#define SWITCHYARD_PULSAR_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "pulsar/proto_wire.h"
#include "pulsar/pulsar.h"

/* Appends data compressed with codec (a pulsar_compression) to out.
 * Errors: PULSAR_ERR_UNSUPPORTED (unknown codec), PULSAR_ERR_COMPRESSION,
 * PULSAR_ERR_NO_MEMORY. */
pulsar_result compress_payload(uint32_t codec, const uint8_t *data, size_t len, proto_buf *out);

/*
 * Decompresses data into a new buffer of exactly uncompressed_size bytes,
 * which the caller frees. uncompressed_size comes from the peer, so it is
 * checked against max_size before anything is allocated.
 * Errors: PULSAR_ERR_TOO_LARGE, PULSAR_ERR_UNSUPPORTED, PULSAR_ERR_COMPRESSION
 * (corrupt input or a size other than announced), PULSAR_ERR_NO_MEMORY.
 */
pulsar_result decompress_payload(uint32_t codec, const uint8_t *data, size_t len,
                                 size_t uncompressed_size, size_t max_size, uint8_t **out);

#endif
