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


# How people ask rather than what they ask for: "我要办低保", "怎么办理老年证", "请问上户口需要什么材料".
_ASKING = re.compile(
    r"请问|我要|我想|想要|想办|怎么|如何|怎样|在哪里?|去哪里?|哪里|需要|什么|哪些|材料|手续|流程|办理|申请|的|吗|呢"
)


def strip_asking(term: str) -> str:
    """A folded query term without the words of asking; the term itself if nothing else is left."""
    core = _ASKING.sub("", term)
    core = core[1:] if core.startswith("办") and len(core) > 2 else core  # 我要办低保 → 办低保 → 低保
    return core or term


def split_list(text: str) -> list[str]:
    """'低保, 最低生活保障、吃低保' → ['低保', '最低生活保障', '吃低保'] (any of , ， 、 ; ； / | newline)."""
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


def bigrams(text: str) -> set[str]:
    text = fold(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text} - {""}
