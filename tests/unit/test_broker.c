/*
 * test_broker.c: the broker clients without a running broker: configuration errors with the
 * original's messages, URL parsing and masking, the original's body and MQTT topic, refused
 * connections, and the RS256 JWT of the Google service-account flow (verified with the public key).
 * Against live brokers the clients are exercised end to end by tests/e2e/publisher*.test.mjs.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "broker_client.h"
#include "broker_internal.h"
#include "broker_pubsub_auth.h"
#include "tap.h"

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);
	if (!o)
		abort();
	return o;
}

/* broker_new on a JSON configuration; returns the error text (malloc'd) or NULL on success. */
static char *new_error(const char *type, const char *conf_json)
{
	json_object *conf = conf_json ? parse(conf_json) : NULL;
	char *error = NULL;
	struct broker *b = broker_new(type, conf, "modules.messageBrokerPublisher.brokers[0].configuration", &error);
	broker_free(b);
	json_object_put(conf);
	return error;
}

static void expect_error(const char *type, const char *conf, const char *want, const char *name)
{
	char *got = new_error(type, conf);
	if (!ok(got && strstr(got, want), "%s", name))
		diag("got '%s', want '%s'", got ? got : "(no error)", want);
	free(got);
}

static void test_config_errors(void)
{
	expect_error("AMQP", "{}", "Cannot start the module, the ampq url is not defined.", "AMQP without url");
	expect_error("AMQP", NULL, "Cannot start the broker, the 'configuration' is not defined.",
	             "configuration missing");
	expect_error("Kafka", "{\"url\":\"x://y\"}", "unknown broker type 'Kafka'", "unknown type named");
	expect_error("PubSub", "{\"topicName\":\"t\",\"keyFile\":\"/k\"}",
	             "Cannot start the module, the projectId is not defined.", "PubSub without projectId");
	expect_error("PubSub", "{\"projectId\":\"p\",\"keyFile\":\"/k\"}",
	             "Cannot start the module, the topic is not defined.", "PubSub without topicName");
	expect_error("PubSub", "{\"projectId\":\"p\",\"topicName\":\"t\"}",
	             "Cannot start the module, the keyFile is not defined.", "PubSub without keyFile");
	expect_error("MQTT", "{}", "the MQTT url is not defined", "MQTT without url");
	expect_error("MQTT", "{\"url\":\"http://h:1\"}", "unknown protocol 'http'", "MQTT http url refused");
	expect_error("MQTT", "{\"url\":\"mqtt://h:1\",\"qos\":3}",
	             "configuration.qos: expected an integer between 0 and 2", "MQTT qos range named");
	expect_error("Redis", "{\"url\":\"redis://h:99999\"}", "invalid port", "Redis bad port");
	expect_error("Redis", "{\"url\":\"redis://h/abc\"}", "expected a database number", "Redis bad db");
	expect_error("Redis", "{\"url\":\"redis://h\",\"publish\":false}", "nothing would be sent",
	             "Redis with nothing to do");
	expect_error("AMQP", "{\"url\":\"amqp://h\",\"persistent\":\"yes\"}",
	             "configuration.persistent: expected a boolean", "AMQP persistent must be boolean");
	expect_error("AMQP", "{\"url\":\"amqp://h\",\"reconnectBackoffFloorMs\":500,\"reconnectBackoffCapMs\":100}",
	             "reconnectBackoffCapMs: expected at least", "backoff cap below floor");
	char *none = new_error("Redis", "{\"url\":\"redis://127.0.0.1:1/2\",\"stream\":\"s\"}");
	ok(none == NULL, "a good Redis configuration is accepted");
	free(none);
}

static void test_deprecated_modules(void)
{
	char *error = NULL;
	json_object *conf = parse("{\"enabled\":true,\"projectId\":\"p\",\"topic\":\"only-topic\",\"keyFile\":\"/k\"}");
	struct broker *b = broker_new_module("PubSubPublisher", conf, &error);
	ok(b != NULL, "PubSubPublisher accepts topic when topicName is missing");
	ok(b && strstr(broker_describe(b), "topics/only-topic"), "and publishes to that topic");
	broker_free(b);
	json_object_put(conf);
	conf = parse("{\"enabled\":true,\"exchange\":\"x\"}");
	b = broker_new_module("amqpPublisher", conf, &error);
	ok(!b && error && !strcmp(error, "Cannot start the module, the ampq url is not defined."),
	   "amqpPublisher without url: the original's message");
	free(error);
	json_object_put(conf);
}

static void test_urls(void)
{
	struct broker_url u;
	char *error = NULL;
	ok(broker_url_parse("mqtt://us%40er:p%3Ass@[::1]:1884/x", "l", &u, &error), "url with IPv6 parses");
	is_str(u.user, "us@er", "user percent-decoded");
	is_str(u.password, "p:ss", "password percent-decoded");
	is_str(u.host, "::1", "IPv6 host without brackets");
	is_int(u.port, 1884, "port");
	is_str(u.path, "x", "path");
	broker_url_clear(&u);
	ok(!broker_url_parse("localhost:5672", "modules.x.url", &u, &error) && strstr(error, "modules.x.url"),
	   "url without scheme refused, naming the key");
	free(error);
	char *m = broker_url_masked("amqp://guest:secret@host:5672/vh");
	is_str(m, "amqp://guest:***@host:5672/vh", "password masked");
	free(m);
	json_object *conf = parse("{\"url\":\"amqp://u:topsecret@127.0.0.1:5672\",\"exchange\":\"ex\"}");
	struct broker *b = broker_new("AMQP", conf, "b", &error);
	ok(b && !strstr(broker_describe(b), "topsecret") && strstr(broker_describe(b), "exchange 'ex'"),
	   "description without the password");
	broker_free(b);
	json_object_put(conf);
}

