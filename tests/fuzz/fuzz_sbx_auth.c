/*
 * Fuzz target: the sandbox's readers of outside input that need no server: the fault-window
 * JSON, the admin deep merge and blank templates, the write-body member readers, the OAuth
 * redirect rule, and the HTML/URL escaping of echoed values. None may crash or leak; escaped
 * output must never contain a raw markup character, a validated redirect never a control
 * character, and a parsed fault spec never shares above 100.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "sbx_admin.h"
#include "sbx_faults.h"
#include "sbx_oauth.h"
#include "sbx_writes.h"

/* The escaped text must be free of < > " ' (and & only as the start of an entity). */
static void check_escape(const char *s)
{
	struct mbuf *mb = mbuf_alloc(64);
	size_t i;

	if (!mb)
		return;
	if (sbx_oauth_html_escape(mb, s) == 0) {
		for (i = 0; i < mb->end; i++) {
			char c = (char)mb->buf[i];

			if (c == '<' || c == '>' || c == '"' || c == '\'')
				abort();
		}
	}
	mbuf_reset(mb);
	if (sbx_oauth_url_encode(mb, s) == 0) {
		for (i = 0; i < mb->end; i++) {
			if (mb->buf[i] <= 0x20 || mb->buf[i] >= 0x7f || mb->buf[i] == '&')
				abort();
		}
	}
	mem_deref(mb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_faults_spec spec;
	struct sbx_oauth_cfg cfg;
	char *s = malloc(size + 1);
	cJSON *j, *blank, *target;
	int64_t v;
	bool b;
	unsigned sum = 0;
	int k;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	sbx_oauth_cfg_default(&cfg);
	if (sbx_oauth_redirect_ok(&cfg, s)) {
		const char *p;

		for (p = s; *p; p++) {
			if ((unsigned char)*p <= 0x20 || *p == '#')
				abort();
		}
	}
	check_escape(s);

	j = cJSON_ParseWithLength((const char *)data, size);
	if (j) {
		if (sbx_faults_parse(j, &spec, NULL) == 0) {
			for (k = 0; k < SBX_FAULT_KIND_COUNT; k++)
				sum += spec.share[k];
			if (sum > 100)
				abort();
		}
		blank = sbx_admin_blank(j);
		target = cJSON_Parse("{\"id\":1,\"counts\":{\"calls\":1},\"owner\":{\"_href\":"
		                     "\"h\",\"id\":1},\"name\":\"x\"}");
		(void)sbx_admin_merge(NULL, target, j, false);
		(void)sbx_admin_merge(NULL, blank, j, true);
		(void)sbx_writes_get_id(j, "person_id", &v);
		(void)sbx_writes_get_uint(j, "duration", &v);
		(void)sbx_writes_get_bool(j, "is_logged", &b);
		(void)sbx_writes_get_str(j, "disposition");
		(void)sbx_writes_ref_id(j, "owner");
		cJSON_Delete(target);
		cJSON_Delete(blank);
		cJSON_Delete(j);
	}
	free(s);
	return 0;
}
