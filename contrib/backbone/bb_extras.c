/* bb_extras.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_extras[] = {{0}};
