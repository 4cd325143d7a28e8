#include "lake/lake_jsonl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lake/lake_tz.h"

static char *put_u64(char *p, uint64_t value)
{
    char reversed[20];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) {
        *p++ = reversed[--n];
    }
    return p;
}

static char *put_i32(char *p, int32_t value)
{
    if (value < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)(-(int64_t)value));
    }
    return put_u64(p, (uint64_t)value);
}

/* Formatted by hand: snprintf here was a visible share of the sink's time in bench/lake. */
void lake_message_id_format(const lake_message_id *id, char text[LAKE_MESSAGE_ID_TEXT_MAX])
{
    char full[72]; /* two 20-digit and two 11-character numbers, three colons */
    char *p = put_u64(full, id->ledger_id);
    *p++ = ':';
    p = put_u64(p, id->entry_id);
    *p++ = ':';
    p = put_i32(p, id->partition);
    *p++ = ':';
    p = put_i32(p, id->batch_index);
    size_t len = (size_t)(p - full);
    if (len > LAKE_MESSAGE_ID_TEXT_MAX - 1) {
        len = LAKE_MESSAGE_ID_TEXT_MAX - 1;
    }
    memcpy(text, full, len);
    text[len] = '\0';
}

/* Returns the length of the valid UTF-8 sequence at bytes, or 0 if it is invalid. */
static size_t utf8_sequence_length(const uint8_t *bytes, size_t len)
{
    uint8_t lead = bytes[0];
    if (lead < 0x80) {
        return 1;
    }
    size_t need;
    uint32_t min;
    uint32_t code;
    if ((lead & 0xE0) == 0xC0) {
        need = 2;
        min = 0x80;
        code = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
        need = 3;
        min = 0x800;
        code = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
        need = 4;
        min = 0x10000;
        code = lead & 0x07u;
    } else {
        return 0;
    }
    if (need > len) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((bytes[i] & 0xC0) != 0x80) {
            return 0;
        }
        code = code << 6 | (bytes[i] & 0x3Fu);
    }
    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8. */
    if (code < min || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
        return 0;
    }
    return need;
}

bool lake_utf8_valid(const uint8_t *bytes, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        size_t step = utf8_sequence_length(bytes + pos, len - pos);
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

/* Appends the escape of one byte that cannot appear as itself in a JSON string. */
static lake_err append_escape(lake_buf *out, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"':
        return lake_buf_append(out, "\\\"", 2);
    case '\\':
        return lake_buf_append(out, "\\\\", 2);
    case '\n':
        return lake_buf_append(out, "\\n", 2);
    case '\r':
        return lake_buf_append(out, "\\r", 2);
    case '\t':
        return lake_buf_append(out, "\\t", 2);
    default:
        break;
    }
    if (c >= 0x80) {
        return lake_buf_append(out, "\xEF\xBF\xBD", 3); /* U+FFFD for an invalid byte */
    }
    char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0F]};
    return lake_buf_append(out, escaped, 6);
}

/*
 * Appends bytes as a JSON string. Invalid UTF-8 bytes become U+FFFD, or,
 * when strict, stop the append with LAKE_ERR_INVALID (the caller then
 * removes the partial string). Runs of bytes that need no escape are
 * copied in one piece, because a byte-by-byte append was the sink's
 * largest cost in bench/lake.
 */
static lake_err append_json_string(lake_buf *out, const uint8_t *bytes, size_t len, bool strict)
{
    lake_err rc = lake_buf_reserve(out, len + 2);
    if (rc != LAKE_OK) {
        return rc;
    }
    rc = lake_buf_append(out, "\"", 1);
    size_t run_start = 0;
    size_t pos = 0;
    while (rc == LAKE_OK && pos < len) {
        uint8_t c = bytes[pos];
        if (plain_ascii[c]) {
            pos++;
            continue;
        }
        if (c >= 0x80) {
            size_t step = utf8_sequence_length(bytes + pos, len - pos);
            if (step != 0) {
                pos += step;
                continue;
            }
            if (strict) {
                return LAKE_ERR_INVALID;
            }
        }
        rc = lake_buf_append(out, bytes + run_start, pos - run_start);
        if (rc == LAKE_OK) {
            rc = append_escape(out, c);
        }
        pos++;
        run_start = pos;
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append(out, bytes + run_start, pos - run_start);
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append(out, "\"", 1);
    }
    return rc;
}

