/*
 * Stores: where finished lake files go.
 *
 * A store writes one whole object under a name made by lake_path_render.
 * put is idempotent: writing a name again replaces the object, which is
 * what makes a retried upload safe. put returns LAKE_OK only once the
 * object is durable (fsynced, or confirmed by the service), because the
 * sink acknowledges the file's messages right after.
 *
 * Kinds: a local directory (lake_store_fs_new) and Google Cloud Storage
 * (lake_store_gcs.h). An S3-compatible store is one more implementation of
 * lake_store_ops.
 *
 * Ownership: the caller frees a store with lake_store_free.
 * Thread safety: one thread at a time per store.
 */
#ifndef SWITCHYARD_LAKE_STORE_H
#define SWITCHYARD_LAKE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lake/lake_error.h"

typedef struct lake_store lake_store;

typedef struct {
    const char *kind; /* "local", "gcs" */
    lake_err (*put)(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                    const char *content_type, char *error, size_t error_size);
    void (*free)(lake_store *store);
} lake_store_ops;

/* Each implementation's struct starts with this. */
struct lake_store {
    const lake_store_ops *ops;
};

/*
 * Writes bytes as object name (a relative path that lake_path_render made).
 * Returns LAKE_OK once the object is durable, else an error code with the
 * reason in error.
 */
lake_err lake_store_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                        const char *content_type, char *error, size_t error_size);

void lake_store_free(lake_store *store);

/*
 * Opens a store in the existing directory root. Each put writes a hidden
 * temporary file next to the target (".<file>.tmp-<pid>-<n>"), fsyncs it,
 * renames it over the target and fsyncs the directory. So a reader sees
 * the whole old object or the whole new one, and a crash leaves no half
 * file under the real name. Missing directories below root are created (mode
 * 0755; files 0644). Returns LAKE_ERR_IO when root is not a directory.
 */
lake_err lake_store_fs_new(const char *root, lake_store **out, char *error, size_t error_size);

#endif
