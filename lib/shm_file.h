/*
 * shm_file.h: creating and mapping a fixed-size shared file in the runtime directory (the metrics
 * registry, the HTTP request counters): built whole under a temporary name and linked into place, so
 * a reader never sees a half-written header; mapped read-write and shared.
 */
#ifndef CONNECTOR_SHM_FILE_H
#define CONNECTOR_SHM_FILE_H

#include <stddef.h>

/* Writes header (header_len bytes) into a file_len-byte file <path>.<pid>.tmp and links it to path.
 * 0, EEXIST (path appeared meanwhile; the caller maps that one), or -1 with err. */
int shm_file_create(const char *path, const void *header, size_t header_len, size_t file_len, char *err,
                    size_t err_len);
/* Maps path, which must be exactly size bytes; NULL with err otherwise. Unmap with munmap(map, size). */
void *shm_file_map(const char *path, size_t size, char *err, size_t err_len);

#endif
