/*
 * Helpers shared by the files of the configuration loader (config.c,
 * config_fields.c, config_checks.c). Not part of the module's contract:
 * only those files include this header.
 *
 * Every helper that returns bool returns false after recording the first
 * error in the loader; later errors never overwrite it.
 */
#ifndef SWITCHYARD_COMMON_CONFIG_INTERNAL_H
#define SWITCHYARD_COMMON_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/yaml_doc.h"

#define CFG_PULSAR_NAME_RULE                                                                       \
    "use 1 to 64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit"
#define CFG_ENVIRONMENT_NAME_RULE                                                                  \
    "use 1 to 48 characters of a-z, 0-9 and '-', starting with a letter"
#define CFG_DEVELOPER_NAME_RULE "use 1 to 40 characters of a-z, 0-9 and '-'"
#define CFG_ROLE_RULE           "use 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '@' and '-'"

/* One allocation of the configuration's arena; all are freed together. */
typedef struct cfg_block {
    struct cfg_block *next;
    max_align_t data[];
} cfg_block;

/* The developer_environment section, kept until developers are expanded. */
typedef struct {
    bool present;
    const char *namespace_template;
    sy_config_topic *topics;
    size_t topic_count;
    sy_config_retention retention;
    int64_t message_ttl_seconds;
    unsigned line;
    unsigned namespace_line;
} cfg_template;

typedef struct {
    sy_config *config;
    cfg_block *blocks;
    const char *name; /* file name for messages */
    char *error;
    size_t error_size;
    bool failed;
    bool out_of_memory;
    size_t developer_capacity; /* entries of `developers`, reserved in the environment array */
    cfg_template template;
    const sy_yaml_node *router_node;
    unsigned router_line;
} cfg_loader;

/* Records "FILE:LINE: message" unless an error is already recorded; returns false. */
bool cfg_fail(cfg_loader *ld, unsigned line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocates zeroed memory from the arena. Returns NULL, recording out of memory, on failure. */
void *cfg_alloc(cfg_loader *ld, size_t size);
char *cfg_strdup(cfg_loader *ld, const char *text);
void cfg_free_blocks(void *blocks);

/* Checks that node is a mapping whose keys are all in allowed. */
bool cfg_check_mapping(cfg_loader *ld, const sy_yaml_node *node, const char *context,
                       const char *const *allowed);
bool cfg_check_sequence(cfg_loader *ld, const sy_yaml_node *node, const char *context);

/* Reads a non-empty scalar; leaves *out alone when the key is absent and not required. */
bool cfg_get_string(cfg_loader *ld, const sy_yaml_node *mapping, const char *key,
                    const char *context, bool required, const char **out);

/* Reads a list of non-empty scalars; an absent key gives count 0. */
bool cfg_get_string_list(cfg_loader *ld, const sy_yaml_node *mapping, const char *key,
                         const char *context, const char ***out, size_t *count);

/* Reads an integer in [min, max]; leaves *out alone when the key is absent. */
bool cfg_get_int(cfg_loader *ld, const sy_yaml_node *mapping, const char *key, const char *context,
                 int64_t min, int64_t max, int64_t *out);

/* Reads the required key "namespace" as TENANT/NAME and sets *tenant to its first part. */
bool cfg_get_namespace(cfg_loader *ld, const sy_yaml_node *mapping, const char *context,
                       const char **namespace_name, const char **tenant);

/* Reads the optional key "retention" ({minutes, size_mb}). */
bool cfg_get_retention(cfg_loader *ld, const sy_yaml_node *mapping, const char *context,
                       sy_config_retention *retention);

/* Returns path resolved against the directory of the configuration file. */
const char *cfg_resolve_path(cfg_loader *ld, const char *path);

/* Expands developers and runs the checks that span sections (config.h, invariants 2-5). */
bool cfg_check_cross_sections(cfg_loader *ld);

#endif
