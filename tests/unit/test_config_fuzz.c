/*
 * test_config_fuzz.c: cheap fuzzing of config_load/config_validate/config_masked_copy with mutated and
 * truncated JSON files and random environment values. Properties checked: a load yields either a tree
 * or an error (never both, never neither); the environment never makes a load fail; the validation
 * count equals the report's line count; masking never fails on a loaded tree. Run under ASan/UBSan.
 * CONFIG_FUZZ_SEED and CONFIG_FUZZ_ROUNDS override the fixed seed and the round count.
 */
#include "tap.h"
#include "lib/config_schema.h"
#include "test_config_util.h"

static const char *const seeds[] = {
        "{\"infrastructure\":{\"httpServer\":{\"port\":8080,\"host\":\"::1\",\"authentication\":{\"apiKey\":{\"keys\":"
        "{\"a\":{\"key\":\"AAbbcc11!!xxxxxxxxxxxxxxxxxxxxxx\",\"scopes\":[\"core:*\"]}}}}}},\"modules\":{\"webhooks\":"
        "{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://u:p@h/{{trigger}}\",\"headers\":{\"A\":\"b\"}}},"
        "\"webhooks\":[{\"triggers\":[\"**\"],\"target\":\"t\"}]},\"messageBrokerPublisher\":{\"enabled\":true,"
        "\"brokers\":[{\"type\":\"AMQP\",\"configuration\":{\"url\":\"amqp://g:g@h\"}}]},\"webhooksV2\":{\"x\":[1]},"
        "\"sse\":{\"enabled\":true},\"sync\":{\"enabled\":true}},\"database\":{\"connectionString\":"
        "\"host=h password='x\\\\' y'\"}}",
        "{\"supervisor\":{\"restartBackoffFloorMs\":1e3,\"heartbeatTimeoutMs\":\"12\"},\"logging\":{\"level\":\"warn\"}"
        "}",
        "\xEF\xBB\xBF{\"debug\":true,\"modules\":{\"mine\":{\"enabled\":true,\"deep\":{\"a\":{\"b\":{\"c\":[{}]}}}}}}",
};

static const char alphabet[] = "{}[]\":,.-+0123456789eE truefalsn\\u00\xEF\xBB\xBF\n\t'/*";

static size_t mutate(const char *seed, char *out, size_t cap)
{
	size_t len = strlen(seed);
	if (len >= cap)
		len = cap - 1;
	memcpy(out, seed, len);
	int edits = 1 + rand() % 4;
	for (int i = 0; i < edits && len > 0; i++) {
		size_t at = (size_t)rand() % len;
		switch (rand() % 4) {
		case 0: /* truncate */
			len = at;
			break;
		case 1: /* replace a byte */
			out[at] = (char)(rand() % 3 == 0 ? rand() % 256 : alphabet[rand() % (sizeof(alphabet) - 1)]);
			break;
		case 2: /* insert a byte */
			if (len + 1 < cap) {
				memmove(out + at + 1, out + at, len - at);
				out[at] = alphabet[rand() % (sizeof(alphabet) - 1)];
				len++;
			}
			break;
		default: /* delete a byte */
			memmove(out + at, out + at + 1, len - at - 1);
			len--;
		}
	}
	return len;
}

