/*
 * The device simulator's scenario: how each simulated device is configured.
 *
 * A real device's environment and app version come from a local setting on
 * the device; the scenario file plays that role for the simulator:
 *
 *   default: {env: prod, app_version: 1}
 *   ping_every: 10            # app version 2 sends a PING after every 10 readings
 *   devices:
 *     - {id: "22449", env: dev, app_version: 2}
 *     - {id: "15092", env: test}
 *     - {id: "5331", env: prod, app_version: 1, omit_env: true}
 *
 * `omit_env: true` sends no env property at all, as a device that predates
 * environments would; the router then applies its default environment.
 *
 * Ownership: the caller frees a loaded scenario with demo_scenario_free.
 * Thread safety: a loaded scenario is read-only.
 */
#ifndef SWITCHYARD_DEMO_SCENARIO_H
#define SWITCHYARD_DEMO_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#define DEMO_MAX_ENV 48

typedef struct {
    char env[DEMO_MAX_ENV + 1];  /* the env property the device sends */
    int app_version;             /* 1 or 2 */
    bool omit_env;               /* send no env property */
} demo_device_setting;

typedef struct {
    char *id;
    demo_device_setting setting;
    unsigned line;
} demo_device_entry;

typedef struct {
    demo_device_setting fallback;   /* the `default` entry */
    unsigned ping_every;            /* default 10; 0 = never PING */
    demo_device_entry *devices;
    size_t device_count;
} demo_scenario;

/*
 * Loads a scenario file. Returns NULL with "FILE:LINE: what is wrong" in
 * error for an unknown key, an app_version other than 1 or 2, an env that
 * is empty or longer than 48 bytes, or a device listed twice.
 */
demo_scenario *demo_scenario_load(const char *path, char *error, size_t error_size);

/* As demo_scenario_load, from text in memory. */
demo_scenario *demo_scenario_load_string(const char *text, size_t len, const char *name,
                                         char *error, size_t error_size);

/* Returns the setting of device_id: its own entry, else the default. */
const demo_device_setting *demo_scenario_device(const demo_scenario *scenario,
                                                const char *device_id);

void demo_scenario_free(demo_scenario *scenario);

#endif
