/*
 * Protocol Buffers wire format, the subset that Pulsar's commands use.
 *
 * Reading goes through proto_cursor, the one bounds-checked cursor for
 * untrusted bytes in this library: every read checks the remaining length
 * first and returns false instead of reading past the end. Decoded strings
 * and sub-messages are proto_bytes views into the input buffer, so decoding
 * never allocates and a failed decode leaves nothing to free.
 *
 * Writing goes through proto_buf, a growable buffer that remembers the first
 * allocation failure: after one, every later write is skipped and
 * proto_buf_ok() returns false, so an encoder checks once at the end.
 *
 * Thread safety: none needed; every function works on the caller's objects.
 */
#ifndef SWITCHYARD_PULSAR_PROTO_WIRE_H
#define SWITCHYARD_PULSAR_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view of bytes owned by someone else; data may be NULL when len is 0. */
typedef struct {
    const uint8_t *data;
    size_t len;
} proto_bytes;

/* Protobuf wire types. Groups (3 and 4) are not used by Pulsar and are rejected. */
enum {
    PROTO_WIRE_VARINT = 0,
    PROTO_WIRE_FIXED64 = 1,
    PROTO_WIRE_LEN = 2,
    PROTO_WIRE_FIXED32 = 5,
};

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
} proto_cursor;

/* One decoded field: varint is the value of a varint or fixed field, bytes that of a LEN
 * field. */
typedef struct {
    uint32_t number;
    uint32_t wire_type;
    uint64_t varint;
    proto_bytes bytes;
} proto_field;

void proto_cursor_init(proto_cursor *cursor, const uint8_t *data, size_t len);
size_t proto_cursor_remaining(const proto_cursor *cursor);

/* Each reader returns false, without moving the cursor, when the bytes run out
 * or (varint) when more than 10 bytes or a value above 64 bits are encoded. */
bool proto_read_varint(proto_cursor *cursor, uint64_t *value);
bool proto_read_u16be(proto_cursor *cursor, uint16_t *value);
bool proto_read_u32be(proto_cursor *cursor, uint32_t *value);
bool proto_read_bytes(proto_cursor *cursor, size_t len, proto_bytes *out);

/* Peeks a big-endian u16 without moving the cursor; false when fewer than 2 bytes remain. */
bool proto_peek_u16be(const proto_cursor *cursor, uint16_t *value);

/*
 * Reads the next field of a message. Returns 1 with *field set, 0 at the end
 * of the input, and -1 on malformed input (truncated value, field number 0,
 * a group or unknown wire type, a length beyond the input).
 */
int proto_next_field(proto_cursor *cursor, proto_field *field);

/* Copies a view into a new NUL-terminated string; NULL when out of memory or
 * when the bytes contain a NUL. The caller frees the result. */
char *proto_bytes_strdup(proto_bytes bytes);

/* Returns true when bytes equals the NUL-terminated string text. */
bool proto_bytes_equal(proto_bytes bytes, const char *text);

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; the contents are incomplete */
} proto_buf;

void proto_buf_init(proto_buf *buf);
void proto_buf_free(proto_buf *buf);
void proto_buf_reset(proto_buf *buf); /* empties it, keeping the memory */
bool proto_buf_ok(const proto_buf *buf);
/* Ensures room for extra more bytes; false (and failed set) when allocation fails. */
bool proto_buf_reserve(proto_buf *buf, size_t extra);
/* Moves the contents out: the caller owns *data afterwards and buf is empty. */
uint8_t *proto_buf_detach(proto_buf *buf, size_t *len_out);

void proto_put_raw(proto_buf *buf, const void *data, size_t len);
void proto_put_u16be(proto_buf *buf, uint16_t value);
void proto_put_u32be(proto_buf *buf, uint32_t value);
void proto_put_varint(proto_buf *buf, uint64_t value);
/* Overwrites 4 bytes at offset (which must lie inside the buffer) with value, big-endian. */
void proto_patch_u32be(proto_buf *buf, size_t offset, uint32_t value);

/* Number of bytes of the varint encoding of value (1 to 10). */
size_t proto_varint_size(uint64_t value);

void proto_put_tag(proto_buf *buf, uint32_t number, uint32_t wire_type);
/* Unsigned, enum and bool fields. */
void proto_put_uint_field(proto_buf *buf, uint32_t number, uint64_t value);
/* Signed int32/int64 fields: negative values take 10 bytes, as protobuf requires. */
void proto_put_int_field(proto_buf *buf, uint32_t number, int64_t value);
void proto_put_bytes_field(proto_buf *buf, uint32_t number, const void *data, size_t len);
/* A string field; NULL writes an empty string. */
void proto_put_string_field(proto_buf *buf, uint32_t number, const char *text);

/*
 * Starts an embedded message field: writes its tag and returns the offset
 * where its body starts. proto_end_message(buf, offset) then inserts the
 * body's length. Nesting is allowed.
 */
size_t proto_begin_message(proto_buf *buf, uint32_t number);
void proto_end_message(proto_buf *buf, size_t body_start);

#endif
