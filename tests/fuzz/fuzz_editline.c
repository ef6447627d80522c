/*
 * Fuzz target: the TUI's text field driven by any key sequence (typed keys, paste markers,
 * function keys, commands) and any inserted bytes. Whatever happens, the text stays within
 * its cap, clean (no escape or control but the newline), valid UTF-8, with the cursor on a
 * cluster boundary inside it, and every laid-out row fits its columns.
 */
#include <curses.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"
#include "loftdial/twidth.h"

#include "editline.h"

/* Every row of a layout cols wide is clean and at most cols - 1 columns. */
static void check(struct editline *e, size_t cols)
{
	const char *t = editline_text(e);
	size_t len = editline_len(e), cur = editline_cursor(e), n, i, top, r, c, rl;
	char row[4096 + 1];

	if (len > editline_max(e) || strlen(t) != len || cur > len)
		abort();
	for (i = 0; i < len; i++)
		if (t[i] != '\n' && (unsigned char)t[i] < 0x20)
			abort();
	n = editline_layout(e, cols, 5, &top, &r, &c);
	if (r >= n || c > cols - 1 || top > r)
		abort();
	for (i = 0; i < n; i++) {
		const char *p = editline_row(e, i, &rl);

		if (!p || rl >= sizeof(row))
			abort();
		memcpy(row, p, rl);
		row[rl] = '\0';
		if (!text_is_clean(row) || twidth_str(row) > cols - 1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct editline *e = NULL;
	size_t i, cols;

	if (!inited) {
		setlocale(LC_ALL, "C.UTF-8");
		inited = 1;
	}
	if (size < 2)
		return 0;
	cols = 3 + data[0] % 40;
	if (editline_new(&e, 1 + data[1] % 64, data[1] & 0x80))
		return 0;
	for (i = 2; i < size; i++) {
		unsigned char op = data[i];

		if (op < 0x10 && i + 1 < size) {
			/* An insertion of the next few raw bytes. */
			size_t n = (size_t)(op % 8) + 1;

			if (i + 1 + n > size)
				n = size - i - 1;
			editline_insert(e, (const char *)data + i + 1, n);
			i += n;
		} else if (op < 0x20) {
			editline_cmd(e, (enum editline_cmd)(op % (EDITLINE_KILL_END + 1)));
		} else if (op == 0xf0) {
			editline_key(e, EDITLINE_PASTE_BEGIN);
		} else if (op == 0xf1) {
			editline_key(e, EDITLINE_PASTE_END);
		} else if (op == 0xf2 && i + 2 < size) {
			/* A code point from two bytes (marks, CJK, bidi, C1). */
			editline_key(e, (data[i + 1] << 8) | data[i + 2]);
			i += 2;
		} else if (op == 0xf3) {
			editline_key(e, KEYMAP_FN | KEY_LEFT);
		} else if (op == 0xf4) {
			editline_key(e, KEYMAP_FN | KEY_BACKSPACE);
		} else {
			editline_key(e, op == 0xf5 ? '\n' : op);
		}
		if (!editline_pasting(e))
			check(e, cols);
	}
	editline_key(e, EDITLINE_PASTE_END);
	check(e, cols);
	editline_free(e);
	return 0;
}
