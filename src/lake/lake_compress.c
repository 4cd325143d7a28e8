#include "lake/lake_compress.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK_BYTES 65536

struct lake_compressor {
    lake_compression kind;
    z_stream zlib;
    ZSTD_CCtx *zstd;
    bool finished;
};

bool lake_compression_parse(const char *name, lake_compression *out)
{
    if (strcmp(name, "none") == 0) {
        *out = LAKE_COMPRESSION_NONE;
    } else if (strcmp(name, "gzip") == 0) {
        *out = LAKE_COMPRESSION_GZIP;
    } else if (strcmp(name, "zstd") == 0) {
        *out = LAKE_COMPRESSION_ZSTD;
    } else {
        return false;
    }
    return true;
}

const char *lake_compression_name(lake_compression kind)
{
    switch (kind) {
    case LAKE_COMPRESSION_GZIP:
        return "gzip";
    case LAKE_COMPRESSION_ZSTD:
        return "zstd";
    case LAKE_COMPRESSION_NONE:
        break;
    }
    return "none";
}

const char *lake_compression_extension(lake_compression kind)
{
    switch (kind) {
    case LAKE_COMPRESSION_GZIP:
        return ".gz";
    case LAKE_COMPRESSION_ZSTD:
        return ".zst";
    case LAKE_COMPRESSION_NONE:
        break;
    }
    return "";
}

const char *lake_compression_content_type(lake_compression kind)
{
    switch (kind) {
    case LAKE_COMPRESSION_GZIP:
        return "application/gzip";
    case LAKE_COMPRESSION_ZSTD:
        return "application/zstd";
    case LAKE_COMPRESSION_NONE:
        break;
    }
    return NULL;
}

lake_err lake_compressor_new(lake_compression kind, int level, lake_compressor **out)
{
    if ((kind == LAKE_COMPRESSION_GZIP && (level < 0 || level > 9)) ||
        (kind == LAKE_COMPRESSION_ZSTD && (level < 0 || level > 19))) {
        return LAKE_ERR_INVALID;
    }
    lake_compressor *compressor = calloc(1, sizeof *compressor);
    if (compressor == NULL) {
        return LAKE_ERR_NOMEM;
    }
    compressor->kind = kind;

    if (kind == LAKE_COMPRESSION_GZIP) {
        /* Adding 16 to the window bits makes zlib write a gzip header and trailer. */
        int rc = deflateInit2(&compressor->zlib, level == 0 ? 6 : level, Z_DEFLATED, 15 + 16, 8,
                              Z_DEFAULT_STRATEGY);
        if (rc != Z_OK) {
            free(compressor);
            return rc == Z_MEM_ERROR ? LAKE_ERR_NOMEM : LAKE_ERR_COMPRESSION;
        }
    } else if (kind == LAKE_COMPRESSION_ZSTD) {
        compressor->zstd = ZSTD_createCCtx();
        if (compressor->zstd == NULL) {
            free(compressor);
            return LAKE_ERR_NOMEM;
        }
        size_t rc = ZSTD_CCtx_setParameter(compressor->zstd, ZSTD_c_compressionLevel,
                                           level == 0 ? 3 : level);
        if (!ZSTD_isError(rc)) {
            rc = ZSTD_CCtx_setParameter(compressor->zstd, ZSTD_c_checksumFlag, 1);
        }
        if (ZSTD_isError(rc)) {
            ZSTD_freeCCtx(compressor->zstd);
            free(compressor);
            return LAKE_ERR_COMPRESSION;
        }
    }
    *out = compressor;
    return LAKE_OK;
}

static lake_err gzip_run(lake_compressor *compressor, const uint8_t *bytes, size_t len, int flush,
                         lake_buf *out)
{
    z_stream *zs = &compressor->zlib;
    size_t offset = 0;
    for (;;) {
        /* zlib counts in uInt, so large inputs go in slices. */
        size_t slice = len - offset > CHUNK_BYTES ? CHUNK_BYTES : len - offset;
        bool last_slice = offset + slice == len;
        zs->next_in = (Bytef *)(uintptr_t)(bytes + offset);
        zs->avail_in = (uInt)slice;
        int mode = last_slice ? flush : Z_NO_FLUSH;
        int rc;
        do {
            if (lake_buf_reserve(out, CHUNK_BYTES) != LAKE_OK) {
                return LAKE_ERR_NOMEM;
            }
            zs->next_out = out->data + out->len;
            zs->avail_out = CHUNK_BYTES;
            rc = deflate(zs, mode);
            if (rc == Z_STREAM_ERROR) {
                return LAKE_ERR_COMPRESSION;
            }
            out->len += CHUNK_BYTES - zs->avail_out;
        } while (zs->avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END));
        offset += slice;
        if (last_slice) {
            return LAKE_OK;
        }
    }
}

static lake_err zstd_run(lake_compressor *compressor, const uint8_t *bytes, size_t len,
                         ZSTD_EndDirective mode, lake_buf *out)
{
    ZSTD_inBuffer input = {bytes, len, 0};
    for (;;) {
        if (lake_buf_reserve(out, CHUNK_BYTES) != LAKE_OK) {
            return LAKE_ERR_NOMEM;
        }
        ZSTD_outBuffer output = {out->data + out->len, CHUNK_BYTES, 0};
        size_t remaining = ZSTD_compressStream2(compressor->zstd, &output, &input, mode);
        if (ZSTD_isError(remaining)) {
            return LAKE_ERR_COMPRESSION;
        }
        out->len += output.pos;
        bool done = mode == ZSTD_e_end ? remaining == 0 : input.pos == input.size;
        if (done) {
            return LAKE_OK;
        }
    }
}

