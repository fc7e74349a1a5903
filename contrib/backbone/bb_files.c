/* bb_files.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_files[] = {{0}};
