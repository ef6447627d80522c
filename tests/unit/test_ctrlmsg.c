/*
 * Unit tests for ctrlmsg: parsing baresip's responses and events (real frames from the
 * reference runs, then hostile shapes), and building commands whose values are always JSON
 * strings and never carry control characters.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <re.h>

#include "loftdial/ctrlmsg.h"

struct prow {
	const char *json;
	int err;
	int kind;
	const char *a; /* response: data; event: type */
	const char *b; /* response: token; event: id */
	const char *c; /* event: param */
};

static const struct prow prows[] = {
        /* edge cases */
        {"", EBADMSG, 0, NULL, NULL, NULL},
        {"{}", EBADMSG, 0, NULL, NULL, NULL},
        {"[]", EBADMSG, 0, NULL, NULL, NULL},
        {"null", EBADMSG, 0, NULL, NULL, NULL},
        {"\"event\"", EBADMSG, 0, NULL, NULL, NULL},
        {"{\"event\":true}", EBADMSG, 0, NULL, NULL, NULL},                    /* no type */
        {"{\"event\":\"true\",\"type\":\"X\"}", EBADMSG, 0, NULL, NULL, NULL}, /* string */
        {"{\"response\":true}", EBADMSG, 0, NULL, NULL, NULL},                 /* no ok */
        {"{\"response\":true,\"ok\":1}", EBADMSG, 0, NULL, NULL, NULL},
        {"{\"response\":true,\"ok\":true,\"data\":5}", EBADMSG, 0, NULL, NULL, NULL},
        {"{\"event\":true,\"type\":\"CALL_CLOSED\",\"id\":12}", EBADMSG, 0, NULL, NULL, NULL},
        {"{\"event\":true,\"type\":\"CALL_CLOSED\",\"param\":null}", EBADMSG, 0, NULL, NULL, NULL},
        {"{\"event\":true,\"type\":\"X\"", EBADMSG, 0, NULL, NULL, NULL},
        /* real frames (baresip 1.0.0) */
        {"{\"response\":true,\"ok\":true,\"data\":\"\",\"token\":\"m6\"}", 0, CTRLMSG_RESPONSE, "",
         "m6", NULL},
        {"{\"response\":true,\"ok\":false,\"data\":\"command not found (apistate)\\n\","
         "\"token\":\"t1\"}",
         0, CTRLMSG_RESPONSE, "command not found (apistate)\n", "t1", NULL},
        {"{\"response\":true,\"ok\":true,\"data\":\"\\u001B[32mOK \\u001B[;m kamailio\"}", 0,
         CTRLMSG_RESPONSE, "\x1b[32mOK \x1b[;m kamailio", "", NULL},
        {"{\"event\":true,\"type\":\"CALL_CLOSED\",\"class\":\"call\",\"accountaor\":\"sip:"
         "dialer@127.0.0.1\",\"direction\":\"outgoing\",\"peeruri\":\"sip:bob@127.0.0.1:5080\","
         "\"id\":\"0e45d946c631eda5\",\"param\":\"486 Busy Here\"}",
         0, CTRLMSG_EVENT, "CALL_CLOSED", "0e45d946c631eda5", "486 Busy Here"},
        {"{\"event\":true,\"type\":\"CALL_LOCAL_SDP\",\"class\":\"other\",\"accountaor\":"
         "\"sip:dialer@127.0.0.1\",\"direction\":\"outgoing\",\"peeruri\":\"sip:carol@127.0."
         "0.1:35090\",\"param\":\"offer\"}",
         0, CTRLMSG_EVENT, "CALL_LOCAL_SDP", "", "offer"},
        {"{\"event\":true,\"type\":\"CALL_RTCP\",\"class\":\"call\",\"id\":\"x\",\"param\":"
         "\"audio\",\"rtcp_stats\":{\"tx\":{\"sent\":1}}}",
         0, CTRLMSG_EVENT, "CALL_RTCP", "x", "audio"},
        {"{\"event\":true,\"type\":\"EXIT\",\"class\":\"application\"}", 0, CTRLMSG_EVENT, "EXIT",
         "", ""},
        /* hostile but well-formed: strings come back as they are, for the caller to clean */
        {"{\"event\":true,\"type\":\"CALL_CLOSED\",\"id\":\"a\\nb\",\"param\":\"\\u001b]0;x\"}", 0,
         CTRLMSG_EVENT, "CALL_CLOSED", "a\nb", "\x1b]0;x"},
        /* a response wins over an event flag when both are set */
        {"{\"response\":true,\"ok\":true,\"event\":true,\"type\":\"X\"}", 0, CTRLMSG_RESPONSE, "",
         "", NULL},
};

static void test_parse_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(prows) / sizeof(prows[0]); i++) {
		const struct prow *r = &prows[i];
		struct ctrlmsg m;
		int err = ctrlmsg_parse(&m, r->json, strlen(r->json));

		if (err != r->err)
			fail_msg("row %zu (%s): err %d want %d", i, r->json, err, r->err);
		if (err) {
			assert_null(m.json);
			continue;
		}
		assert_int_equal(m.kind, r->kind);
		if (m.kind == CTRLMSG_RESPONSE) {
			assert_string_equal(m.data, r->a);
			assert_string_equal(m.token, r->b);
			assert_string_equal(m.type, "");
		} else {
			assert_string_equal(m.type, r->a);
			assert_string_equal(m.id, r->b);
			assert_string_equal(m.param, r->c);
			assert_string_equal(m.data, "");
		}
		ctrlmsg_free(&m);
		ctrlmsg_free(&m); /* twice is fine */
	}
}

