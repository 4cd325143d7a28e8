/*
 * Reads the cluster token that the configuration names. The token is a
 * secret: it is copied only into the caller's buffer and never into an
 * error message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"

/* Pulsar's token JWTs are far smaller, so a larger file does not contain a token. */
#define TOKEN_MAX_BYTES (64u * 1024u)

static char *trimmed_copy(const char *text, size_t len)
{
    while (len > 0 && isspace((unsigned char)text[0])) {
        text++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)text[len - 1])) {
        len--;
    }
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

static int token_from_env(const char *variable, char **token, char *error, size_t error_size)
{
    const char *value = getenv(variable);
    char *copy = value != NULL ? trimmed_copy(value, strlen(value)) : NULL;
    if (copy == NULL || copy[0] == '\0') {
        free(copy);
        snprintf(error, error_size,
                 "the token variable %s is not set or empty: export it with the token", variable);
        return -1;
    }
    *token = copy;
    return 0;
}

static int token_from_file(const char *path, char **token, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "cannot read the token file %s: %s", path, strerror(errno));
        return -1;
    }
    char *buffer = malloc(TOKEN_MAX_BYTES + 1);
    size_t len = buffer != NULL ? fread(buffer, 1, TOKEN_MAX_BYTES + 1, file) : 0;
    fclose(file);
    if (buffer == NULL) {
        snprintf(error, error_size, "out of memory reading the token file %s", path);
        return -1;
    }
    if (len > TOKEN_MAX_BYTES) {
        free(buffer);
        snprintf(error, error_size,
                 "the token file %s is larger than 64 KiB: it must hold one "
                 "token",
                 path);
        return -1;
    }
    char *copy = trimmed_copy(buffer, len);
    memset(buffer, 0, len);
    free(buffer);
    if (copy == NULL || copy[0] == '\0') {
        free(copy);
        snprintf(error, error_size, "the token file %s is empty: write the token into it", path);
        return -1;
    }
    *token = copy;
    return 0;
}

int sy_config_read_token(const sy_config *config, const char *override_env, char **token,
                         char *error, size_t error_size)
{
    *token = NULL;
    if (override_env != NULL) {
        const char *value = getenv(override_env);
        if (value != NULL && value[0] != '\0') {
            return token_from_env(override_env, token, error, error_size);
        }
    }
    if (config->pulsar.token_env != NULL) {
        return token_from_env(config->pulsar.token_env, token, error, error_size);
    }
    if (config->pulsar.token_file != NULL) {
        return token_from_file(config->pulsar.token_file, token, error, error_size);
    }
    return 0;
}
