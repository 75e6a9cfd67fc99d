"""The argon2id cost of password hashes is the operator's setting, never below OWASP's minimum."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from livestall.settings import Settings
from tests.appserver import AppProcess
from tests.helpers import PASSWORD, register
from tests.helpers_db import run_sql


def _stored_hash(database_url: str, user_id: int) -> str:
    return run_sql(database_url, "SELECT password_hash FROM users WHERE id = :u", u=user_id)[0][0]


def test_a_password_is_hashed_again_at_the_new_cost_at_the_next_login(api, app_server, tmp_path):
    user = register(api)
    assert "$m=19456,t=2,p=1$" in _stored_hash(app_server.database_url, user.id)  # the test servers' cost
    raised = AppProcess(database_url=app_server.database_url, data_dir=tmp_path / "raised", env={
        "LIVESTALL_PASSWORD_HASH_MEMORY_KIB": "24576", "LIVESTALL_PASSWORD_HASH_TIME_COST": "3"}).start()
    try:
        with httpx.Client(base_url=raised.url, timeout=30) as other:
            wrong = other.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD + "x"})
            assert wrong.status_code == 401
            assert "$m=19456,t=2,p=1$" in _stored_hash(app_server.database_url, user.id)  # untouched
            assert other.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200
    finally:
        raised.stop()
    assert "$m=24576,t=3,p=1$" in _stored_hash(app_server.database_url, user.id)
    # the same password still opens the account wherever it is checked
    assert api.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("field, value", [
    ("password_hash_memory_kib", 8192), ("password_hash_time_cost", 1), ("password_hash_parallelism", 0)])
def test_a_cost_below_the_minimum_is_refused_by_name(field, value):
    with pytest.raises(ValidationError) as refused:
        Settings(**{field: value})
    assert refused.value.errors()[0]["loc"] == (field,)
