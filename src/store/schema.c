/*
 * schema: the migration list. Each entry is a frozen SQL script that brings the database
 * from the previous version to its own; an entry is never edited once released, a change is
 * a new entry appended at the end (docs/schema.md, "Migration policy").
 *
 * Version 1 holds everything: the synced Salesloft tables (sl_*), the sync state, tokens,
 * meta, the outbox, dial attempts, webhook events, the contact search index with the
 * triggers that maintain it, and the views other tools read (contacts, accounts, ...).
 * Version 2 adds to dial_attempts what the abandonment meter and the compliance report need.
 * Later versions are described where they are defined.
 */
#include <stddef.h>

#include "store_int.h"

/* Columns every synced table starts with (see records.h). */
#define SL_COMMON                                                                                  \
	"id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, updated_us INTEGER, "           \
	"is_deleted INTEGER NOT NULL DEFAULT 0, deleted_at INTEGER, "                              \
	"seen_generation INTEGER NOT NULL DEFAULT 0, synced_at INTEGER NOT NULL, "                 \
	"raw TEXT NOT NULL"

/* A phone number as FTS tokens: as written, digits only, and the last 10 and 7 digits, so
 * "555123" finds "+1 (555) 123-4567". */
/* clang-format off */
#define DIGITS(x) \
	"replace(replace(replace(replace(replace(replace(" x \
	",' ',''),'-',''),'(',''),')',''),'.',''),'+','')"
#define PHONE_TOKENS(x) \
	"coalesce(" x ",'') || ' ' || " \
	"coalesce(" DIGITS(x) ",'') || ' ' || " \
	"coalesce(substr(" DIGITS(x) ",-10),'') || ' ' || " \
	"coalesce(substr(" DIGITS(x) ",-7),'')"

/* The FTS row of person p (a table alias or new), company falling back to the account, its
 * phones as tokens by TOK (PHONE_TOKENS until version 6, PHONE_TOKENS6 since). */
#define FTS_VALUES_BY(p, TOK) \
	p ".id, " \
	"trim(coalesce(" p ".first_name,'') || ' ' || coalesce(" p ".last_name,'') || ' ' || " \
	"coalesce(" p ".display_name,'')), " \
	"coalesce(" p ".company, " \
	"(SELECT a.name FROM sl_accounts a WHERE a.id = " p ".account_id " \
	"AND a.is_deleted = 0), ''), " \
	"coalesce(" p ".title,''), " \
	"coalesce(" p ".email,''), " \
	TOK(p ".phone") " || ' ' || " \
	TOK(p ".mobile_phone") " || ' ' || " \
	TOK(p ".home_phone")
#define FTS_VALUES(p) FTS_VALUES_BY(p, PHONE_TOKENS)

#define FTS_INSERT "INSERT INTO contacts_fts(rowid, name, company, title, email, phones) "

/* The people who show account new.id's name as their company, and their reindexing. */
#define PEOPLE_OF_ACCOUNT \
	"FROM sl_people p WHERE p.account_id = new.id AND p.company IS NULL AND p.is_deleted = 0"
#define REINDEX_ACCOUNT_PEOPLE_BY(TOK) \
	"DELETE FROM contacts_fts WHERE rowid IN (SELECT p.id " PEOPLE_OF_ACCOUNT "); " \
	FTS_INSERT "SELECT " FTS_VALUES_BY("p", TOK) " " PEOPLE_OF_ACCOUNT "; "
#define REINDEX_ACCOUNT_PEOPLE REINDEX_ACCOUNT_PEOPLE_BY(PHONE_TOKENS)

