"""Pinyin keys of Chinese names and matching of search terms in any mix of characters and letters."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from sqlalchemy import and_, or_

# Surnames whose reading differs from the character's common one (TOOLCHAIN-NOTES).
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao",
    "区": "ou", "查": "zha", "乐": "yue",
}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_GAPS, _SYLLABLES = re.compile(r"%+"), re.compile(r"(?:_%)+")


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _syllables(text: str) -> list[str]:
    # pypinyin loads its dictionaries on import (~50 ms): only the features that spell names pay.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")  # 4x faster load, same answers for names
    from pypinyin import Style, lazy_pinyin

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
        if _is_han(ch):
            syl = _syllables(ch)[0]
            full.append(syl)
            initials.append(syl[:1])
        elif ch.isalnum():
            full.append(ch.lower())
            initials.append(ch.lower())
    return "".join(full), "".join(initials)


def characters_pattern(q: str) -> str | None:
    """A LIKE pattern a name must match when the search term has characters in it, else None.

    The characters typed stand in the name as typed, in order; a run of letters stands for one
    character or more, anything else for any gap: 果s -> %果_%, 张s三 -> %张_%三%. So 果s is 果
    then a syllable on s, and a title starting 国s (also "gs" and "guos") is not found by 果s.
    """
    text = q.strip()
    if not any(_is_han(ch) for ch in text):
        return None
    parts = [ch if _is_han(ch) else "_%" if ch.isalnum() else "%" for ch in text]
    return _SYLLABLES.sub("_%", _GAPS.sub("%", "%" + "".join(parts) + "%"))


def name_search(q: str, *, name, pinyin: Sequence, initials: Sequence, anywhere: bool = False):
    """The condition of a search by characters, full pinyin, initials or a mix (张三, zhangsan,
    zs, 张s) on a name column and its keys made by `pinyin_keys`.

    The keys match from their start (a person's name) or, `anywhere`, at any place (the words of a
    title); the characters typed must be in the name where typed (`characters_pattern`).
    """
    text = q.strip()
    full, letters = query_keys(text)

    def match(column, key):
        if anywhere:
            return column.contains(key, autoescape=True)
        return column.startswith(key, autoescape=True)

    conditions = [name.icontains(text, autoescape=True)]
    conditions += [match(column, full) for column in pinyin if full]
    conditions += [match(column, letters) for column in initials if letters]
    condition = or_(*conditions)
    if (pattern := characters_pattern(text)) is not None:
        condition = and_(condition, name.like(pattern))
    return condition
