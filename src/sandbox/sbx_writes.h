/*
 * sbx_writes: the sandbox's Salesloft write endpoints and the request-body helpers the other
 * sandbox writers (webhooks, admin) share.
 *
 * Endpoints (registered by sbx_writes_register, see sbx.h; behaviour in docs/sandbox.md):
 *  POST /v2/activities/calls   log a call; validates person, disposition and sentiment names,
 *                              action_id xor task_id (each usable once), the team's
 *                              required-disposition/sentiment settings; completes the task or
 *                              the action (and moves its cadence on, sbx_cadence.h) and
 *                              updates the person
 *  PUT  /v2/tasks/{id}         current_state (only "completed"), description, due_date,
 *                              remind_at, subject, is_logged
 *  POST /v2/tasks              create a task
 *  POST /v2/notes              create a note (person or account; one per call)
 *
 * Body helpers: a write body may be JSON or form-encoded (the reference shows both); both are
 * read into one cJSON object so the validation code sees one shape.
 */
#ifndef LOFTDIAL_SBX_WRITES_H
#define LOFTDIAL_SBX_WRITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sbx.h"

/* The request body as a JSON object: parsed JSON when the Content-Type says JSON or the body
 * starts with '{'; otherwise each form field named in names (NULL-terminated) becomes a string
 * member. NULL with *bad set when a JSON body is malformed or not an object (caller replies
 * 400). An empty body gives an empty object. Caller deletes. */
cJSON *sbx_writes_body(struct sbx_req *req, const char *const *names, bool *bad);

/* Reads the route's :id segment as a positive decimal id; replies 404 and returns false when it
 * is missing or not one. */
bool sbx_writes_path_id(struct sbx_req *req, int64_t *id);

/* Reads member name as a positive id (a JSON number or a decimal string): 0, ENOENT when
 * absent, null or "", EINVAL when malformed. */
int sbx_writes_get_id(const cJSON *obj, const char *name, int64_t *out);
/* Reads member name as a non-negative integer (number or decimal string); same returns. */
int sbx_writes_get_uint(const cJSON *obj, const char *name, int64_t *out);
/* Reads member name as a string; numbers are not strings. NULL when absent or not a string. */
const char *sbx_writes_get_str(const cJSON *obj, const char *name);
/* Reads member name as a boolean (true/false, "true"/"false", "1"/"0", 1/0): 0, ENOENT,
 * EINVAL. */
int sbx_writes_get_bool(const cJSON *obj, const char *name, bool *out);

/* Appends msg to errors[field] (a Rails-style 422 errors map), creating the array. */
void sbx_writes_error(cJSON *errors, const char *field, const char *msg);
/* Replies 422 {"errors": errors}. */
void sbx_writes_reply_errors(struct sbx_req *req, const cJSON *errors);
/* Replies {"data": rec} with status. */
void sbx_writes_reply_data(struct sbx_req *req, uint16_t status, const cJSON *rec);

/* The id of an embedded reference member ({"id": N, ...}), or 0. */
int64_t sbx_writes_ref_id(const cJSON *rec, const char *key);
/* The current time rendered in the team's zone into buf (at least 40 bytes). */
void sbx_writes_now(struct sbx *sbx, char *buf, size_t n);

#endif
