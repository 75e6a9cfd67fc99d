"""One Settings object, read once from the environment (prefix LIVESTALL_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Display rates only: how many units of a currency one US dollar buys. Money is never
# converted for payment with these; they let a viewer in Spain see EUR beside CNY.
DEFAULT_FX_PER_USD: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "CNY": Decimal("6.64"),
    "EUR": Decimal("0.86"),
    "GBP": Decimal("0.75"),
    "MXN": Decimal("18.40"),
    "BRL": Decimal("5.40"),
    "SAR": Decimal("3.75"),
    "AED": Decimal("3.6725"),
    "JPY": Decimal("150"),
    "KRW": Decimal("1380"),
    "SGD": Decimal("1.30"),
    "MYR": Decimal("4.30"),
}


class Settings(BaseSettings):
    """Every knob of a Livestall process; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="LIVESTALL_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str = ""
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    log_level: str = "INFO"
    log_json: bool = True

    session_days: int = Field(30, ge=1, le=365)
    session_cookie: str = "livestall_session"
    cookie_secure: bool = False

    max_upload_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(40_000_000, ge=1)

    default_currency: str = "CNY"
    fx_per_usd: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_FX_PER_USD))

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{(self.data_dir / 'livestall.db').as_posix()}"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        self.fx_per_usd = {k.upper(): Decimal(v) for k, v in self.fx_per_usd.items()}
        return self

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    # Realtime (live rooms). The room WebSocket server listens on its own port, in-process.
    ws_host: str = ""  # "" = same as host
    ws_port: int = Field(0, ge=0, le=65535)  # 0 = port + 1
    ws_public_url: str = ""  # e.g. "wss://live.example.com" behind nginx; "" = ws://<public host>:<ws_port>
    ws_allowed_origins: list[str] = Field(default_factory=list)  # besides public_url's origin; "*" = any
    realtime_tick_ms: int = Field(100, ge=10, le=2000)
    realtime_buffer_kb: int = Field(256, ge=16)
    realtime_presence_interval_s: float = Field(2.0, gt=0)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
