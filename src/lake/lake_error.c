#include "lake/lake_error.h"

const char *lake_err_str(lake_err code)
{
    switch (code) {
    case LAKE_OK:
        return "success";
    case LAKE_ERR_NOMEM:
        return "out of memory";
    case LAKE_ERR_INVALID:
        return "invalid argument";
    case LAKE_ERR_UNSAFE_NAME:
        return "unsafe name";
    case LAKE_ERR_TIME_ZONE:
        return "time zone error";
    case LAKE_ERR_COMPRESSION:
        return "compression error";
    case LAKE_ERR_IO:
        return "file system error";
    case LAKE_ERR_NETWORK:
        return "network error";
    case LAKE_ERR_HTTP_STATUS:
        return "HTTP error status";
    case LAKE_ERR_CREDENTIALS:
        return "credentials error";
    case LAKE_ERR_BUSY:
        return "too many pending uploads";
    }
    return "unknown error";
}

bool lake_err_retriable(lake_err code)
{
    switch (code) {
    case LAKE_ERR_IO:
    case LAKE_ERR_NETWORK:
    case LAKE_ERR_HTTP_STATUS:
    case LAKE_ERR_BUSY:
        return true;
    default:
        return false;
    }
}