static const char v1_sql[] =
	/* ---- synced Salesloft objects ---- */
	"CREATE TABLE sl_users (" SL_COMMON ", guid TEXT, name TEXT, first_name TEXT, "
	"last_name TEXT, email TEXT, active INTEGER, time_zone TEXT, locale_utc_offset INTEGER, "
	"team_admin INTEGER, sending_email_address TEXT, role TEXT, team_id INTEGER, "
	"group_id INTEGER);\n"
	"CREATE TABLE sl_accounts (" SL_COMMON ", name TEXT, domain TEXT, phone TEXT, "
	"website TEXT, owner_id INTEGER, archived_at TEXT, do_not_contact INTEGER, locale TEXT);\n"
	"CREATE TABLE sl_people (" SL_COMMON ", first_name TEXT, last_name TEXT, "
	"display_name TEXT, email TEXT, title TEXT, company TEXT, phone TEXT, "
	"phone_extension TEXT, mobile_phone TEXT, home_phone TEXT, locale TEXT, "
	"locale_utc_offset INTEGER, do_not_contact INTEGER, contact_restrictions TEXT, "
	"owner_id INTEGER, account_id INTEGER);\n"
	"CREATE TABLE sl_cadences (" SL_COMMON ", name TEXT, owner_id INTEGER, archived_at TEXT, "
	"team_cadence INTEGER, shared INTEGER, draft INTEGER, cadence_function TEXT);\n"
	"CREATE TABLE sl_cadence_memberships (" SL_COMMON ", person_id INTEGER, "
	"cadence_id INTEGER, user_id INTEGER, current_state TEXT, currently_on_cadence INTEGER, "
	"person_deleted INTEGER, added_at TEXT);\n"
	"CREATE TABLE sl_steps (" SL_COMMON ", cadence_id INTEGER, day INTEGER, "
	"step_number INTEGER, name TEXT, display_name TEXT, type TEXT, disabled INTEGER);\n"
	"CREATE TABLE sl_call_dispositions (" SL_COMMON ", name TEXT);\n"
	"CREATE TABLE sl_call_sentiments (" SL_COMMON ", name TEXT);\n"
	"CREATE TABLE sl_calls (" SL_COMMON ", to_number TEXT, duration INTEGER, "
	"disposition TEXT, sentiment TEXT, person_id INTEGER, user_id INTEGER, "
	"action_id INTEGER, cadence_id INTEGER, step_id INTEGER);\n"
	"CREATE TABLE sl_emails (" SL_COMMON ", status TEXT, sent_at TEXT, person_id INTEGER, "
	"cadence_id INTEGER, step_id INTEGER, user_id INTEGER, recipient_email_address TEXT, "
	"bounced INTEGER);\n"
	"CREATE INDEX sl_users_updated ON sl_users(updated_us);\n"
	"CREATE INDEX sl_accounts_updated ON sl_accounts(updated_us);\n"
	"CREATE INDEX sl_people_updated ON sl_people(updated_us);\n"
	"CREATE INDEX sl_people_account ON sl_people(account_id);\n"
	"CREATE INDEX sl_cadences_updated ON sl_cadences(updated_us);\n"
	"CREATE INDEX sl_cadence_memberships_updated ON sl_cadence_memberships(updated_us);\n"
	"CREATE INDEX sl_cadence_memberships_person ON sl_cadence_memberships(person_id);\n"
	"CREATE INDEX sl_cadence_memberships_cadence ON sl_cadence_memberships(cadence_id);\n"
	"CREATE INDEX sl_steps_updated ON sl_steps(updated_us);\n"
	"CREATE INDEX sl_steps_cadence ON sl_steps(cadence_id);\n"
	"CREATE INDEX sl_call_dispositions_updated ON sl_call_dispositions(updated_us);\n"
	"CREATE INDEX sl_call_sentiments_updated ON sl_call_sentiments(updated_us);\n"
	"CREATE INDEX sl_calls_updated ON sl_calls(updated_us);\n"
	"CREATE INDEX sl_calls_person ON sl_calls(person_id);\n"
	"CREATE INDEX sl_emails_updated ON sl_emails(updated_us);\n"
	"CREATE INDEX sl_emails_person ON sl_emails(person_id);\n"

	/* ---- sync state, credentials, settings ---- */
	"CREATE TABLE sync_state (object TEXT PRIMARY KEY, cursor TEXT NOT NULL DEFAULT '', "
	"generation INTEGER NOT NULL DEFAULT 0, full_gen INTEGER NOT NULL DEFAULT 0, "
	"full_cursor TEXT NOT NULL DEFAULT '', incrementals INTEGER NOT NULL DEFAULT 0, "
	"last_run INTEGER NOT NULL DEFAULT 0, last_full INTEGER NOT NULL DEFAULT 0, "
	"last_result TEXT NOT NULL DEFAULT '', last_error TEXT NOT NULL DEFAULT '', "
	"records_seen INTEGER NOT NULL DEFAULT 0, page INTEGER NOT NULL DEFAULT 0, "
	"sweep_after_id INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE TABLE tokens (id INTEGER PRIMARY KEY CHECK (id = 1), "
	"kind TEXT NOT NULL CHECK (kind IN ('oauth','api_key')), "
	"access_token TEXT NOT NULL, refresh_token TEXT NOT NULL DEFAULT '', "
	"expires_at INTEGER NOT NULL DEFAULT 0, scope TEXT NOT NULL DEFAULT '', "
	"user_id INTEGER, user_guid TEXT NOT NULL DEFAULT '', "
	"user_email TEXT NOT NULL DEFAULT '', user_name TEXT NOT NULL DEFAULT '', "
	"team_admin INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);\n"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"

	/* ---- write-back queue ---- */
	"CREATE TABLE outbox (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
	"dedupe_key TEXT NOT NULL UNIQUE, body TEXT NOT NULL, "
	"state TEXT NOT NULL DEFAULT 'queued' "
	"CHECK (state IN ('queued','sending','sent','failed','conflict')), "
	"attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, "
	"response TEXT, remote_id INTEGER, created_at INTEGER NOT NULL, "
	"updated_at INTEGER NOT NULL);\n"
	"CREATE INDEX outbox_due ON outbox(state, next_at);\n"

	/* ---- dialing ---- */
	"CREATE TABLE dial_attempts (id INTEGER PRIMARY KEY, session_id TEXT, line INTEGER, "
	"number TEXT NOT NULL, person_id INTEGER, task_id INTEGER, action_id INTEGER, "
	"started_at_ms INTEGER NOT NULL, ringing_at_ms INTEGER, answered_at_ms INTEGER, "
	"ended_at_ms INTEGER, sip_code INTEGER, reason TEXT, "
	"outcome TEXT CHECK (outcome IS NULL OR outcome IN ('connected','busy','no_answer',"
	"'rejected','invalid_number','network','voicemail','cancelled','failed')), "
	"live_answer_dropped INTEGER NOT NULL DEFAULT 0, amd TEXT);\n"
	"CREATE INDEX dial_attempts_started ON dial_attempts(started_at_ms);\n"
	"CREATE INDEX dial_attempts_number ON dial_attempts(number, started_at_ms);\n"

	/* ---- webhooks ---- */
	"CREATE TABLE webhook_events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, "
	"event_type TEXT NOT NULL, signature_ok INTEGER NOT NULL, body TEXT NOT NULL, "
	"applied_at INTEGER, error TEXT);\n"
	"CREATE INDEX webhook_events_pending ON webhook_events(id) "
	"WHERE applied_at IS NULL AND signature_ok = 1;\n"

	/* ---- contact search, kept current by triggers ---- */
	"CREATE VIRTUAL TABLE contacts_fts USING fts5(name, company, title, email, phones, "
	"tokenize = 'unicode61 remove_diacritics 2');\n"
	"CREATE TRIGGER sl_people_fts_insert AFTER INSERT ON sl_people "
	"WHEN new.is_deleted = 0 BEGIN "
	FTS_INSERT "SELECT " FTS_VALUES("new") "; END;\n"
	"CREATE TRIGGER sl_people_fts_delete AFTER DELETE ON sl_people BEGIN "
	"DELETE FROM contacts_fts WHERE rowid = old.id; END;\n"
	/* Only when something indexed changed: a re-seen, unchanged record costs no FTS work. */
	"CREATE TRIGGER sl_people_fts_update AFTER UPDATE ON sl_people WHEN "
	"old.is_deleted IS NOT new.is_deleted OR old.id IS NOT new.id OR "
	"old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name OR "
	"old.display_name IS NOT new.display_name OR old.company IS NOT new.company OR "
	"old.account_id IS NOT new.account_id OR old.title IS NOT new.title OR "
	"old.email IS NOT new.email OR old.phone IS NOT new.phone OR "
	"old.mobile_phone IS NOT new.mobile_phone OR old.home_phone IS NOT new.home_phone "
	"BEGIN DELETE FROM contacts_fts WHERE rowid = old.id; "
	FTS_INSERT "SELECT " FTS_VALUES("new") " WHERE new.is_deleted = 0; END;\n"
	/* People without their own company name show the account's: reindex them when their
	 * account arrives, is renamed, or is deleted. */
	"CREATE TRIGGER sl_accounts_fts_insert AFTER INSERT ON sl_accounts BEGIN "
	REINDEX_ACCOUNT_PEOPLE "END;\n"
	"CREATE TRIGGER sl_accounts_fts_update AFTER UPDATE ON sl_accounts "
	"WHEN old.name IS NOT new.name OR old.is_deleted IS NOT new.is_deleted BEGIN "
	REINDEX_ACCOUNT_PEOPLE "END;\n"

	/* ---- views with stable names for other tools (live rows only) ---- */
	"CREATE VIEW contacts AS SELECT p.id, p.first_name, p.last_name, p.display_name, "
	"p.email, p.title, coalesce(p.company, a.name) AS company, p.phone, p.phone_extension, "
	"p.mobile_phone, p.home_phone, p.locale, p.locale_utc_offset, p.do_not_contact, "
	"p.contact_restrictions, p.owner_id, p.account_id, p.created_at, p.updated_at "
	"FROM sl_people p LEFT JOIN sl_accounts a ON a.id = p.account_id AND a.is_deleted = 0 "
	"WHERE p.is_deleted = 0;\n"
	"CREATE VIEW accounts AS SELECT id, name, domain, phone, website, owner_id, archived_at, "
	"do_not_contact, locale, created_at, updated_at FROM sl_accounts WHERE is_deleted = 0;\n"
	"CREATE VIEW users AS SELECT id, guid, name, first_name, last_name, email, active, "
	"time_zone, locale_utc_offset, team_admin, sending_email_address, role, created_at, "
	"updated_at FROM sl_users WHERE is_deleted = 0;\n"
	"CREATE VIEW sequences AS SELECT id, name, owner_id, archived_at, team_cadence, shared, "
	"draft, cadence_function, created_at, updated_at FROM sl_cadences WHERE is_deleted = 0;\n"
	"CREATE VIEW sequence_states AS SELECT id, person_id, cadence_id AS sequence_id, "
	"user_id, current_state AS state, currently_on_cadence AS currently_on_sequence, "
	"person_deleted, added_at, created_at, updated_at FROM sl_cadence_memberships "
	"WHERE is_deleted = 0;\n"
	"CREATE VIEW sequence_steps AS SELECT id, cadence_id AS sequence_id, day, step_number, "
	"name, display_name, type, disabled, created_at, updated_at FROM sl_steps "
	"WHERE is_deleted = 0;\n"
	"CREATE VIEW call_dispositions AS SELECT id, name, created_at, updated_at "
	"FROM sl_call_dispositions WHERE is_deleted = 0;\n"
	"CREATE VIEW call_sentiments AS SELECT id, name, created_at, updated_at "
	"FROM sl_call_sentiments WHERE is_deleted = 0;\n"
	"CREATE VIEW calls AS SELECT id, to_number, duration, disposition, sentiment, person_id, "
	"user_id, action_id, cadence_id AS sequence_id, step_id, created_at, updated_at "
	"FROM sl_calls WHERE is_deleted = 0;\n"
	"CREATE VIEW emails AS SELECT id, status, sent_at, person_id, cadence_id AS sequence_id, "
	"step_id, user_id, recipient_email_address, bounced, created_at, updated_at "
	"FROM sl_emails WHERE is_deleted = 0;\n"
	/* Salesloft has no mailbox resource: a mailbox is a distinct address users send from
	 * (sending_email_address) or sign in with (email). */
	"CREATE VIEW mailboxes AS SELECT lower(address) AS email_address, "
	"min(user_id) AS user_id, max(sending) AS is_sending_address FROM ("
	"SELECT sending_email_address AS address, id AS user_id, 1 AS sending FROM sl_users "
	"WHERE is_deleted = 0 AND coalesce(sending_email_address, '') <> '' "
	"UNION ALL SELECT email, id, 0 FROM sl_users "
	"WHERE is_deleted = 0 AND coalesce(email, '') <> '') GROUP BY lower(address);\n";


