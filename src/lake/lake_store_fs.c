/*
 * The local directory store. A put is: create the missing directories,
 * write a temporary file, fsync it, rename it over the target, fsync the
 * target's directory (so that the rename itself survives a power loss).
 * Only after the last step does put return LAKE_OK.
 */
#include "lake/lake_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    lake_store base;
    char *root;
    unsigned long sequence; /* makes temporary names unique within the process */
} fs_store;

static lake_err io_error(char *error, size_t error_size, const char *what, const char *path)
{
    snprintf(error, error_size, "%s %s failed: %s", what, path, strerror(errno));
    return LAKE_ERR_IO;
}

static lake_err fsync_path(const char *path, char *error, size_t error_size)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return io_error(error, error_size, "opening directory", path);
    }
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc == 0 ? LAKE_OK : io_error(error, error_size, "fsync of directory", path);
}

/* Creates every missing directory of path up to its last '/'. */
static lake_err make_parents(char *path, size_t root_len, char *error, size_t error_size)
{
    for (char *p = path + root_len + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        int rc = mkdir(path, 0755);
        bool created = rc == 0;
        if (rc != 0 && errno != EEXIST) {
            lake_err err = io_error(error, error_size, "creating directory", path);
            *p = '/';
            return err;
        }
        /* A new directory's own entry must reach the disk, or the file may vanish with it. */
        if (created) {
            char *parent_end = strrchr(path, '/');
            *parent_end = '\0';
            lake_err err = fsync_path(path, error, error_size);
            *parent_end = '/';
            if (err != LAKE_OK) {
                *p = '/';
                return err;
            }
        }
        *p = '/';
    }
    return LAKE_OK;
}

static lake_err write_all(int fd, const uint8_t *bytes, size_t len)
{
    while (len > 0) {
        ssize_t written = write(fd, bytes, len);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return LAKE_ERR_IO;
        }
        bytes += written;
        len -= (size_t)written;
    }
    return LAKE_OK;
}

static lake_err fs_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                       const char *content_type, char *error, size_t error_size)
{
    fs_store *fs = (fs_store *)store;
    (void)content_type;
    if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL) {
        snprintf(error, error_size, "object name '%s' is not a safe relative path", name);
        return LAKE_ERR_UNSAFE_NAME;
    }

    size_t root_len = strlen(fs->root);
    size_t path_size = root_len + strlen(name) + 64;
    char *path = malloc(path_size);
    char *temp = malloc(path_size);
    if (path == NULL || temp == NULL) {
        free(path);
        free(temp);
        return LAKE_ERR_NOMEM;
    }
    snprintf(path, path_size, "%s/%s", fs->root, name);
    char *file_part = strrchr(path, '/');
    snprintf(temp, path_size, "%.*s/.%s.tmp-%ld-%lu", (int)(file_part - path), path, file_part + 1,
             (long)getpid(), ++fs->sequence);

    lake_err rc = make_parents(path, root_len, error, error_size);
    int fd = -1;
    if (rc == LAKE_OK) {
        fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = io_error(error, error_size, "creating", temp);
        }
    }
    if (rc == LAKE_OK && write_all(fd, bytes, len) != LAKE_OK) {
        rc = io_error(error, error_size, "writing", temp);
    }
    if (rc == LAKE_OK && fsync(fd) != 0) {
        rc = io_error(error, error_size, "fsync of", temp);
    }
    if (fd >= 0 && close(fd) != 0 && rc == LAKE_OK) {
        rc = io_error(error, error_size, "closing", temp);
    }
    if (rc == LAKE_OK && rename(temp, path) != 0) {
        rc = io_error(error, error_size, "renaming temporary file to", path);
    }
    if (rc == LAKE_OK) {
        *file_part = '\0';
        rc = fsync_path(path, error, error_size);
    } else if (fd >= 0) {
        unlink(temp);
    }

    free(path);
    free(temp);
    return rc;
}

static void fs_free(lake_store *store)
{
    fs_store *fs = (fs_store *)store;
    free(fs->root);
    free(fs);
}

static const lake_store_ops fs_ops = {"local", fs_put, fs_free};

lake_err lake_store_fs_new(const char *root, lake_store **out, char *error, size_t error_size)
{
    struct stat st;
    if (root == NULL || root[0] == '\0' || stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(error, error_size,
                 "local store directory '%s' does not exist or is not a directory: create it",
                 root == NULL ? "" : root);
        return LAKE_ERR_IO;
    }
    fs_store *fs = calloc(1, sizeof *fs);
    if (fs == NULL || (fs->root = strdup(root)) == NULL) {
        free(fs);
        return LAKE_ERR_NOMEM;
    }
    /* A trailing '/' would double up when names are joined. */
    size_t len = strlen(fs->root);
    while (len > 1 && fs->root[len - 1] == '/') {
        fs->root[--len] = '\0';
    }
    fs->base.ops = &fs_ops;
    *out = &fs->base;
    return LAKE_OK;
}

lake_err lake_store_put(lake_store *store, const char *name, const uint8_t *bytes, size_t len,
                        const char *content_type, char *error, size_t error_size)
{
    return store->ops->put(store, name, bytes, len, content_type, error, error_size);
}

void lake_store_free(lake_store *store)
{
    if (store != NULL) {
        store->ops->free(store);
    }
}
