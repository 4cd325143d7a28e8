/*
 * Lake files: a file format (JSON lines now; Avro or Parquet later) written
 * through a compression stream into memory.
 *
 * A format is a table of four functions, so a new format is one new file
 * that defines a lake_format and one line in lake_format_find. The writer
 * keeps the whole compressed file in memory because a store uploads it in
 * one request, and the sink's max_bytes bounds its size.
 *
 * A compressing writer gathers encoded records into chunks of 64 KiB. Each
 * chunk compresses in a thread of the writer's own while the caller encodes
 * the next records. The thread starts with the first chunk, so a file
 * smaller than one chunk starts none, and lake_writer_finish or
 * lake_writer_free ends it.
 *
 * Ownership: the caller frees a writer with lake_writer_free, and owns the
 * buffer that lake_writer_finish fills. Thread safety: one caller thread per
 * writer.
 */
#ifndef SWITCHYARD_LAKE_WRITER_H
#define SWITCHYARD_LAKE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "lake/lake_buf.h"
#include "lake/lake_compress.h"
#include "lake/lake_record.h"

typedef struct {
    const char *name;         /* as written in the configuration: "jsonl" */
    const char *extension;    /* object name suffix before compression's: ".jsonl" */
    const char *content_type; /* of an uncompressed file */
    /* Creates per-file state (may set NULL) and appends any file header to out. */
    lake_err (*open)(void **state, lake_buf *out);
    /* Appends one record's encoding to out. */
    lake_err (*append)(void *state, const lake_record *record, lake_buf *out);
    /* Appends any file trailer to out. */
    lake_err (*finish)(void *state, lake_buf *out);
    /* Frees the state of open; called once, after finish or instead of it. */
    void (*free)(void *state);
} lake_format;

/* JSON lines (lake_jsonl.h describes each line). */
extern const lake_format lake_format_jsonl;

/* Returns the format called name, or NULL when there is none. */
const lake_format *lake_format_find(const char *name);

typedef struct lake_writer lake_writer;

/*
 * Opens an empty file. level is the compression level (0 for the default,
 * see lake_compressor_new). Returns LAKE_ERR_INVALID, LAKE_ERR_NOMEM or
 * LAKE_ERR_COMPRESSION.
 */
lake_err lake_writer_open(const lake_format *format, lake_compression compression, int level,
                          lake_writer **out);

/*
 * Encodes one record and compresses it, now or with its chunk. On failure the
 * writer must be freed.
 */
lake_err lake_writer_append(lake_writer *writer, const lake_record *record);

/* Records appended so far. */
size_t lake_writer_record_count(const lake_writer *writer);

/* Encoded bytes before compression appended so far, the measure of max_bytes. */
size_t lake_writer_encoded_bytes(const lake_writer *writer);

/*
 * Ends the file and moves its bytes to *file (which the caller then owns
 * and clears). No append may follow; free the writer afterwards.
 */
lake_err lake_writer_finish(lake_writer *writer, lake_buf *file);

void lake_writer_free(lake_writer *writer);

/* Returns the content type of the finished object: the compression's, else the format's. */
const char *lake_writer_content_type(const lake_format *format, lake_compression compression);

#endif
