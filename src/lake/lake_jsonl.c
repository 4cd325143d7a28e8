#include "lake/lake_jsonl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/decimal.h"
#include "common/utf8.h"
#include "lake/lake_tz.h"

/* Formatted by hand: snprintf here was a visible share of the sink's time in bench/lake. */
void lake_message_id_format(const lake_message_id *id, char text[LAKE_MESSAGE_ID_TEXT_MAX])
{
    char full[SY_MESSAGE_ID_TEXT_MAX];
    char *p = sy_put_message_id(full, id->ledger_id, id->entry_id, id->partition,
                                id->batch_index);
    size_t len = (size_t)(p - full);
    if (len > LAKE_MESSAGE_ID_TEXT_MAX - 1) {
        len = LAKE_MESSAGE_ID_TEXT_MAX - 1;
    }
    memcpy(text, full, len);
    text[len] = '\0';
}

bool lake_utf8_valid(const uint8_t *bytes, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        size_t step = sy_utf8_decode(bytes + pos, len - pos, NULL);
        if (step == 0) {
            return false;
        }
        pos += step;
    }
    return true;
}

/* Bytes that stand for themselves in a JSON string: printable ASCII except '"' and '\\'. */
static const bool plain_ascii[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    /* 0x80 to 0xFF: UTF-8 sequences, checked one by one */
};

/* Writes the escape of a byte that cannot stand for itself in a JSON string, and returns the end. */
static uint8_t *put_escape(uint8_t *p, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    char short_form = 0;
    switch (c) {
    case '"':
        short_form = '"';
        break;
    case '\\':
        short_form = '\\';
        break;
    case '\n':
        short_form = 'n';
        break;
    case '\r':
        short_form = 'r';
        break;
    case '\t':
        short_form = 't';
        break;
    default:
        break;
    }
    if (short_form != 0) {
        *p++ = '\\';
        *p++ = (uint8_t)short_form;
        return p;
    }
    if (c >= 0x80) {
        /* U+FFFD for an invalid byte */
        memcpy(p, "\xEF\xBF\xBD", 3);
        return p + 3;
    }
    memcpy(p, "\\u00", 4);
    p[4] = (uint8_t)hex[c >> 4];
    p[5] = (uint8_t)hex[c & 0x0F];
    return p + 6;
}

/*
 * Copies the bytes at the start of bytes that stand for themselves in a JSON
 * string to out, and returns how many. out must have room for len bytes,
 * and bytes after the returned count may be overwritten. With SSE2, 16
 * bytes are checked at once, because payloads are mostly long runs of plain
 * ASCII.
 */
static size_t plain_prefix(const uint8_t *bytes, size_t len, uint8_t *out)
{
    size_t pos = 0;
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (pos + 16 <= len) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(bytes + pos));
        /* A signed compare finds control bytes and bytes of 0x80 and above at once. */
        __m128i special = _mm_or_si128(_mm_cmplt_epi8(chunk, space),
                                       _mm_or_si128(_mm_cmpeq_epi8(chunk, quote),
                                                    _mm_cmpeq_epi8(chunk, backslash)));
        _mm_storeu_si128((__m128i *)(out + pos), chunk);
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask != 0) {
            return pos + (size_t)__builtin_ctz(mask);
        }
        pos += 16;
    }
#endif
    while (pos < len && plain_ascii[bytes[pos]]) {
        out[pos] = bytes[pos];
        pos++;
    }
    return pos;
}

/* Room that put_json_string may need for len bytes: each byte escapes to at most 6. */
#define JSON_STRING_BOUND(len) ((len) * 6 + 2)

/*
 * Writes bytes as a JSON string at p, which has room for
 * JSON_STRING_BOUND(len) bytes, and returns the end. Invalid UTF-8 bytes
 * become U+FFFD, or, when strict, make it return NULL.
 */
