/*
 * Unit tests for the sandbox admin/writes/OAuth helpers that need no server: blank record
 * templates, the deep merge of partial JSON, the typed member readers of write bodies, the
 * Rails-style errors map, and the HTML/URL escaping and redirect building of the consent flow
 * (hostile input first).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <re.h>

#include "sbx_admin.h"
#include "sbx_oauth.h"
#include "sbx_writes.h"

static const char person[] =
        "{\"id\":7,\"created_at\":\"2024-03-07T02:46:00.302715-05:00\",\"updated_at\":\"x\","
        "\"first_name\":\"Lynn\",\"do_not_contact\":true,\"tags\":[\"a\"],\"custom_fields\":"
        "{\"Tier\":\"1\"},\"counts\":{\"calls\":3,\"emails_sent\":2},\"owner\":{\"_href\":"
        "\"h\",\"id\":1},\"account\":null,\"score\":{\"score\":\"2.0\",\"factors\":{}}}";

static void test_blank(void **state)
{
	cJSON *ex = cJSON_Parse(person), *b;
	char *s;

	assert_null(sbx_admin_blank(NULL));
	b = cJSON_CreateArray();
	assert_null(sbx_admin_blank(b));
	cJSON_Delete(b);
	b = sbx_admin_blank(ex);
	assert_non_null(b);
	s = cJSON_PrintUnformatted(b);
	assert_string_equal(s, "{\"first_name\":null,\"do_not_contact\":false,\"tags\":[],"
	                       "\"custom_fields\":{},\"counts\":{\"calls\":0,\"emails_sent\":0},"
	                       "\"owner\":null,\"account\":null,\"score\":{\"score\":null,"
	                       "\"factors\":{}}}");
	free(s);
	cJSON_Delete(b);
	cJSON_Delete(ex);
}

struct merge_row {
	const char *target, *patch;
	bool keep_meta;
	int err;
	const char *expect;
};

static const struct merge_row merge_rows[] = {
        {"{}", "[]", false, EINVAL, NULL},
        {"[]", "{}", false, EINVAL, NULL},
        {"{\"a\":1}", "{}", false, 0, "{\"a\":1}"},
        {"{\"a\":1,\"b\":2}", "{\"b\":null,\"c\":\"x\"}", false, 0,
         "{\"a\":1,\"b\":null,\"c\":\"x\"}"},
        {"{\"id\":1,\"created_at\":\"t\"}", "{\"id\":9,\"created_at\":\"u\",\"updated_at\":\"v\"}",
         false, 0, "{\"id\":1,\"created_at\":\"t\"}"},
        {"{\"id\":1}", "{\"id\":9}", true, 0, "{\"id\":9}"},
        {"{\"counts\":{\"calls\":1,\"emails\":2}}", "{\"counts\":{\"calls\":5}}", false, 0,
         "{\"counts\":{\"calls\":5,\"emails\":2}}"},
        {"{\"counts\":3}", "{\"counts\":{\"calls\":5}}", false, 0, "{\"counts\":{\"calls\":5}}"},
        {"{\"tags\":[1,2]}", "{\"tags\":[\"x\"]}", false, 0, "{\"tags\":[\"x\"]}"},
        /* A reference is replaced whole, never merged; without sbx its {"id"} stays as is. */
        {"{\"owner\":{\"_href\":\"h1\",\"id\":1}}", "{\"owner\":{\"id\":2}}", false, 0,
         "{\"owner\":{\"id\":2}}"},
        {"{\"owner\":{\"_href\":\"h1\",\"id\":1}}", "{\"owner\":null}", false, 0,
         "{\"owner\":null}"},
        {"{\"t\":\"a\"}", "{\"t\":\"\\u001b[31mred\\\"\"}", false, 0,
         "{\"t\":\"\\u001b[31mred\\\"\"}"},
};

