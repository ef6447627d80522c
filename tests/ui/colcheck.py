#!/usr/bin/env python3
"""colcheck.py HEADER_WORD... < screen: checks that every table row below the header line
keeps its columns. The header (plain ASCII) gives the display column where each named column
starts; in every row below it, measured in display cells (wide characters two, combining
marks none, as a terminal lays them out), the cell before each column start must be a blank
(the gap), the Local column holds HH:MM or nothing, and no row is wider than the screen.
Prints each bad row and exits 1 when there is one (or when there are no rows)."""
import re
import sys
import unicodedata


def cells(line):
    """The line as a list of display cells (a wide character takes two, the second None)."""
    out = []
    for ch in line:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            if out:
                out[-1] = (out[-1] or "") + ch
            continue
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append("\ufffd")  # a control character: always wrong
            continue
        out.append(ch)
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            out.append(None)
    return out


def main():
    words = sys.argv[1:]
    lines = sys.stdin.read().split("\n")
    width = int(words.pop(0))
    header = next((i for i, l in enumerate(lines) if all(w in l for w in words)), None)
    if header is None:
        print("colcheck: no header line with", words)
        return 1
    starts = {w: lines[header].index(w) for w in words}
    bad = rows = 0
    for l in lines[header + 1:]:
        if not l.strip() or l.startswith(" ? keys") or l.startswith("/"):
            continue
        rows += 1
        c = cells(l)
        why = []
        if len(c) > width:
            why.append("wider than the screen")
        if any(x == "\ufffd" for x in c):
            why.append("a control character")
        for w, x in starts.items():
            if x > 0 and x - 1 < len(c) and c[x - 1] != " ":
                why.append("no gap before " + w)
        def col(w, n):
            x = starts[w]
            return "".join(ch for ch in c[x:x + n] if ch)
        if "Local" in starts and not re.fullmatch(r"( *|\d\d:\d\d)", col("Local", 5).rstrip()):
            why.append("local column holds " + repr(col("Local", 5)))
        if why:
            bad += 1
            print("bad row:", repr(l), "-", ", ".join(why))
    if bad or rows == 0:
        print("colcheck: %d rows, %d bad" % (rows, bad))
    return 1 if bad or rows == 0 else 0


sys.exit(main())