static int count_lines(const char *s)
{
	int n = s && *s ? 1 : 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Validates and masks a loaded tree; returns false when an invariant breaks. */
static bool exercise(json_object *root)
{
	char *report = NULL;
	int problems = config_validate(root, &report);
	bool good = problems == count_lines(report);
	if (!good)
		printf("# mismatch: %d problems, report:\n%s\n", problems, report ? report : "(null)");
	free(report);
	json_object *masked = config_masked_copy(root);
	good = good && masked != NULL;
	json_object_put(masked);
	(void)config_module_workers(root, "webhooks");
	(void)config_get_string(root, "modules.webhooks.targets.t.url", NULL);
	return good;
}

static void fuzz_files(int rounds)
{
	char buf[4096];
	int either = 0, invariants = 0, loaded = 0;
	for (int i = 0; i < rounds; i++) {
		size_t len = mutate(seeds[rand() % (sizeof(seeds) / sizeof(seeds[0]))], buf, sizeof(buf));
		const char *path = write_file_n("fuzz.json", buf, len);
		char *error = NULL;
		capture_begin();
		json_object *root = load(path, NULL, &error);
		bool good = root ? exercise(root) : true;
		free(capture_end());
		either += (root != NULL) != (error != NULL);
		invariants += good;
		loaded += root != NULL;
		free(error);
		json_object_put(root);
	}
	is_int(either, rounds, "mutated files: a tree or an error, never both or neither");
	is_int(invariants, rounds, "mutated files: validation count matches report lines, masking works");
	diag("%d of %d mutated files loaded", loaded, rounds);
}

static const char *const names[] = {"infrastructure__httpServer__port",
                                    "infrastructure:httpServer:apiKey",
                                    "modules__webhooks",
                                    "modules__webhooks__targets__t",
                                    "modules__webhooks__webhooks",
                                    "modules:messageBrokerPublisher:brokers",
                                    "supervisor__restartBackoffCapMs",
                                    "database",
                                    "logging",
                                    "API_KEY",
                                    "DEBUG",
                                    "SYNC_ENABLED",
                                    "modules__x__y__z",
                                    "modules",
                                    "modules__webhooksV2",
                                    "__",
                                    "::",
                                    "a__",
                                    "transportLibrary"};

static void random_value(char *out, size_t cap)
{
	char json[512];
	size_t len = mutate(seeds[rand() % (sizeof(seeds) / sizeof(seeds[0]))], json, sizeof(json));
	json[len] = '\0';
	static const char *const simple[] = {"true", "null", "1e999", "-0", "[]", "{}", "\"x\"", "007", "NaN", ""};
	snprintf(out, cap, "%s", rand() % 2 ? simple[rand() % 10] : json);
}

static void fuzz_environment(int rounds)
{
	int loaded = 0, invariants = 0;
	char storage[8][700];
	char *env[9];
	for (int i = 0; i < rounds; i++) {
		int n = 1 + rand() % 8;
		for (int j = 0; j < n; j++) {
			char value[600];
			random_value(value, sizeof(value));
			snprintf(storage[j], sizeof(storage[j]), "%s=%s",
			         names[rand() % (sizeof(names) / sizeof(names[0]))], value);
			env[j] = storage[j];
		}
		env[n] = NULL;
		char *error = NULL;
		capture_begin();
		json_object *root = load(NULL, env, &error);
		invariants += root ? exercise(root) : 0;
		free(capture_end());
		loaded += root != NULL;
		free(error);
		json_object_put(root);
	}
	is_int(loaded, rounds, "random environments never make a load fail");
	is_int(invariants, rounds, "random environments: validation and masking invariants hold");
}

static void fuzz_masking(int rounds)
{
	int good = 0;
	for (int i = 0; i < rounds; i++) {
		char buf[256];
		size_t len = mutate("postgresql://u:pw@h/db?password=x&a=b password='a\\' b' key=v", buf, sizeof(buf));
		buf[len] = '\0';
		char *masked = config_mask_credentials(buf);
		good += masked && strlen(masked) <= len + 3 * 4;
		free(masked);
	}
	is_int(good, rounds, "credential masking of mutated strings never fails");
}

int main(void)
{
	test_dir_init();
	unsigned seed = getenv("CONFIG_FUZZ_SEED") ? (unsigned)atoi(getenv("CONFIG_FUZZ_SEED")) : 20261127u;
	int rounds = getenv("CONFIG_FUZZ_ROUNDS") ? atoi(getenv("CONFIG_FUZZ_ROUNDS")) : 300;
	diag("seed %u, %d rounds", seed, rounds);
	srand(seed);
	fuzz_files(rounds);
	fuzz_environment(rounds);
	fuzz_masking(rounds);
	test_dir_cleanup();
	return tap_done();
}
