/*
 * Integration test of the sandbox's team settings over real HTTP (reference §4.15b, §6):
 * GET /v2/team serves dispositions_required and sentiments_required, the admin API changes
 * them, and POST /v2/activities/calls follows them with a Rails-style 422 errors map.
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

#include "sbxtest.h"

#define KEY SBXT_API_KEY

static struct sbxt S;

static int setup(void **state)
{
	return sbxt_start(&S, NULL);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* GET /v2/team's data (caller deletes *root). */
static cJSON *team(cJSON **root)
{
	*root = NULL;
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/team", NULL, root), 200);
	assert_non_null(sbxt_data(*root));
	return sbxt_data(*root);
}

/* Logs a call for the first clean person with no disposition or sentiment. */
static long bare_call(cJSON **out)
{
	return sbxt_api(&S, KEY, "POST", "/v2/activities/calls",
	                "{\"person_id\":164510000,\"to\":\"+14155550100\"}", out);
}

/* errors[field] is an array of exactly one string, msg. */
static void assert_error(const cJSON *body, const char *field, const char *msg)
{
	const cJSON *errs = cJSON_GetObjectItem(body, "errors");
	const cJSON *list = cJSON_GetObjectItem(errs, field);

	assert_true(cJSON_IsObject(errs));
	assert_true(cJSON_IsArray(list));
	assert_int_equal(cJSON_GetArraySize(list), 1);
	assert_string_equal(cJSON_GetArrayItem(list, 0)->valuestring, msg);
}

static void t_team_served(void **state)
{
	cJSON *root, *t = team(&root), *me = NULL, *j = NULL;

	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(t, "dispositions_required")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(t, "sentiments_required")));
	assert_true(sbxt_str(t, "created_at")[0] != '\0');
	assert_true(sbxt_str(t, "updated_at")[0] != '\0');
	/* The same team the users' "team" reference names. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/me", NULL, &me), 200);
	assert_int_equal((long long)sbxt_num(t, "id"),
	                 (long long)sbxt_num(cJSON_GetObjectItem(sbxt_data(me), "team"), "id"));
	cJSON_Delete(me);
	/* With the .json suffix too, and never without a token. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/team.json", NULL, &j), 200);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, NULL, "GET", "/v2/team", NULL, &j), 401);
	cJSON_Delete(j);
	cJSON_Delete(root);
}

static void t_settings_drive_validation(void **state)
{
	cJSON *root, *t, *j = NULL;
	char before[64];

	t = team(&root);
	snprintf(before, sizeof(before), "%s", sbxt_str(t, "updated_at"));
	cJSON_Delete(root);

	/* Dispositions required: the admin API sets it, GET /v2/team shows it. */
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"dispositions_required\":true}", NULL),
	        200);
	t = team(&root);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "dispositions_required")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(t, "sentiments_required")));
	assert_string_not_equal(sbxt_str(t, "updated_at"), before);
	cJSON_Delete(root);
	assert_int_equal(bare_call(&j), 422);
	assert_error(j, "disposition", "can't be blank");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "errors"), "sentiment"));
	cJSON_Delete(j);

	/* Both required: one 422 names both. */
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"sentiments_required\":true}", NULL),
	        200);
	t = team(&root);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "sentiments_required")));
	cJSON_Delete(root);
	assert_int_equal(bare_call(&j), 422);
	assert_error(j, "disposition", "can't be blank");
	assert_error(j, "sentiment", "can't be blank");
	cJSON_Delete(j);
	/* A name that exists satisfies the rule; nothing was written by the refusals. */
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls",
	                          "{\"person_id\":164510000,\"disposition\":\"Connected\","
	                          "\"sentiment\":\"Neutral\"}",
	                          &j),
	                 200);
	cJSON_Delete(j);

	/* A bad value is refused and changes nothing. */
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"sentiments_required\":\"x\"}", NULL),
	        422);
	t = team(&root);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "sentiments_required")));
	cJSON_Delete(root);

	/* Off again: a bare call is accepted. */
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team",
	                   "{\"dispositions_required\":false,\"sentiments_required\":false}", NULL),
	        200);
	t = team(&root);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(t, "dispositions_required")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(t, "sentiments_required")));
	cJSON_Delete(root);
	assert_int_equal(bare_call(&j), 200);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_team_served),
	        cmocka_unit_test(t_settings_drive_validation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
