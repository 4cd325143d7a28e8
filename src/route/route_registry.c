/*
 * The device registry: which environments each device may claim, and the
 * developer whose environment a device's `dev` messages reach.
 *
 * The YAML file is loaded with common/yaml_doc and copied into plain
 * structs, so the document can be freed and every later error still names
 * the line it came from. Devices are kept sorted by id so a lookup per
 * message is a binary search.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/yaml_doc.h"
#include "route/route_internal.h"

typedef struct {
    char *name;
    unsigned line;
} registry_name;

typedef struct {
    char *id;
    unsigned line;
    char *developer; /* NULL when the device has none */
    unsigned developer_line;
    registry_name *environments;
    size_t environment_count;
} registry_device;

struct route_registry {
    char *path;
    bool has_defaults; /* false: unlisted devices may use the table's default only */
    registry_name *default_environments;
    size_t default_count;
    registry_device *devices; /* sorted by id */
    size_t device_count;
};

static const char *const top_keys[] = {"default_environments", "devices", NULL};
static const char *const device_keys[] = {"id", "developer", "environments", NULL};

static void set_error(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *error, size_t error_size, const char *format, ...)
{
    if (error == NULL || error_size == 0) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

static char *copy_string(const char *text)
{
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    if (copy != NULL) {
        memcpy(copy, text, len);
    }
    return copy;
}

static void free_names(registry_name *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(names[i].name);
    }
    free(names);
}

void route_registry_free(route_registry *registry)
{
    if (registry == NULL) {
        return;
    }
    for (size_t i = 0; i < registry->device_count; i++) {
        free(registry->devices[i].id);
        free(registry->devices[i].developer);
        free_names(registry->devices[i].environments, registry->devices[i].environment_count);
    }
    free(registry->devices);
    free_names(registry->default_environments, registry->default_count);
    free(registry->path);
    free(registry);
}

/* Parses a list of environment names; *out is set only on success. */
static bool load_env_list(const char *path, const sy_yaml_node *node, const char *key,
                          unsigned key_line, registry_name **out, size_t *count, char *error,
                          size_t error_size)
{
    if (node->kind != SY_YAML_SEQUENCE || node->count == 0) {
        set_error(error, error_size,
                  "%s:%u: '%s' must be a non-empty list of environment names, such as [prod]", path,
                  key_line, key);
        return false;
    }
    registry_name *names = calloc(node->count, sizeof *names);
    if (names == NULL) {
        set_error(error, error_size, "%s: out of memory", path);
        return false;
    }

    for (size_t i = 0; i < node->count; i++) {
        const sy_yaml_node *item = node->items[i];
        if (item->kind != SY_YAML_SCALAR ||
            !route__valid_env_name(item->value, strlen(item->value))) {
            set_error(error, error_size,
                      "%s:%u: '%s' is not a valid environment name: use 1 to 48 of a-z, 0-9 "
                      "and '-', starting with a letter",
                      path, item->line, item->kind == SY_YAML_SCALAR ? item->value : "(list)");
            free_names(names, i);
            return false;
        }
        names[i].line = item->line;
        names[i].name = copy_string(item->value);
        if (names[i].name == NULL) {
            set_error(error, error_size, "%s: out of memory", path);
            free_names(names, i);
            return false;
        }
    }
    *out = names;
    *count = node->count;
    return true;
}