static uint8_t *put_json_string(uint8_t *p, const uint8_t *bytes, size_t len, bool strict)
{
    *p++ = '"';
    size_t pos = 0;
    while (pos < len) {
        size_t plain = plain_prefix(bytes + pos, len - pos, p);
        p += plain;
        pos += plain;
        if (pos == len) {
            break;
        }
        uint8_t c = bytes[pos];
        if (plain_ascii[c]) {
            *p++ = c;
            pos++;
            continue;
        }
        if (c >= 0x80) {
            size_t step = sy_utf8_decode(bytes + pos, len - pos, NULL);
            if (step != 0) {
                memcpy(p, bytes + pos, step);
                p += step;
                pos += step;
                continue;
            }
            if (strict) {
                return NULL;
            }
        }
        p = put_escape(p, c);
        pos++;
    }
    *p++ = '"';
    return p;
}

static uint8_t *put_raw(uint8_t *p, const char *text, size_t len)
{
    memcpy(p, text, len);
    return p + len;
}

/* Writes a literal string of the source, without its NUL. */
#define PUT_LITERAL(p, literal) put_raw((p), (literal), sizeof(literal) - 1)

/* Room that put_base64 needs for len bytes, with the quotes. */
#define BASE64_BOUND(len) (((len) + 2) / 3 * 4 + 2)

static uint8_t *put_base64(uint8_t *p, const uint8_t *bytes, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    *p++ = '"';
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t group = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | bytes[i + 2];
        *p++ = (uint8_t)alphabet[group >> 18];
        *p++ = (uint8_t)alphabet[group >> 12 & 0x3F];
        *p++ = (uint8_t)alphabet[group >> 6 & 0x3F];
        *p++ = (uint8_t)alphabet[group & 0x3F];
    }
    if (i < len) {
        uint32_t group = (uint32_t)bytes[i] << 16;
        if (i + 1 < len) {
            group |= (uint32_t)bytes[i + 1] << 8;
        }
        *p++ = (uint8_t)alphabet[group >> 18];
        *p++ = (uint8_t)alphabet[group >> 12 & 0x3F];
        *p++ = i + 1 < len ? (uint8_t)alphabet[group >> 6 & 0x3F] : '=';
        *p++ = '=';
    }
    *p++ = '"';
    return p;
}

