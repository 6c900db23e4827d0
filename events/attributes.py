"""Extra questions of a category (Open311 service attributes) and checking the answers to them.

A definition is a dict: `code` (A–Z, 0–9, _; unique in the category), `datatype` (string, number,
datetime, text, singlevaluelist, multivaluelist), `required`, `order`, `description` (Chinese) and
`description_en`, and for lists `values`: [{"key", "name", "name_en"}]. Answers are stored on the
case as {code: value} (a list for multivaluelist).
"""

import re
from datetime import datetime

from django.utils.translation import get_language
from django.utils.translation import gettext as _

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
MAX_STRING, MAX_TEXT = 200, 2000


def attribute_definitions_clean(definitions) -> list[dict]:
    """The definitions in canonical form, sorted by order; ValueError says what is wrong."""
    if not definitions:
        return []
    if not isinstance(definitions, list):
        raise ValueError("a list of attribute definitions is expected")
    cleaned, codes = [], set()
    for i, d in enumerate(definitions, 1):
        if not isinstance(d, dict):
            raise ValueError(f"attribute {i} is not an object")
        code = str(d.get("code", ""))
        if not CODE_RE.match(code) or code in codes:
            raise ValueError(f"attribute {i}: code {code!r} must be unique, A-Z, 0-9 and _")
        codes.add(code)
        datatype = d.get("datatype")
        if datatype not in DATATYPES:
            raise ValueError(f"attribute {code}: datatype must be one of {', '.join(DATATYPES)}")
        values = d.get("values") or []
        if datatype in LISTS:
            keys = [str(v.get("key", "")) for v in values if isinstance(v, dict)]
            if not keys or len(keys) != len(values) or len(set(keys)) != len(keys) or "" in keys:
                raise ValueError(f"attribute {code}: a list needs values with unique keys")
        elif values:
            raise ValueError(f"attribute {code}: only lists have values")
        cleaned.append(
            {
                "code": code,
                "datatype": datatype,
                "required": bool(d.get("required", False)),
                "order": int(d.get("order") or i),
                "description": str(d.get("description", "")),
                "description_en": str(d.get("description_en", "")),
                "values": [
                    {"key": str(v["key"]), "name": str(v.get("name") or v["key"]), "name_en": str(v.get("name_en", ""))}
                    for v in values
                ],
            }
        )
    return sorted(cleaned, key=lambda d: d["order"])


def localized(definition: dict, field: str) -> str:
    """A definition's (or value's) text in the active language: `<field>_en` in English if given."""
    if (get_language() or "").startswith("en") and definition.get(f"{field}_en"):
        return definition[f"{field}_en"]
    return definition.get(field, "")


class AttributeAnswerError(ValueError):
    """An answer that does not fit its question; `code` names the attribute."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def attribute_answers_clean(definitions: list[dict], answers: dict[str, list[str]]) -> dict:
    """Check raw answers ({code: [values as sent]}) against the definitions; returns what is stored."""
    by_code = {d["code"]: d for d in definitions or []}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        raise AttributeAnswerError(_("This service has no attribute %(code)s.") % {"code": unknown[0][:40]}, unknown[0])
    stored: dict = {}
    for code, d in by_code.items():
        given = [str(v).strip() for v in answers.get(code, []) if str(v).strip()]
        if not given:
            if d["required"]:
                raise AttributeAnswerError(_("Attribute %(code)s is required.") % {"code": code}, code)
            continue
        datatype = d["datatype"]
        if datatype != "multivaluelist" and len(given) > 1:
            raise AttributeAnswerError(_("Attribute %(code)s takes one value.") % {"code": code}, code)
        if datatype in LISTS:
            keys = {v["key"] for v in d["values"]}
            bad = [v for v in given if v not in keys]
            if bad:
                raise AttributeAnswerError(
                    _("%(value)s is not a value of attribute %(code)s.") % {"value": bad[0][:40], "code": code}, code
                )
            stored[code] = list(dict.fromkeys(given)) if datatype == "multivaluelist" else given[0]
            continue
        value = given[0]
        if datatype == "number":
            try:
                number = float(value)
            except ValueError:
                number = float("nan")
            if number != number or number in (float("inf"), float("-inf")):
                raise AttributeAnswerError(_("Attribute %(code)s must be a number.") % {"code": code}, code)
            stored[code] = int(number) if number.is_integer() and abs(number) < 2**53 else number
        elif datatype == "datetime":
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise AttributeAnswerError(
                    _("Attribute %(code)s must be an ISO 8601 date and time.") % {"code": code}, code
                ) from None
            stored[code] = when.isoformat()
        else:
            limit = MAX_TEXT if datatype == "text" else MAX_STRING
            if len(value) > limit or (datatype == "string" and "\n" in value):
                raise AttributeAnswerError(
                    _("Attribute %(code)s is too long or has line breaks.") % {"code": code}, code
                )
            stored[code] = value
    return stored


def answers_display(definitions: list[dict], answers: dict) -> list[tuple[str, str]]:
    """(question, answer) pairs of a case's extra answers in the active language, for its page."""
    out = []
    for d in definitions or []:
        if d["code"] not in (answers or {}):
            continue
        value = answers[d["code"]]
        names = {v["key"]: localized(v, "name") for v in d.get("values", [])}
        values = value if isinstance(value, list) else [value]
        separator = ", " if (get_language() or "").startswith("en") else "、"
        out.append((localized(d, "description") or d["code"], separator.join(str(names.get(v, v)) for v in values)))
    return out