static bool load_device(const char *path, const sy_yaml_node *node, registry_device *device,
                        char *error, size_t error_size)
{
    if (node->kind != SY_YAML_MAPPING) {
        set_error(error, error_size,
                  "%s:%u: a device must be a mapping with 'id' and 'environments'", path,
                  node->line);
        return false;
    }
    const char *unknown = sy_yaml_unknown_key(node, device_keys);
    if (unknown != NULL) {
        set_error(error, error_size,
                  "%s:%u: unknown key '%s' in a device: use id, developer or environments", path,
                  sy_yaml_key_line(node, unknown), unknown);
        return false;
    }

    const sy_yaml_node *id = sy_yaml_get(node, "id");
    if (id == NULL) {
        set_error(error, error_size, "%s:%u: device has no 'id': add one", path, node->line);
        return false;
    }
    if (id->kind != SY_YAML_SCALAR || !route__valid_device_id(id->value, strlen(id->value))) {
        set_error(error, error_size,
                  "%s:%u: device id '%s' is not valid: use 1 to 64 of A-Z, a-z, 0-9, '_' and "
                  "'-'",
                  path, id->line, id->kind == SY_YAML_SCALAR ? id->value : "(not text)");
        return false;
    }
    device->line = id->line;

    const sy_yaml_node *developer = sy_yaml_get(node, "developer");
    if (developer != NULL &&
        (developer->kind != SY_YAML_SCALAR ||
         !route__valid_developer_name(developer->value, strlen(developer->value)))) {
        set_error(error, error_size,
                  "%s:%u: developer '%s' of device '%s' is not a valid name: use 1 to 40 of "
                  "a-z, 0-9 and '-'",
                  path, developer->line,
                  developer->kind == SY_YAML_SCALAR ? developer->value : "(not text)", id->value);
        return false;
    }

    const sy_yaml_node *envs = sy_yaml_get(node, "environments");
    if (envs == NULL) {
        set_error(error, error_size,
                  "%s:%u: device '%s' has no 'environments': list the ones it may use", path,
                  node->line, id->value);
        return false;
    }
    if (!load_env_list(path, envs, "environments", sy_yaml_key_line(node, "environments"),
                       &device->environments, &device->environment_count, error, error_size)) {
        return false;
    }

    device->id = copy_string(id->value);
    if (developer != NULL) {
        device->developer = copy_string(developer->value);
        device->developer_line = developer->line;
    }
    if (device->id == NULL || (developer != NULL && device->developer == NULL)) {
        set_error(error, error_size, "%s: out of memory", path);
        return false;
    }
    return true;
}

static int compare_devices(const void *a, const void *b)
{
    const registry_device *left = a;
    const registry_device *right = b;
    return strcmp(left->id, right->id);
}

static bool load_devices(route_registry *registry, const sy_yaml_node *devices, unsigned key_line,
                         char *error, size_t error_size)
{
    if (devices->kind != SY_YAML_SEQUENCE) {
        set_error(error, error_size, "%s:%u: 'devices' must be a list of devices", registry->path,
                  key_line);
        return false;
    }
    registry->devices = calloc(devices->count + 1, sizeof *registry->devices);
    if (registry->devices == NULL) {
        set_error(error, error_size, "%s: out of memory", registry->path);
        return false;
    }
    for (size_t i = 0; i < devices->count; i++) {
        registry->device_count++;
        if (!load_device(registry->path, devices->items[i], &registry->devices[i], error,
                         error_size)) {
            return false;
        }
    }

    /* Sorting puts repeated ids side by side; report the later line as the one to remove. */
    qsort(registry->devices, registry->device_count, sizeof *registry->devices, compare_devices);
    for (size_t i = 1; i < registry->device_count; i++) {
        const registry_device *a = &registry->devices[i - 1];
        const registry_device *b = &registry->devices[i];
        if (strcmp(a->id, b->id) == 0) {
            unsigned first = a->line < b->line ? a->line : b->line;
            unsigned second = a->line < b->line ? b->line : a->line;
            set_error(error, error_size,
                      "%s:%u: device '%s' is listed twice (first at line %u): remove one",
                      registry->path, second, a->id, first);
            return false;
        }
    }
    return true;
}

static bool load_tree(route_registry *registry, const sy_yaml_node *root, char *error,
                      size_t error_size)
{
    if (root == NULL || root->kind != SY_YAML_MAPPING) {
        set_error(error, error_size,
                  "%s:%u: a device registry must be a mapping with 'devices' (and optionally "
                  "'default_environments')",
                  registry->path, root != NULL ? root->line : 1);
        return false;
    }
    const char *unknown = sy_yaml_unknown_key(root, top_keys);
    if (unknown != NULL) {
        set_error(error, error_size, "%s:%u: unknown key '%s': use default_environments or devices",
                  registry->path, sy_yaml_key_line(root, unknown), unknown);
        return false;
    }

    const sy_yaml_node *defaults = sy_yaml_get(root, "default_environments");
    if (defaults != NULL) {
        registry->has_defaults = true;
        if (!load_env_list(registry->path, defaults, "default_environments",
                           sy_yaml_key_line(root, "default_environments"),
                           &registry->default_environments, &registry->default_count, error,
                           error_size)) {
            return false;
        }
    }

    const sy_yaml_node *devices = sy_yaml_get(root, "devices");
    if (devices == NULL) {
        set_error(error, error_size,
                  "%s:%u: 'devices' is missing: list the devices, or [] for none", registry->path,
                  root->line);
        return false;
    }
    return load_devices(registry, devices, sy_yaml_key_line(root, "devices"), error, error_size);
}

