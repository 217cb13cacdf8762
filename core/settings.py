"""Typed settings from ``aftersales.toml`` plus ``AFTERSALES_*`` environment variables.

Why pydantic: the settings file is written by operators at HQ and in regional offices; a typo
must stop startup with a message that names the key and the file, not surface later as an odd
default. Pydantic models with ``extra="forbid"`` give exactly that, with type coercion for
values that arrive as strings from the environment.

Precedence, lowest first: built-in defaults, the TOML file, environment variables.
Environment variables map to keys by name: ``AFTERSALES_DATABASE_URL`` sets ``database_url``,
``AFTERSALES_POLICY__INSPECTION_FEE_CENTS`` sets ``[policy] inspection_fee_cents``, and
``AFTERSALES_PLUGIN__WARRANTY__WARRANTY_MONTHS`` a plugin's ``[plugin.warranty]
warranty_months``; lists are comma-separated (``AFTERSALES_PLUGINS=warranty,loaner``).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.plugin_names import BUILTIN_PLUGINS, DEFAULT_CONFIG_FILE

ENV_PREFIX = "AFTERSALES_"
#: Environment variables with the prefix that are not settings keys.
RESERVED_ENV = {"AFTERSALES_CONFIG"}
RESERVED_ENV_PREFIXES = ("AFTERSALES_TEST_",)



class SettingsError(Exception):
    """Settings cannot be used; the message names the key and where it came from."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicySettings(_Strict):
    """Core's rows of POLICY.md's parameters table; every value is per instance (HQ or a
    region). The rules a plugin implements keep their parameters in the plugin's own table."""

    #: W-4: charged when the customer declines the quote and the unit goes back unrepaired;
    #: 0 means no fee. When above 0 it is a line the customer must confirm.
    inspection_fee_cents: int = Field(0, ge=0, le=10_000_000)
    # The warranty's, loaner's, feedback's and training's parameters (W-2, R-7, R-8, E-2,
    # T-3, P-1) are theirs: ``[plugin.<name>]`` tables, validated by each plugin's model
    # (core.plugin_settings). Keys that moved there are named by MOVED_TO_PLUGINS.


#: ``[policy]`` keys that a plugin owns now, by the plugin: a settings file (or environment)
#: that still sets one stops at start-up with a message naming the new place, instead of a
#: bare "unknown key" (issue 12 item 3).
MOVED_TO_PLUGINS: dict[str, str] = {
    "warranty_months": "warranty",
    "return_window_months": "warranty",
    "return_depreciation_percent": "warranty",
}


def _moved(key: str) -> str:
    plugin = MOVED_TO_PLUGINS[key]
    return (f"[policy] {key} is now the {plugin} plugin's setting: write it as "
            f"[plugin.{plugin}] {key} (environment: "
            f"AFTERSALES_PLUGIN__{plugin.upper()}__{key.upper()})")


class SecuritySettings(_Strict):
    """Sign-in and cookie behaviour.

    The argon2 cost parameters are settings so the test-suite can make hashing cheap; the
    defaults are argon2-cffi's recommended ones (RFC 9106 low-memory profile).
    """

    secure_cookies: bool = False  # set true behind HTTPS
    session_max_age_hours: int = Field(12, ge=1, le=24 * 30)
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_cost_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)
    login_max_failures: int = Field(5, ge=1)
    login_window_minutes: int = Field(15, ge=1)
    # issue 17: sessions that end, bounded input, proxy trust, back-off instead of lockout
    session_idle_minutes: int = Field(120, ge=1, le=24 * 60 * 30)
    max_json_bytes: int = Field(1024 * 1024, ge=1024)
    max_form_bytes: int = Field(1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    max_json_depth: int = Field(32, ge=2, le=500)
    #: Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For/-Proto count.
    trusted_proxies: list[str] = Field(default_factory=list)
    #: Per account, after ``login_max_failures`` failures each further answer is delayed:
    #: base x 2^(extra failures), at most the cap. The right password still signs in.
    login_backoff_base_ms: int = Field(1000, ge=0)
    login_backoff_max_ms: int = Field(30_000, ge=0)
    #: Failures from one address within the window before that address is refused.
    login_address_max_failures: int = Field(20, ge=1)

    @model_validator(mode="after")
    def _argon2_memory_fits(self) -> SecuritySettings:
        if self.argon2_memory_cost_kib < 8 * self.argon2_parallelism:
            raise ValueError("argon2_memory_cost_kib must be at least 8 x argon2_parallelism")
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {item!r} is not an address or network"
                                 ) from exc
        return value


class JobSettings(_Strict):
    """The durable job queue (issue 13): how often an idle worker looks for due work, how
    long a claim lasts before another worker may take the job over, and the retry backoff
    (``backoff_seconds`` x 2^(attempt-1), at most six hours)."""

    poll_seconds: float = Field(2.0, gt=0, le=300)
    lease_minutes: int = Field(30, ge=1, le=24 * 60)
    backoff_seconds: int = Field(30, ge=0, le=3600)


class MailSettings(_Strict):
    """Delivering customer messages (issue 13). Without ``smtp_host`` e-mail (and any SMS no
    ``send_message`` plugin takes) is written to ``log_file`` under ``var_dir``."""

    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(20.0, gt=0)
    sender: str = "aftersales@localhost"
    log_file: str = "outbox.log"


