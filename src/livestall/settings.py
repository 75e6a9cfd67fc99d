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
    # Catalogue import (docs/selling.md, "Moving a catalogue") and stock alerts.
    import_image_timeout_s: float = Field(10.0, gt=0, le=120)  # per photo fetched by URL
    import_images_allow_private: bool = False  # development only: photo URLs on loopback or private addresses
    low_stock_threshold: int = Field(3, ge=0, le=1_000_000)  # owners and staff are told at or below this

    default_currency: str = "CNY"
    fx_per_usd: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_FX_PER_USD))

    chat_max_chars: int = Field(300, ge=1, le=300)
    chat_rate_messages: int = Field(5, ge=1)  # per user per show, in chat_rate_window_s
    chat_rate_window_s: float = Field(10.0, gt=0)

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
    realtime_keepalive_s: float = Field(20.0, gt=0)  # a room socket is pinged this often, closed if no pong in as long
    realtime_storm_taps_per_s: float = Field(1000.0, gt=0)  # taps a second (bids, buys) that begin a storm: hub.py
    realtime_anonymous_per_address: int = Field(8, ge=0)  # anonymous room sockets per address in a show; 0 = no cap
    realtime_gc_freeze: bool = True  # freeze the heap as audiences grow (see realtime/heap.py)

    # Selling: reservations, commission, the purchase batcher, payment providers.
    reservation_minutes: float = Field(15, gt=0, le=7 * 24 * 60)  # how long reserved stock waits for payment
    commission_bps: int = Field(500, ge=0, le=10_000)  # platform commission, in basis points of each sale
    purchase_batch_max: int = Field(2000, ge=1, le=20_000)  # attempts settled in one transaction at most
    order_jobs_interval_s: float = Field(1.0, gt=0, le=60)  # expiry of reservations, flash-sale start and end
    stripe_secret_key: str = ""  # "" = Stripe off; the built-in wallet is always on
    stripe_webhook_secret: str = ""
    stripe_api_base: str = "https://api.stripe.com"
    card_refund_retry_s: float = Field(60.0, gt=0)  # how often refunds Stripe could not be reached for are sent again
    stripe_webhook_tolerance_s: int = Field(300, ge=1)
    # Where a shipped order's "track the parcel" link goes: {number} is the tracking number. The default
    # tracker knows the carriers of most countries, so a shop need not name its carrier.
    parcel_tracking_url: str = "https://t.17track.net/en#nums={number}"

    # Video: RTMP ingest (nginx-rtmp), browser ingest (ffmpeg), HLS, replays.
    rtmp_enabled: bool = True  # start nginx-rtmp with the app when it is installed
    rtmp_host: str = ""  # interface nginx listens on for RTMP; "" = all
    rtmp_port: int = Field(1935, ge=1, le=65535)
    rtmp_public_host: str = ""  # host in the RTMP URL shown to publishers; "" = public_url's host
    media_grace_s: float = Field(60.0, ge=0)  # a dropped stream may reconnect this long before the show ends
    media_max_transcodes: int = Field(2, ge=0)  # concurrent ffmpeg video transcodes on this machine
    media_ladder: bool = False  # transcode RTMP input into a 720p + 360p ladder (counts against the cap)
    media_max_chunk_kb: int = Field(2048, ge=16)  # largest go-live WebSocket message
    media_jobs_interval_s: float = Field(1.0, gt=0, le=60)  # grace-period ender, replay finisher, retention
    replay_retention_days: float = Field(30, ge=0)  # 0 = keep no replays
    ffmpeg_path: str = ""  # "" = Debian's ffmpeg, else the imageio-ffmpeg wheel's
    nginx_path: str = ""  # "" = nginx on PATH
    # The sub-second stage: Janus WebRTC for the host, moderators and a front row (docs/video.md).
    janus_enabled: bool = True  # start Janus with the app when it is installed
    janus_path: str = ""  # "" = janus on PATH
    janus_ws_port: int = Field(0, ge=0, le=65535)  # Janus WebSocket API; 0 = port + 2
    janus_ws_host: str = ""  # interface of Janus's WebSocket API ("" = all; every request needs a signed token)
    janus_public_ws_url: str = ""  # e.g. "wss://live.example.com/janus" behind nginx; "" = ws://<page host>:<port>
    janus_event_loops: int = Field(2, ge=0, le=64)  # 0 = one thread per viewer; 2 measured 0.46% of a core each
    janus_session_timeout_s: int = Field(15, ge=5, le=600)  # vanished viewers stop costing after this
    janus_rtp_ports: str = "20000-40000"  # UDP range for WebRTC media (open it to viewers)
    janus_nat_1_1: str = ""  # public IP for host candidates behind 1:1 NAT (cloud machines)
    janus_ice_enforce_list: str = ""  # only these interfaces for ICE ("" = all but loopback)
    webrtc_front_row: int = Field(50, ge=0)  # first logged-in viewers of a show on the sub-second stage
    webrtc_show_cap: int = Field(100, ge=0)  # front row plus buyers, per show
    webrtc_machine_cap: int = Field(200, ge=0)  # WebRTC viewers on this machine (about 0.9 of a core)
    webrtc_token_ttl_s: int = Field(90, ge=20, le=3600)  # a viewer's Janus token; renewed while watching
    webrtc_turn_urls: str = ""  # e.g. "turn:turn.example.com:3478,turns:turn.example.com:5349" (coturn)
    webrtc_turn_secret: str = ""  # coturn's static-auth-secret: each seat gets TURN credentials valid as its token
    # The demo's live show streams a generated picture, sells and chats while the app runs (`make run` sets it);
    # it needs the demo world (`livestall demo`).
    demo_live: bool = False

    # Notifications (feed, Web Push, email) and webhooks.
    notification_jobs_interval_s: float = Field(1.0, gt=0, le=60)  # fan-out, reminders, push/email, webhooks
    notification_chunk: int = Field(5000, ge=1, le=100_000)  # notifications written per fan-out transaction
    reminder_lead_minutes: float = Field(10, ge=0, le=24 * 60)  # "remind me" fires this long before the start
    vapid_private_key: str = ""  # base64url or PEM; "" = Web Push off
    vapid_public_key: str = ""  # base64url application server key given to browsers
    vapid_subject: str = "mailto:admin@localhost"
    smtp_host: str = ""  # "" = email off
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_from: str = "Livestall <noreply@localhost>"
    webhooks_allow_private: bool = False  # development only: http:// and private or loopback addresses
    webhook_max_attempts: int = Field(8, ge=1, le=30)
    webhook_backoff_s: float = Field(30.0, gt=0)  # first retry after this, doubling each time
    webhook_timeout_s: float = Field(10.0, gt=0, le=60)

    # Security: throttling of logins and sign-ups (see docs/security.md), HSTS.
    auth_rate_window_s: float = Field(300.0, gt=0)  # the window of the four limits below
    auth_login_per_account: int = Field(10, ge=1)  # login attempts on one email, per window
    auth_login_per_ip: int = Field(50, ge=1)  # login attempts from one client address, per window
    auth_register_per_account: int = Field(5, ge=1)  # sign-ups with one email, per window
    auth_register_per_ip: int = Field(20, ge=1)  # sign-ups from one client address, per window
    hsts_max_age_s: int = Field(31_536_000, ge=0)  # sent over https only; 0 = no HSTS header
    # argon2id cost of password hashes: by default the library's recommendation (RFC 9106, 64 MiB,
    # 3 passes, 4 lanes); never below OWASP's minimum (19 MiB, 2 passes). A hash made at another
    # cost is made again at the user's next login.
    password_hash_memory_kib: int = Field(65536, ge=19456, le=4 * 1024 * 1024)
    password_hash_time_cost: int = Field(3, ge=2, le=20)
    password_hash_parallelism: int = Field(4, ge=1, le=64)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()

