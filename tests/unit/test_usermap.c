/*
 * usermap: the connected user and the local operator matched to Salesloft users by email,
 * and the team-admin rule for logging calls as someone else.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/records.h"
#include "loftdial/tokens.h"
#include "loftdial/usermap.h"

static struct store *st;

static void user(const char *json)
{
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	assert_int_equal(records_upsert(st, STORE_USERS, j, 0), 0);
	cJSON_Delete(j);
}

static void connect_as(int64_t id, const char *email, bool admin)
{
	static struct tokens t;

	memset(&t, 0, sizeof(t));
	strcpy(t.kind, "api_key");
	strcpy(t.access_token, "ak_test");
	t.user_id = id;
	strcpy(t.user_email, email);
	t.team_admin = admin;
	assert_int_equal(tokens_save(st, &t), 0);
}

static int setup(void **state)
{
	if (store_open(&st, ":memory:"))
		return -1;
	user("{\"id\":1,\"guid\":\"g-admin\",\"name\":\"Avery "
	     "Admin\",\"email\":\"Avery@Team.example\","
	     "\"active\":true,\"team_admin\":true,\"sending_email_address\":\"avery@mail."
	     "example\"}");
	user("{\"id\":2,\"guid\":\"g-rep\",\"name\":\"Rita Rep\",\"email\":\"rita@team.example\","
	     "\"active\":true,\"team_admin\":false,\"sending_email_address\":null}");
	user("{\"id\":3,\"guid\":\"g-old\",\"name\":\"Old "
	     "Rita\",\"email\":\"rita.old@team.example\","
	     "\"active\":false,\"sending_email_address\":\"rita@team.example\"}");
	return 0;
}

static int teardown(void **state)
{
	store_close(st);
	return 0;
}

static void test_by_email(void **state)
{
	struct usermap_user u;

	assert_int_equal(usermap_by_email(st, NULL, &u), EINVAL);
	assert_int_equal(usermap_by_email(st, "", &u), EINVAL);
	assert_int_equal(usermap_by_email(st, "nobody@team.example", &u), ENOENT);
	assert_int_equal(usermap_by_email(st, "avery@team.EXAMPLE", &u), 0);
	assert_string_equal(u.guid, "g-admin");
	/* The sending address matches too. */
	assert_int_equal(usermap_by_email(st, "AVERY@mail.example", &u), 0);
	assert_int_equal(u.id, 1);
	/* Two users claim the address: the active one whose login it is wins. */
	assert_int_equal(usermap_by_email(st, "rita@team.example", &u), 0);
	assert_int_equal(u.id, 2);
	/* Hostile input is just text to the bound parameter. */
	assert_int_equal(usermap_by_email(st, "' OR 1=1 --", &u), ENOENT);
}

static void test_me_and_call_user(void **state)
{
	struct usermap_user u;

	/* Not connected. */
	assert_int_equal(usermap_me(st, &u), ENOENT);
	assert_int_equal(usermap_call_user(st, NULL, &u), ENOENT);
	/* An admin connection whose tokens lack the guid: completed from the users table. */
	connect_as(1, "avery@team.example", true);
	assert_int_equal(usermap_me(st, &u), 0);
	assert_string_equal(u.guid, "g-admin");
	assert_string_equal(u.name, "Avery Admin");
	assert_int_equal(usermap_call_user(st, "", &u), 0);
	assert_string_equal(u.guid, "g-admin");
	assert_int_equal(usermap_call_user(st, "Avery@Team.example", &u), 0);
	assert_string_equal(u.guid, "g-admin");
	/* The admin's connection, Rita dialling: calls log as Rita. */
	assert_int_equal(usermap_call_user(st, "rita@team.example", &u), 0);
	assert_string_equal(u.guid, "g-rep");
	assert_int_equal(usermap_call_user(st, "stranger@x.example", &u), ENOENT);
	/* Rita's own connection cannot log for Avery. */
	connect_as(2, "rita@team.example", false);
	assert_int_equal(usermap_call_user(st, "avery@team.example", &u), EPERM);
	assert_int_equal(usermap_call_user(st, NULL, &u), 0);
	assert_string_equal(u.guid, "g-rep");
	/* A deleted user no longer matches. */
	assert_int_equal(records_delete(st, STORE_USERS, 2), 0);
	assert_int_equal(usermap_by_email(st, "rita@team.example", &u), 0);
	assert_int_equal(u.id, 3); /* only the old account's sending address is left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_by_email),
	        cmocka_unit_test(test_me_and_call_user),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
