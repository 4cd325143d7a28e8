#include "cli/cli_support.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static atomic_bool stop_flag;

static void on_stop_signal(int signal_number)
{
    (void)signal_number;
    atomic_store(&stop_flag, true);
}

void cli_install_stop_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool cli_stop_requested(void)
{
    return atomic_load(&stop_flag);
}

static void log_from_library(pulsar_log_level level, const char *message, void *user_data)
{
    static const sy_log_level levels[] = {SY_LOG_DEBUG, SY_LOG_INFO, SY_LOG_WARN, SY_LOG_ERROR};
    sy_log(levels[level <= PULSAR_LOG_ERROR ? level : PULSAR_LOG_ERROR], user_data, "pulsar: %s",
           message);
}

int cli_open_client(const sy_config *config, const char *override_env, const char *component,
                    pulsar_client **client_out)
{
    if (config->pulsar.service_url == NULL) {
        sy_log(SY_LOG_ERROR, component,
               "%s: no pulsar.service_url: set it in the file or in SWITCHYARD_PULSAR_URL",
               config->path);
        return -1;
    }

    char *token = NULL;
    char error[512];
    if (sy_config_read_token(config, override_env, &token, error, sizeof error) != 0) {
        sy_log(SY_LOG_ERROR, component, "%s", error);
        return -1;
    }

    pulsar_client_config client_config;
    pulsar_client_config_init(&client_config);
    client_config.service_url = config->pulsar.service_url;
    client_config.auth_token = token;
    client_config.log_fn = log_from_library;
    client_config.log_user_data = (void *)component;
    pulsar_result rc = pulsar_client_create(&client_config, client_out);
    if (token != NULL) {
        memset(token, 0, strlen(token));
        free(token);
    }
    if (rc != PULSAR_OK) {
        sy_log(SY_LOG_ERROR, component, "cannot create a client for %s: %s",
               config->pulsar.service_url, pulsar_result_str(rc));
        return -1;
    }
    return 0;
}

int cli_set_log_level(const char *command, const char *text)
{
    sy_log_level level;
    if (!sy_log_level_parse(text, &level)) {
        fprintf(stderr, "switchyard %s: invalid --log-level '%s': use debug, info, warn or error\n",
                command, text);
        return -1;
    }
    sy_log_set_level(level);
    return 0;
}

char *cli_topic_name(const char *namespace_name, const char *topic)
{
    size_t size = strlen("persistent://") + strlen(namespace_name) + 1 + strlen(topic) + 1;
    char *name = malloc(size);
    if (name != NULL) {
        snprintf(name, size, "persistent://%s/%s", namespace_name, topic);
    }
    return name;
}

int64_t cli_monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int cli_write_file_atomically(const char *path, const char *text, const char *component)
{
    size_t size = strlen(path) + 32;
    char *temporary = malloc(size);
    if (temporary == NULL) {
        sy_log(SY_LOG_ERROR, component, "cannot write %s: out of memory", path);
        return -1;
    }
    snprintf(temporary, size, "%s.tmp.%ld", path, (long)getpid());

    int rc = -1;
    FILE *file = fopen(temporary, "w");
    if (file == NULL) {
        sy_log(SY_LOG_ERROR, component, "cannot write %s: %s", temporary, strerror(errno));
    } else if ((fputs(text, file) < 0) | (fclose(file) != 0)) {
        /* Both calls run: the file is closed even when the write failed. */
        sy_log(SY_LOG_ERROR, component, "cannot write %s: %s", temporary, strerror(errno));
        unlink(temporary);
    } else if (rename(temporary, path) != 0) {
        sy_log(SY_LOG_ERROR, component, "cannot rename %s to %s: %s", temporary, path,
               strerror(errno));
        unlink(temporary);
    } else {
        rc = 0;
    }
    free(temporary);
    return rc;
}
