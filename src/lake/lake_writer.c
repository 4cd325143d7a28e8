#include "lake/lake_writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Encoded bytes gathered before a chunk goes to the compression thread. */
#define WRITER_CHUNK_BYTES (64u * 1024u)

struct lake_writer {
    const lake_format *format;
    void *format_state;
    lake_compression compression;
    lake_compressor *compressor;
    lake_buf encoded; /* encoded bytes not yet compressed */
    lake_buf file;    /* compressed output so far */
    size_t record_count;
    size_t encoded_bytes;

    /*
     * The compression thread, started with the first full chunk. While busy,
     * it alone uses chunk, compressor and file. Otherwise only the caller's
     * thread does.
     */
    bool thread_started;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    lake_buf chunk;
    bool busy;
    bool stopping;
    lake_err thread_rc; /* the first error of the thread */
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

static void *compress_chunks(void *arg)
{
    lake_writer *writer = arg;
    pthread_mutex_lock(&writer->lock);
    for (;;) {
        while (!writer->busy && !writer->stopping) {
            pthread_cond_wait(&writer->changed, &writer->lock);
        }
        if (!writer->busy) {
            break;
        }
        pthread_mutex_unlock(&writer->lock);
        lake_err rc = lake_compressor_write(writer->compressor, writer->chunk.data,
                                            writer->chunk.len, &writer->file);
        pthread_mutex_lock(&writer->lock);
        if (rc != LAKE_OK && writer->thread_rc == LAKE_OK) {
            writer->thread_rc = rc;
        }
        writer->chunk.len = 0;
        writer->busy = false;
        pthread_cond_broadcast(&writer->changed);
    }
    pthread_mutex_unlock(&writer->lock);
    return NULL;
}

/* Waits until the compression thread has no chunk, and returns its first error. */
static lake_err wait_idle(lake_writer *writer)
{
    pthread_mutex_lock(&writer->lock);
    while (writer->busy) {
        pthread_cond_wait(&writer->changed, &writer->lock);
    }
    lake_err rc = writer->thread_rc;
    pthread_mutex_unlock(&writer->lock);
    return rc;
}

/*
 * Gives the encoded bytes to the compression thread, starting it the first
 * time, so that the caller encodes the next records while they compress.
 * Without a thread (none could start, or no compression) they compress here.
 */
static lake_err hand_off(lake_writer *writer)
{
    if (!writer->thread_started && writer->compression != LAKE_COMPRESSION_NONE) {
        writer->thread_started =
            pthread_create(&writer->thread, NULL, compress_chunks, writer) == 0;
    }
    if (!writer->thread_started) {
        lake_err rc = lake_compressor_write(writer->compressor, writer->encoded.data,
                                            writer->encoded.len, &writer->file);
        writer->encoded.len = 0;
        return rc;
    }

    lake_err rc = wait_idle(writer);
    if (rc != LAKE_OK) {
        return rc;
    }
    /* Swapping the buffers keeps both allocations for the next chunks. */
    pthread_mutex_lock(&writer->lock);
    lake_buf full = writer->encoded;
    writer->encoded = writer->chunk;
    writer->chunk = full;
    writer->busy = true;
    pthread_cond_broadcast(&writer->changed);
    pthread_mutex_unlock(&writer->lock);
    return LAKE_OK;
}

static void stop_thread(lake_writer *writer)
{
    if (!writer->thread_started) {
        return;
    }
    pthread_mutex_lock(&writer->lock);
    writer->stopping = true;
    pthread_cond_broadcast(&writer->changed);
    pthread_mutex_unlock(&writer->lock);
    pthread_join(writer->thread, NULL);
    writer->thread_started = false;
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
    writer->compression = compression;
    pthread_mutex_init(&writer->lock, NULL);
    pthread_cond_init(&writer->changed, NULL);
    lake_err rc = lake_compressor_new(compression, level, &writer->compressor);
    if (rc == LAKE_OK) {
        rc = format->open(&writer->format_state, &writer->encoded);
        if (rc != LAKE_OK) {
            writer->format_state = NULL;
        }
    }
    if (rc != LAKE_OK) {
        lake_writer_free(writer);
        return rc;
    }
    writer->encoded_bytes = writer->encoded.len;
    *out = writer;
    return LAKE_OK;
}

lake_err lake_writer_append(lake_writer *writer, const lake_record *record)
{
    size_t before = writer->encoded.len;
    lake_err rc = writer->format->append(writer->format_state, record, &writer->encoded);
    if (rc != LAKE_OK) {
        return rc;
    }
    writer->encoded_bytes += writer->encoded.len - before;
    writer->record_count++;
    if (writer->encoded.len >= WRITER_CHUNK_BYTES) {
        rc = hand_off(writer);
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
    size_t before = writer->encoded.len;
    lake_err rc = writer->format->finish(writer->format_state, &writer->encoded);
    if (rc == LAKE_OK) {
        writer->encoded_bytes += writer->encoded.len - before;
        rc = wait_idle(writer);
    }
    /* The thread is idle now, so the last bytes and the end compress here. */
    if (rc == LAKE_OK) {
        rc = lake_compressor_write(writer->compressor, writer->encoded.data, writer->encoded.len,
                                   &writer->file);
        writer->encoded.len = 0;
    }
    if (rc == LAKE_OK) {
        rc = lake_compressor_finish(writer->compressor, &writer->file);
    }
    stop_thread(writer);
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
    stop_thread(writer);
    if (writer->format->free != NULL) {
        writer->format->free(writer->format_state);
    }
    lake_compressor_free(writer->compressor);
    lake_buf_clear(&writer->encoded);
    lake_buf_clear(&writer->chunk);
    lake_buf_clear(&writer->file);
    pthread_mutex_destroy(&writer->lock);
    pthread_cond_destroy(&writer->changed);
    free(writer);
}

const char *lake_writer_content_type(const lake_format *format, lake_compression compression)
{
    const char *type = lake_compression_content_type(compression);
    return type != NULL ? type : format->content_type;
}