/* Version 2: what the abandonment meter and `loftdial report` need per attempt: the rep
 * (Salesloft user id) and the campaign it counts toward, whether the identification message
 * was played to a dropped live answer, and the prospect's zone and local time of day when the
 * dial started (NULL when the zone was not known), so the hours can be audited afterwards. */
static const char v2_sql[] =
        "ALTER TABLE dial_attempts ADD COLUMN user_id INTEGER;\n"
        "ALTER TABLE dial_attempts ADD COLUMN campaign TEXT;\n"
        "ALTER TABLE dial_attempts ADD COLUMN ident_played INTEGER NOT NULL DEFAULT 0;\n"
        "ALTER TABLE dial_attempts ADD COLUMN zone TEXT;\n"
        "ALTER TABLE dial_attempts ADD COLUMN local_min INTEGER;\n"
        "CREATE INDEX dial_attempts_user ON dial_attempts(user_id, started_at_ms);\n"
        "CREATE INDEX dial_attempts_campaign ON dial_attempts(campaign, started_at_ms);\n";

/* Version 3: the saved connection remembers the API and accounts URLs it was made with, so
 * its token is never sent to another host (rows saved before have '' and must reconnect). */
static const char v3_sql[] =
        "ALTER TABLE tokens ADD COLUMN api_url TEXT NOT NULL DEFAULT '';\n"
        "ALTER TABLE tokens ADD COLUMN accounts_url TEXT NOT NULL DEFAULT '';\n";

