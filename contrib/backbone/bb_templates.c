/* bb_templates.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_templates[] = {{0}};
