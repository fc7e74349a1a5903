#include "tap.h"
#include "test_config_util.h"
int main(void)
{
	test_dir_init();
	char *e = NULL;
	json_object *r = load(NULL, NULL, &e);
	ok(r != NULL, "loads %s", e ? e : "");
	json_object_put(r);
	free(e);
	test_dir_cleanup();
	return tap_done();
}
