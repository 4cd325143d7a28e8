#include "lake/lake_writer.h"

#include <stdlib.h>
#include <string.h>

struct lake_writer {
    const lake_format *format;
    void *format_state;
    lake_compressor *compressor;
    lake_buf encoded; /* one record's encoding, reused */
    lake_buf file;    /* compressed output so far */
    size_t record_count;
    size_t encoded_bytes;
};

const lake_format *lake_format_find(const char *name)
{
    static const lake_format *const formats[] = {&lake_format_jsonl};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(formats[i]->name, name) == 0) {
            return formats[i];
        }
    }
    return NULL;
}

/* Compresses the bytes waiting in encoded and empties it. */
static lake_err drain_encoded(lake_writer *writer)
{
    lake_err rc = lake_compressor_write(writer->compressor, writer->encoded.data,
                                        writer->encoded.len, &writer->file);
    writer->encoded_bytes += writer->encoded.len;
    writer->encoded.len = 0;
    return rc;
}

lake_err lake_writer_open(const lake_format *format, lake_compression compression, int level,
                          lake_writer **out)
{
    if (format == NULL) {
        return LAKE_ERR_INVALID;
    }
    lake_writer *writer = calloc(1, sizeof *writer);
    if (writer == NULL) {
        return LAKE_ERR_NOMEM;
    }
    writer->format = format;
    lake_err rc = lake_compressor_new(compression, level, &writer->compressor);
    if (rc == LAKE_OK) {
        rc = format->open(&writer->format_state, &writer->encoded);
        if (rc != LAKE_OK) {
            writer->format_state = NULL;
        }
    }
    if (rc == LAKE_OK) {
        rc = drain_encoded(writer);
    }
    if (rc != LAKE_OK) {
        lake_writer_free(writer);
        return rc;
    }
    *out = writer;
    return LAKE_OK;
}

lake_err lake_writer_append(lake_writer *writer, const lake_record *record)
{
    lake_err rc = writer->format->append(writer->format_state, record, &writer->encoded);
    if (rc == LAKE_OK) {
        rc = drain_encoded(writer);
    }
    if (rc == LAKE_OK) {
        writer->record_count++;
    }
    return rc;
}

size_t lake_writer_record_count(const lake_writer *writer)
{
    return writer->record_count;
}

size_t lake_writer_encoded_bytes(const lake_writer *writer)
{
    return writer->encoded_bytes;
}

lake_err lake_writer_finish(lake_writer *writer, lake_buf *file)
{
    lake_err rc = writer->format->finish(writer->format_state, &writer->encoded);
    if (rc == LAKE_OK) {
        rc = drain_encoded(writer);
    }
    if (rc == LAKE_OK) {
        rc = lake_compressor_finish(writer->compressor, &writer->file);
    }
    if (rc != LAKE_OK) {
        return rc;
    }
    *file = writer->file;
    memset(&writer->file, 0, sizeof writer->file);
    return LAKE_OK;
}

void lake_writer_free(lake_writer *writer)
{
    if (writer == NULL) {
        return;
    }
    if (writer->format->free != NULL) {
        writer->format->free(writer->format_state);
    }
    lake_compressor_free(writer->compressor);
    lake_buf_clear(&writer->encoded);
    lake_buf_clear(&writer->file);
    free(writer);
}

const char *lake_writer_content_type(const lake_format *format, lake_compression compression)
{
    const char *type = lake_compression_content_type(compression);
    return type != NULL ? type : format->content_type;
}
