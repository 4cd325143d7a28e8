#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <stdatomic.h>

static _Atomic int min_level = SY_LOG_INFO;

void sy_log_set_level(sy_log_level level)
{
    atomic_store(&min_level, (int)level);
}

sy_log_level sy_log_get_level(void)
{
    return (sy_log_level)atomic_load(&min_level);
}

bool sy_log_level_parse(const char *text, sy_log_level *level)
{
    static const struct {
        const char *name;
        sy_log_level level;
    } names[] = {
        {"debug", SY_LOG_DEBUG},
        {"info", SY_LOG_INFO},
        {"warn", SY_LOG_WARN},
        {"warning", SY_LOG_WARN},
        {"error", SY_LOG_ERROR},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *level = names[i].level;
            return true;
        }
    }
    return false;
}

const char *sy_log_level_name(sy_log_level level)
{
    switch (level) {
    case SY_LOG_DEBUG:
        return "DEBUG";
    case SY_LOG_INFO:
        return "INFO";
    case SY_LOG_WARN:
        return "WARN";
    case SY_LOG_ERROR:
        return "ERROR";
    }
    return "?";
}

void sy_log(sy_log_level level, const char *component, const char *format, ...)
{
    if ((int)level < atomic_load(&min_level)) {
        return;
    }

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm utc;
    gmtime_r(&now.tv_sec, &utc);

    char line[2048];
    size_t used = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &utc);
    int n = snprintf(line + used, sizeof line - used, ".%03ldZ %-5s %s: ", now.tv_nsec / 1000000L,
                     sy_log_level_name(level), component);
    if (n > 0) {
        used += (size_t)n;
    }

    va_list args;
    va_start(args, format);
    n = vsnprintf(line + used, sizeof line - used, format, args);
    va_end(args);
    if (n > 0) {
        used += (size_t)n;
    }

    /* Long messages are cut; the last bytes then carry the newline. */
    if (used > sizeof line - 2) {
        used = sizeof line - 2;
    }
    while (used > 0 && line[used - 1] == '\n') {
        used--;
    }
    line[used++] = '\n';

    ssize_t ignored = write(STDERR_FILENO, line, used);
    (void)ignored;
}