/* Version 4: contact search scales to a million people.
 * - contacts_fts is built again with FTS5 prefix indexes for prefixes of 1 to 8 characters,
 *   so a typed prefix reads one prefix doclist instead of expanding to every term that starts
 *   with it (a million e-mail and phone terms share "perso" or "1555" in a big store).
 * - contacts_names indexes the names alone, so the search's "whole name word" tiers do not
 *   walk every person with a word common in other columns ("company", "1") to filter by
 *   column. Its own triggers keep it current; the version 1 triggers keep contacts_fts.
 * The triggers of version 1 name contacts_fts, so they keep working on the new table. */
/* clang-format off */
#define NAME_VALUE(p) \
	"trim(coalesce(" p ".first_name,'') || ' ' || coalesce(" p ".last_name,'') || ' ' || " \
	"coalesce(" p ".display_name,''))"
#define NAMES_INSERT(p) "INSERT INTO contacts_names(rowid, name) SELECT " p ".id, " NAME_VALUE(p)
#define SEARCH_TOKENIZE "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6 7 8'"
static const char v4_sql[] =
	"DROP TABLE contacts_fts;\n"
	"CREATE VIRTUAL TABLE contacts_fts USING fts5(name, company, title, email, phones, "
	SEARCH_TOKENIZE ");\n"
	FTS_INSERT "SELECT " FTS_VALUES("p") " FROM sl_people p WHERE p.is_deleted = 0;\n"
	"CREATE VIRTUAL TABLE contacts_names USING fts5(name, " SEARCH_TOKENIZE ");\n"
	NAMES_INSERT("p") " FROM sl_people p WHERE p.is_deleted = 0;\n"
	"CREATE TRIGGER sl_people_names_insert AFTER INSERT ON sl_people "
	"WHEN new.is_deleted = 0 BEGIN " NAMES_INSERT("new") "; END;\n"
	"CREATE TRIGGER sl_people_names_delete AFTER DELETE ON sl_people BEGIN "
	"DELETE FROM contacts_names WHERE rowid = old.id; END;\n"
	"CREATE TRIGGER sl_people_names_update AFTER UPDATE ON sl_people WHEN "
	"old.is_deleted IS NOT new.is_deleted OR old.id IS NOT new.id OR "
	"old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name OR "
	"old.display_name IS NOT new.display_name "
	"BEGIN DELETE FROM contacts_names WHERE rowid = old.id; "
	NAMES_INSERT("new") " WHERE new.is_deleted = 0; END;\n";

