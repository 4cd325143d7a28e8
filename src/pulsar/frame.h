/*
 * Pulsar frames: splitting a byte stream into frames, decoding one frame's
 * layout, encoding frames, and the CRC32C checksum of payload frames.
 *
 * Layout (all sizes 4-byte big-endian, magics 2-byte big-endian):
 *   [totalSize][commandSize][BaseCommand]                         simple
 *   [totalSize][commandSize][BaseCommand]
 *       ([0x0e02][brokerEntryMetadataSize][BrokerEntryMetadata])   broker to client only
 *       ([0x0e01][CRC32C])                                         optional checksum
 *       [metadataSize][MessageMetadata][payload]                   payload frames
 * totalSize counts every byte after itself. The checksum covers
 * metadataSize, the metadata and the payload.
 *
 * The decoder treats its input as untrusted: every size is checked against
 * the frame's end and against the caller's maximum before use, and it never
 * allocates.
 */
#ifndef SWITCHYARD_PULSAR_FRAME_H
#define SWITCHYARD_PULSAR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pulsar/proto_wire.h"
#include "pulsar/pulsar.h"

#define FRAME_MAGIC_CHECKSUM              0x0e01
#define FRAME_MAGIC_BROKER_ENTRY_METADATA 0x0e02

/* The broker's default maxMessageSize (5 MiB), used until CONNECTED carries another value. */
#define FRAME_DEFAULT_MAX_MESSAGE_SIZE (5u * 1024u * 1024u)
/* Room the broker allows above maxMessageSize for the command and metadata of a frame. */
#define FRAME_PADDING (10u * 1024u)

/* CRC32C (Castagnoli) of len bytes, continuing from crc (start with 0). */
uint32_t frame_crc32c(uint32_t crc, const void *data, size_t len);

/*
 * The same with tables only. frame_crc32c uses the CPU's CRC32C instruction
 * where there is one, and this otherwise, so tests compare the two.
 */
uint32_t frame_crc32c_tables(uint32_t crc, const void *data, size_t len);

/*
 * Looks for one whole frame at the start of data. Returns 1 and sets
 * *frame_len (4 + totalSize) when the frame is complete, 0 when more bytes
 * are needed, and -1 when totalSize is below 4 or above max_frame_size.
 */
int frame_split(const uint8_t *data, size_t len, size_t max_frame_size, size_t *frame_len);

typedef struct {
    proto_bytes command;
    bool has_payload;                  /* bytes follow the command */
    proto_bytes broker_entry_metadata; /* empty when absent */
    bool has_checksum;
    bool checksum_ok; /* true also when there is no checksum */
    uint32_t checksum;
    proto_bytes metadata;
    proto_bytes payload;
} frame_view;

/*
 * Decodes the layout of one whole frame (as frame_split delimited it). Views
 * point into data. Returns PULSAR_OK (check checksum_ok separately) or
 * PULSAR_ERR_MALFORMED when a size or magic does not fit the frame.
 */
pulsar_result frame_decode(const uint8_t *data, size_t len, frame_view *out);

/* Starts a frame in buf: writes placeholders for the sizes and returns the frame's offset.
 * The BaseCommand is then appended by a cmd_encode_* function. */
size_t frame_begin(proto_buf *buf);

/* Finishes a simple frame started at offset start. */
void frame_end_simple(proto_buf *buf, size_t start);

/* Finishes a payload frame started at start: appends checksum magic, CRC32C,
 * metadata (already encoded) and payload. */
void frame_end_payload(proto_buf *buf, size_t start, const uint8_t *metadata, size_t metadata_len,
                       const uint8_t *payload, size_t payload_len);

#endif
