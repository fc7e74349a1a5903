/* bb_devices.c: placeholder */
#include "bb.h"
const struct bb_route bb_routes_devices[] = {{0}};