class AttachmentSettings(_Strict):
    """Photos and PDFs on records (issue 13): the largest file accepted, and the longest side
    of an image's thumbnail."""

    max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    thumbnail_pixels: int = Field(320, ge=32, le=2048)


class DashboardSettings(_Strict):
    """The dashboard's widgets (issue 11). ``turnaround_cache_seconds``: how old the stored
    turnaround medians (``core.services.turnaround_snapshots``, per region scope, refreshed
    by the ``core.turnaround`` job) may be before a load computes them again from the
    30/90-day windows; 0 computes them on every load. At most an hour, so "as of" stays
    today."""

    turnaround_cache_seconds: int = Field(300, ge=0, le=3600)

    @field_validator("turnaround_cache_seconds", mode="before")
    @classmethod
    def _not_a_switch(cls, value: Any) -> Any:
        # ``= true`` is someone turning the cache "on", not asking for one second
        if isinstance(value, bool):
            raise ValueError("a number of seconds (0 turns the cache off), not true/false")
        return value


class Settings(_Strict):
    """Everything an instance is configured with; passed to ``create_app``."""

    instance_name: str = "Aftersales"
    region_code: str = "HQ"
    database_url: str = "sqlite:///var/aftersales.db"
    plugins: list[str] = Field(default_factory=lambda: list(BUILTIN_PLUGINS))
    timezone: str = "Asia/Shanghai"
    default_locale: Literal["en", "zh_CN"] = "en"
    var_dir: Path = Path("var")
    policy: PolicySettings = Field(default_factory=PolicySettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    jobs: JobSettings = Field(default_factory=JobSettings)  # issue 13
    mail: MailSettings = Field(default_factory=MailSettings)  # issue 13
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)  # issue 13
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)  # issue 11
    #: ``[plugin.<name>]`` tables as written; each enabled plugin validates its own at start.
    plugin: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: Where the settings were read from, for error messages; not a key of the file.
    source: str = Field("defaults", exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("plugins")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a plugin is listed twice")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some keys changed, validated like a file would be (used by tests)."""
        data = self.model_dump()
        data.update(changes)
        return _build(data, self.source)


def _env_value(raw: str, annotation: Any) -> Any:
    """Environment values are strings; lists are comma-separated."""
    if "list" in str(annotation):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in RESERVED_ENV:
            continue
        if name.startswith(RESERVED_ENV_PREFIXES):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if len(path) == 2 and path[0] == "policy" and path[1] in MOVED_TO_PLUGINS:
            raise SettingsError(f"environment variable {name}: {_moved(path[1])}")
        if path[0] == "plugin":  # AFTERSALES_PLUGIN__<NAME>__<KEY>: the plugin validates it
            if len(path) != 3 or not all(path):
                raise SettingsError(f"environment variable {name}: use "
                                    "AFTERSALES_PLUGIN__<PLUGIN>__<KEY>")
            data.setdefault("plugin", {}).setdefault(path[1], {})[path[2]] = raw
            continue
        model: type[BaseModel] = Settings
        target = data
        for part in path[:-1]:
            field = model.model_fields.get(part)
            sub = field.annotation if field else None
            if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
                raise SettingsError(f"environment variable {name}: unknown setting {part!r}")
            model = sub
            target = target.setdefault(part, {})
        leaf = path[-1]
        field = model.model_fields.get(leaf)
        if field is None or leaf == "source":
            raise SettingsError(f"environment variable {name}: unknown setting {leaf!r}")
        target[leaf] = _env_value(raw, field.annotation)
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build(data: dict[str, Any], source: str) -> Settings:
    policy = data.get("policy")
    if isinstance(policy, dict):
        moved = [_moved(key) for key in policy if key in MOVED_TO_PLUGINS]
        if moved:
            raise SettingsError(f"{source}: " + "; ".join(moved))
    try:
        return Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            if error["type"] == "extra_forbidden":
                problems.append(f"unknown key {key!r}")
            else:
                problems.append(f"{key}: {error['msg']}")
        raise SettingsError(f"{source}: " + "; ".join(problems)) from None


def load_settings(
    path: str | Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Read the settings file (if present) and the environment.

    ``path`` defaults to ``$AFTERSALES_CONFIG`` or ``./aftersales.toml``. A missing default
    file is fine (built-in defaults); a missing file that was asked for is an error.
    """
    environ = dict(os.environ if environ is None else environ)
    explicit = path is not None or "AFTERSALES_CONFIG" in environ
    config_path = Path(path or environ.get("AFTERSALES_CONFIG") or DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    source = "defaults"
    if config_path.exists():
        source = str(config_path)
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config_path}: not valid TOML ({exc})") from None
    elif explicit:
        raise SettingsError(f"{config_path}: settings file not found")
    env = _env_overrides(environ)
    if env:
        source = f"{source} + AFTERSALES_* environment" if source != "defaults" else "environment"
    return _build(_merge(data, env), source)


def session_secret(settings: Settings) -> str:
    """The cookie-signing secret: made on first run, kept in ``var/`` with mode 0600.

    Never in the repository and never in the settings file, so a copied config does not copy
    the secret. Several workers on one machine share it through the file.
    """
    secret_file = settings.var_dir / "session-secret"
    if secret_file.exists():
        return secret_file.read_text(encoding="ascii").strip()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(secret_file, flags, 0o600)
    except FileExistsError:  # another worker won the race; use its secret
        return secret_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value