static void test_body_and_topic(void)
{
	size_t len;
	char *body =
	        broker_body_from_data("{\"id\": \"MSGa\", \"n\": [1, 2], \"u\": \"a/b\", \"s\": \"\\u00e4\"}", &len);
	is_str(body, "{\"id\":\"MSGa\",\"n\":[1,2],\"u\":\"a/b\",\"s\":\"\xc3\xa4\"}",
	       "body is compact JSON like JSON.stringify");
	is_int(len, strlen(body), "length");
	free(body);
	body = broker_body_from_data(NULL, NULL);
	is_str(body, "{}", "no data: {}");
	free(body);
	body = broker_body_from_data("null", NULL);
	is_str(body, "{}", "null data: {}");
	free(body);
	ok(broker_body_from_data("{bad", NULL) == NULL, "invalid JSON refused");
	char *topic = broker_mqtt_topic("consumption.relationshipEvent.RELabc");
	is_str(topic, "consumption/relationshipEvent/RELabc", "every '.' becomes '/'");
	free(topic);
}

static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &alen);
	close(fd); /* bound, never listened, now closed: connections are refused */
	return ntohs(a.sin_port);
}

static void expect_refused(const char *type, const char *conf_fmt, const char *want)
{
	char conf_text[256], *error = NULL;
	snprintf(conf_text, sizeof(conf_text), conf_fmt, closed_port());
	json_object *conf = parse(conf_text);
	struct broker *b = broker_new(type, conf, "b", &error);
	bool connected = b && broker_connect(b, &error);
	if (!ok(b && !connected && error && strstr(error, want) && !broker_is_connected(b),
	        "%s: refused connection reported", type))
		diag("error: %s", error ? error : "(none)");
	struct broker_message m = {"id", "transport.messageReceived", "{}", 2, NULL};
	enum broker_outcome out = BROKER_ACKED;
	ok(b && !broker_publish(b, &m, 1, &out, &error) && out == BROKER_RETRY, "%s: publish while down is RETRY",
	   type);
	free(error);
	broker_free(b);
	json_object_put(conf);
}

static void test_refused(void)
{
	expect_refused("AMQP", "{\"url\":\"amqp://guest:guest@127.0.0.1:%d\"}",
	               "Could not connect to RabbitMQ at 'amqp://guest:***@");
	expect_refused("Redis", "{\"url\":\"redis://127.0.0.1:%d\"}", "Could not connect to Redis: (");
	expect_refused("MQTT", "{\"url\":\"mqtt://127.0.0.1:%d\",\"timeout\":2000}",
	               "Could not connect to MQTT broker");
	setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:1", 1);
	char port_env[32];
	snprintf(port_env, sizeof(port_env), "127.0.0.1:%d", closed_port());
	setenv("PUBSUB_EMULATOR_HOST", port_env, 1);
	expect_refused("PubSub", "{\"projectId\":\"p\",\"topicName\":\"t%d\",\"keyFile\":\"/nonexistent\"}",
	               "Pub/Sub request failed");
	unsetenv("PUBSUB_EMULATOR_HOST");
}

static char *b64url_decode(const char *s, size_t len, size_t *out_len)
{
	unsigned char *out = malloc(len + 1);
	if (sodium_base642bin(out, len, s, len, NULL, out_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		*out_len = 0;
	out[*out_len] = 0;
	return (char *)out;
}

static void test_jwt(void)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	BIO *bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	char *pem = NULL;
	long pem_len = BIO_get_mem_data(bio, &pem);
	char *pem_text = strndup(pem, (size_t)pem_len), *error = NULL;
	char *jwt = pubsub_jwt_assertion("svc@p.iam.gserviceaccount.com", pem_text, "https://oauth2.example/token",
	                                 1700000000, &error);
	ok(jwt != NULL, "JWT signed");
	const char *dot1 = jwt ? strchr(jwt, '.') : NULL, *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	ok(dot2 != NULL, "three parts");
	if (dot2) {
		size_t hl, cl, sl;
		char *h = b64url_decode(jwt, (size_t)(dot1 - jwt), &hl);
		char *c = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &cl);
		char *s = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sl);
		is_str(h, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "header");
		ok(strstr(c, "\"iss\":\"svc@p.iam.gserviceaccount.com\"") && strstr(c, "\"exp\":1700003600") &&
		           strstr(c, "auth/pubsub") && strstr(c, "\"aud\":\"https://oauth2.example/token\""),
		   "claims: iss, scope, aud, exp = iat + 1 h");
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		int v = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		        EVP_DigestVerify(md, (unsigned char *)s, sl, (const unsigned char *)jwt,
		                         (size_t)(dot2 - jwt)) == 1;
		ok(v, "RS256 signature verifies with the public key");
		EVP_MD_CTX_free(md);
		free(h);
		free(c);
		free(s);
	}
	free(jwt);
	ok(pubsub_jwt_assertion("a", "not a key", "aud", 1, &error) == NULL && error, "a bad key is refused");
	free(error);
	free(pem_text);
	BIO_free(bio);
	EVP_PKEY_free(key);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_config_errors();
	test_deprecated_modules();
	test_urls();
	test_body_and_topic();
	test_refused();
	test_jwt();
	return tap_done();
}
