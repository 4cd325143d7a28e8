/*
 * Fuzz target: any bytes given to the frame reader are split into frames,
 * and every frame's layout, command, metadata and batch entries decode or
 * fail cleanly, the way the connection reads them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pulsar/batch.h"
#include "pulsar/commands.h"
#include "pulsar/compress.h"
#include "pulsar/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_payload(const frame_view *view)
{
    meta_in meta;
    if (meta_decode(view->metadata, &meta) != PULSAR_OK) {
        return;
    }
    proto_cursor props;
    proto_bytes key;
    proto_bytes value;
    proto_cursor_init(&props, meta.raw.data, meta.raw.len);
    while (meta_next_property(&props, 4, &key, &value) == 1) {
    }

    proto_bytes payload = view->payload;
    uint8_t *unpacked = NULL;
    if (meta.compression != PULSAR_COMPRESSION_NONE) {
        if (decompress_payload(meta.compression, payload.data, payload.len, meta.uncompressed_size,
                               1u << 20, &unpacked) != PULSAR_OK) {
            return;
        }
        payload.data = unpacked;
        payload.len = meta.uncompressed_size;
    }
    if (meta.has_num_messages && meta.num_messages_in_batch > 0 &&
        meta.num_messages_in_batch <= BATCH_MAX_MESSAGES) {
        proto_cursor cursor;
        proto_cursor_init(&cursor, payload.data, payload.len);
        for (int32_t i = 0; i < meta.num_messages_in_batch; i++) {
            batch_entry_in entry;
            if (batch_next(&cursor, &entry) != PULSAR_OK) {
                break;
            }
        }
    }
    free(unpacked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t offset = 0;
    while (offset < size) {
        size_t frame_len = 0;
        if (frame_split(data + offset, size - offset, 1u << 20, &frame_len) != 1) {
            break;
        }
        frame_view view;
        proto_command cmd;
        if (frame_decode(data + offset, frame_len, &view) == PULSAR_OK &&
            cmd_decode(view.command.data, view.command.len, &cmd) == PULSAR_OK &&
            view.has_payload) {
            decode_payload(&view);
        }
        offset += frame_len;
    }
    return 0;
}
