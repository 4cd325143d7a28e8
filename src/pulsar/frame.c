/*
 * Frame layout and CRC32C, as described in frame.h.
 */
#include "pulsar/frame.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

/* x86-64 has a CRC32C instruction (SSE4.2), chosen at run time when the CPU has it. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FRAME_CRC_HARDWARE 1
#endif

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static bool crc_hardware;

/* Tables for the slicing-by-8 method over the reflected polynomial 0x82F63B78. */
static void crc_init_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t crc = i;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc_table[0][i] = crc;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t prev = crc_table[t - 1][i];
            crc_table[t][i] = (prev >> 8) ^ crc_table[0][prev & 0xFF];
        }
    }
#ifdef FRAME_CRC_HARDWARE
    crc_hardware = __builtin_cpu_supports("sse4.2");
#endif
}

#ifdef FRAME_CRC_HARDWARE
/* Updates a CRC kept inverted, as the table method does, with the CRC32C instruction. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hardware(uint32_t crc, const uint8_t *p,
                                                                  size_t len)
{
    uint64_t wide = crc;
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        wide = __builtin_ia32_crc32di(wide, word);
        p += 8;
        len -= 8;
    }
    crc = (uint32_t)wide;
    while (len-- > 0) {
        crc = __builtin_ia32_crc32qi(crc, *p++);
    }
    return crc;
}
#endif

uint32_t frame_crc32c(uint32_t crc, const void *data, size_t len)
{
#ifdef FRAME_CRC_HARDWARE
    pthread_once(&crc_once, crc_init_tables);
    if (crc_hardware) {
        return ~crc32c_hardware(~crc, data, len);
    }
#endif
    return frame_crc32c_tables(crc, data, len);
}

uint32_t frame_crc32c_tables(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    pthread_once(&crc_once, crc_init_tables);

    crc = ~crc;
    while (len >= 8) {
        uint32_t low = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                              (uint32_t)p[3] << 24);
        crc = crc_table[7][low & 0xFF] ^ crc_table[6][(low >> 8) & 0xFF] ^
              crc_table[5][(low >> 16) & 0xFF] ^ crc_table[4][low >> 24] ^ crc_table[3][p[4]] ^
              crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len-- > 0) {
        crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xFF];
    }
    return ~crc;
}

int frame_split(const uint8_t *data, size_t len, size_t max_frame_size, size_t *frame_len)
{
    if (len < 4) {
        return 0;
    }
    uint32_t total =
        ((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) | ((uint32_t)data[2] << 8) | data[3];
    if (total < 4 || total > max_frame_size) {
        return -1;
    }
    if (len - 4 < total) {
        return 0;
    }
    *frame_len = (size_t)total + 4;
    return 1;
}

static pulsar_result decode_payload(proto_cursor *cursor, frame_view *out)
{
    uint16_t magic;
    uint32_t size;

    out->has_payload = true;
    if (proto_peek_u16be(cursor, &magic) && magic == FRAME_MAGIC_BROKER_ENTRY_METADATA) {
        cursor->pos += 2;
        if (!proto_read_u32be(cursor, &size) ||
            !proto_read_bytes(cursor, size, &out->broker_entry_metadata)) {
            return PULSAR_ERR_MALFORMED;
        }
    }
    if (proto_peek_u16be(cursor, &magic) && magic == FRAME_MAGIC_CHECKSUM) {
        cursor->pos += 2;
        if (!proto_read_u32be(cursor, &out->checksum)) {
            return PULSAR_ERR_MALFORMED;
        }
        out->has_checksum = true;
        size_t covered = proto_cursor_remaining(cursor);
        out->checksum_ok = frame_crc32c(0, cursor->data + cursor->pos, covered) == out->checksum;
    }
    if (!proto_read_u32be(cursor, &size) || !proto_read_bytes(cursor, size, &out->metadata)) {
        return PULSAR_ERR_MALFORMED;
    }
    size_t rest = proto_cursor_remaining(cursor);
    proto_read_bytes(cursor, rest, &out->payload);
    return PULSAR_OK;
}

pulsar_result frame_decode(const uint8_t *data, size_t len, frame_view *out)
{
    proto_cursor cursor;
    uint32_t total;
    uint32_t command_size;

    *out = (frame_view){.checksum_ok = true};
    proto_cursor_init(&cursor, data, len);
    if (!proto_read_u32be(&cursor, &total) || total != len - 4 ||
        !proto_read_u32be(&cursor, &command_size) ||
        !proto_read_bytes(&cursor, command_size, &out->command)) {
        return PULSAR_ERR_MALFORMED;
    }
    if (proto_cursor_remaining(&cursor) == 0) {
        return PULSAR_OK;
    }
    return decode_payload(&cursor, out);
}

size_t frame_begin(proto_buf *buf)
{
    size_t start = buf->len;
    proto_put_u32be(buf, 0);
    proto_put_u32be(buf, 0);
    return start;
}

void frame_end_simple(proto_buf *buf, size_t start)
{
    if (!proto_buf_ok(buf)) {
        return;
    }
    size_t command_len = buf->len - start - 8;
    proto_patch_u32be(buf, start, (uint32_t)(command_len + 4));
    proto_patch_u32be(buf, start + 4, (uint32_t)command_len);
}

void frame_end_payload(proto_buf *buf, size_t start, const uint8_t *metadata, size_t metadata_len,
                       const uint8_t *payload, size_t payload_len)
{
    frame_end_simple(buf, start);
    proto_put_u16be(buf, FRAME_MAGIC_CHECKSUM);
    size_t checksum_at = buf->len;
    proto_put_u32be(buf, 0);
    size_t covered_from = buf->len;
    proto_put_u32be(buf, (uint32_t)metadata_len);
    proto_put_raw(buf, metadata, metadata_len);
    proto_put_raw(buf, payload, payload_len);
    if (!proto_buf_ok(buf)) {
        return;
    }
    uint32_t crc = frame_crc32c(0, buf->data + covered_from, buf->len - covered_from);
    proto_patch_u32be(buf, checksum_at, crc);
    proto_patch_u32be(buf, start, (uint32_t)(buf->len - start - 4));
}
