"""Password hashing (argon2id) and the password strength rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from livestall.errors import Invalid
from livestall.settings import Settings

_hasher = PasswordHasher()  # argon2id at the library's recommended cost, until configure() sets the operator's
# A real hash to verify against when the email is unknown, so that both paths cost the same time.
_unknown_user_hash = _hasher.hash("not-a-real-password-1")

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


def configure(settings: Settings) -> None:
    """Hash (and judge hashes for rehashing) at the settings' argon2id cost from now on, in this process."""
    global _hasher, _unknown_user_hash
    _hasher = PasswordHasher(memory_cost=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost,
                             parallelism=settings.password_hash_parallelism)
    _unknown_user_hash = _hasher.hash("not-a-real-password-1")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; with no hash (an unknown user), False at the same cost."""
    try:
        return _hasher.verify(stored_hash or _unknown_user_hash, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made at another cost than today's."""
    return _hasher.check_needs_rehash(stored_hash)