/* Writes value as exactly width decimal digits, with leading zeros. */
static void put_digits(char *text, unsigned value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        text[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

void lake_format_utc_ms(int64_t time_ms, char text[25])
{
    /* Clamped to years 1..9999 so the text keeps its fixed width. */
    const int64_t min_ms = -62135596800000; /* 0001-01-01T00:00:00.000Z */
    const int64_t max_ms = 253402300799999; /* 9999-12-31T23:59:59.999Z */
    if (time_ms < min_ms) {
        time_ms = min_ms;
    } else if (time_ms > max_ms) {
        time_ms = max_ms;
    }
    int64_t millis = time_ms % 1000;
    int64_t seconds = time_ms / 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    int64_t days = seconds / 86400;
    int64_t second_of_day = seconds % 86400;
    if (second_of_day < 0) {
        second_of_day += 86400;
        days -= 1;
    }
    /*
     * Consecutive messages mostly share their days, so each thread keeps the
     * last two dates it wrote: a line's publish time and event time often
     * fall on different days.
     */
    static _Thread_local int64_t cached_days[2] = {INT64_MIN, INT64_MIN};
    static _Thread_local char cached_dates[2][10];
    int slot = days == cached_days[0] ? 0 : 1;
    if (days != cached_days[slot]) {
        int64_t year;
        int month;
        int day;
        lake_civil_from_days(days, &year, &month, &day);
        /* The older date gives way. */
        cached_days[1] = cached_days[0];
        memcpy(cached_dates[1], cached_dates[0], 10);
        slot = 0;
        put_digits(cached_dates[0], (unsigned)year, 4);
        cached_dates[0][4] = '-';
        put_digits(cached_dates[0] + 5, (unsigned)month, 2);
        cached_dates[0][7] = '-';
        put_digits(cached_dates[0] + 8, (unsigned)day, 2);
        cached_days[0] = days;
    }
    /* Written digit by digit: snprintf here cost a tenth of the sink's time in bench/lake. */
    memcpy(text, cached_dates[slot], 10);
    text[10] = 'T';
    put_digits(text + 11, (unsigned)(second_of_day / 3600), 2);
    text[13] = ':';
    put_digits(text + 14, (unsigned)(second_of_day / 60 % 60), 2);
    text[16] = ':';
    put_digits(text + 17, (unsigned)(second_of_day % 60), 2);
    text[19] = '.';
    put_digits(text + 20, (unsigned)millis, 3);
    text[23] = 'Z';
    text[24] = '\0';
}

/* A NULL text is written as null, anything else as a JSON string. */
static uint8_t *put_text(uint8_t *p, const char *text, size_t len)
{
    if (text == NULL) {
        return PUT_LITERAL(p, "null");
    }
    return put_json_string(p, (const uint8_t *)text, len, false);
}

static size_t length_or_zero(const char *text)
{
    return text != NULL ? strlen(text) : 0;
}

/*
 * The line is written through a pointer into room reserved once for the
 * worst case, because checking the room for every piece was a large share
 * of the sink's time in bench/lake.
 */
lake_err lake_jsonl_encode(const lake_record *record, lake_buf *out)
{
    char id_text[LAKE_MESSAGE_ID_TEXT_MAX];
    char publish_text[25];
    char event_text[25];
    lake_message_id_format(&record->id, id_text);
    lake_format_utc_ms(record->publish_time_ms, publish_text);
    if (record->event_time_ms != 0) {
        lake_format_utc_ms(record->event_time_ms, event_text);
    }

    /* Member names, punctuation and the two times take less than 256 bytes. */
    size_t topic_len = length_or_zero(record->topic);
    size_t key_len = length_or_zero(record->key);
    size_t id_len = strlen(id_text);
    size_t text_bytes = topic_len + key_len + id_len;
    for (size_t i = 0; i < record->property_count; i++) {
        /* Two more per property for its ':' and ',' */
        text_bytes += length_or_zero(record->properties[i].key) +
                      length_or_zero(record->properties[i].value) + 2;
    }
    if (text_bytes > SIZE_MAX / 8 || record->payload_len > SIZE_MAX / 8 - text_bytes) {
        return LAKE_ERR_NOMEM;
    }
    size_t bound = 256 + JSON_STRING_BOUND(text_bytes + 3 * record->property_count) +
                   JSON_STRING_BOUND(record->payload_len);
    lake_err rc = lake_buf_reserve(out, bound);
    if (rc != LAKE_OK) {
        return rc;
    }

    uint8_t *p = out->data + out->len;
    p = PUT_LITERAL(p, "{\"topic\":");
    p = put_text(p, record->topic, topic_len);
    p = PUT_LITERAL(p, ",\"message_id\":");
    p = put_json_string(p, (const uint8_t *)id_text, id_len, false);
    p = PUT_LITERAL(p, ",\"key\":");
    p = put_text(p, record->key, key_len);
    p = PUT_LITERAL(p, ",\"publish_time\":");
    p = put_json_string(p, (const uint8_t *)publish_text, 24, false);
    p = PUT_LITERAL(p, ",\"event_time\":");
    if (record->event_time_ms == 0) {
        p = PUT_LITERAL(p, "null");
    } else {
        p = put_json_string(p, (const uint8_t *)event_text, 24, false);
    }

    p = PUT_LITERAL(p, ",\"properties\":{");
    for (size_t i = 0; i < record->property_count; i++) {
        const char *key = record->properties[i].key != NULL ? record->properties[i].key : "";
        const char *value =
            record->properties[i].value != NULL ? record->properties[i].value : "";
        if (i > 0) {
            *p++ = ',';
        }
        p = put_json_string(p, (const uint8_t *)key, strlen(key), false);
        *p++ = ':';
        p = put_json_string(p, (const uint8_t *)value, strlen(value), false);
    }
    p = PUT_LITERAL(p, "}");

    /* Invalid UTF-8 is found while the payload is copied; it is then written again in base64. */
    static const uint8_t no_bytes[1] = {0};
    const uint8_t *payload = record->payload != NULL ? record->payload : no_bytes;
    uint8_t *payload_start = p;
    p = PUT_LITERAL(p, ",\"payload\":");
    p = put_json_string(p, payload, record->payload_len, true);
    if (p == NULL) {
        p = PUT_LITERAL(payload_start, ",\"payload_base64\":");
        p = put_base64(p, payload, record->payload_len);
    }
    p = PUT_LITERAL(p, "}\n");

    out->len = (size_t)(p - out->data);
    return LAKE_OK;
}
