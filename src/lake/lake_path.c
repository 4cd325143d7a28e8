#include "lake/lake_path.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    PIECE_LITERAL,
    PIECE_ENV,
    PIECE_TENANT,
    PIECE_NAMESPACE,
    PIECE_TOPIC,
    PIECE_PARTITION,
    PIECE_YEAR,
    PIECE_MONTH,
    PIECE_DAY,
    PIECE_HOUR,
} piece_kind;

typedef struct {
    piece_kind kind;
    size_t start; /* literal text's offset in the template */
    size_t len;
} path_piece;

struct lake_path_template {
    char *text;
    size_t piece_count;
    path_piece *pieces;
};

static const struct {
    const char *name;
    piece_kind kind;
} placeholders[] = {
    {"env", PIECE_ENV},
    {"tenant", PIECE_TENANT},
    {"namespace", PIECE_NAMESPACE},
    {"topic", PIECE_TOPIC},
    {"partition", PIECE_PARTITION},
    {"yyyy", PIECE_YEAR},
    {"mm", PIECE_MONTH},
    {"dd", PIECE_DAY},
    {"hh", PIECE_HOUR},
};

static bool part_char_safe(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '=' || c == ':';
}

bool lake_path_part_safe(const char *text, size_t len)
{
    if (len == 0 || len > 255) {
        return false;
    }
    if ((len == 1 && text[0] == '.') || (len == 2 && text[0] == '.' && text[1] == '.')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!part_char_safe(text[i])) {
            return false;
        }
    }
    return true;
}

/* Checks every '/'-separated part of a whole relative path. */
static bool path_safe(const char *path, size_t len)
{
    size_t part_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || path[i] == '/') {
            if (!lake_path_part_safe(path + part_start, i - part_start)) {
                return false;
            }
            part_start = i + 1;
        }
    }
    return true;
}

static bool add_piece(lake_path_template *path_template, piece_kind kind, size_t start, size_t len)
{
    path_piece *pieces =
        realloc(path_template->pieces, (path_template->piece_count + 1) * sizeof *pieces);
    if (pieces == NULL) {
        return false;
    }
    pieces[path_template->piece_count++] = (path_piece){kind, start, len};
    path_template->pieces = pieces;
    return true;
}

/* Checks the literal text with each placeholder standing in for a safe word. */
static bool literal_text_safe(const lake_path_template *path_template)
{
    size_t len = strlen(path_template->text);
    char *probe = malloc(len + 1);
    if (probe == NULL) {
        return false;
    }
    size_t out = 0;
    for (size_t i = 0; i < path_template->piece_count; i++) {
        const path_piece *piece = &path_template->pieces[i];
        if (piece->kind == PIECE_LITERAL) {
            memcpy(probe + out, path_template->text + piece->start, piece->len);
            out += piece->len;
        } else {
            probe[out++] = 'x';
        }
    }
    bool safe = path_safe(probe, out);
    free(probe);
    return safe;
}

lake_err lake_path_template_parse(const char *text, lake_path_template **out, char *error,
                                  size_t error_size)
{
    lake_path_template *path_template = calloc(1, sizeof *path_template);
    if (path_template == NULL || (path_template->text = strdup(text)) == NULL) {
        free(path_template);
        return LAKE_ERR_NOMEM;
    }

    lake_err rc = LAKE_OK;
    size_t len = strlen(text);
    size_t literal_start = 0;
    for (size_t i = 0; i < len && rc == LAKE_OK; i++) {
        if (text[i] != '{') {
            continue;
        }
        const char *close = strchr(text + i, '}');
        if (close == NULL) {
            snprintf(error, error_size, "path template '%s' has an unclosed '{'", text);
            rc = LAKE_ERR_INVALID;
            break;
        }
        size_t name_len = (size_t)(close - (text + i)) - 1;
        piece_kind kind = PIECE_LITERAL;
        for (size_t p = 0; p < sizeof placeholders / sizeof placeholders[0]; p++) {
            if (strlen(placeholders[p].name) == name_len &&
                memcmp(placeholders[p].name, text + i + 1, name_len) == 0) {
                kind = placeholders[p].kind;
            }
        }
        if (kind == PIECE_LITERAL) {
            snprintf(error, error_size,
                     "path template '%s' has unknown placeholder '%.*s': use {env}, {tenant}, "
                     "{namespace}, {topic}, {partition}, {yyyy}, {mm}, {dd} or {hh}",
                     text, (int)(name_len + 2), text + i);
            rc = LAKE_ERR_INVALID;
            break;
        }
        if ((i > literal_start &&
             !add_piece(path_template, PIECE_LITERAL, literal_start, i - literal_start)) ||
            !add_piece(path_template, kind, 0, 0)) {
            rc = LAKE_ERR_NOMEM;
            break;
        }
        i += name_len + 1;
        literal_start = i + 1;
    }
    if (rc == LAKE_OK && len > literal_start &&
        !add_piece(path_template, PIECE_LITERAL, literal_start, len - literal_start)) {
        rc = LAKE_ERR_NOMEM;
    }
    if (rc == LAKE_OK && len > 0 && !literal_text_safe(path_template)) {
        snprintf(error, error_size,
                 "path template '%s' is not a safe relative path: use parts of A-Z, a-z, 0-9, "
                 "'.', '_', '-', '=', ':' separated by single '/', without '.' or '..' parts",
                 text);
        rc = LAKE_ERR_UNSAFE_NAME;
    }

    if (rc != LAKE_OK) {
        lake_path_template_free(path_template);
        return rc;
    }
    *out = path_template;
    return LAKE_OK;
}

