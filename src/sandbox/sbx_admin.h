/*
 * sbx_admin: the sandbox's own admin API under /_sandbox/ (not a Salesloft API).
 *
 * It lets a test, a benchmark or the demo change the world while the sandbox runs: create,
 * update (merging partial JSON, bumping updated_at) and delete records; change team settings
 * and the clock; expire tokens; open fault windows; read and reset counters. It needs no
 * token (the sandbox listens on loopback only) and is never rate limited. The routes are
 * listed by GET /_sandbox/ and documented in docs/sandbox.md.
 *
 * The record helpers below are pure cJSON functions, unit-tested on their own.
 */
#ifndef LOFTDIAL_SBX_ADMIN_H
#define LOFTDIAL_SBX_ADMIN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "sbx.h"

/* A blank record shaped like example (an existing record of the kind): every member kept,
 * strings, numbers and references null, booleans false, arrays empty, custom_fields empty,
 * other nested objects blanked the same way but with numbers 0 (counts); id, created_at and
 * updated_at removed. Caller deletes; NULL on allocation failure or when example is not an
 * object. */
cJSON *sbx_admin_blank(const cJSON *example);

/* The kind an embedded reference member points to ("owner" → users, "called_person" →
 * people, ...); false for names that are not references. */
bool sbx_admin_ref_kind(const char *member, enum sbx_kind *kind);

/* Merges patch into target, deeply for nested objects that are not references; other values
 * (null included) replace. A reference given as {"id": N} without "_href" is completed with
 * the sandbox's href when sbx is not NULL. "id", "created_at" and "updated_at" in the patch
 * are ignored unless keep_meta. 0, EINVAL or ENOMEM. */
int sbx_admin_merge(struct sbx *sbx, cJSON *target, const cJSON *patch, bool keep_meta);

#endif
