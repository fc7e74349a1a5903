/* bb_multipart.c */
#include "bb.h"