/* Fills contacts_names from scratch with its triggers' expression (contacts_reindex). */
const char store_names_reindex_sql[] = NAMES_INSERT("p") " FROM sl_people p WHERE p.is_deleted = 0";
/* clang-format on */

/* Version 5: counting live rows reads no table. Home and `loftdial status` show each object's
 * live and deleted rows; "count(*) WHERE is_deleted = 0" scanned the whole table (a gigabyte
 * of raw JSON at a million people, hundreds of milliseconds before the TUI's first frame). A
 * partial index holds the deleted rows only, so live = all (counted on the smallest index)
 * minus deleted (counted on this one). */
static const char v5_sql[] =
        "CREATE INDEX sl_users_deleted ON sl_users(is_deleted) WHERE is_deleted <> 0;\n"
        "CREATE INDEX sl_accounts_deleted ON sl_accounts(is_deleted) WHERE is_deleted <> 0;\n"
        "CREATE INDEX sl_people_deleted ON sl_people(is_deleted) WHERE is_deleted <> 0;\n"
        "CREATE INDEX sl_cadences_deleted ON sl_cadences(is_deleted) WHERE is_deleted <> 0;\n"
        "CREATE INDEX sl_cadence_memberships_deleted ON sl_cadence_memberships(is_deleted) WHERE "
        "is_deleted <> 0;\n"
        "CREATE INDEX sl_steps_deleted ON sl_steps(is_deleted) WHERE is_deleted <> 0;\n"
        "CREATE INDEX sl_call_dispositions_deleted ON sl_call_dispositions(is_deleted) WHERE "
        "is_deleted <> 0;\n"
        "CREATE INDEX sl_call_sentiments_deleted ON sl_call_sentiments(is_deleted) WHERE "
        "is_deleted <> 0;\n"
        "CREATE INDEX sl_calls_deleted ON sl_calls(is_deleted) WHERE is_deleted <> 0;\n"
        "CREATE INDEX sl_emails_deleted ON sl_emails(is_deleted) WHERE is_deleted <> 0;\n";