static void test_merge(void **state)
{
	size_t i;

	assert_int_equal(sbx_admin_merge(NULL, NULL, NULL, false), EINVAL);
	for (i = 0; i < sizeof(merge_rows) / sizeof(merge_rows[0]); i++) {
		const struct merge_row *r = &merge_rows[i];
		cJSON *t = cJSON_Parse(r->target), *p = cJSON_Parse(r->patch);
		int err = sbx_admin_merge(NULL, t, p, r->keep_meta);

		if (err != r->err)
			fail_msg("row %zu: err %d", i, err);
		if (r->expect) {
			char *s = cJSON_PrintUnformatted(t);

			if (strcmp(s, r->expect))
				fail_msg("row %zu: got %s", i, s);
			free(s);
		}
		cJSON_Delete(t);
		cJSON_Delete(p);
	}
}

static void test_ref_kinds(void **state)
{
	enum sbx_kind k;

	assert_true(sbx_admin_ref_kind("owner", &k));
	assert_int_equal(k, SBX_USERS);
	assert_true(sbx_admin_ref_kind("called_person", &k));
	assert_int_equal(k, SBX_PEOPLE);
	assert_true(sbx_admin_ref_kind("step", NULL));
	assert_false(sbx_admin_ref_kind("counts", &k));
	assert_false(sbx_admin_ref_kind(NULL, &k));
}

struct id_row {
	const char *json;
	int id_err;
	int64_t id;
};

static const struct id_row id_rows[] = {
        {"{}", ENOENT, 0},
        {"{\"v\":null}", ENOENT, 0},
        {"{\"v\":\"\"}", ENOENT, 0},
        {"{\"v\":12}", 0, 12},
        {"{\"v\":\"12\"}", 0, 12},
        {"{\"v\":2147483648}", 0, 2147483648LL},
        {"{\"v\":\"2147483648\"}", 0, 2147483648LL},
        {"{\"v\":0}", EINVAL, 0},
        {"{\"v\":-3}", EINVAL, 0},
        {"{\"v\":1.5}", EINVAL, 0},
        {"{\"v\":1e300}", EINVAL, 0},
        {"{\"v\":\"12x\"}", EINVAL, 0},
        {"{\"v\":\" 12\"}", EINVAL, 0},
        {"{\"v\":\"+12\"}", EINVAL, 0},
        {"{\"v\":\"99999999999999999999999\"}", EINVAL, 0},
        {"{\"v\":true}", EINVAL, 0},
        {"{\"v\":[1]}", EINVAL, 0},
};

