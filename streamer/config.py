"""Configuration: ``streamer.toml``, found, parsed and validated at start-up.

A mistake in the file is a ``ConfigError`` whose one line names the file, the key
and the fix, e.g. ``streamer.toml: programmes[0].channels[1].platform: 'yt' is not
a platform; use one of youtube, facebook, instagram, twitch``. Secrets are never
in the file: only the *names* of the environment variables that hold them.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from streamer import platforms as registry
from streamer.envnames import NOT_A_NAME, is_env_name
from streamer.errors import ConfigError
from streamer.models import LANGUAGES, Channel, Programme
from streamer.notifyconf import NotifySettings, check_deliver, notify_settings
from streamer.timezones import zone

CONFIG_ENV = "STREAMER_CONFIG"
DEFAULT_NAME = "streamer.toml"


@dataclass(frozen=True, slots=True)
class CollectorSettings:
    """``[collector]``: intervals of the poll policy (seconds or minutes as named)."""

    live_interval: int = 60
    discovery_interval: int = 300
    match_window: int = 45
    grace: int = 30
    upcoming_interval: int = 600
    request_timeout: float = 10.0
    near_interval: int = 60
    near_lead: int = 15  # minutes before a planned start that near_interval begins


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """``[metrics]``: the Prometheus endpoint of ``streamer run`` (off without a port)."""

    port: int | None = None
    host: str = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """``[store]``: where the data lives. No ``url``: TinyDB files in ``data_dir``;
    a ``postgresql://`` URL: that PostgreSQL database (streamer/pgstore.py), its
    password from the ``password_env`` variable (or libpq's PGPASSWORD/.pgpass)."""

    url: str | None = None
    password_env: str | None = None


@dataclass(frozen=True, slots=True)
class ReportJob:
    """One ``[[reports]]`` entry, run by the daemon on a cron schedule."""

    name: str
    cron: str
    kind: str = "summary"
    period: str = "last-week"
    formats: tuple[str, ...] = ("csv", "txt")
    out_dir: Path = Path("reports")
    by: str = "programme"
    language: str | None = None
    deliver: tuple[str, ...] = ()  # channels the files are sent to ([notify.<name>])


@dataclass(frozen=True, slots=True)
class Config:
    """A validated configuration. Paths are absolute (relative ones resolve from the file)."""

    path: Path
    data_dir: Path
    timezone_name: str = "Asia/Almaty"
    language: str = "en"
    programmes: Mapping[str, Programme] = field(default_factory=dict)
    platforms: Mapping[str, Any] = field(default_factory=lambda: default_platforms())
    collector: CollectorSettings = CollectorSettings()
    metrics: MetricsSettings = MetricsSettings()
    reports: tuple[ReportJob, ...] = ()
    notify: NotifySettings = field(default_factory=NotifySettings)
    retention_days: int | None = None
    fsync: bool = True  # False: atomic writes without fsync (see README, "fsync")
    store: StoreSettings = StoreSettings()

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone_name)

    def programme(self, slug: str) -> Programme:
        """The programme ``slug``, or a ConfigError-style user error listing the known ones."""
        from streamer.errors import UserError

        try:
            return self.programmes[slug]
        except KeyError:
            known = ", ".join(self.programmes) or "none configured"
            raise UserError(f"unknown programme {slug!r}; known: {known}") from None

    def discovery_interval(self, platform: str) -> int:
        """Seconds between routine discoveries on ``platform``: its own setting, else
        ``[collector] discovery_interval``."""
        own: int | None = getattr(self.platforms[platform], "discovery_interval", None)
        return own or self.collector.discovery_interval

    def platforms_in_use(self) -> list[str]:
        """Platforms that at least one programme has a channel on, in the usual order."""
        used = {c.platform for p in self.programmes.values() for c in p.channels}
        return [name for name in registry.names() if name in used]


def default_platforms() -> dict[str, Any]:
    """Every registered platform's settings when the config has no table for it."""
    return {name: registry.spec(name).default_settings() for name in registry.names()}


def find_config(option: Path | None) -> Path:
    """``--config PATH``, else ``$STREAMER_CONFIG``, else ``./streamer.toml``."""
    if option is not None:
        return option
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else Path(DEFAULT_NAME)


