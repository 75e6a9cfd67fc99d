"""Password hashing (argon2id) and the password strength rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from livestall.errors import Invalid

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_LENGTH = 10
MAX_LENGTH = 128
# The handful that top every breach list; the length rule already rules out most others.
COMMON = {"password123", "1234567890", "qwertyuiop", "password1234", "iloveyou123", "12345678910",
          "abcdefghij", "qwerty1234", "letmein1234", "admin12345", "livestall123"}


def check_strength(password: str, *, email: str = "") -> None:
    """Raise Invalid(field='password') unless the password is long, varied and not obvious."""
    def bad(rule: str, message: str) -> Invalid:
        return Invalid.field("password", rule, message)

    if len(password) < MIN_LENGTH:
        raise bad("min_length", f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise bad("max_length", f"must be at most {MAX_LENGTH} characters")
    if password.lower() in COMMON or len(set(password)) < 5:
        raise bad("not_common", "is too easy to guess")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        raise bad("not_email", "must not contain your email address")
    classes = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))
    if classes < 2:
        raise bad("mixed_characters", "must mix at least two of lower case, upper case, digits and symbols")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash`."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