static route_registry *load_doc(sy_yaml_doc *doc, const char *name, char *error, size_t error_size)
{
    if (doc == NULL) {
        return NULL;
    }
    route_registry *registry = calloc(1, sizeof *registry);
    if (registry == NULL || (registry->path = copy_string(name)) == NULL) {
        set_error(error, error_size, "%s: out of memory", name);
        free(registry);
        sy_yaml_free(doc);
        return NULL;
    }
    bool ok = load_tree(registry, doc->root, error, error_size);
    sy_yaml_free(doc);
    if (!ok) {
        route_registry_free(registry);
        return NULL;
    }
    return registry;
}

route_registry *route_registry_load(const char *path, char *error, size_t error_size)
{
    return load_doc(sy_yaml_load(path, error, error_size), path, error, error_size);
}

route_registry *route_registry_load_string(const char *text, size_t len, const char *name,
                                           char *error, size_t error_size)
{
    return load_doc(sy_yaml_load_string(text, len, name, error, error_size), name, error,
                    error_size);
}

static bool check_names(const route_registry *registry, const route_table *table,
                        const registry_name *names, size_t count, char *error, size_t error_size)
{
    for (size_t i = 0; i < count; i++) {
        if (!route_table_has_environment(table, names[i].name)) {
            set_error(error, error_size,
                      "%s:%u: environment '%s' is not configured: add it to the configuration "
                      "or remove it here",
                      registry->path, names[i].line, names[i].name);
            return false;
        }
    }
    return true;
}

bool route_registry_check(const route_registry *registry, const route_table *table, char *error,
                          size_t error_size)
{
    if (!check_names(registry, table, registry->default_environments, registry->default_count,
                     error, error_size)) {
        return false;
    }
    for (size_t i = 0; i < registry->device_count; i++) {
        const registry_device *device = &registry->devices[i];
        if (device->developer != NULL && !route_table_has_developer(table, device->developer)) {
            set_error(error, error_size,
                      "%s:%u: developer '%s' of device '%s' is not configured: add the "
                      "developer to the configuration",
                      registry->path, device->developer_line, device->developer, device->id);
            return false;
        }
        if (!check_names(registry, table, device->environments, device->environment_count, error,
                         error_size)) {
            return false;
        }
    }
    return true;
}

size_t route_registry_device_count(const route_registry *registry)
{
    return registry->device_count;
}

static int compare_id_to_device(const void *key, const void *element)
{
    const registry_device *device = element;
    return strcmp(key, device->id);
}

static const registry_device *find_device(const route_registry *registry, const char *device_id)
{
    return bsearch(device_id, registry->devices, registry->device_count, sizeof *registry->devices,
                   compare_id_to_device);
}

const char *route_registry_developer(const route_registry *registry, const char *device_id)
{
    const registry_device *device = find_device(registry, device_id);
    return device != NULL ? device->developer : NULL;
}

static bool names_contain(const registry_name *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(names[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

bool route_registry_allows(const route_registry *registry, const route_table *table,
                           const char *device_id, const char *environment)
{
    if (registry == NULL) {
        return true;
    }
    const registry_device *device = find_device(registry, device_id);
    if (device == NULL) {
        if (!registry->has_defaults) {
            return strcmp(environment, table->default_environment) == 0;
        }
        return names_contain(registry->default_environments, registry->default_count, environment);
    }

    if (names_contain(device->environments, device->environment_count, environment)) {
        return true;
    }
    /* `dev` in the list admits the device's own developer environment. */
    size_t prefix_len = strlen(ROUTE_DEVELOPER_ENV_PREFIX);
    return device->developer != NULL &&
           strncmp(environment, ROUTE_DEVELOPER_ENV_PREFIX, prefix_len) == 0 &&
           strcmp(environment + prefix_len, device->developer) == 0 &&
           names_contain(device->environments, device->environment_count, ROUTE_DEV_ENVIRONMENT);
}
