/*
 * Name rules of docs/configuration.md. Every name that reaches a topic
 * name, a URL path or an object path passes one of these checks first, so
 * none can carry '/', '..', '%' or white space.
 */
#include "common/config.h"

#include <string.h>

static bool is_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool sy_config_valid_pulsar_name(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > SY_CONFIG_MAX_PULSAR_NAME || !is_lower_or_digit(name[0])) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!is_lower_or_digit(name[i]) && name[i] != '-' && name[i] != '_') {
            return false;
        }
    }
    return true;
}

static bool valid_dashed_name(const char *name, size_t max_len, bool letter_first)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > max_len) {
        return false;
    }
    if (letter_first && !(name[0] >= 'a' && name[0] <= 'z')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_or_digit(name[i]) && name[i] != '-') {
            return false;
        }
    }
    return true;
}

bool sy_config_valid_environment_name(const char *name)
{
    return valid_dashed_name(name, SY_CONFIG_MAX_ENVIRONMENT_NAME, true);
}

bool sy_config_valid_developer_name(const char *name)
{
    return valid_dashed_name(name, SY_CONFIG_MAX_DEVELOPER_NAME, false);
}

bool sy_config_valid_role_name(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > SY_CONFIG_MAX_ROLE_NAME) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok) {
            return false;
        }
    }
    /* "." and ".." would change the meaning of the URL path they are put into. */
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}
