"""Personal data at rest: phone numbers and ID numbers are stored encrypted and shown masked.

The key comes from PERSONAL_DATA_KEY (a Fernet key); without it one is derived from SECRET_KEY,
which then must never change. Every reveal of a whole value is logged by the caller.
"""

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.PERSONAL_DATA_KEY or base64.urlsafe_b64encode(
        hashlib.sha256(("govgrid-personal-data:" + settings.SECRET_KEY).encode()).digest()
    )
    return Fernet(key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def mask_phone(phone: str) -> str:
    """13912345678 → 139****5678; short numbers keep only their last two digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else ""


def mask_name(name: str) -> str:
    """张三丰 → 张**."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""