/* Version 6: a phone's extension stays out of its digit tokens. "+1 415 555 0100 x12" was
 * indexed as "14155550100x12" and its last seven characters "0100x12", so looking the number
 * up by its last seven digits (contacts_by_phone, the gates of `loftdial dial --numbers`)
 * missed the person. The digit tokens are now made from the part before the first extension
 * marker ("x", "ext", ";", "#", ","), the markers numbers_normalise() splits at; the phone as
 * written stays a token, so typing the extension still finds the person. The triggers that
 * fill contacts_fts are made again with the new tokens, and the people with a marker in a
 * phone are indexed again (the others' tokens do not change). */
/* clang-format off */
#define EXT_AT(x, m) "coalesce(nullif(instr(lower(" x "),'" m "'),0),1000000000)"
#define MAIN_PART(x) \
	"substr(" x ",1,min(" EXT_AT(x, "x") "," EXT_AT(x, "ext") "," EXT_AT(x, ";") "," \
	EXT_AT(x, "#") "," EXT_AT(x, ",") ")-1)"
#define PHONE_TOKENS6(x) \
	"coalesce(" x ",'') || ' ' || " \
	"coalesce(" DIGITS(MAIN_PART(x)) ",'') || ' ' || " \
	"coalesce(substr(" DIGITS(MAIN_PART(x)) ",-10),'') || ' ' || " \
	"coalesce(substr(" DIGITS(MAIN_PART(x)) ",-7),'')"