static void test_readers(void **state)
{
	size_t i;
	int64_t v;
	bool b;
	cJSON *o;

	for (i = 0; i < sizeof(id_rows) / sizeof(id_rows[0]); i++) {
		int err;

		o = cJSON_Parse(id_rows[i].json);
		v = 0;
		err = sbx_writes_get_id(o, "v", &v);
		if (err != id_rows[i].id_err)
			fail_msg("row %zu (%s): err %d", i, id_rows[i].json, err);
		if (!err)
			assert_int_equal(v, id_rows[i].id);
		cJSON_Delete(o);
	}
	o = cJSON_Parse("{\"z\":0,\"n\":-1,\"t\":true,\"f\":\"false\",\"one\":1,\"s\":\"yes\","
	                "\"str\":\"x\",\"num\":5}");
	assert_int_equal(sbx_writes_get_uint(o, "z", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sbx_writes_get_uint(o, "n", &v), EINVAL);
	assert_int_equal(sbx_writes_get_bool(o, "t", &b), 0);
	assert_true(b);
	assert_int_equal(sbx_writes_get_bool(o, "f", &b), 0);
	assert_false(b);
	assert_int_equal(sbx_writes_get_bool(o, "one", &b), 0);
	assert_true(b);
	assert_int_equal(sbx_writes_get_bool(o, "s", &b), EINVAL);
	assert_int_equal(sbx_writes_get_bool(o, "missing", &b), ENOENT);
	assert_string_equal(sbx_writes_get_str(o, "str"), "x");
	assert_null(sbx_writes_get_str(o, "num"));
	assert_null(sbx_writes_get_str(NULL, "num"));
	cJSON_Delete(o);

	o = cJSON_Parse("{\"owner\":{\"_href\":\"h\",\"id\":9},\"bad\":{\"id\":\"9\"},\"n\":null}");
	assert_int_equal(sbx_writes_ref_id(o, "owner"), 9);
	assert_int_equal(sbx_writes_ref_id(o, "bad"), 0);
	assert_int_equal(sbx_writes_ref_id(o, "n"), 0);
	assert_int_equal(sbx_writes_ref_id(o, "none"), 0);
	cJSON_Delete(o);
}

static void test_errors_map(void **state)
{
	cJSON *e = cJSON_CreateObject();
	char *s;

	sbx_writes_error(e, "person_id", "can't be blank");
	sbx_writes_error(e, "person_id", "is invalid");
	sbx_writes_error(e, "task_id", "has already been used");
	sbx_writes_error(NULL, "x", "y");
	sbx_writes_error(e, NULL, "y");
	s = cJSON_PrintUnformatted(e);
	assert_string_equal(s, "{\"person_id\":[\"can't be blank\",\"is invalid\"],\"task_id\":"
	                       "[\"has already been used\"]}");
	free(s);
	cJSON_Delete(e);
}

/* Runs an mbuf writer and returns its output as a string (static buffer). */
static const char *render(int (*fn)(struct mbuf *, const char *), const char *in)
{
	static char out[1024];
	struct mbuf *mb = mbuf_alloc(64);

	assert_non_null(mb);
	assert_int_equal(fn(mb, in), 0);
	snprintf(out, sizeof(out), "%.*s", (int)mb->end, (const char *)mb->buf);
	mem_deref(mb);
	return out;
}

static void test_escaping(void **state)
{
	assert_int_equal(sbx_oauth_html_escape(NULL, "x"), EINVAL);
	assert_string_equal(render(sbx_oauth_html_escape, NULL), "");
	assert_string_equal(render(sbx_oauth_html_escape, ""), "");
	assert_string_equal(render(sbx_oauth_html_escape, "<script>alert('x')</script>&\""),
	                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
	assert_string_equal(render(sbx_oauth_html_escape, "a\x1b[31mb\x7f\tc\xc3\xa9"),
	                    "a[31mb\tc\xc3\xa9");
	assert_string_equal(render(sbx_oauth_url_encode, "a b&c=d/é~._-"),
	                    "a%20b%26c%3Dd%2F%C3%A9~._-");
	assert_string_equal(render(sbx_oauth_url_encode, "\r\n"), "%0D%0A");
}

static void test_redirect_build(void **state)
{
	const char *pairs[] = {"code", "abc", "state", "x&y=z", "skip", NULL, "scope", "a b"};
	struct mbuf *mb = mbuf_alloc(64);
	char out[512];

	assert_int_equal(sbx_oauth_redirect_build(NULL, "http://x/", pairs, 1), EINVAL);
	assert_int_equal(sbx_oauth_redirect_build(mb, NULL, pairs, 1), EINVAL);
	assert_int_equal(sbx_oauth_redirect_build(mb, "http://127.0.0.1/cb", pairs, 4), 0);
	snprintf(out, sizeof(out), "%.*s", (int)mb->end, (const char *)mb->buf);
	assert_string_equal(out, "http://127.0.0.1/cb?code=abc&state=x%26y%3Dz&scope=a%20b");
	mbuf_reset(mb);
	assert_int_equal(sbx_oauth_redirect_build(mb, "http://127.0.0.1/cb?app=1", pairs, 1), 0);
	snprintf(out, sizeof(out), "%.*s", (int)mb->end, (const char *)mb->buf);
	assert_string_equal(out, "http://127.0.0.1/cb?app=1&code=abc");
	mem_deref(mb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_blank),          cmocka_unit_test(test_merge),
	        cmocka_unit_test(test_ref_kinds),      cmocka_unit_test(test_readers),
	        cmocka_unit_test(test_errors_map),     cmocka_unit_test(test_escaping),
	        cmocka_unit_test(test_redirect_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
