/*
 * route_json: one pass over the payload with an explicit stack of open
 * containers, so that deep nesting cannot exhaust the C stack.
 *
 * Member names are checked for repeats in a hash set keyed by (object
 * number, unescaped name). The set and the names' bytes start in buffers on
 * the stack and move to the heap when a payload outgrows them.
 */
#include "route/route_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"

/* Room on the stack before the name set and the name bytes move to the heap. */
#define NAME_SLOTS_ON_STACK 128
#define NAME_BYTES_ON_STACK 4096

typedef struct {
    uint32_t object; /* 0 marks a free slot */
    uint32_t hash;
    size_t offset; /* into the name bytes */
    size_t len;
} name_slot;

/* A growable byte buffer that starts in caller-provided storage. */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool on_heap;
} byte_buffer;

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    uint32_t depth;   /* open containers */
    uint32_t objects; /* objects opened so far, which numbers them from 1 */
    bool failed;      /* out of memory */
    name_slot *slots; /* hash set of member names, a power-of-two count */
    size_t slot_count;
    size_t slot_used;
    bool slots_on_heap;
    byte_buffer names; /* unescaped member names, one after the other */
    byte_buffer text;  /* the string being unescaped */
} json_reader;

static bool buffer_reserve(byte_buffer *buffer, size_t extra)
{
    if (extra <= buffer->cap - buffer->len) {
        return true;
    }
    size_t cap = buffer->cap * 2;
    while (cap - buffer->len < extra) {
        if (cap > SIZE_MAX / 2) {
            return false;
        }
        cap *= 2;
    }
    uint8_t *data = buffer->on_heap ? realloc(buffer->data, cap) : malloc(cap);
    if (data == NULL) {
        return false;
    }
    if (!buffer->on_heap) {
        memcpy(data, buffer->data, buffer->len);
    }
    buffer->data = data;
    buffer->cap = cap;
    buffer->on_heap = true;
    return true;
}

static bool buffer_append(byte_buffer *buffer, const uint8_t *bytes, size_t len)
{
    if (!buffer_reserve(buffer, len)) {
        return false;
    }
    memcpy(buffer->data + buffer->len, bytes, len);
    buffer->len += len;
    return true;
}

static void skip_space(json_reader *reader)
{
    while (reader->p < reader->end &&
           (*reader->p == ' ' || *reader->p == '\t' || *reader->p == '\n' || *reader->p == '\r')) {
        reader->p++;
    }
}

/* Reads four hex digits at reader->p. Returns -1 when they are not hex digits. */
static int32_t read_hex4(json_reader *reader)
{
    if (reader->end - reader->p < 4) {
        return -1;
    }
    int32_t value = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = reader->p[i];
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            return -1;
        }
        value = value << 4 | digit;
    }
    reader->p += 4;
    return value;
}

