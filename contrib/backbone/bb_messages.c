/* bb_messages.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_messages[] = {{0}};
