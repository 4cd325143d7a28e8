/*
 * Replays a fuzz corpus through a libFuzzer entry point without libFuzzer.
 *
 * Built with gcc into every fuzz target when SWITCHYARD_FUZZ is off, so that
 * `make test` runs each committed corpus file (and any crash reproducer added
 * to it) under the sanitizer build. Arguments are files or directories.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Corpus files are small; a larger file is a mistake in the corpus. */
#define REPLAY_MAX_FILE_BYTES (16u * 1024u * 1024u)

static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }

    uint8_t *data = malloc(REPLAY_MAX_FILE_BYTES);
    if (data == NULL) {
        fclose(file);
        return -1;
    }
    size_t size = fread(data, 1, REPLAY_MAX_FILE_BYTES, file);
    int too_big = !feof(file);
    fclose(file);
    if (too_big) {
        fprintf(stderr, "replay: %s is larger than %u bytes\n", path, REPLAY_MAX_FILE_BYTES);
        free(data);
        return -1;
    }

    /* A copy of exactly the file's size lets AddressSanitizer catch any read past its end. */
    uint8_t *exact = malloc(size > 0 ? size : 1);
    if (exact == NULL) {
        free(data);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 0;
}

static int replay_path(const char *path, unsigned *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s not found\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }

    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "replay: cannot open directory %s\n", path);
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        char child[4096];
        int n = snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        if (n < 0 || (size_t)n >= sizeof child) {
            fprintf(stderr, "replay: path too long under %s\n", path);
            rc = -1;
            continue;
        }
        if (replay_path(child, count) != 0) {
            rc = -1;
        }
    }
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    unsigned count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (replay_path(argv[i], &count) != 0) {
            rc = 1;
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no corpus files found\n");
        return 1;
    }
    printf("replay: %u inputs replayed\n", count);
    return rc;
}