static void test_parse_args(void **state)
{
	struct ctrlmsg m;
	static const char nul[] = "{\"event\":true,\"type\":\"A\0B\"}";

	assert_int_equal(ctrlmsg_parse(NULL, "{}", 2), EINVAL);
	assert_int_equal(ctrlmsg_parse(&m, NULL, 3), EINVAL);
	assert_int_equal(ctrlmsg_parse(&m, NULL, 0), EBADMSG);
	/* an embedded NUL ends the JSON text early: malformed */
	assert_int_equal(ctrlmsg_parse(&m, nul, sizeof(nul) - 1), EBADMSG);
	ctrlmsg_free(NULL);
}

static void test_text_ok(void **state)
{
	char big[CTRLMSG_MAX_CMDLINE + 2];

	assert_false(ctrlmsg_text_ok(NULL));
	assert_true(ctrlmsg_text_ok(""));
	assert_true(ctrlmsg_text_ok("sip:+14155550134@127.0.0.1:5090"));
	assert_true(ctrlmsg_text_ok("aufile,/tmp/a file.wav"));
	assert_false(ctrlmsg_text_ok("a\nb"));
	assert_false(ctrlmsg_text_ok("a\rb"));
	assert_false(ctrlmsg_text_ok("tab\t"));
	assert_false(ctrlmsg_text_ok("esc\x1b[2J"));
	assert_false(ctrlmsg_text_ok("del\x7f"));
	assert_false(ctrlmsg_text_ok("bad\xff"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(ctrlmsg_text_ok(big));
}

/* Builds one command and returns the frame as a string (static buffer). */
static const char *frame(const char *cmd, const char *params, const char *token, int *err)
{
	static char out[2048];
	struct mbuf *mb = mbuf_alloc(8);

	assert_non_null(mb);
	*err = ctrlmsg_command(mb, cmd, params, token);
	out[0] = '\0';
	if (!*err) {
		assert_true(mb->end < sizeof(out));
		memcpy(out, mb->buf, mb->end);
		out[mb->end] = '\0';
	}
	mem_deref(mb);
	return out;
}

static void test_command(void **state)
{
	int err;
	const char *f;
	char big[CTRLMSG_MAX_CMDLINE];

	f = frame("dial", "sip:alice@127.0.0.1:5070", "t3", &err);
	assert_int_equal(err, 0);
	assert_string_equal(f, "67:{\"command\":\"dial\",\"params\":\"sip:alice@127.0.0.1:5070\","
	                       "\"token\":\"t3\"},");
	f = frame("hangup", NULL, NULL, &err);
	assert_int_equal(err, 0);
	assert_string_equal(f, "20:{\"command\":\"hangup\"},");
	/* Numbers stay strings: a number-typed params crashes baresip 1.0.0. */
	f = frame("line", "5", "7", &err);
	assert_int_equal(err, 0);
	assert_string_equal(f, "43:{\"command\":\"line\",\"params\":\"5\",\"token\":\"7\"},");
	/* JSON specials are escaped, never break out of the string */
	f = frame("dial", "sip:a\"b\\c@h", "x", &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(f, "\"params\":\"sip:a\\\"b\\\\c@h\""));
	/* refused: empty or missing command, control characters anywhere, too long */
	(void)frame("", NULL, NULL, &err);
	assert_int_equal(err, EINVAL);
	(void)frame(NULL, NULL, NULL, &err);
	assert_int_equal(err, EINVAL);
	(void)frame("dial", "sip:a@b\nquit", NULL, &err);
	assert_int_equal(err, EINVAL);
	(void)frame("dial\n", NULL, NULL, &err);
	assert_int_equal(err, EINVAL);
	(void)frame("dial", NULL, "t\x01", &err);
	assert_int_equal(err, EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	(void)frame("dial", big, NULL, &err);
	assert_int_equal(err, EINVAL);
	assert_int_equal(ctrlmsg_command(NULL, "a", NULL, NULL), EINVAL);
}

/* Several commands append to one buffer, ready for one write. */
static void test_batch(void **state)
{
	struct mbuf *mb = mbuf_alloc(4);

	assert_non_null(mb);
	assert_int_equal(ctrlmsg_command(mb, "callfind", "a9589c9bdc5865b9", "A"), 0);
	assert_int_equal(ctrlmsg_command(mb, "hangup", NULL, "B"), 0);
	assert_int_equal(ctrlmsg_command(mb, "x", "\x02", "C"), EINVAL); /* leaves mb as it was */
	assert_int_equal(mb->end,
	                 strlen("62:{\"command\":\"callfind\",\"params\":\"a9589c9bdc5865b9\","
	                        "\"token\":\"A\"},32:{\"command\":\"hangup\",\"token\":"
	                        "\"B\"},"));
	assert_memory_equal(
	        mb->buf,
	        "62:{\"command\":\"callfind\",\"params\":\"a9589c9bdc5865b9\",\"token\":"
	        "\"A\"},32:{\"command\":\"hangup\",\"token\":\"B\"},",
	        mb->end);
	mem_deref(mb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_args), cmocka_unit_test(test_parse_table),
	        cmocka_unit_test(test_text_ok),    cmocka_unit_test(test_command),
	        cmocka_unit_test(test_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
