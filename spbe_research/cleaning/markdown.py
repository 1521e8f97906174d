"""Markdown table primitives of the report conversions: cells, rows, captions, table blocks."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import SPBEError

_BR = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TITLE = re.compile(r"^Tabel\s+(\d+)\s*\.\s*(.*)$")


def clean_cell(text: str) -> str:
    """Replace <br> by a space, normalise non-breaking spaces, collapse whitespace.

    >>> clean_cell("Kota<br>Kediri\\u00a0 ")
    'Kota Kediri'
    """
    text = _BR.sub(" ", text).replace("\u00a0", " ")
    return " ".join(text.split())


def has_br(text: str) -> bool:
    """Does a cell contain a ``<br>`` line break?"""
    return bool(_BR.search(text))


def strip_markup(line: str) -> str:
    """A line without HTML tags, emphasis and heading marks, whitespace collapsed."""
    line = _BR.sub(" ", line)
    line = re.sub(r"<span[^>]*>.*?</span>", " ", line)
    line = re.sub(r"<[^>]+>", " ", line)
    line = line.replace("**", " ").replace("*", " ")
    line = re.sub(r"^\s*#+\s*", "", line)
    return " ".join(line.split())


def title_of(line: str):
    """(number, title) if the line is a table caption 'Tabel N. …' (not a table row);
    the title is the caption text after 'Tabel N.' without Markdown/HTML markup.

    >>> title_of("**Tabel 9. Hasil Evaluasi SPBE Kementerian**")
    (9, 'Hasil Evaluasi SPBE Kementerian')
    """
    if line.lstrip().startswith("|"):
        return None
    m = _TITLE.match(strip_markup(line))
    if not m:
        return None
    return int(m.group(1)), m.group(2).strip()


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row, stripped.

    >>> split_row("| 1 | Kota A | 3,50 |")
    ['1', 'Kota A', '3,50']
    """
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def header_key(cell: str) -> str:
    """Header cell without markup and whitespace, lower case ('<b>D</b> 1' → 'd1')."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", cell)).lower()


def is_separator(cells: list[str]) -> bool:
    """Is this the ``|---|:---:|`` row under a header?"""
    return all(re.fullmatch(r":?-*:?", c) for c in cells) and any("-" in c for c in cells)


def read_lines(path: Path) -> list[str]:
    """The lines of a report file; a missing or unreadable file raises :class:`SPBEError`."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise SPBEError("report file not found", file=str(path)) from None
    except UnicodeDecodeError as e:
        raise SPBEError(f"report file is not UTF-8 text (byte {e.start})", file=str(path)) from None
    except OSError as e:
        raise SPBEError(f"cannot read the report file: {e.strerror}", file=str(path)) from None


def table_blocks(lines):
    """Yield (number, title, title_line, [(lineno, cells), ...]) for every captioned
    table: the first run of table rows after the caption, before the next caption."""
    caption = None
    block: list = []
    for lineno, line in enumerate(lines, 1):
        t = title_of(line)
        if t is not None:
            if caption and block:
                yield (*caption, block)
            caption, block = (t[0], t[1], lineno), []
            continue
        if caption is None:
            continue
        if line.strip().startswith("|"):
            block.append((lineno, split_row(line)))
        elif block and line.strip():
            yield (*caption, block)
            caption, block = None, []
    if caption and block:
        yield (*caption, block)
