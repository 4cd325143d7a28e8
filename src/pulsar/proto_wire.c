/*
 * Protocol Buffers wire format: the bounds-checked reader and the growable
 * writer described in proto_wire.h.
 */
#include "pulsar/proto_wire.h"

#include <stdlib.h>
#include <string.h>

void proto_cursor_init(proto_cursor *cursor, const uint8_t *data, size_t len)
{
    cursor->data = data;
    cursor->len = data == NULL ? 0 : len;
    cursor->pos = 0;
}

size_t proto_cursor_remaining(const proto_cursor *cursor)
{
    return cursor->len - cursor->pos;
}

bool proto_read_varint(proto_cursor *cursor, uint64_t *value)
{
    uint64_t result = 0;
    size_t pos = cursor->pos;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (pos >= cursor->len) {
            return false;
        }
        uint8_t byte = cursor->data[pos++];
        /* The tenth byte may carry only the top bit of a 64-bit value. */
        if (shift == 63 && (byte & 0xFE) != 0) {
            return false;
        }
        result |= (uint64_t)(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) {
            cursor->pos = pos;
            *value = result;
            return true;
        }
    }
    return false;
}

bool proto_peek_u16be(const proto_cursor *cursor, uint16_t *value)
{
    if (proto_cursor_remaining(cursor) < 2) {
        return false;
    }
    const uint8_t *p = cursor->data + cursor->pos;
    *value = (uint16_t)((p[0] << 8) | p[1]);
    return true;
}

bool proto_read_u16be(proto_cursor *cursor, uint16_t *value)
{
    if (!proto_peek_u16be(cursor, value)) {
        return false;
    }
    cursor->pos += 2;
    return true;
}

bool proto_read_u32be(proto_cursor *cursor, uint32_t *value)
{
    if (proto_cursor_remaining(cursor) < 4) {
        return false;
    }
    const uint8_t *p = cursor->data + cursor->pos;
    *value = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    cursor->pos += 4;
    return true;
}

bool proto_read_bytes(proto_cursor *cursor, size_t len, proto_bytes *out)
{
    if (proto_cursor_remaining(cursor) < len) {
        return false;
    }
    out->data = len == 0 ? NULL : cursor->data + cursor->pos;
    out->len = len;
    cursor->pos += len;
    return true;
}

static bool read_fixed_le(proto_cursor *cursor, size_t width, uint64_t *value)
{
    proto_bytes bytes;
    if (!proto_read_bytes(cursor, width, &bytes)) {
        return false;
    }
    uint64_t result = 0;
    for (size_t i = 0; i < width; i++) {
        result |= (uint64_t)bytes.data[i] << (8 * i);
    }
    *value = result;
    return true;
}

