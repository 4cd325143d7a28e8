/*
 * Error codes of the lake module (src/lake/).
 *
 * Every function of the module that can fail returns a lake_err, with
 * LAKE_OK (zero) for success, and most also write a sentence naming the
 * value and what to do into a caller's buffer. The codes tell the caller
 * what kind of failure it was. The sink itself retries every failed
 * upload, whatever its code, because a message must never be lost.
 *
 * Thread safety: both functions are pure and may be called from any thread.
 */
#ifndef SWITCHYARD_LAKE_ERROR_H
#define SWITCHYARD_LAKE_ERROR_H

#include <stdbool.h>

typedef enum {
    LAKE_OK = 0,
    LAKE_ERR_NOMEM,       /* an allocation failed */
    LAKE_ERR_INVALID,     /* an argument or configuration value is invalid */
    LAKE_ERR_UNSAFE_NAME, /* a value would escape its path segment or prefix */
    LAKE_ERR_TIME_ZONE,   /* a time zone is unknown or its file is malformed */
    LAKE_ERR_COMPRESSION, /* zlib or libzstd reported an error */
    LAKE_ERR_IO,          /* a local file system call failed */
    LAKE_ERR_NETWORK,     /* a connection or transfer failed or timed out */
    LAKE_ERR_HTTP_STATUS, /* a server responded with an error status */
    LAKE_ERR_CREDENTIALS, /* credentials are missing, unreadable or rejected */
    LAKE_ERR_BUSY,        /* too many files wait for upload; poll and add again */
} lake_err;

/* Returns a short lower-case description of code, such as "invalid argument". */
const char *lake_err_str(lake_err code);

/*
 * Returns true when the same call may succeed later without a change of
 * configuration: network and I/O failures, error statuses and LAKE_ERR_BUSY.
 */
bool lake_err_retriable(lake_err code);

#endif
