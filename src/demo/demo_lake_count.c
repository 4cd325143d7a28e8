#include "demo/demo_lake_count.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

/* A record line is small; a longer one is cut for the key lookup but still counted. */
#define LINE_MAX_BYTES (1024u * 1024u)

typedef struct {
    char *line;
    size_t len;
    int overflow;
    demo_lake_count *count;
} line_state;

static void count_line(line_state *state)
{
    state->count->records++;
    if (state->overflow || state->len == 0) {
        return;
    }
    json_t *record = json_loadb(state->line, state->len, 0, NULL);
    const char *key = json_string_value(json_object_get(record, "key"));
    if (key != NULL) {
        json_t *value = json_object_get(state->count->per_device, key);
        json_int_t current = value != NULL ? json_integer_value(value) : 0;
        json_object_set_new(state->count->per_device, key, json_integer(current + 1));
    }
    json_decref(record);
}

/* Feeds decompressed bytes; each '\n' ends one record. */
static void feed(line_state *state, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (bytes[i] == '\n') {
            count_line(state);
            state->len = 0;
            state->overflow = 0;
        } else if (state->len < LINE_MAX_BYTES) {
            state->line[state->len++] = bytes[i];
        } else {
            state->overflow = 1;
        }
    }
}

static int read_gzip(const char *path, line_state *state)
{
    gzFile file = gzopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    char buffer[65536];
    int n;
    while ((n = gzread(file, buffer, sizeof buffer)) > 0) {
        feed(state, buffer, (size_t)n);
    }
    int error_code = 0;
    gzerror(file, &error_code);
    gzclose(file);
    return n < 0 || error_code != Z_OK ? -1 : 0;
}

static int read_zstd(const char *path, line_state *state)
{
    FILE *file = fopen(path, "rb");
    ZSTD_DStream *stream = ZSTD_createDStream();
    size_t in_size = ZSTD_DStreamInSize();
    size_t out_size = ZSTD_DStreamOutSize();
    char *in_buffer = malloc(in_size);
    char *out_buffer = malloc(out_size);
    int rc = -1;
    if (file == NULL || stream == NULL || in_buffer == NULL || out_buffer == NULL) {
        goto done;
    }
    ZSTD_initDStream(stream);

    size_t last = 0;
    size_t n;
    while ((n = fread(in_buffer, 1, in_size, file)) > 0) {
        ZSTD_inBuffer input = {in_buffer, n, 0};
        for (;;) {
            ZSTD_outBuffer output = {out_buffer, out_size, 0};
            last = ZSTD_decompressStream(stream, &output, &input);
            if (ZSTD_isError(last)) {
                goto done;
            }
            feed(state, out_buffer, output.pos);
            /* A full output buffer may hide more data even after the input is used up. */
            if (input.pos == input.size && output.pos < output.size) {
                break;
            }
        }
    }
    /* 0 means the last frame ended cleanly; anything else is a truncated file. */
    rc = ferror(file) || last != 0 ? -1 : 0;

done:
    if (file != NULL) {
        fclose(file);
    }
    ZSTD_freeDStream(stream);
    free(in_buffer);
    free(out_buffer);
    return rc;
}

static int read_plain(const char *path, line_state *state)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return -1;
    }
    char buffer[65536];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) {
        feed(state, buffer, n);
    }
    int rc = ferror(file) ? -1 : 0;
    fclose(file);
    return rc;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t len = strlen(name);
    size_t suffix_len = strlen(suffix);
    return len > suffix_len && strcmp(name + len - suffix_len, suffix) == 0;
}

static void count_file(const char *path, const char *name, line_state *state)
{
    int (*reader)(const char *, line_state *) = NULL;
    if (has_suffix(name, ".gz")) {
        reader = read_gzip;
    } else if (has_suffix(name, ".zst")) {
        reader = read_zstd;
    } else if (has_suffix(name, ".jsonl")) {
        reader = read_plain;
    } else {
        return;
    }
    state->len = 0;
    state->overflow = 0;
    state->count->files++;
    if (reader(path, state) != 0) {
        state->count->unreadable++;
    }
}

static int walk(const char *directory, line_state *state, char *error, size_t error_size)
{
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        snprintf(error, error_size, "%s: cannot read: %s", directory, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        struct stat st;
        if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = walk(path, state, error, error_size);
        } else if (S_ISREG(st.st_mode)) {
            count_file(path, entry->d_name, state);
        }
    }
    closedir(dir);
    return rc;
}

int demo_lake_count_directory(const char *directory, demo_lake_count *count, char *error,
                         size_t error_size)
{
    line_state state = {.count = count};
    state.line = malloc(LINE_MAX_BYTES);
    if (state.line == NULL) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    int rc = walk(directory, &state, error, error_size);
    free(state.line);
    return rc;
}