static lake_err append_text(lake_buf *out, const char *text)
{
    if (text == NULL) {
        return lake_buf_append_str(out, "null");
    }
    return append_json_string(out, (const uint8_t *)text, strlen(text), false);
}

static lake_err append_base64(lake_buf *out, const uint8_t *bytes, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    lake_err rc = lake_buf_reserve(out, (len + 2) / 3 * 4 + 2);
    if (rc != LAKE_OK) {
        return rc;
    }
    uint8_t *p = out->data + out->len;
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
    out->len = (size_t)(p - out->data);
    return LAKE_OK;
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
    int64_t year;
    int month;
    int day;
    lake_civil_from_days(days, &year, &month, &day);
    /* Written digit by digit: snprintf here cost a tenth of the sink's time in bench/lake. */
    put_digits(text, (unsigned)year, 4);
    text[4] = '-';
    put_digits(text + 5, (unsigned)month, 2);
    text[7] = '-';
    put_digits(text + 8, (unsigned)day, 2);
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

lake_err lake_jsonl_encode(const lake_record *record, lake_buf *out)
{
    size_t start_len = out->len;
    char id_text[LAKE_MESSAGE_ID_TEXT_MAX];
    char time_text[25];
    lake_err rc;

    lake_message_id_format(&record->id, id_text);
    rc = lake_buf_append_str(out, "{\"topic\":");
    if (rc == LAKE_OK) {
        rc = append_text(out, record->topic);
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(out, ",\"message_id\":");
    }
    if (rc == LAKE_OK) {
        rc = append_text(out, id_text);
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(out, ",\"key\":");
    }
    if (rc == LAKE_OK) {
        rc = append_text(out, record->key);
    }

    lake_format_utc_ms(record->publish_time_ms, time_text);
    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(out, ",\"publish_time\":");
    }
    if (rc == LAKE_OK) {
        rc = append_text(out, time_text);
    }
    lake_format_utc_ms(record->event_time_ms, time_text);
    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(out, ",\"event_time\":");
    }
    if (rc == LAKE_OK) {
        rc = append_text(out, record->event_time_ms == 0 ? NULL : time_text);
    }

    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(out, ",\"properties\":{");
    }
    for (size_t i = 0; rc == LAKE_OK && i < record->property_count; i++) {
        if (i > 0) {
            rc = lake_buf_append(out, ",", 1);
        }
        if (rc == LAKE_OK) {
            rc = append_text(out,
                             record->properties[i].key != NULL ? record->properties[i].key : "");
        }
        if (rc == LAKE_OK) {
            rc = lake_buf_append(out, ":", 1);
        }
        if (rc == LAKE_OK) {
            rc = append_text(out, record->properties[i].value != NULL ? record->properties[i].value
                                                                      : "");
        }
    }

    /* Invalid UTF-8 is found while the payload is copied; it is then written again in base64. */
    static const uint8_t no_bytes[1] = {0};
    const uint8_t *payload = record->payload != NULL ? record->payload : no_bytes;
    if (rc == LAKE_OK) {
        rc = lake_buf_append_str(out, "},\"payload\":");
    }
    size_t payload_start = out->len;
    if (rc == LAKE_OK) {
        rc = append_json_string(out, payload, record->payload_len, true);
    }
    if (rc == LAKE_ERR_INVALID) {
        out->len = payload_start - strlen("\"payload\":");
        rc = lake_buf_append_str(out, "\"payload_base64\":");
        if (rc == LAKE_OK) {
            rc = append_base64(out, payload, record->payload_len);
        }
    }
    if (rc == LAKE_OK) {
        rc = lake_buf_append(out, "}\n", 2);
    }

    if (rc != LAKE_OK) {
        out->len = start_len;
    }
    return rc;
}
