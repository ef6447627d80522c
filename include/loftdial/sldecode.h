/*
 * sldecode: reading Salesloft's JSON defensively.
 *
 * Everything the API sends is treated as untrusted: fields may be null, missing, of another
 * type than documented (ids as strings, role.id as text), and a body may not be JSON at all.
 * Decoders never crash and never guess: malformed input is an error value (EBADMSG) the
 * caller reports with context.
 */
#ifndef LOFTDIAL_SLDECODE_H
#define LOFTDIAL_SLDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

/* Largest body the decoders accept (a page of 100 big records is far below). */
#define SLDECODE_MAX_BODY (32u * 1024 * 1024)

/* One decoded list page. The cJSON tree is owned by the page (sldecode_page_free). */
struct sldecode_page {
	cJSON *root;
	const cJSON *data;            /* the array of records */
	int count;                    /* records in data */
	long next_page;               /* metadata.paging.next_page, 0 when null/absent */
	long current_page;            /* 0 when absent */
	long per_page;                /* 0 when absent */
	long long total_count;        /* -1 unless include_paging_counts was asked */
	bool has_paging;              /* metadata.paging was present */
	const char *first_updated_at; /* of data[0], NULL when missing/not a string */
	const char *last_updated_at;  /* of the last record, NULL when missing */
};

/* Parses a list response: an object whose "data" is an array (a bare array is accepted too,
 * as some webhook-subscription lists are). Every element must be an object with a usable id,
 * else EBADMSG. EINVAL for NULL, E2BIG over SLDECODE_MAX_BODY. */
int sldecode_page(const char *body, size_t len, struct sldecode_page *out);
void sldecode_page_free(struct sldecode_page *pg);

/* Parses a single-record response: the object under "data", or the bare object when there is
 * no "data" member (webhook bodies, some subscription replies). *root must be freed with
 * cJSON_Delete; *rec points inside it. EBADMSG when no object with an id is found. */
int sldecode_record(const char *body, size_t len, cJSON **root, const cJSON **rec);

/* An id: a JSON integer in 1..2^53, or a string of 1-18 decimal digits. */
int sldecode_id(const cJSON *v, int64_t *out);
/* The id of member key of obj ({"id":..} reference or a bare id). ENOENT when absent/null. */
int sldecode_ref_id(const cJSON *obj, const char *key, int64_t *out);
/* The string value of member key, or NULL when absent, null or not a string. */
const char *sldecode_str(const cJSON *obj, const char *key);
/* True when member key is the JSON value true. */
bool sldecode_bool(const cJSON *obj, const char *key);
/* A number member as long long (ints as strings accepted); def when absent or bad. */
long long sldecode_int(const cJSON *obj, const char *key, long long def);

/* Turns an error body into one printable line in out (sanitized): "error" (+
 * "error_description"), or the "errors" map as "field: msg, msg; field: msg", or the raw text
 * (first 200 bytes). Always writes something; returns out. */
const char *sldecode_error(const char *body, size_t len, char *out, size_t n);

/* True when an OAuth error body says invalid_grant (the refresh token is dead). */
bool sldecode_is_invalid_grant(const char *body, size_t len);

#endif
