"""Search text: one normalised string per catalogue item, matched by substring.

Chinese has no spaces between words, so words cannot be indexed one by one: an item's name, aliases
and keywords are joined into one string, folded (NFKC: full-width to half-width; lower case) and
stripped of spaces and punctuation, and a query's terms, folded the same way, must each occur in it.
"""

import re
import unicodedata

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)
SEPARATORS = re.compile(r"[,，、;；/|\n]+")


def fold(text: str) -> str:
    """NFKC, lower case, no spaces or punctuation: 'ＡＢ 居住证（申领）' → 'ab居住证申领'."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())


def split_list(text: str) -> list[str]:
    """'低保, 最低生活保障、吃低保' → ['低保', '最低生活保障', '吃低保'] (any of , ， 、 ; ； / | newline)."""
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


def bigrams(text: str) -> set[str]:
    text = fold(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text} - {""}
