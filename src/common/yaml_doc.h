/*
 * A YAML document loaded into a tree that remembers where each node came from.
 *
 * Every Switchyard program reads one YAML configuration file. Loading it
 * into this tree first, and validating the tree second, lets every error
 * name the file, the line and the key to change. Only what configuration
 * needs is kept: mappings, sequences and scalars (as text); anchors and
 * aliases are rejected, and so are duplicate keys in one mapping.
 *
 * Ownership: sy_yaml_load returns a document that the caller frees with
 * sy_yaml_free; every node and string in it belongs to the document.
 * Thread safety: a loaded document is read-only and may be shared.
 */
#ifndef SWITCHYARD_COMMON_YAML_DOC_H
#define SWITCHYARD_COMMON_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SY_YAML_SCALAR,
    SY_YAML_SEQUENCE,
    SY_YAML_MAPPING,
} sy_yaml_kind;

typedef struct sy_yaml_node sy_yaml_node;

struct sy_yaml_node {
    sy_yaml_kind kind;
    unsigned line;          /* 1-based line of the node's first character */
    unsigned column;        /* 1-based column */
    const char *value;      /* scalar text (never NULL for a scalar), NULL otherwise */
    bool quoted;            /* scalar was written in quotes, so "yes" or "1" stay text */
    size_t count;           /* items of a sequence, or pairs of a mapping */
    const char **keys;      /* mapping keys, count of them */
    unsigned *key_lines;    /* line of each mapping key */
    sy_yaml_node **items;   /* sequence items, or mapping values in key order */
};

typedef struct {
    char *path;             /* the file it came from, for messages */
    sy_yaml_node *root;     /* NULL for an empty file */
    void *arena;            /* owns every node and string */
} sy_yaml_doc;

/*
 * Loads path into a new document. Returns NULL on failure and writes
 * "FILE:LINE:COLUMN: what is wrong" (or "FILE: reason" when the file cannot
 * be read) into error. Files larger than 16 MiB are rejected.
 */
sy_yaml_doc *sy_yaml_load(const char *path, char *error, size_t error_size);

/* As sy_yaml_load, from text in memory; name stands in for the file name. */
sy_yaml_doc *sy_yaml_load_string(const char *text, size_t len, const char *name, char *error,
                                 size_t error_size);

void sy_yaml_free(sy_yaml_doc *doc);

/* Returns the value of key in a mapping, or NULL if absent or node is not a mapping. */
const sy_yaml_node *sy_yaml_get(const sy_yaml_node *mapping, const char *key);

/*
 * Parsers for scalars. Each returns false, leaving *out alone, when node is
 * NULL, not a scalar, or not of the type.
 */
bool sy_yaml_bool(const sy_yaml_node *node, bool *out);      /* true/false/yes/no/on/off */
bool sy_yaml_int64(const sy_yaml_node *node, int64_t *out);  /* decimal, optional sign */

/*
 * Checks that every key of mapping is in allowed (a NULL-terminated list).
 * Returns the first key that is not, or NULL when all are allowed.
 */
const char *sy_yaml_unknown_key(const sy_yaml_node *mapping, const char *const *allowed);

/* Returns the line of key's entry in mapping (the key's own line), or 0 if absent. */
unsigned sy_yaml_key_line(const sy_yaml_node *mapping, const char *key);

#endif