def load_config(path: Path) -> Config:
    """Read and validate ``path``; any problem is one ConfigError line."""
    try:
        # Bytes, not text mode: text mode would turn a bare CR (invalid TOML) into a newline.
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no config file there; run 'streamer init' to write one, "
            f"or pass --config PATH / set ${CONFIG_ENV}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return _Validator(path).config(raw)


_TOP_KEYS = {
    "data_dir", "timezone", "language", "programmes", "platforms", "collector",
    "metrics", "reports", "retention_days", "fsync", "notify", "alerts", "store",
}  # fmt: skip


class _Validator:
    """Turns parsed TOML into a Config, naming the exact key of any mistake."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().parent

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {problem}")

    def config(self, raw: dict[str, Any]) -> Config:
        self.known_keys("", raw, _TOP_KEYS)
        language = self.choice("language", raw.get("language", "en"), LANGUAGES)
        platforms = self.table("platforms", raw.get("platforms", {}))
        self.known_keys("platforms.", platforms, set(registry.names()))
        retention = raw.get("retention_days")
        notify = notify_settings(raw.get("notify"), raw.get("alerts"), self)
        return Config(
            path=self.path.resolve(),
            data_dir=self.base / self.string("data_dir", raw.get("data_dir", "data")),
            timezone_name=self.timezone(raw.get("timezone", "Asia/Almaty")),
            language=language,
            programmes=self.programmes(raw.get("programmes", [])),
            platforms={
                name: self.platform(registry.spec(name), platforms.get(name, {}))
                for name in registry.names()
            },
            collector=self.collector(raw.get("collector", {})),
            metrics=self.metrics(raw.get("metrics", {})),
            reports=self.reports(raw.get("reports", []), notify.configured()),
            notify=notify,
            retention_days=None
            if retention is None
            else self.positive("retention_days", retention),
            fsync=self.boolean("fsync", raw.get("fsync", True)),
            store=self.store(raw.get("store", {})),
        )

    # -- generic checks ---------------------------------------------------------
    def known_keys(self, prefix: str, table: Mapping[str, Any], allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                fix = (
                    f"did you mean {hint[0]!r}?"
                    if hint
                    else f"known keys: {', '.join(sorted(allowed))}"
                )
                raise self.fail(f"{prefix}{key}", f"unknown key; {fix}")

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table, e.g. [" + key + "]")
        return value

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {value!r}")
        return value

    def positive(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(key, f"must be a whole number above 0, not {value!r}")
        return value

    def number(self, key: str, value: Any, default: int | float) -> int | float:
        if isinstance(default, float) and not isinstance(value, bool):
            # TOML has inf and nan: a timeout of inf would hang a cycle for ever.
            if isinstance(value, int | float) and 0 < value < math.inf:
                return float(value)
            raise self.fail(key, f"must be a number of seconds above 0, not {value!r}")
        return self.positive(key, value)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def choice(self, key: str, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not allowed; use one of {', '.join(allowed)}")
        return str(value)

    def env_name(self, key: str, value: Any) -> str:
        text = self.string(key, value)
        if not is_env_name(text):  # the value is never echoed: it may be the secret
            raise self.fail(key, NOT_A_NAME)
        return text

    def endpoint(self, key: str, value: Any) -> str:
        text = self.string(key, value)
        if not text.startswith(("http://", "https://")):
            raise self.fail(
                key, f"{text!r} is not a URL; use e.g. https://host or http://127.0.0.1:8080"
            )
        return text.rstrip("/")

    def settings(
        self, prefix: str, cls: Any, raw: Any, defaults: Mapping[str, Any] | None = None
    ) -> Any:
        """Build a settings dataclass from a table: ``*_env`` keys are variable names,
        ``*endpoint`` keys URLs, ``*_file`` keys paths, numbers positive; unknown keys
        refused."""
        table = self.table(prefix, raw)
        self.known_keys(prefix + ".", table, set(cls.__dataclass_fields__))
        values: dict[str, Any] = {}
        for key, value in table.items():
            name = f"{prefix}.{key}"
            if key.endswith("_env"):
                values[key] = self.env_name(name, value)
            elif key.endswith("_envs"):
                if not isinstance(value, list) or not value:
                    raise self.fail(name, "must be a non-empty list of variable names")
                values[key] = tuple(self.env_name(f"{name}[{i}]", v) for i, v in enumerate(value))
            elif key.endswith("endpoint"):
                values[key] = self.endpoint(name, value)
            elif key.endswith("_file"):  # a path, relative to the config file's folder
                values[key] = self.base / self.string(name, value)
            elif key.endswith("_interval"):  # optional per platform: no default to go by
                values[key] = self.positive(name, value)
            elif isinstance(cls.__dataclass_fields__[key].default, int | float):
                values[key] = self.number(name, value, cls.__dataclass_fields__[key].default)
            else:
                values[key] = self.string(name, value)
        return cls(**{**(defaults or {}), **values})

    # -- sections ---------------------------------------------------------------
    def timezone(self, value: Any) -> str:
        name = self.string("timezone", value)
        try:
            zone(name)
        except ZoneInfoNotFoundError:
            raise self.fail(
                "timezone", f"unknown time zone {name!r}; use an IANA name such as Asia/Almaty"
            ) from None
        return name

    def programmes(self, raw: Any) -> dict[str, Programme]:
        if not isinstance(raw, list):
            raise self.fail("programmes", "must be an array of tables: [[programmes]]")
        result: dict[str, Programme] = {}
        for i, item in enumerate(raw):
            programme = self.programme(f"programmes[{i}]", self.table(f"programmes[{i}]", item))
            if programme.slug in result:
                raise self.fail(
                    f"programmes[{i}].slug",
                    f"{programme.slug!r} is used twice; slugs must be unique",
                )
            result[programme.slug] = programme
        return result

    def programme(self, key: str, raw: dict[str, Any]) -> Programme:
        self.known_keys(key + ".", raw, {"slug", "name", "names", "channels"})
        slug = self.string(f"{key}.slug", raw.get("slug"))
        if not all(c.isalnum() or c in "-_" for c in slug):
            raise self.fail(f"{key}.slug", f"{slug!r} may hold only letters, digits, '-' and '_'")
        names = self.table(f"{key}.names", raw.get("names", {}))
        self.known_keys(f"{key}.names.", names, set(LANGUAGES))
        channels = raw.get("channels", [])
        if not isinstance(channels, list):
            raise self.fail(
                f"{key}.channels", 'must be an array like [{ platform = "youtube", id = "UC..." }]'
            )
        return Programme(
            slug=slug,
            name=self.string(f"{key}.name", raw.get("name", slug)),
            channels=tuple(self.channel(f"{key}.channels[{j}]", c) for j, c in enumerate(channels)),
            names={lang: self.string(f"{key}.names.{lang}", v) for lang, v in names.items()},
        )

    def channel(self, key: str, raw: Any) -> Channel:
        table = self.table(key, raw)
        self.known_keys(key + ".", table, {"platform", "id", "label"})
        platform = self.choice(f"{key}.platform", table.get("platform"), registry.names())
        return Channel(
            platform, self.string(f"{key}.id", table.get("id")), str(table.get("label", ""))
        )

    def platform(self, spec: registry.PlatformSpec, raw: Any) -> Any:
        """``[platforms.<name>]`` by the generic rules, over the platform's own defaults."""
        prefix = f"platforms.{spec.name}"
        return self.settings(prefix, spec.settings, raw, spec.defaults)

    def collector(self, raw: Any) -> CollectorSettings:
        return self.settings("collector", CollectorSettings, raw)  # type: ignore[no-any-return]

    def store(self, raw: Any) -> StoreSettings:
        """``[store]``: a PostgreSQL URL without a password in it, and the password's variable."""
        table = self.table("store", raw)
        self.known_keys("store.", table, {"url", "password_env"})
        env = table.get("password_env")
        password_env = None if env is None else self.env_name("store.password_env", env)
        if "url" not in table:
            return StoreSettings(password_env=password_env)
        url = self.string("store.url", table["url"])  # not echoed below: it may hold a secret
        problem = store_url_problem(url)
        if problem == "scheme":
            raise self.fail("store.url", "must be a postgresql:// URL")
        if problem == "password":
            raise self.fail(
                "store.url",
                "holds a password; remove it and name a variable in store.password_env "
                "(or use PGPASSWORD/.pgpass)",
            )
        return StoreSettings(url=url, password_env=password_env)

    def metrics(self, raw: Any) -> MetricsSettings:
        table = self.table("metrics", raw)
        self.known_keys("metrics.", table, {"port", "host"})
        port = table.get("port")
        if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
            raise self.fail("metrics.port", f"{port!r} is not a TCP port (1-65535)")
        return MetricsSettings(
            port=port, host=self.string("metrics.host", table.get("host", "127.0.0.1"))
        )

    def reports(self, raw: Any, channels: tuple[str, ...]) -> tuple[ReportJob, ...]:
        if not isinstance(raw, list):
            raise self.fail("reports", "must be an array of tables: [[reports]]")
        jobs: list[ReportJob] = []
        for i, item in enumerate(raw):
            job = self.report(f"reports[{i}]", self.table(f"reports[{i}]", item), channels)
            if any(other.name == job.name for other in jobs):
                raise self.fail(
                    f"reports[{i}].name", f"{job.name!r} is used twice; job names must be unique"
                )
            self.scheduled(f"reports[{i}]", job)
            jobs.append(job)
        return tuple(jobs)

    def scheduled(self, key: str, job: ReportJob) -> None:
        """Everything a job needs when it fires, checked now: a mistake in a scheduled
        job would otherwise surface only at its first run, in the daemon's log."""
        from streamer.cron import check_cron
        from streamer.errors import UserError
        from streamer.periodnames import check_period

        name = job.name
        if "/" in name or "\\" in name or name.startswith("."):
            raise self.fail(f"{key}.name", f"{name!r} names files: no '/', '\\' or leading '.'")
        checks = {"cron": (check_cron, job.cron), "period": (check_period, job.period)}
        for what, (check, value) in checks.items():
            try:
                check(value)
            except UserError as exc:
                raise self.fail(f"{key}.{what}", f"job {name!r}: {exc.message}") from None
        if job.out_dir.exists() and not job.out_dir.is_dir():
            raise self.fail(f"{key}.out_dir", f"job {name!r}: {job.out_dir} is not a folder")

    def report(self, key: str, raw: dict[str, Any], channels: tuple[str, ...]) -> ReportJob:
        allowed = set(ReportJob.__dataclass_fields__)
        self.known_keys(key + ".", raw, allowed)
        formats = raw.get("formats", ["csv", "txt"])
        if not isinstance(formats, list) or not formats:
            raise self.fail(f"{key}.formats", 'must be a non-empty list, e.g. ["csv", "txt"]')
        language = raw.get("language")
        return ReportJob(
            name=self.string(f"{key}.name", raw.get("name")),
            cron=self.string(f"{key}.cron", raw.get("cron")),
            kind=self.choice(
                f"{key}.kind", raw.get("kind", "summary"), ("summary", "broadcasts", "adherence")
            ),
            period=self.string(f"{key}.period", raw.get("period", "last-week")),
            formats=tuple(
                self.choice(f"{key}.formats", f, ("csv", "txt", "json", "xlsx", "html"))
                for f in formats
            ),
            out_dir=self.base / self.string(f"{key}.out_dir", raw.get("out_dir", "reports")),
            by=self.choice(
                f"{key}.by",
                raw.get("by", "programme"),
                ("programme", "platform", "district", "month", "week"),
            ),
            language=None
            if language is None
            else self.choice(f"{key}.language", language, LANGUAGES),
            deliver=check_deliver(f"{key}.deliver", raw.get("deliver", []), channels, self),
        )


def starter_config() -> str:
    """The commented starter configuration that ``streamer init`` writes."""
    return (Path(__file__).parent / "starter.toml").read_text(encoding="utf-8")


def store_url_problem(url: str) -> str | None:
    """What is wrong with a store URL, if anything: ``"scheme"`` (not ``postgresql://``)
    or ``"password"`` (one in the URL: passwords come from an environment variable)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        return "scheme"
    if parts.password is not None or "password=" in parts.query:
        return "password"
    return None
