"""Pinyin keys of Chinese names and matching of search terms in any mix of characters and letters."""

from __future__ import annotations

import os
import re

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")  # 4x faster load, same answers for names

from pypinyin import Style, lazy_pinyin  # noqa: E402

# Surnames whose reading differs from the character's common one (TOOLCHAIN-NOTES).
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao",
    "区": "ou", "查": "zha", "乐": "yue",
}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _syllables(text: str) -> list[str]:
    return [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s))]


def pinyin_keys(name: str, *, surname: bool = False) -> tuple[str, str]:
    """Return (full pinyin, initials) of a name, letters and digits only: 欧阳娜娜 -> ouyangnana, oynn."""
    syllables = _syllables(name)
    if surname and name and name[0] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    full = _NON_ALNUM.sub("", "".join(syllables))
    initials = _NON_ALNUM.sub("", "".join(s[:1] for s in syllables))
    return full, initials


def query_keys(q: str) -> tuple[str, str]:
    """Turn a search term into (pinyin, initials) forms, so 张s finds 张三 as zs and zhangs."""
    full, initials = [], []
    for ch in q.strip():
        if "\u4e00" <= ch <= "\u9fff":
            syl = _syllables(ch)[0]
            full.append(syl)
            initials.append(syl[:1])
        elif ch.isalnum():
            full.append(ch.lower())
            initials.append(ch.lower())
    return "".join(full), "".join(initials)