static size_t encode_utf8(uint32_t code, uint8_t out[4])
{
    if (code < 0x80) {
        out[0] = (uint8_t)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (uint8_t)(0xC0 | code >> 6);
        out[1] = (uint8_t)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (uint8_t)(0xE0 | code >> 12);
        out[1] = (uint8_t)(0x80 | (code >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | code >> 18);
    out[1] = (uint8_t)(0x80 | (code >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (code >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (code & 0x3F));
    return 4;
}

/* Reads the code point of a \u escape whose "\u" is already read, pairing surrogates. */
static int32_t read_escaped_code(json_reader *reader)
{
    int32_t code = read_hex4(reader);
    if (code <= 0 || (code >= 0xDC00 && code <= 0xDFFF)) {
        return -1; /* \u0000, not hex, or a low surrogate first */
    }
    if (code < 0xD800 || code > 0xDBFF) {
        return code;
    }
    if (reader->end - reader->p < 2 || reader->p[0] != '\\' || reader->p[1] != 'u') {
        return -1;
    }
    reader->p += 2;
    int32_t low = read_hex4(reader);
    if (low < 0xDC00 || low > 0xDFFF) {
        return -1;
    }
    return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
}

/*
 * Reads a string whose opening quote is at reader->p. With keep, its unescaped
 * bytes go to reader->text. Returns false when it is invalid or memory runs out.
 */
static bool read_string(json_reader *reader, bool keep)
{
    reader->p++;
    reader->text.len = 0;
    for (;;) {
        const uint8_t *run = reader->p;
        while (reader->p < reader->end && *reader->p >= 0x20 && *reader->p < 0x80 &&
               *reader->p != '"' && *reader->p != '\\') {
            reader->p++;
        }
        if (keep && !buffer_append(&reader->text, run, (size_t)(reader->p - run))) {
            reader->failed = true;
            return false;
        }
        if (reader->p == reader->end) {
            return false;
        }

        uint8_t c = *reader->p;
        uint8_t decoded[4];
        size_t decoded_len;
        if (c == '"') {
            reader->p++;
            return true;
        } else if (c < 0x20) {
            return false;
        } else if (c >= 0x80) {
            decoded_len = sy_utf8_decode(reader->p, (size_t)(reader->end - reader->p), NULL);
            if (decoded_len == 0) {
                return false;
            }
            memcpy(decoded, reader->p, decoded_len);
            reader->p += decoded_len;
        } else {
            /* A backslash. */
            if (reader->end - reader->p < 2) {
                return false;
            }
            uint8_t kind = reader->p[1];
            reader->p += 2;
            static const char simple_from[] = "\"\\/bfnrt";
            static const char simple_to[] = "\"\\/\b\f\n\r\t";
            const char *simple = kind != 0 ? strchr(simple_from, kind) : NULL;
            if (simple != NULL) {
                decoded[0] = (uint8_t)simple_to[simple - simple_from];
                decoded_len = 1;
            } else if (kind == 'u') {
                int32_t code = read_escaped_code(reader);
                if (code < 0) {
                    return false;
                }
                decoded_len = encode_utf8((uint32_t)code, decoded);
            } else {
                return false;
            }
        }
        if (keep && !buffer_append(&reader->text, decoded, decoded_len)) {
            reader->failed = true;
            return false;
        }
    }
}

/* Returns true when the integer digits (with an optional '-') fit in a signed 64-bit value. */
static bool integer_fits(const uint8_t *start, size_t len)
{
    bool negative = start[0] == '-';
    const uint8_t *digits = start + (negative ? 1 : 0);
    size_t count = len - (negative ? 1 : 0);
    const char *limit = negative ? "9223372036854775808" : "9223372036854775807";
    if (count != 19) {
        return count < 19;
    }
    return memcmp(digits, limit, 19) <= 0;
}

/* Returns true when the real at start does not overflow a double (strtod's ERANGE at HUGE_VAL). */
static bool real_fits(json_reader *reader, const uint8_t *start, size_t len)
{
    char small[64];
    char *text = len < sizeof small ? small : malloc(len + 1);
    if (text == NULL) {
        reader->failed = true;
        return false;
    }
    memcpy(text, start, len);
    text[len] = '\0';
    errno = 0;
    double value = strtod(text, NULL);
    bool fits = !(errno == ERANGE && isinf(value));
    if (text != small) {
        free(text);
    }
    return fits;
}

/* Moves reader->p past a run of decimal digits and returns how many there were. */
static size_t skip_digits(json_reader *reader)
{
    const uint8_t *first = reader->p;
    while (reader->p < reader->end && *reader->p >= '0' && *reader->p <= '9') {
        reader->p++;
    }
    return (size_t)(reader->p - first);
}

/*
 * Reads a number at reader->p. Sets *integer when it has no fraction and no
 * exponent. Returns false when it is malformed or out of range.
 */
static bool read_number(json_reader *reader, bool *integer)
{
    const uint8_t *start = reader->p;
    if (reader->p < reader->end && *reader->p == '-') {
        reader->p++;
    }
    if (reader->p == reader->end || *reader->p < '0' || *reader->p > '9') {
        return false;
    }
    if (*reader->p == '0') {
        reader->p++;
    } else {
        skip_digits(reader);
    }

    *integer = true;
    if (reader->p < reader->end && *reader->p == '.') {
        *integer = false;
        reader->p++;
        if (skip_digits(reader) == 0) {
            return false;
        }
    }
    if (reader->p < reader->end && (*reader->p == 'e' || *reader->p == 'E')) {
        *integer = false;
        reader->p++;
        if (reader->p < reader->end && (*reader->p == '+' || *reader->p == '-')) {
            reader->p++;
        }
        if (skip_digits(reader) == 0) {
            return false;
        }
    }

    size_t len = (size_t)(reader->p - start);
    return *integer ? integer_fits(start, len) : real_fits(reader, start, len);
}

static bool read_literal(json_reader *reader, const char *literal)
{
    size_t len = strlen(literal);
    if ((size_t)(reader->end - reader->p) < len || memcmp(reader->p, literal, len) != 0) {
        return false;
    }
    reader->p += len;
    return true;
}

static uint32_t hash_name(uint32_t object, const uint8_t *bytes, size_t len)
{
    /* FNV-1a over the object number and the name. */
    uint32_t hash = 2166136261u;
    for (int i = 0; i < 4; i++) {
        hash = (hash ^ (object >> (8 * i) & 0xFF)) * 16777619u;
    }
    for (size_t i = 0; i < len; i++) {
        hash = (hash ^ bytes[i]) * 16777619u;
    }
    return hash;
}

/* Doubles the name set. Returns false when out of memory. */
static bool grow_names(json_reader *reader)
{
    size_t count = reader->slot_count * 2;
    name_slot *slots = calloc(count, sizeof *slots);
    if (slots == NULL) {
        return false;
    }
    for (size_t i = 0; i < reader->slot_count; i++) {
        if (reader->slots[i].object == 0) {
            continue;
        }
        size_t at = reader->slots[i].hash & (count - 1);
        while (slots[at].object != 0) {
            at = (at + 1) & (count - 1);
        }
        slots[at] = reader->slots[i];
    }
    if (reader->slots_on_heap) {
        free(reader->slots);
    }
    reader->slots = slots;
    reader->slot_count = count;
    reader->slots_on_heap = true;
    return true;
}

/* Records the name in reader->text for object. Returns false when the object already has it. */
static bool add_name(json_reader *reader, uint32_t object)
{
    if ((reader->slot_used + 1) * 2 > reader->slot_count && !grow_names(reader)) {
        reader->failed = true;
        return false;
    }
    const uint8_t *name = reader->text.data;
    size_t len = reader->text.len;
    uint32_t hash = hash_name(object, name, len);
    size_t at = hash & (reader->slot_count - 1);
    while (reader->slots[at].object != 0) {
        const name_slot *slot = &reader->slots[at];
        if (slot->object == object && slot->hash == hash && slot->len == len &&
            memcmp(reader->names.data + slot->offset, name, len) == 0) {
            return false;
        }
        at = (at + 1) & (reader->slot_count - 1);
    }

    size_t offset = reader->names.len;
    if (!buffer_append(&reader->names, name, len)) {
        reader->failed = true;
        return false;
    }
    reader->slots[at] = (name_slot){object, hash, offset, len};
    reader->slot_used++;
    return true;
}

static void keep_text(route_json_member *member, route_json_kind kind, const uint8_t *text,
                      size_t len)
{
    size_t stored = len < ROUTE_JSON_MEMBER_TEXT_MAX ? len : ROUTE_JSON_MEMBER_TEXT_MAX;
    member->kind = kind;
    member->len = len;
    member->truncated = stored < len;
    if (stored > 0) {
        memcpy(member->text, text, stored);
    }
    member->text[stored] = '\0';
}

/* What the reader expects next. */
typedef enum { EXPECT_VALUE, EXPECT_NAME, EXPECT_AFTER_VALUE } expectation;

static bool read_document(json_reader *reader, const char *name, route_json_member *member)
{
    /* Per open container: whether it is an object, and the object's number. */
    bool is_object[ROUTE_JSON_MAX_DEPTH + 1];
    uint32_t object_of[ROUTE_JSON_MAX_DEPTH + 1];
    size_t name_len = strlen(name);
    bool capture = false; /* the next value is the top-level member `name` */

    skip_space(reader);
    if (reader->p == reader->end || (*reader->p != '{' && *reader->p != '[')) {
        return false;
    }
    expectation next = EXPECT_VALUE;
    for (;;) {
        skip_space(reader);
        if (next == EXPECT_NAME) {
            if (reader->p == reader->end || *reader->p != '"' || !read_string(reader, true) ||
                !add_name(reader, object_of[reader->depth])) {
                return false;
            }
            capture = reader->depth == 1 && reader->text.len == name_len &&
                      memcmp(reader->text.data, name, name_len) == 0;
            skip_space(reader);
            if (reader->p == reader->end || *reader->p != ':') {
                return false;
            }
            reader->p++;
            next = EXPECT_VALUE;
            continue;
        }

        if (next == EXPECT_VALUE) {
            /* Every value counts towards the depth, as jansson counts it. */
            if (reader->p == reader->end || reader->depth + 1 > ROUTE_JSON_MAX_DEPTH) {
                return false;
            }
            uint8_t c = *reader->p;
            const uint8_t *start = reader->p;
            route_json_kind kind = ROUTE_JSON_OTHER;
            if (c == '{' || c == '[') {
                reader->p++;
                reader->depth++;
                is_object[reader->depth] = c == '{';
                if (c == '{') {
                    object_of[reader->depth] = ++reader->objects;
                }
                if (capture) {
                    keep_text(member, ROUTE_JSON_OTHER, NULL, 0);
                    capture = false;
                }
                skip_space(reader);
                if (reader->p < reader->end && *reader->p == (c == '{' ? '}' : ']')) {
                    reader->p++;
                    reader->depth--;
                    next = EXPECT_AFTER_VALUE;
                } else {
                    next = c == '{' ? EXPECT_NAME : EXPECT_VALUE;
                }
                continue;
            }
            bool valid;
            if (c == '"') {
                valid = read_string(reader, capture);
                kind = ROUTE_JSON_STRING;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                bool integer = false;
                valid = read_number(reader, &integer);
                kind = integer ? ROUTE_JSON_INTEGER : ROUTE_JSON_OTHER;
            } else {
                valid = read_literal(reader, "true") || read_literal(reader, "false") ||
                        read_literal(reader, "null");
            }
            if (!valid) {
                return false;
            }
            if (capture) {
                if (kind == ROUTE_JSON_STRING) {
                    keep_text(member, kind, reader->text.data, reader->text.len);
                } else if (kind == ROUTE_JSON_INTEGER) {
                    /* jansson reads "-0" as the integer 0 and prints it without a sign. */
                    size_t len = (size_t)(reader->p - start);
                    bool minus_zero = len == 2 && start[0] == '-' && start[1] == '0';
                    keep_text(member, kind, minus_zero ? start + 1 : start, minus_zero ? 1 : len);
                } else {
                    keep_text(member, kind, NULL, 0);
                }
                capture = false;
            }
            next = EXPECT_AFTER_VALUE;
            continue;
        }

        /* EXPECT_AFTER_VALUE */
        if (reader->depth == 0) {
            return reader->p == reader->end;
        }
        if (reader->p == reader->end) {
            return false;
        }
        uint8_t c = *reader->p++;
        bool in_object = is_object[reader->depth];
        if (c == ',') {
            next = in_object ? EXPECT_NAME : EXPECT_VALUE;
        } else if (c == (in_object ? '}' : ']')) {
            reader->depth--;
        } else {
            return false;
        }
    }
}

bool route_json_read(const uint8_t *bytes, size_t len, const char *name, route_json_member *member)
{
    name_slot slots[NAME_SLOTS_ON_STACK];
    uint8_t names[NAME_BYTES_ON_STACK];
    uint8_t text[ROUTE_JSON_MEMBER_TEXT_MAX];
    memset(slots, 0, sizeof slots);
    json_reader reader = {
        .p = bytes,
        .end = bytes + len,
        .slots = slots,
        .slot_count = NAME_SLOTS_ON_STACK,
        .names = {names, 0, sizeof names, false},
        .text = {text, 0, sizeof text, false},
    };
    member->kind = ROUTE_JSON_ABSENT;
    member->len = 0;
    member->truncated = false;
    member->text[0] = '\0';

    bool valid = bytes != NULL && read_document(&reader, name, member) && !reader.failed;

    if (reader.slots_on_heap) {
        free(reader.slots);
    }
    if (reader.names.on_heap) {
        free(reader.names.data);
    }
    if (reader.text.on_heap) {
        free(reader.text.data);
    }
    return valid;
}
