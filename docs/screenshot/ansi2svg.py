#!/usr/bin/env python3
"""ANSI text (what `tmux capture-pane -e` prints) to an SVG picture of the
terminal: one <text> per run of cells with the same colours and weight, a
<rect> per background run. Handles SGR 0/1/2/3/4/7/22/23/24/27, 30-37,
39, 40-47, 49, 90-97, 100-107, 38/48;5;N and 38/48;2;R;G;B."""
import html
import re
import sys

CELL_W, CELL_H, PAD = 8.4, 17, 10
FG, BG = "#d0d0d0", "#1c1c1c"
BASE16 = ["#1c1c1c", "#d75f5f", "#87af5f", "#d7af5f", "#5f87d7", "#af87d7",
          "#5fafaf", "#d0d0d0", "#767676", "#ff8787", "#afd787", "#ffd787",
          "#87afff", "#d7afff", "#87d7d7", "#ffffff"]


def xterm(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    g = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (g, g, g)


def parse(lines):
    """Rows of cells: (char, fg, bg, bold)."""
    rows = []
    state = {"fg": None, "bg": None, "bold": False, "rev": False}
    for line in lines:
        row = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line.rstrip("\n")):
            m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
            if m:
                sgr(state, [int(x) if x else 0 for x in m.group(1).split(";")])
                continue
            for ch in part:
                fg, bg = state["fg"] or FG, state["bg"] or BG
                if state["rev"]:
                    fg, bg = bg, fg
                row.append((ch, fg, bg, state["bold"]))
        rows.append(row)
    return rows


def sgr(state, codes):
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            state.update(fg=None, bg=None, bold=False, rev=False)
        elif c == 1:
            state["bold"] = True
        elif c == 22:
            state["bold"] = False
        elif c == 7:
            state["rev"] = True
        elif c == 27:
            state["rev"] = False
        elif 30 <= c <= 37:
            state["fg"] = BASE16[c - 30]
        elif 90 <= c <= 97:
            state["fg"] = BASE16[c - 90 + 8]
        elif 40 <= c <= 47:
            state["bg"] = BASE16[c - 40]
        elif 100 <= c <= 107:
            state["bg"] = BASE16[c - 100 + 8]
        elif c == 39:
            state["fg"] = None
        elif c == 49:
            state["bg"] = None
        elif c in (38, 48) and i + 1 < len(codes):
            key = "fg" if c == 38 else "bg"
            if codes[i + 1] == 5 and i + 2 < len(codes):
                state[key] = xterm(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                state[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                i += 4
        i += 1


def runs(row, key):
    """Consecutive cells with the same key(cell): (start, cells)."""
    out, start = [], 0
    for i in range(1, len(row) + 1):
        if i == len(row) or key(row[i]) != key(row[start]):
            out.append((start, row[start:i]))
            start = i
    return out


def main():
    rows = parse(sys.stdin.readlines())
    while rows and not any(c[0].strip() for c in rows[-1]):
        rows.pop()
    cols = max(len(r) for r in rows)
    width, height = cols * CELL_W + 2 * PAD, len(rows) * CELL_H + 2 * PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
           f'font-size="14">',
           f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>']
    for y, row in enumerate(rows):
        top = PAD + y * CELL_H
        for x, cells in runs(row, lambda c: c[2]):
            if cells[0][2] != BG:
                out.append(f'<rect x="{PAD + x * CELL_W:.1f}" y="{top}" width="{len(cells) * CELL_W:.1f}" '
                           f'height="{CELL_H}" fill="{cells[0][2]}"/>')
        for x, cells in runs(row, lambda c: (c[1], c[3])):
            text = "".join(c[0] for c in cells)
            if not text.strip():
                continue
            weight = ' font-weight="bold"' if cells[0][3] else ""
            out.append(f'<text x="{PAD + x * CELL_W:.1f}" y="{top + CELL_H - 4}" fill="{cells[0][1]}"'
                       f'{weight} xml:space="preserve" textLength="{len(cells) * CELL_W:.1f}" '
                       f'lengthAdjust="spacingAndGlyphs">{html.escape(text)}</text>')
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
