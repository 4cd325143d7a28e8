/*
 * LZ4, ZLIB and ZSTD payload codecs (see compress.h).
 */
#include "pulsar/compress.h"

#include <limits.h>
#include <lz4.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* The level the Java client uses for ZSTD. */
#define ZSTD_PULSAR_LEVEL 3

bool pulsar_compression_parse(const char *name, pulsar_compression *out)
{
    static const struct {
        const char *name;
        pulsar_compression codec;
    } codecs[] = {
        {"none", PULSAR_COMPRESSION_NONE},
        {"lz4", PULSAR_COMPRESSION_LZ4},
        {"zlib", PULSAR_COMPRESSION_ZLIB},
        {"zstd", PULSAR_COMPRESSION_ZSTD},
    };
    for (size_t i = 0; name != NULL && i < sizeof codecs / sizeof codecs[0]; i++) {
        if (strcmp(name, codecs[i].name) == 0) {
            *out = codecs[i].codec;
            return true;
        }
    }
    return false;
}

pulsar_result compress_payload(uint32_t codec, const uint8_t *data, size_t len, proto_buf *out)
{
    size_t bound;

    switch (codec) {
    case PULSAR_COMPRESSION_LZ4:
        if (len > LZ4_MAX_INPUT_SIZE) {
            return PULSAR_ERR_TOO_LARGE;
        }
        bound = (size_t)LZ4_compressBound((int)len);
        break;
    case PULSAR_COMPRESSION_ZLIB:
        bound = compressBound((uLong)len);
        break;
    case PULSAR_COMPRESSION_ZSTD:
        bound = ZSTD_compressBound(len);
        break;
    default:
        return PULSAR_ERR_UNSUPPORTED;
    }
    if (!proto_buf_reserve(out, bound)) {
        return PULSAR_ERR_NO_MEMORY;
    }

    uint8_t *dest = out->data + out->len;
    size_t written = 0;
    if (codec == PULSAR_COMPRESSION_LZ4) {
        int n = LZ4_compress_default((const char *)data, (char *)dest, (int)len, (int)bound);
        if (n <= 0) {
            return PULSAR_ERR_COMPRESSION;
        }
        written = (size_t)n;
    } else if (codec == PULSAR_COMPRESSION_ZLIB) {
        uLongf dest_len = (uLongf)bound;
        if (compress(dest, &dest_len, data, (uLong)len) != Z_OK) {
            return PULSAR_ERR_COMPRESSION;
        }
        written = (size_t)dest_len;
    } else {
        size_t n = ZSTD_compress(dest, bound, data, len, ZSTD_PULSAR_LEVEL);
        if (ZSTD_isError(n)) {
            return PULSAR_ERR_COMPRESSION;
        }
        written = n;
    }
    out->len += written;
    return PULSAR_OK;
}

pulsar_result decompress_payload(uint32_t codec, const uint8_t *data, size_t len,
                                 size_t uncompressed_size, size_t max_size, uint8_t **out)
{
    if (uncompressed_size > max_size) {
        return PULSAR_ERR_TOO_LARGE;
    }
    if (codec != PULSAR_COMPRESSION_LZ4 && codec != PULSAR_COMPRESSION_ZLIB &&
        codec != PULSAR_COMPRESSION_ZSTD) {
        return PULSAR_ERR_UNSUPPORTED;
    }
    uint8_t *dest = malloc(uncompressed_size > 0 ? uncompressed_size : 1);
    if (dest == NULL) {
        return PULSAR_ERR_NO_MEMORY;
    }

    bool ok = false;
    if (codec == PULSAR_COMPRESSION_LZ4) {
        ok = len <= INT_MAX && uncompressed_size <= INT_MAX &&
             LZ4_decompress_safe((const char *)data, (char *)dest, (int)len,
                                 (int)uncompressed_size) == (int)uncompressed_size;
    } else if (codec == PULSAR_COMPRESSION_ZLIB) {
        uLongf dest_len = (uLongf)uncompressed_size;
        ok = uncompress(dest, &dest_len, data, (uLong)len) == Z_OK && dest_len == uncompressed_size;
    } else {
        size_t n = ZSTD_decompress(dest, uncompressed_size, data, len);
        ok = !ZSTD_isError(n) && n == uncompressed_size;
    }
    if (!ok) {
        free(dest);
        return PULSAR_ERR_COMPRESSION;
    }
    *out = dest;
    return PULSAR_OK;
}
