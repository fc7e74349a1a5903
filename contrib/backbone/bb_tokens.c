/* bb_tokens.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_tokens[] = {{0}};
