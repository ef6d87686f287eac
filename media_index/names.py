"""Readable names for file-system bytes."""

from __future__ import annotations

import unicodedata


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


# Non-letters a genuine UTF-8 name may carry in the two-byte zone.
_COMMON_SYMBOLS = frozenset("·©®°±×÷²³¹½¼¾«»¿¡§¶")


def _unlikely(ch: str) -> bool:
    """Tell whether a character is unassigned, private, a control or from a rare plane."""
    code = ord(ch)
    if code >= 0x10000 and not (0x1F000 <= code <= 0x1FAFF or 0x20000 <= code <= 0x3FFFF):
        return True
    return unicodedata.category(ch) in ("Cn", "Co", "Cs", "Cc")


def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ", 1)[0]


def _plausible_words(text: str) -> bool:
    """Tell whether every word with non-ASCII letters reads as real text in one script.

    Real: accented Latin next to ASCII letters (café, Müller), or three or more letters of a
    single other script (Россия). Misread GBK gives short script soups ('ũҵ', 'ţ', 'Ѽ').
    """
    word: list[str] = []
    for ch in text + " ":
        if ord(ch) > 0x7F and not ch.isalpha() and ch not in _COMMON_SYMBOLS:
            return False
        if ch.isalpha():
            word.append(ch)
            continue
        if any(ord(c) > 0x7F for c in word):
            scripts = {_script(c) for c in word}
            latin = scripts == {"LATIN"} and any(c.isascii() for c in word)
            other = len(scripts) == 1 and len(word) >= 3
            if not (latin or other):
                return False
        word = []
    return True


def _looks_misread(utf8: str, gbk: str) -> bool:
    """Tell whether bytes valid as UTF-8 are more likely GBK that happens to parse as UTF-8.

    Many common hanzi in GBK are also valid two-byte UTF-8 ('农业' reads 'ũҵ', '牛' reads 'ţ').
    Prefer GBK when the UTF-8 reading stays in the two-byte zone and does not read as words,
    while the GBK reading is all Chinese.
    """
    wide = [ch for ch in utf8 if ord(ch) > 0x7F]
    if not wide or not all(_is_cjk(ch) for ch in gbk if ord(ch) > 0x7F):
        return False
    if any(_unlikely(ch) for ch in wide):
        return True
    if any(ord(ch) > 0x7FF for ch in wide):
        return False
    return not _plausible_words(utf8)


def display_name(raw: bytes) -> str:
    """Decode a file-system name: UTF-8 if valid, else GB18030, else UTF-8 with replacement.

    Discs burned on Chinese Windows carry GBK names; GB18030 is a superset of GBK, so
    b'\\xd6\\xd6\\xd6\\xb2.mpg' reads as '种植.mpg'. Bytes that are valid UTF-8 but read as
    gibberish while GBK reads as Chinese are taken as GBK ('农业' is also UTF-8 'ũҵ').
    Never raises.
    """
    if raw.isascii():
        return raw.decode("ascii")
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    try:
        gbk = raw.decode("gb18030")
    except UnicodeDecodeError:
        gbk = None
    if utf8 is not None:
        return gbk if gbk is not None and _looks_misread(utf8, gbk) else utf8
    if gbk is not None:
        return gbk
    return raw.decode("utf-8", "replace")
