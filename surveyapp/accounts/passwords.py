"""The password policy for every account, however it is made or reset."""

from __future__ import annotations

MIN_LENGTH = 10
# The commonest passwords of Chinese and English leaks that reach 10 characters, and the
# product's own words; a short list on purpose (the length rule does most of the work).
COMMON = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "a123456789",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwerty1234",
        "1q2w3e4r5t",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "woaini1314",
        "woaini520",
        "5201314520",
        "1314520520",
        "abc1234567",
        "abcd123456",
        "abcdefghij",
        "admin12345",
        "admin123456",
        "administrator",
        "changeme123",
        "letmein123",
        "welcome123",
        "zxcvbnm123",
        "1111111111",
        "0000000000",
        "8888888888",
        "6666666666",
        "renke12345",
        "renke123456",
        "renkerenke",
        "jiaoyu12345",
        "duban12345",
        "dudao12345",
    }
)


def password_problem(username: str, password: str) -> str | None:
    """Why ``password`` may not be used for ``username``, or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符"
    lowered = password.lower()
    if username and lowered in {username.lower(), username.lower()[::-1]}:
        return "密码不能与用户名相同"
    if lowered in COMMON or len(set(password)) < 4:
        return "密码太常见或过于简单，请换一个"
    return None
