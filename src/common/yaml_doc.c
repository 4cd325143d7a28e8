/*
 * Builds an sy_yaml_doc from libyaml's event stream.
 *
 * The parser is recursive over the event stream: a mapping or sequence start
 * event begins a node whose children are parsed until the matching end event.
 * Nesting is capped so that a hostile file cannot exhaust the stack.
 */
#include "common/yaml_doc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define YAML_MAX_FILE_BYTES (16u * 1024u * 1024u)
#define YAML_MAX_DEPTH 64

/* Every allocation of a document is a block in this list, freed together. */
typedef struct arena_block {
    struct arena_block *next;
    max_align_t data[];
} arena_block;

typedef struct {
    yaml_parser_t parser;
    arena_block *blocks;
    const char *name;
    const char *text;
    size_t text_len;
    char *error;
    size_t error_size;
    int failed;
} loader;

static void *arena_alloc(loader *ld, size_t size)
{
    arena_block *block = calloc(1, sizeof *block + size);
    if (block == NULL) {
        return NULL;
    }
    block->next = ld->blocks;
    ld->blocks = block;
    return block->data;
}

static char *arena_strdup(loader *ld, const char *text, size_t len)
{
    char *copy = arena_alloc(ld, len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

static void arena_free(arena_block *block)
{
    while (block != NULL) {
        arena_block *next = block->next;
        free(block);
        block = next;
    }
}

__attribute__((format(printf, 4, 5))) static void fail_at(loader *ld, size_t line, size_t column,
                                                          const char *format, ...)
{
    if (ld->failed) {
        return;
    }
    ld->failed = 1;
    int n = snprintf(ld->error, ld->error_size, "%s:%zu:%zu: ", ld->name, line, column);
    if (n < 0 || (size_t)n >= ld->error_size) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(ld->error + n, ld->error_size - (size_t)n, format, args);
    va_end(args);
}

static int next_event(loader *ld, yaml_event_t *event)
{
    if (!yaml_parser_parse(&ld->parser, event)) {
        /* libyaml's message for a tab does not name it, and tabs are the usual cause. */
        size_t at = ld->parser.problem_mark.index;
        int is_tab = at < ld->text_len && ld->text[at] == '\t';
        fail_at(ld, ld->parser.problem_mark.line + 1, ld->parser.problem_mark.column + 1,
                "invalid YAML: %s%s", ld->parser.problem ? ld->parser.problem : "syntax error",
                is_tab ? ": a tab cannot indent YAML, use spaces" : "");
        return -1;
    }
    return 0;
}

static sy_yaml_node *parse_node(loader *ld, yaml_event_t *event, int depth);

/* Appends child (and, for mappings, its key) to a growing node. */
static int append_child(loader *ld, sy_yaml_node *node, size_t *capacity, const char *key,
                        unsigned key_line, sy_yaml_node *child)
{
    if (node->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 8;
        sy_yaml_node **items = arena_alloc(ld, grown * sizeof *items);
        if (items == NULL) {
            return -1;
        }
        if (node->count > 0) {
            memcpy(items, node->items, node->count * sizeof *items);
        }
        node->items = items;
        if (node->kind == SY_YAML_MAPPING) {
            const char **keys = arena_alloc(ld, grown * sizeof *keys);
            unsigned *lines = arena_alloc(ld, grown * sizeof *lines);
            if (keys == NULL || lines == NULL) {
                return -1;
            }
            if (node->count > 0) {
                memcpy(keys, node->keys, node->count * sizeof *keys);
                memcpy(lines, node->key_lines, node->count * sizeof *lines);
            }
            node->keys = keys;
            node->key_lines = lines;
        }
        *capacity = grown;
    }
    if (node->kind == SY_YAML_MAPPING) {
        node->keys[node->count] = key;
        node->key_lines[node->count] = key_line;
    }
    node->items[node->count++] = child;
    return 0;
}

static sy_yaml_node *parse_collection(loader *ld, yaml_event_t *start, int depth)
{
    sy_yaml_node *node = arena_alloc(ld, sizeof *node);
    if (node == NULL) {
        fail_at(ld, start->start_mark.line + 1, start->start_mark.column + 1, "out of memory");
        return NULL;
    }
    int is_mapping = start->type == YAML_MAPPING_START_EVENT;
    node->kind = is_mapping ? SY_YAML_MAPPING : SY_YAML_SEQUENCE;
    node->line = (unsigned)start->start_mark.line + 1;
    node->column = (unsigned)start->start_mark.column + 1;
    yaml_event_type_t end_type = is_mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    size_t capacity = 0;

    for (;;) {
        yaml_event_t event;
        if (next_event(ld, &event) != 0) {
            return NULL;
        }
        if (event.type == end_type) {
            yaml_event_delete(&event);
            return node;
        }

        const char *key = NULL;
        unsigned key_line = 0;
        if (is_mapping) {
            size_t line = event.start_mark.line + 1;
            size_t column = event.start_mark.column + 1;
            if (event.type != YAML_SCALAR_EVENT) {
                fail_at(ld, line, column, "a mapping key must be plain text");
                yaml_event_delete(&event);
                return NULL;
            }
            key = arena_strdup(ld, (const char *)event.data.scalar.value,
                               event.data.scalar.length);
            key_line = (unsigned)line;
            yaml_event_delete(&event);
            if (key == NULL) {
                fail_at(ld, line, column, "out of memory");
                return NULL;
            }
            if (sy_yaml_get(node, key) != NULL) {
                fail_at(ld, line, column, "duplicate key '%s': remove one of them", key);
                return NULL;
            }
            if (next_event(ld, &event) != 0) {
                return NULL;
            }
        }

        sy_yaml_node *child = parse_node(ld, &event, depth + 1);
        yaml_event_delete(&event);
        if (child == NULL) {
            return NULL;
        }
        if (append_child(ld, node, &capacity, key, key_line, child) != 0) {
            fail_at(ld, node->line, node->column, "out of memory");
            return NULL;
        }
    }
}

static sy_yaml_node *parse_node(loader *ld, yaml_event_t *event, int depth)
{
    size_t line = event->start_mark.line + 1;
    size_t column = event->start_mark.column + 1;
    if (depth > YAML_MAX_DEPTH) {
        fail_at(ld, line, column, "nesting deeper than %d levels", YAML_MAX_DEPTH);
        return NULL;
    }

    switch (event->type) {
    case YAML_SCALAR_EVENT: {
        sy_yaml_node *node = arena_alloc(ld, sizeof *node);
        if (node == NULL) {
            fail_at(ld, line, column, "out of memory");
            return NULL;
        }
        node->kind = SY_YAML_SCALAR;
        node->line = (unsigned)line;
        node->column = (unsigned)column;
        node->quoted = event->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                       event->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        node->value = arena_strdup(ld, (const char *)event->data.scalar.value,
                                   event->data.scalar.length);
        if (node->value == NULL) {
            fail_at(ld, line, column, "out of memory");
            return NULL;
        }
        if (strlen(node->value) != event->data.scalar.length) {
            fail_at(ld, line, column, "a value contains a NUL character");
            return NULL;
        }
        return node;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return parse_collection(ld, event, depth);
    case YAML_ALIAS_EVENT:
        fail_at(ld, line, column, "aliases (*name) are not supported: write the value out");
        return NULL;
    default:
        fail_at(ld, line, column, "unexpected YAML structure");
        return NULL;
    }
}

sy_yaml_doc *sy_yaml_load_string(const char *text, size_t len, const char *name, char *error,
                                 size_t error_size)
{
    loader ld = {.name = name, .text = text, .text_len = len, .error = error,
                 .error_size = error_size};
    if (error_size > 0) {
        error[0] = '\0';
    }
    sy_yaml_doc *doc = calloc(1, sizeof *doc);
    if (doc == NULL || !yaml_parser_initialize(&ld.parser)) {
        free(doc);
        snprintf(error, error_size, "%s: out of memory", name);
        return NULL;
    }
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, len);

    /* Stream start, then an optional document, then stream end. */
    yaml_event_t event;
    int done = 0;
    while (!done && !ld.failed) {
        if (next_event(&ld, &event) != 0) {
            break;
        }
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (doc->root != NULL) {
                fail_at(&ld, event.start_mark.line + 1, event.start_mark.column + 1,
                        "more than one YAML document: keep one");
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
            doc->root = parse_node(&ld, &event, 0);
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&ld.parser);

    if (ld.failed) {
        arena_free(ld.blocks);
        free(doc);
        return NULL;
    }
    doc->path = strdup(name);
    doc->arena = ld.blocks;
    if (doc->path == NULL) {
        sy_yaml_free(doc);
        snprintf(error, error_size, "%s: out of memory", name);
        return NULL;
    }
    return doc;
}

sy_yaml_doc *sy_yaml_load(const char *path, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(YAML_MAX_FILE_BYTES + 1);
    if (text == NULL) {
        fclose(file);
        snprintf(error, error_size, "%s: out of memory", path);
        return NULL;
    }
    size_t len = fread(text, 1, YAML_MAX_FILE_BYTES + 1, file);
    int read_error = ferror(file);
    fclose(file);
    if (read_error) {
        free(text);
        snprintf(error, error_size, "%s: read failed", path);
        return NULL;
    }
    if (len > YAML_MAX_FILE_BYTES) {
        free(text);
        snprintf(error, error_size, "%s: larger than %u bytes", path, YAML_MAX_FILE_BYTES);
        return NULL;
    }
    sy_yaml_doc *doc = sy_yaml_load_string(text, len, path, error, error_size);
    free(text);
    return doc;
}

void sy_yaml_free(sy_yaml_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    arena_free(doc->arena);
    free(doc->path);
    free(doc);
}

const sy_yaml_node *sy_yaml_get(const sy_yaml_node *mapping, const char *key)
{
    if (mapping == NULL || mapping->kind != SY_YAML_MAPPING) {
        return NULL;
    }
    for (size_t i = 0; i < mapping->count; i++) {
        if (strcmp(mapping->keys[i], key) == 0) {
            return mapping->items[i];
        }
    }
    return NULL;
}

unsigned sy_yaml_key_line(const sy_yaml_node *mapping, const char *key)
{
    if (mapping == NULL || mapping->kind != SY_YAML_MAPPING) {
        return 0;
    }
    for (size_t i = 0; i < mapping->count; i++) {
        if (strcmp(mapping->keys[i], key) == 0) {
            return mapping->key_lines[i];
        }
    }
    return 0;
}

bool sy_yaml_bool(const sy_yaml_node *node, bool *out)
{
    if (node == NULL || node->kind != SY_YAML_SCALAR || node->quoted) {
        return false;
    }
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(node->value, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(node->value, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool sy_yaml_int64(const sy_yaml_node *node, int64_t *out)
{
    if (node == NULL || node->kind != SY_YAML_SCALAR || node->quoted || node->value[0] == '\0') {
        return false;
    }
    errno = 0;
    char *end = NULL;
    long long value = strtoll(node->value, &end, 10);
    if (errno != 0 || end == node->value || *end != '\0') {
        return false;
    }
    *out = (int64_t)value;
    return true;
}

const char *sy_yaml_unknown_key(const sy_yaml_node *mapping, const char *const *allowed)
{
    if (mapping == NULL || mapping->kind != SY_YAML_MAPPING) {
        return NULL;
    }
    for (size_t i = 0; i < mapping->count; i++) {
        int found = 0;
        for (size_t j = 0; allowed[j] != NULL; j++) {
            if (strcmp(mapping->keys[i], allowed[j]) == 0) {
                found = 1;
                break;
            }
        }
        if (!found) {
            return mapping->keys[i];
        }
    }
    return NULL;
}
