#include "lake/lake_jsonl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lake/lake_tz.h"

void lake_message_id_format(const lake_message_id *id, char text[LAKE_MESSAGE_ID_TEXT_MAX])
{
    snprintf(text, LAKE_MESSAGE_ID_TEXT_MAX, "%" PRIu64 ":%" PRIu64 ":%" PRId32 ":%" PRId32,
             id->ledger_id, id->entry_id, id->partition, id->batch_index);
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

/* Appends bytes as a JSON string; invalid UTF-8 bytes become U+FFFD. */
static lake_err append_json_string(lake_buf *out, const uint8_t *bytes, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    lake_err rc = lake_buf_reserve(out, len + 2);
    if (rc != LAKE_OK) {
        return rc;
    }
    rc = lake_buf_append(out, "\"", 1);
    size_t pos = 0;
    while (rc == LAKE_OK && pos < len) {
        uint8_t c = bytes[pos];
        size_t step = utf8_sequence_length(bytes + pos, len - pos);
        if (step == 0) {
            rc = lake_buf_append(out, "\xEF\xBF\xBD", 3);
            pos += 1;
        } else if (c == '"' || c == '\\') {
            char escaped[2] = {'\\', (char)c};
            rc = lake_buf_append(out, escaped, 2);
            pos += 1;
        } else if (c == '\n') {
            rc = lake_buf_append(out, "\\n", 2);
            pos += 1;
        } else if (c == '\r') {
            rc = lake_buf_append(out, "\\r", 2);
            pos += 1;
        } else if (c == '\t') {
            rc = lake_buf_append(out, "\\t", 2);
            pos += 1;
        } else if (c < 0x20 || c == 0x7F) {
            char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0F]};
            rc = lake_buf_append(out, escaped, 6);
            pos += 1;
        } else {
            rc = lake_buf_append(out, bytes + pos, step);
            pos += step;
        }
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
    return append_json_string(out, (const uint8_t *)text, strlen(text));
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
    snprintf(text, 25, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)year, month, day,
             (int)(second_of_day / 3600), (int)(second_of_day / 60 % 60), (int)(second_of_day % 60),
             (int)millis);
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

    static const uint8_t no_bytes[1] = {0};
    const uint8_t *payload = record->payload != NULL ? record->payload : no_bytes;
    if (lake_utf8_valid(payload, record->payload_len)) {
        if (rc == LAKE_OK) {
            rc = lake_buf_append_str(out, "},\"payload\":");
        }
        if (rc == LAKE_OK) {
            rc = append_json_string(out, payload, record->payload_len);
        }
    } else {
        if (rc == LAKE_OK) {
            rc = lake_buf_append_str(out, "},\"payload_base64\":");
        }
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
