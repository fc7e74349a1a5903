/* bb_relationships.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_relationships[] = {{0}};
