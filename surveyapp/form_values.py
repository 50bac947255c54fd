"""Numbers typed into forms and query strings, read strictly.

``str.isdigit()`` also takes "²⁰³⁰" and "①", which ``int()`` refuses, and a number of
thousands of digits costs ``int()`` an error and the database an overflow; every id,
page number, option digit or sheet number a request carries goes through :func:`ascii_int`.
"""

from __future__ import annotations

import re

#: ASCII digits only; 15 of them bound every id and count the service stores
ASCII_INTEGER = re.compile(r"[0-9]{1,15}")


def ascii_int(text: str | None) -> int | None:
    """``text`` as a non-negative integer when it is 1 to 15 ASCII digits, else None."""
    if text is None or not ASCII_INTEGER.fullmatch(text):
        return None
    return int(text)
