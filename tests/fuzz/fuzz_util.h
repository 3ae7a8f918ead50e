/* Helpers shared by the libFuzzer targets (tests/fuzz/README.md). */
#ifndef DEQ_FUZZ_UTIL_H
#define DEQ_FUZZ_UTIL_H

#define _GNU_SOURCE 1 /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A property the code under test must keep was broken: print it and abort,
 * which libFuzzer reports as a crash with the input saved. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz property failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The readers take a path. An in-memory file (memfd) named by /proc/self/fd/N
 * gives them one without touching the disk; every fopen/gzopen of the path is
 * a fresh description reading from offset 0. */
typedef struct {
    int fd;
    char path[64];
} fuzz_file;

static inline void fuzz_file_open(fuzz_file *f)
{
    f->fd = memfd_create("deqcheck-fuzz", MFD_CLOEXEC);
    if (f->fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

/* Replaces the file's content by data[0, size). */
static inline void fuzz_file_set(fuzz_file *f, const void *data, size_t size)
{
    if (ftruncate(f->fd, 0) != 0 || lseek(f->fd, 0, SEEK_SET) != 0) {
        perror("fuzz_file_set");
        abort();
    }
    const char *p = data;
    while (size > 0) {
        ssize_t w = write(f->fd, p, size);
        if (w <= 0) {
            perror("fuzz_file_set: write");
            abort();
        }
        p += w;
        size -= (size_t)w;
    }
}

/* An error message must be one line, not empty, and name the file first. */
static inline void fuzz_check_message(const char *msg, const char *path)
{
    FUZZ_CHECK(msg[0] != '\0', "empty error message");
    FUZZ_CHECK(strchr(msg, '\n') == NULL, "message is not one line: %s", msg);
    FUZZ_CHECK(strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':',
               "message does not start with the path %s: %s", path, msg);
}

#endif