void lake_path_template_free(lake_path_template *path_template)
{
    if (path_template == NULL) {
        return;
    }
    free(path_template->text);
    free(path_template->pieces);
    free(path_template);
}

static lake_err copy_part(const char *what, const char *text, size_t len, char *out,
                          size_t out_size, char *error, size_t error_size)
{
    if (!lake_path_part_safe(text, len) || len >= out_size) {
        snprintf(error, error_size,
                 "%s '%.*s' is not a safe name part: use 1 to 255 characters of A-Z, a-z, 0-9, "
                 "'.', '_', '-', '=', ':', and not '.' or '..'",
                 what, (int)(len > 255 ? 255 : len), text);
        return LAKE_ERR_UNSAFE_NAME;
    }
    memcpy(out, text, len);
    out[len] = '\0';
    return LAKE_OK;
}

lake_err lake_topic_name_parse(const char *topic, lake_topic_name *out, char *error,
                               size_t error_size)
{
    const char *rest = NULL;
    if (strncmp(topic, "persistent://", 13) == 0) {
        rest = topic + 13;
    } else if (strncmp(topic, "non-persistent://", 17) == 0) {
        rest = topic + 17;
    }
    const char *slash1 = rest != NULL ? strchr(rest, '/') : NULL;
    const char *slash2 = slash1 != NULL ? strchr(slash1 + 1, '/') : NULL;
    if (slash2 == NULL) {
        snprintf(error, error_size,
                 "invalid topic name '%s': expected persistent://tenant/namespace/topic", topic);
        return LAKE_ERR_INVALID;
    }

    lake_topic_name name;
    name.partition = -1;
    const char *local = slash2 + 1;
    size_t local_len = strlen(local);

    /* "-partition-N" names partition N of a partitioned topic. */
    const char *marker = strstr(local, "-partition-");
    if (marker != NULL && marker[11] != '\0') {
        const char *digits = marker + 11;
        size_t digit_count = strspn(digits, "0123456789");
        if (digit_count == strlen(digits) && digit_count <= 9) {
            name.partition = (int32_t)strtol(digits, NULL, 10);
            local_len = (size_t)(marker - local);
        }
    }

    lake_err rc = copy_part("tenant", rest, (size_t)(slash1 - rest), name.tenant,
                            sizeof name.tenant, error, error_size);
    if (rc == LAKE_OK) {
        rc = copy_part("namespace", slash1 + 1, (size_t)(slash2 - slash1 - 1), name.namespace_name,
                       sizeof name.namespace_name, error, error_size);
    }
    if (rc == LAKE_OK) {
        rc = copy_part("topic", local, local_len, name.topic, sizeof name.topic, error, error_size);
    }
    if (rc == LAKE_OK) {
        *out = name;
    }
    return rc;
}

static int64_t floor_seconds(int64_t time_ms)
{
    return time_ms / 1000 - (time_ms % 1000 < 0 ? 1 : 0);
}

int64_t lake_path_time_bucket(const lake_path_template *path_template, const lake_tz *time_zone,
                              int64_t time_ms)
{
    bool year = false;
    bool month = false;
    bool day = false;
    bool hour = false;
    for (size_t i = 0; i < path_template->piece_count; i++) {
        piece_kind kind = path_template->pieces[i].kind;
        year = year || kind == PIECE_YEAR;
        month = month || kind == PIECE_MONTH;
        day = day || kind == PIECE_DAY;
        hour = hour || kind == PIECE_HOUR;
    }
    if (!year && !month && !day && !hour) {
        return 0;
    }
    lake_civil_time civil;
    lake_tz_civil(time_zone, floor_seconds(time_ms), &civil);
    return (year ? civil.year : 0) * 1000000 + (month ? civil.month : 0) * 10000 +
           (day ? civil.day : 0) * 100 + (hour ? civil.hour : 0);
}