#define HAS_MARKER(p) \
	"(instr(lower(coalesce(" p ".phone,'') || coalesce(" p ".mobile_phone,'') || " \
	"coalesce(" p ".home_phone,'')),'x') > 0 OR " \
	"instr(coalesce(" p ".phone,'') || coalesce(" p ".mobile_phone,'') || " \
	"coalesce(" p ".home_phone,''),';') > 0 OR " \
	"instr(coalesce(" p ".phone,'') || coalesce(" p ".mobile_phone,'') || " \
	"coalesce(" p ".home_phone,''),'#') > 0 OR " \
	"instr(coalesce(" p ".phone,'') || coalesce(" p ".mobile_phone,'') || " \
	"coalesce(" p ".home_phone,''),',') > 0)"
static const char v6_sql[] =
	"DROP TRIGGER sl_people_fts_insert;\n"
	"DROP TRIGGER sl_people_fts_update;\n"
	"DROP TRIGGER sl_accounts_fts_insert;\n"
	"DROP TRIGGER sl_accounts_fts_update;\n"
	"CREATE TRIGGER sl_people_fts_insert AFTER INSERT ON sl_people "
	"WHEN new.is_deleted = 0 BEGIN "
	FTS_INSERT "SELECT " FTS_VALUES_BY("new", PHONE_TOKENS6) "; END;\n"
	"CREATE TRIGGER sl_people_fts_update AFTER UPDATE ON sl_people WHEN "
	"old.is_deleted IS NOT new.is_deleted OR old.id IS NOT new.id OR "
	"old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name OR "
	"old.display_name IS NOT new.display_name OR old.company IS NOT new.company OR "
	"old.account_id IS NOT new.account_id OR old.title IS NOT new.title OR "
	"old.email IS NOT new.email OR old.phone IS NOT new.phone OR "
	"old.mobile_phone IS NOT new.mobile_phone OR old.home_phone IS NOT new.home_phone "
	"BEGIN DELETE FROM contacts_fts WHERE rowid = old.id; "
	FTS_INSERT "SELECT " FTS_VALUES_BY("new", PHONE_TOKENS6) " WHERE new.is_deleted = 0; END;\n"
	"CREATE TRIGGER sl_accounts_fts_insert AFTER INSERT ON sl_accounts BEGIN "
	REINDEX_ACCOUNT_PEOPLE_BY(PHONE_TOKENS6) "END;\n"
	"CREATE TRIGGER sl_accounts_fts_update AFTER UPDATE ON sl_accounts "
	"WHEN old.name IS NOT new.name OR old.is_deleted IS NOT new.is_deleted BEGIN "
	REINDEX_ACCOUNT_PEOPLE_BY(PHONE_TOKENS6) "END;\n"
	"DELETE FROM contacts_fts WHERE rowid IN (SELECT p.id FROM sl_people p WHERE "
	HAS_MARKER("p") ");\n"
	FTS_INSERT "SELECT " FTS_VALUES_BY("p", PHONE_TOKENS6) " FROM sl_people p "
	"WHERE p.is_deleted = 0 AND " HAS_MARKER("p") ";\n";

/* Fills contacts_fts from scratch with the triggers' expressions (contacts_reindex). */
const char store_fts_reindex_sql[] =
	FTS_INSERT "SELECT " FTS_VALUES_BY("p", PHONE_TOKENS6) " FROM sl_people p WHERE p.is_deleted = 0";
/* clang-format on */

static const struct store_migration steps[] = {
        {1, "initial schema", v1_sql},
        {2, "dial attempts: user, campaign, identification message, zone", v2_sql},
        {3, "tokens bound to their URLs", v3_sql},
        {4, "contact search: prefix indexes, a names index", v4_sql},
        {5, "deleted rows indexed for live counts", v5_sql},
        {6, "contact search: phone digits without the extension", v6_sql},
};

/* The migration list. */
const struct store_migration *store_schema_steps(size_t *n)
{
	*n = sizeof(steps) / sizeof(steps[0]);
	return steps;
}
