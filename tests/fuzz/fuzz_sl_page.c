/*
 * Fuzz target: a list page as the API might send it. The decoder must never crash, must
 * either fail cleanly or return a page whose records all have ids, and the cursor arithmetic
 * and the error flattener must cope with whatever the decoder accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/cursor.h"
#include "loftdial/sldecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sldecode_page pg;
	struct cursor_pos pos = {"2024-01-01T00:00:00.000001Z", 0};
	const cJSON *rec;
	char msg[256];
	int64_t id;
	int n = 0;

	sldecode_error((const char *)data, size, msg, sizeof(msg));
	if (strlen(msg) >= sizeof(msg))
		abort();
	if (sldecode_page((const char *)data, size, &pg)) {
		if (pg.root)
			abort(); /* a failed decode owns nothing */
		return 0;
	}
	cJSON_ArrayForEach(rec, pg.data)
	{
		if (sldecode_id(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id) || id <= 0)
			abort();
		n++;
	}
	if (n != pg.count)
		abort();
	for (pos.page = -1; pos.page <= 3; pos.page++) {
		struct cursor_pos p = pos;

		(void)cursor_advance(&p, &pg, 100, msg, sizeof(msg));
		if (strlen(p.cursor) >= sizeof(p.cursor))
			abort();
	}
	sldecode_page_free(&pg);
	return 0;
}
