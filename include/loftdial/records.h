/*
 * records: the synced Salesloft objects, one table per object (sl_users, sl_people, ...).
 *
 * The sync hands over each record exactly as the API returned it (a cJSON object). Every
 * table keeps the raw JSON, the remote id, created_at and updated_at verbatim (updated_at
 * text is the sync cursor, so it is never reformatted), updated_at parsed to UTC microseconds
 * for ordering, a soft-delete flag and the generation of the last full pass that saw the row.
 * The fields the program reads often (names, phones, owner ids, states) are extracted into
 * columns by one table-driven map per object; docs/schema.md lists them. A missing, null or
 * wrongly typed field becomes NULL.
 *
 * None of these functions opens a transaction of its own: the sync wraps a page of upserts
 * and its syncstate_put() in one store_begin()/store_commit().
 */
#ifndef LOFTDIAL_RECORDS_H
#define LOFTDIAL_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "loftdial/store.h"

/* Inserts or updates the record rec (a JSON object with an integer "id" > 0, or a string of
 * decimal digits) into obj's table, marks it live (is_deleted = 0) and raises its
 * seen_generation to generation (it never lowers it; pass 0 outside a full pass). A record
 * older than the stored one (its updated_at earlier) does not overwrite the stored data, but
 * still counts as seen. EINVAL when rec is not an object or has no usable id. */
int records_upsert(struct store *st, enum store_obj obj, const cJSON *rec, int64_t generation);

/* Soft-deletes one row (is_deleted = 1, deleted_at = now; the row and its JSON stay).
 * ENOENT when there is no such row. */
int records_delete(struct store *st, enum store_obj obj, int64_t id);

/* Marks deleted every live row whose seen_generation is below generation. The sync calls it
 * only after a COMPLETE full pass stamped generation on every row it saw. marked may be NULL. */
int records_sweep_unseen(struct store *st, enum store_obj obj, int64_t generation,
                         unsigned *marked);

/* Number of rows (live only, or all). */
int records_count(struct store *st, enum store_obj obj, bool include_deleted, int64_t *n);

/* The raw JSON of one row (deleted rows too) in a malloc'd string; ENOENT when absent. */
int records_get_json(struct store *st, enum store_obj obj, int64_t id, char **json_out);

/* Is the row there and live? Sets *live (false when absent or deleted). */
int records_is_live(struct store *st, enum store_obj obj, int64_t id, bool *live);

/* Up to max live ids greater than after_id, ascending, into ids; *n says how many (0 at the
 * end). For the ids[] deletion sweep: call again with after_id = the last id returned. */
int records_live_ids(struct store *st, enum store_obj obj, int64_t after_id, int64_t *ids,
                     size_t max, size_t *n);

/* Calls cb with each row's raw JSON in id order; a non-zero return from cb stops the walk and
 * is returned. The callback may use the store (the walk has its own statement). */
typedef int(records_each_h)(const char *json, void *arg);
int records_foreach(struct store *st, enum store_obj obj, bool include_deleted, records_each_h *cb,
                    void *arg);

/* The greatest updated_at text among obj's rows (deleted ones too), ordered by the parsed
 * time; "" when the table is empty. For rebuilding a lost cursor. E2BIG if n is too small. */
int records_max_updated_at(struct store *st, enum store_obj obj, char *out, size_t n);

/* Parses an ISO-8601 timestamp as Salesloft writes it ("2024-03-07T04:26:14.444910-05:00",
 * also "Z", no fraction, 1-9 fraction digits, a space instead of T) to UTC microseconds since
 * 1970. EINVAL when s is not such a timestamp. */
int records_parse_time(const char *s, int64_t *us_out);

#endif
