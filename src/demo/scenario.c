#include "demo/scenario.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yaml_doc.h"

__attribute__((format(printf, 5, 6))) static int fail(const char *name, unsigned line, char *error,
                                                      size_t error_size, const char *format, ...)
{
    int n = snprintf(error, error_size, "%s:%u: ", name, line);
    if (n >= 0 && (size_t)n < error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(error + n, error_size - (size_t)n, format, args);
        va_end(args);
    }
    return -1;
}

/* Reads env, app_version and omit_env of one mapping into setting (which holds defaults). */
static int read_setting(const char *name, const sy_yaml_node *node, demo_device_setting *setting,
                        const char *const *allowed, char *error, size_t error_size)
{
    if (node->kind != SY_YAML_MAPPING) {
        return fail(name, node->line, error, error_size, "expected a mapping such as "
                    "{env: prod, app_version: 1}");
    }
    const char *unknown = sy_yaml_unknown_key(node, allowed);
    if (unknown != NULL) {
        return fail(name, sy_yaml_key_line(node, unknown), error, error_size,
                    "unknown key '%s'", unknown);
    }

    const sy_yaml_node *env = sy_yaml_get(node, "env");
    if (env != NULL) {
        if (env->kind != SY_YAML_SCALAR || env->value[0] == '\0' ||
            strlen(env->value) > DEMO_MAX_ENV) {
            return fail(name, env->line, error, error_size,
                        "env must be text of 1 to %d bytes", DEMO_MAX_ENV);
        }
        strcpy(setting->env, env->value);
    }

    const sy_yaml_node *version = sy_yaml_get(node, "app_version");
    if (version != NULL) {
        int64_t value = 0;
        if (!sy_yaml_int64(version, &value) || (value != 1 && value != 2)) {
            return fail(name, version->line, error, error_size, "app_version must be 1 or 2");
        }
        setting->app_version = (int)value;
    }

    const sy_yaml_node *omit = sy_yaml_get(node, "omit_env");
    if (omit != NULL && !sy_yaml_bool(omit, &setting->omit_env)) {
        return fail(name, omit->line, error, error_size, "omit_env must be true or false");
    }
    return 0;
}

static int load_devices(const char *name, const sy_yaml_node *list, demo_scenario *scenario,
                        char *error, size_t error_size)
{
    static const char *const device_keys[] = {"id", "env", "app_version", "omit_env", NULL};
    if (list->kind != SY_YAML_SEQUENCE) {
        return fail(name, list->line, error, error_size, "devices must be a list");
    }
    scenario->devices = calloc(list->count ? list->count : 1, sizeof *scenario->devices);
    if (scenario->devices == NULL) {
        return fail(name, list->line, error, error_size, "out of memory");
    }
    for (size_t i = 0; i < list->count; i++) {
        const sy_yaml_node *item = list->items[i];
        const sy_yaml_node *id = sy_yaml_get(item, "id");
        if (id == NULL || id->kind != SY_YAML_SCALAR || id->value[0] == '\0') {
            return fail(name, item->line, error, error_size, "a device needs an id");
        }
        if (demo_scenario_device(scenario, id->value) != &scenario->fallback) {
            return fail(name, id->line, error, error_size, "device '%s' is listed twice",
                        id->value);
        }
        demo_device_entry *entry = &scenario->devices[scenario->device_count];
        entry->setting = scenario->fallback;
        entry->line = item->line;
        if (read_setting(name, item, &entry->setting, device_keys, error, error_size) != 0) {
            return -1;
        }
        entry->id = strdup(id->value);
        if (entry->id == NULL) {
            return fail(name, item->line, error, error_size, "out of memory");
        }
        scenario->device_count++;
    }
    return 0;
}

/* Builds a scenario from a loaded document, which it frees. */
static demo_scenario *scenario_from_doc(sy_yaml_doc *doc, char *error, size_t error_size)
{
    if (doc == NULL) {
        return NULL;
    }
    const char *name = doc->path;
    demo_scenario *scenario = calloc(1, sizeof *scenario);
    if (scenario == NULL) {
        sy_yaml_free(doc);
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    strcpy(scenario->fallback.env, "prod");
    scenario->fallback.app_version = 1;
    scenario->ping_every = 10;

    static const char *const top_keys[] = {"default", "ping_every", "devices", NULL};
    static const char *const default_keys[] = {"env", "app_version", "omit_env", NULL};
    const sy_yaml_node *root = doc->root;
    int rc = 0;
    if (root == NULL || root->kind != SY_YAML_MAPPING) {
        rc = fail(name, root ? root->line : 1, error, error_size,
                  "expected a mapping with default, ping_every and devices");
    } else if (sy_yaml_unknown_key(root, top_keys) != NULL) {
        const char *unknown = sy_yaml_unknown_key(root, top_keys);
        rc = fail(name, sy_yaml_key_line(root, unknown), error, error_size,
                  "unknown key '%s': expected default, ping_every or devices", unknown);
    }

    const sy_yaml_node *fallback = rc == 0 ? sy_yaml_get(root, "default") : NULL;
    if (fallback != NULL) {
        rc = read_setting(name, fallback, &scenario->fallback, default_keys, error, error_size);
    }

    const sy_yaml_node *ping_every = rc == 0 ? sy_yaml_get(root, "ping_every") : NULL;
    if (ping_every != NULL) {
        int64_t value = 0;
        if (!sy_yaml_int64(ping_every, &value) || value < 0 || value > 1000000) {
            rc = fail(name, ping_every->line, error, error_size,
                      "ping_every must be a number from 0 (never) to 1000000");
        } else {
            scenario->ping_every = (unsigned)value;
        }
    }

    const sy_yaml_node *devices = rc == 0 ? sy_yaml_get(root, "devices") : NULL;
    if (devices != NULL) {
        rc = load_devices(name, devices, scenario, error, error_size);
    }

    sy_yaml_free(doc);
    if (rc != 0) {
        demo_scenario_free(scenario);
        return NULL;
    }
    return scenario;
}

demo_scenario *demo_scenario_load_string(const char *text, size_t len, const char *name,
                                         char *error, size_t error_size)
{
    return scenario_from_doc(sy_yaml_load_string(text, len, name, error, error_size), error,
                             error_size);
}

demo_scenario *demo_scenario_load(const char *path, char *error, size_t error_size)
{
    return scenario_from_doc(sy_yaml_load(path, error, error_size), error, error_size);
}

const demo_device_setting *demo_scenario_device(const demo_scenario *scenario,
                                                const char *device_id)
{
    for (size_t i = 0; i < scenario->device_count; i++) {
        if (strcmp(scenario->devices[i].id, device_id) == 0) {
            return &scenario->devices[i].setting;
        }
    }
    return &scenario->fallback;
}

void demo_scenario_free(demo_scenario *scenario)
{
    if (scenario == NULL) {
        return;
    }
    for (size_t i = 0; i < scenario->device_count; i++) {
        free(scenario->devices[i].id);
    }
    free(scenario->devices);
    free(scenario);
}