lake_err lake_compressor_write(lake_compressor *compressor, const uint8_t *bytes, size_t len,
                               lake_buf *out)
{
    if (compressor->finished) {
        return LAKE_ERR_INVALID;
    }
    switch (compressor->kind) {
    case LAKE_COMPRESSION_GZIP:
        return len == 0 ? LAKE_OK : gzip_run(compressor, bytes, len, Z_NO_FLUSH, out);
    case LAKE_COMPRESSION_ZSTD:
        return len == 0 ? LAKE_OK : zstd_run(compressor, bytes, len, ZSTD_e_continue, out);
    case LAKE_COMPRESSION_NONE:
        break;
    }
    return lake_buf_append(out, bytes, len);
}

lake_err lake_compressor_finish(lake_compressor *compressor, lake_buf *out)
{
    if (compressor->finished) {
        return LAKE_ERR_INVALID;
    }
    compressor->finished = true;
    static const uint8_t nothing[1] = {0};
    switch (compressor->kind) {
    case LAKE_COMPRESSION_GZIP:
        return gzip_run(compressor, nothing, 0, Z_FINISH, out);
    case LAKE_COMPRESSION_ZSTD:
        return zstd_run(compressor, nothing, 0, ZSTD_e_end, out);
    case LAKE_COMPRESSION_NONE:
        break;
    }
    return LAKE_OK;
}

void lake_compressor_free(lake_compressor *compressor)
{
    if (compressor == NULL) {
        return;
    }
    if (compressor->kind == LAKE_COMPRESSION_GZIP) {
        deflateEnd(&compressor->zlib);
    }
    ZSTD_freeCCtx(compressor->zstd);
    free(compressor);
}

static lake_err gunzip(const uint8_t *bytes, size_t len, size_t max_output, lake_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (len > UINT32_MAX || inflateInit2(&zs, 15 + 16) != Z_OK) {
        return LAKE_ERR_COMPRESSION;
    }
    zs.next_in = (Bytef *)(uintptr_t)bytes;
    zs.avail_in = (uInt)len;
    size_t produced = 0;
    lake_err result = LAKE_ERR_COMPRESSION;
    for (;;) {
        if (lake_buf_reserve(out, CHUNK_BYTES) != LAKE_OK) {
            result = LAKE_ERR_NOMEM;
            break;
        }
        zs.next_out = out->data + out->len;
        zs.avail_out = CHUNK_BYTES;
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t got = CHUNK_BYTES - zs.avail_out;
        out->len += got;
        produced += got;
        if (produced > max_output) {
            break;
        }
        if (rc == Z_STREAM_END) {
            result = zs.avail_in == 0 ? LAKE_OK : LAKE_ERR_COMPRESSION;
            break;
        }
        if (rc != Z_OK || (got == 0 && zs.avail_in == 0)) {
            break;
        }
    }
    inflateEnd(&zs);
    return result;
}

static lake_err unzstd(const uint8_t *bytes, size_t len, size_t max_output, lake_buf *out)
{
    ZSTD_DCtx *context = ZSTD_createDCtx();
    if (context == NULL) {
        return LAKE_ERR_NOMEM;
    }
    ZSTD_inBuffer input = {bytes, len, 0};
    size_t produced = 0;
    lake_err result = LAKE_ERR_COMPRESSION;
    for (;;) {
        if (lake_buf_reserve(out, CHUNK_BYTES) != LAKE_OK) {
            result = LAKE_ERR_NOMEM;
            break;
        }
        ZSTD_outBuffer output = {out->data + out->len, CHUNK_BYTES, 0};
        size_t rc = ZSTD_decompressStream(context, &output, &input);
        if (ZSTD_isError(rc)) {
            break;
        }
        out->len += output.pos;
        produced += output.pos;
        if (produced > max_output) {
            break;
        }
        if (rc == 0) {
            /* One frame ends here; anything after it is not ours. */
            result = input.pos == input.size ? LAKE_OK : LAKE_ERR_COMPRESSION;
            break;
        }
        if (input.pos == input.size && output.pos < output.size) {
            break; /* truncated */
        }
    }
    ZSTD_freeDCtx(context);
    return result;
}

lake_err lake_decompress(lake_compression kind, const uint8_t *bytes, size_t len, size_t max_output,
                         lake_buf *out)
{
    size_t start_len = out->len;
    lake_err rc;
    switch (kind) {
    case LAKE_COMPRESSION_GZIP:
        rc = gunzip(bytes, len, max_output, out);
        break;
    case LAKE_COMPRESSION_ZSTD:
        rc = unzstd(bytes, len, max_output, out);
        break;
    default:
        rc = len > max_output ? LAKE_ERR_COMPRESSION : lake_buf_append(out, bytes, len);
        break;
    }
    if (rc != LAKE_OK) {
        out->len = start_len;
    }
    return rc;
}