/* Appends text to name at *len, failing when it would not fit. */
static bool append(char *name, size_t *len, const char *text, size_t text_len)
{
    if (text_len >= LAKE_OBJECT_NAME_MAX - *len) {
        return false;
    }
    memcpy(name + *len, text, text_len);
    *len += text_len;
    name[*len] = '\0';
    return true;
}

static lake_err check_value(const char *what, const char *value, char *error, size_t error_size)
{
    if (value == NULL || !lake_path_part_safe(value, strlen(value))) {
        snprintf(error, error_size, "%s '%s' is not a safe name part", what,
                 value == NULL ? "" : value);
        return LAKE_ERR_UNSAFE_NAME;
    }
    return LAKE_OK;
}

lake_err lake_path_render(const lake_path_template *path_template, const lake_path_values *values,
                          char name[LAKE_OBJECT_NAME_MAX], char *error, size_t error_size)
{
    lake_civil_time civil;
    lake_tz_civil(values->time_zone, floor_seconds(values->time_ms), &civil);

    size_t len = 0;
    bool fits = true;
    name[0] = '\0';
    for (size_t i = 0; i < path_template->piece_count && fits; i++) {
        const path_piece *piece = &path_template->pieces[i];
        char number[32];
        const char *text = number;
        lake_err rc = LAKE_OK;
        switch (piece->kind) {
        case PIECE_LITERAL:
            fits = append(name, &len, path_template->text + piece->start, piece->len);
            continue;
        case PIECE_ENV:
            rc = check_value("environment", values->env, error, error_size);
            text = values->env;
            break;
        case PIECE_TENANT:
            rc = check_value("tenant", values->topic->tenant, error, error_size);
            text = values->topic->tenant;
            break;
        case PIECE_NAMESPACE:
            rc = check_value("namespace", values->topic->namespace_name, error, error_size);
            text = values->topic->namespace_name;
            break;
        case PIECE_TOPIC:
            rc = check_value("topic", values->topic->topic, error, error_size);
            text = values->topic->topic;
            break;
        case PIECE_PARTITION:
            if (values->topic->partition < 0) {
                text = "none";
            } else {
                snprintf(number, sizeof number, "%" PRId32, values->topic->partition);
            }
            break;
        case PIECE_YEAR:
            snprintf(number, sizeof number, "%04" PRId64, civil.year);
            break;
        case PIECE_MONTH:
            snprintf(number, sizeof number, "%02d", civil.month);
            break;
        case PIECE_DAY:
            snprintf(number, sizeof number, "%02d", civil.day);
            break;
        case PIECE_HOUR:
            snprintf(number, sizeof number, "%02d", civil.hour);
            break;
        }
        if (rc != LAKE_OK) {
            return rc;
        }
        fits = append(name, &len, text, strlen(text));
    }

    char file_name[160];
    int file_len =
        snprintf(file_name, sizeof file_name, "%s%" PRIu64 "-%" PRIu64, len > 0 ? "/" : "",
                 values->first_id.ledger_id, values->first_id.entry_id);
    if (values->first_id.partition >= 0) {
        file_len += snprintf(file_name + file_len, sizeof file_name - (size_t)file_len,
                             "-p%" PRId32, values->first_id.partition);
    }
    if (values->first_id.batch_index >= 0) {
        file_len += snprintf(file_name + file_len, sizeof file_name - (size_t)file_len,
                             "-b%" PRId32, values->first_id.batch_index);
    }
    fits = fits && append(name, &len, file_name, (size_t)file_len) &&
           append(name, &len, values->suffix, strlen(values->suffix));
    if (!fits) {
        snprintf(error, error_size,
                 "object name would be longer than %d bytes: shorten the "
                 "path template",
                 LAKE_OBJECT_NAME_MAX - 1);
        return LAKE_ERR_UNSAFE_NAME;
    }

    /* A placeholder next to literal dots could still form "..": check the result too. */
    if (!path_safe(name, len)) {
        snprintf(error, error_size, "object name '%s' is not a safe relative path", name);
        return LAKE_ERR_UNSAFE_NAME;
    }
    return LAKE_OK;
}
