/*
 * Field readers of the configuration loader: each reads one key of a YAML
 * mapping, checks its type and range, and copies it into the arena.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_internal.h"

bool cfg_fail(cfg_loader *ld, unsigned line, const char *format, ...)
{
    if (ld->failed) {
        return false;
    }
    ld->failed = true;
    int n = snprintf(ld->error, ld->error_size, "%s:%u: ", ld->name, line);
    if (n < 0 || (size_t)n >= ld->error_size) {
        return false;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(ld->error + n, ld->error_size - (size_t)n, format, args);
    va_end(args);
    return false;
}

void *cfg_alloc(cfg_loader *ld, size_t size)
{
    cfg_block *block = calloc(1, sizeof *block + size);
    if (block == NULL) {
        ld->out_of_memory = true;
        ld->failed = true;
        return NULL;
    }
    block->next = ld->blocks;
    ld->blocks = block;
    return block->data;
}

char *cfg_strdup(cfg_loader *ld, const char *text)
{
    size_t len = strlen(text);
    char *copy = cfg_alloc(ld, len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len + 1);
    }
    return copy;
}

void cfg_free_blocks(void *blocks)
{
    cfg_block *block = blocks;
    while (block != NULL) {
        cfg_block *next = block->next;
        free(block);
        block = next;
    }
}

static const char *kind_name(sy_yaml_kind kind)
{
    switch (kind) {
    case SY_YAML_SCALAR:
        return "a single value";
    case SY_YAML_SEQUENCE:
        return "a list";
    case SY_YAML_MAPPING:
        return "a mapping";
    }
    return "unknown";
}

bool cfg_check_mapping(cfg_loader *ld, const sy_yaml_node *node, const char *context,
                       const char *const *allowed)
{
    if (node->kind != SY_YAML_MAPPING) {
        return cfg_fail(ld, node->line, "%s must be a mapping (key: value), not %s", context,
                        kind_name(node->kind));
    }
    const char *unknown = sy_yaml_unknown_key(node, allowed);
    if (unknown == NULL) {
        return true;
    }
    char expected[256] = "";
    size_t used = 0;
    for (size_t i = 0; allowed[i] != NULL && used < sizeof expected; i++) {
        int n = snprintf(expected + used, sizeof expected - used, "%s%s", i > 0 ? ", " : "",
                         allowed[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
    return cfg_fail(ld, sy_yaml_key_line(node, unknown), "unknown key '%s' in %s: use one of %s",
                    unknown, context, expected);
}

bool cfg_check_sequence(cfg_loader *ld, const sy_yaml_node *node, const char *context)
{
    if (node->kind != SY_YAML_SEQUENCE) {
        return cfg_fail(ld, node->line, "%s must be a list (- item lines), not %s", context,
                        kind_name(node->kind));
    }
    return true;
}

static bool read_scalar(cfg_loader *ld, const sy_yaml_node *value, const char *key,
                        const char *context, const char **out)
{
    if (value->kind != SY_YAML_SCALAR) {
        return cfg_fail(ld, value->line, "%s.%s must be a single value, not %s", context, key,
                        kind_name(value->kind));
    }
    if (value->value[0] == '\0' || (!value->quoted && strcmp(value->value, "~") == 0) ||
        (!value->quoted && strcmp(value->value, "null") == 0)) {
        return cfg_fail(ld, value->line, "%s.%s is empty: give it a value or remove the key",
                        context, key);
    }
    *out = cfg_strdup(ld, value->value);
    return *out != NULL;
}

bool cfg_get_string(cfg_loader *ld, const sy_yaml_node *mapping, const char *key,
                    const char *context, bool required, const char **out)
{
    const sy_yaml_node *value = sy_yaml_get(mapping, key);
    if (value == NULL) {
        if (required) {
            return cfg_fail(ld, mapping->line, "missing key '%s' in %s: add it", key, context);
        }
        return true;
    }
    return read_scalar(ld, value, key, context, out);
}

bool cfg_get_string_list(cfg_loader *ld, const sy_yaml_node *mapping, const char *key,
                         const char *context, const char ***out, size_t *count)
{
    *count = 0;
    const sy_yaml_node *list = sy_yaml_get(mapping, key);
    if (list == NULL) {
        return true;
    }
    if (list->kind != SY_YAML_SEQUENCE) {
        return cfg_fail(ld, list->line, "%s.%s must be a list, for example [a, b], not %s", context,
                        key, kind_name(list->kind));
    }
    const char **items = cfg_alloc(ld, list->count * sizeof *items);
    if (items == NULL) {
        return false;
    }
    for (size_t i = 0; i < list->count; i++) {
        if (!read_scalar(ld, list->items[i], key, context, &items[i])) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(items[j], items[i]) == 0) {
                return cfg_fail(ld, list->items[i]->line,
                                "duplicate '%s' in %s.%s: remove one of them", items[i], context,
                                key);
            }
        }
    }
    *out = items;
    *count = list->count;
    return true;
}

bool cfg_get_int(cfg_loader *ld, const sy_yaml_node *mapping, const char *key, const char *context,
                 int64_t min, int64_t max, int64_t *out)
{
    const sy_yaml_node *value = sy_yaml_get(mapping, key);
    if (value == NULL) {
        return true;
    }
    int64_t number = 0;
    if (value->kind != SY_YAML_SCALAR || value->quoted || !sy_yaml_int64(value, &number) ||
        number < min || number > max) {
        return cfg_fail(ld, value->line, "%s.%s must be an integer from %lld to %lld, not %s%s%s",
                        context, key, (long long)min, (long long)max,
                        value->kind == SY_YAML_SCALAR ? "'" : "",
                        value->kind == SY_YAML_SCALAR ? value->value : kind_name(value->kind),
                        value->kind == SY_YAML_SCALAR ? "'" : "");
    }
    *out = number;
    return true;
}

bool cfg_get_namespace(cfg_loader *ld, const sy_yaml_node *mapping, const char *context,
                       const char **namespace_name, const char **tenant)
{
    const char *text = NULL;
    if (!cfg_get_string(ld, mapping, "namespace", context, true, &text)) {
        return false;
    }
    const char *slash = strchr(text, '/');
    char *tenant_part = NULL;
    bool valid = slash != NULL;
    if (valid) {
        tenant_part = cfg_alloc(ld, (size_t)(slash - text) + 1);
        if (tenant_part == NULL) {
            return false;
        }
        memcpy(tenant_part, text, (size_t)(slash - text));
        valid = sy_config_valid_pulsar_name(tenant_part) && sy_config_valid_pulsar_name(slash + 1);
    }
    if (!valid) {
        return cfg_fail(ld, sy_yaml_key_line(mapping, "namespace"),
                        "invalid namespace '%s' in %s: write TENANT/NAME, each part 1 to 64 "
                        "characters of a-z, 0-9, '-' and '_', starting with a letter or digit",
                        text, context);
    }
    *namespace_name = text;
    *tenant = tenant_part;
    return true;
}

bool cfg_get_retention(cfg_loader *ld, const sy_yaml_node *mapping, const char *context,
                       sy_config_retention *retention)
{
    static const char *const keys[] = {"minutes", "size_mb", NULL};
    const sy_yaml_node *node = sy_yaml_get(mapping, "retention");
    if (node == NULL) {
        return true;
    }
    char retention_context[160];
    snprintf(retention_context, sizeof retention_context, "%s.retention", context);
    if (!cfg_check_mapping(ld, node, retention_context, keys)) {
        return false;
    }
    if (sy_yaml_get(node, "minutes") == NULL || sy_yaml_get(node, "size_mb") == NULL) {
        return cfg_fail(ld, node->line,
                        "%s needs both minutes and size_mb (-1 = unlimited): add the missing one",
                        retention_context);
    }
    retention->minutes = 0;
    retention->size_mb = 0;
    if (!cfg_get_int(ld, node, "minutes", retention_context, -1, INT32_MAX, &retention->minutes) ||
        !cfg_get_int(ld, node, "size_mb", retention_context, -1, INT64_MAX / (1024 * 1024),
                     &retention->size_mb)) {
        return false;
    }
    retention->set = true;
    return true;
}

const char *cfg_resolve_path(cfg_loader *ld, const char *path)
{
    const char *slash = strrchr(ld->name, '/');
    if (path[0] == '/' || slash == NULL) {
        return path;
    }
    size_t dir_len = (size_t)(slash - ld->name) + 1;
    char *resolved = cfg_alloc(ld, dir_len + strlen(path) + 1);
    if (resolved == NULL) {
        return path;
    }
    memcpy(resolved, ld->name, dir_len);
    strcpy(resolved + dir_len, path);
    return resolved;
}
