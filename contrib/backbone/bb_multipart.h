/*
 * bb_multipart.h: a strict multipart/form-data reader for request bodies held in memory.
 */
#ifndef BB_MULTIPART_H
#define BB_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define BB_MAX_PARTS 16

struct bb_part {
	char name[64];
	bool is_file;
	const unsigned char *data; /* points into the body */
	size_t len;
};

/* Splits body by the boundary of content_type; false (with *why) on malformed input. */
bool bb_multipart_parse(const char *content_type, const unsigned char *body, size_t len, struct bb_part *parts,
                        int *nparts, const char **why);
const struct bb_part *bb_multipart_find(const struct bb_part *parts, int nparts, const char *name);

#endif