int proto_next_field(proto_cursor *cursor, proto_field *field)
{
    if (proto_cursor_remaining(cursor) == 0) {
        return 0;
    }
    size_t start = cursor->pos;
    uint64_t key;
    if (!proto_read_varint(cursor, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) {
        goto malformed;
    }
    field->number = (uint32_t)(key >> 3);
    field->wire_type = (uint32_t)(key & 7);
    field->varint = 0;
    field->bytes.data = NULL;
    field->bytes.len = 0;

    uint64_t len;
    switch (field->wire_type) {
    case PROTO_WIRE_VARINT:
        if (!proto_read_varint(cursor, &field->varint)) {
            goto malformed;
        }
        return 1;
    case PROTO_WIRE_FIXED64:
        if (!read_fixed_le(cursor, 8, &field->varint)) {
            goto malformed;
        }
        return 1;
    case PROTO_WIRE_FIXED32:
        if (!read_fixed_le(cursor, 4, &field->varint)) {
            goto malformed;
        }
        return 1;
    case PROTO_WIRE_LEN:
        if (!proto_read_varint(cursor, &len) || len > proto_cursor_remaining(cursor) ||
            !proto_read_bytes(cursor, (size_t)len, &field->bytes)) {
            goto malformed;
        }
        return 1;
    default:
        goto malformed;
    }

malformed:
    cursor->pos = start;
    return -1;
}

char *proto_bytes_strdup(proto_bytes bytes)
{
    if (bytes.len > 0 && memchr(bytes.data, 0, bytes.len) != NULL) {
        return NULL;
    }
    char *text = malloc(bytes.len + 1);
    if (text == NULL) {
        return NULL;
    }
    if (bytes.len > 0) {
        memcpy(text, bytes.data, bytes.len);
    }
    text[bytes.len] = '\0';
    return text;
}

bool proto_bytes_equal(proto_bytes bytes, const char *text)
{
    size_t len = strlen(text);
    return len == bytes.len && (len == 0 || memcmp(bytes.data, text, len) == 0);
}

void proto_buf_init(proto_buf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void proto_buf_free(proto_buf *buf)
{
    free(buf->data);
    proto_buf_init(buf);
}

void proto_buf_reset(proto_buf *buf)
{
    buf->len = 0;
    buf->failed = false;
}

bool proto_buf_ok(const proto_buf *buf)
{
    return !buf->failed;
}

bool proto_buf_reserve(proto_buf *buf, size_t extra)
{
    if (buf->failed) {
        return false;
    }
    if (extra <= buf->cap - buf->len) {
        return true;
    }
    if (extra > SIZE_MAX / 2 - buf->len) {
        buf->failed = true;
        return false;
    }
    size_t cap = buf->cap == 0 ? 256 : buf->cap;
    while (cap - buf->len < extra) {
        cap *= 2;
    }
    uint8_t *data = realloc(buf->data, cap);
    if (data == NULL) {
        buf->failed = true;
        return false;
    }
    buf->data = data;
    buf->cap = cap;
    return true;
}

uint8_t *proto_buf_detach(proto_buf *buf, size_t *len_out)
{
    uint8_t *data = buf->data;
    *len_out = buf->len;
    proto_buf_init(buf);
    return data;
}

void proto_put_raw(proto_buf *buf, const void *data, size_t len)
{
    if (len == 0 || !proto_buf_reserve(buf, len)) {
        return;
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
}

void proto_put_u16be(proto_buf *buf, uint16_t value)
{
    uint8_t bytes[2] = {(uint8_t)(value >> 8), (uint8_t)value};
    proto_put_raw(buf, bytes, sizeof bytes);
}

void proto_put_u32be(proto_buf *buf, uint32_t value)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8),
                        (uint8_t)value};
    proto_put_raw(buf, bytes, sizeof bytes);
}

void proto_patch_u32be(proto_buf *buf, size_t offset, uint32_t value)
{
    if (buf->failed || offset + 4 > buf->len) {
        return;
    }
    buf->data[offset] = (uint8_t)(value >> 24);
    buf->data[offset + 1] = (uint8_t)(value >> 16);
    buf->data[offset + 2] = (uint8_t)(value >> 8);
    buf->data[offset + 3] = (uint8_t)value;
}

size_t proto_varint_size(uint64_t value)
{
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

static size_t encode_varint(uint8_t out[10], uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        out[n++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[n++] = (uint8_t)value;
    return n;
}

void proto_put_varint(proto_buf *buf, uint64_t value)
{
    uint8_t bytes[10];
    size_t n = encode_varint(bytes, value);
    proto_put_raw(buf, bytes, n);
}

void proto_put_tag(proto_buf *buf, uint32_t number, uint32_t wire_type)
{
    proto_put_varint(buf, ((uint64_t)number << 3) | wire_type);
}

void proto_put_uint_field(proto_buf *buf, uint32_t number, uint64_t value)
{
    proto_put_tag(buf, number, PROTO_WIRE_VARINT);
    proto_put_varint(buf, value);
}

void proto_put_int_field(proto_buf *buf, uint32_t number, int64_t value)
{
    proto_put_uint_field(buf, number, (uint64_t)value);
}

void proto_put_bytes_field(proto_buf *buf, uint32_t number, const void *data, size_t len)
{
    proto_put_tag(buf, number, PROTO_WIRE_LEN);
    proto_put_varint(buf, len);
    proto_put_raw(buf, data, len);
}

void proto_put_string_field(proto_buf *buf, uint32_t number, const char *text)
{
    proto_put_bytes_field(buf, number, text, text == NULL ? 0 : strlen(text));
}

size_t proto_begin_message(proto_buf *buf, uint32_t number)
{
    proto_put_tag(buf, number, PROTO_WIRE_LEN);
    return buf->len;
}

void proto_end_message(proto_buf *buf, size_t body_start)
{
    if (buf->failed || body_start > buf->len) {
        return;
    }
    size_t body_len = buf->len - body_start;
    uint8_t prefix[10];
    size_t prefix_len = encode_varint(prefix, body_len);
    if (!proto_buf_reserve(buf, prefix_len)) {
        return;
    }
    /* The body was written before its length was known, so shift it to make room. */
    memmove(buf->data + body_start + prefix_len, buf->data + body_start, body_len);
    memcpy(buf->data + body_start, prefix, prefix_len);
    buf->len += prefix_len;
}
