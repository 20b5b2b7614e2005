"""Thresholds and settings (METRICS.md defaults), loaded from TOML and validated.

``configs/default.toml`` mirrors the defaults below (a test keeps them equal); a
config file only needs the keys it changes.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talkbalance.errors import ConfigError

ROLES = ("", "trainee", "client")
SUPPORTED_SPEAKERS = 2      # the turn-taking rules and the crosstalk gate are built for a pair, for now


def require_supported_speakers(count: int, what: str, error: type[Exception] = ConfigError, example: str = "") -> None:
    """Raise ``error`` unless ``count`` people are asked for: the one place that limits talkbalance to a pair.

    ``what`` names the setting (`` `speakers` ``); ``example`` shows a good value."""
    if count != SUPPORTED_SPEAKERS:
        raise error(f"{what} gives {count} speaker{'s' if count != 1 else ''}, but talkbalance analyses exactly "
                    f"{SUPPORTED_SPEAKERS} people for now (one channel each: its turn-taking rules and crosstalk gate "
                    f"are built for a pair); give {SUPPORTED_SPEAKERS}" + (f", e.g. {example}." if example else "."))


def _num(default, lo, hi, kind=float, choices=None):
    """A numeric field with its allowed range (inclusive) and type."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "kind": kind, "choices": choices})


@dataclass(frozen=True)
class Speakers:
    """The people, in channel order: a name and a role ("trainee", "client" or "") each."""

    names: tuple[str, ...] = ("A", "B")
    roles: tuple[str, ...] = ("", "")


@dataclass(frozen=True)
class Vad:
    aggressiveness: int = _num(2, 0, 3, int)
    frame_ms: int = _num(10, 10, 30, int, choices=(10, 20, 30))
    rate_hz: int = _num(16000, 8000, 48000, int, choices=(8000, 16000, 32000, 48000))


@dataclass(frozen=True)
class Crosstalk:
    enabled: bool = True
    cancel_bleed: bool = True
    band_bleed: bool = False
    margin_db: float = _num(6.0, 0.0, 40.0)
    noise_gate_db: float = _num(6.0, 0.0, 40.0)
    speech_range_db: float = _num(40.0, 10.0, 90.0)
    learn_min_correlation: float = _num(0.8, 0.0, 1.0)
    max_delay_ms: float = _num(4.0, 0.5, 20.0)
    adapt_every_s: float = _num(0.25, 0.1, 5.0)
    learn_first_s: float = _num(30.0, 0.0, 600.0)
    extend_before_s: float = _num(0.1, 0.0, 1.0)
    extend_after_s: float = _num(0.3, 0.0, 2.0)
    masked_gap_s: float = _num(0.3, 0.0, 2.0)


@dataclass(frozen=True)
class Talkspurts:
    min_pause_s: float = _num(0.20, 0.0, 5.0)
    min_spurt_s: float = _num(0.10, 0.0, 5.0)


@dataclass(frozen=True)
class Overlaps:
    simultaneous_start_s: float = _num(0.20, 0.0, 5.0)
    backchannel_max_s: float = _num(1.0, 0.0, 10.0)
    min_interruption_overlap_s: float = _num(0.30, 0.0, 10.0)


@dataclass(frozen=True)
class Coaching:
    talk_share_min: float = _num(0.20, 0.0, 1.0)
    talk_share_max: float = _num(0.40, 0.0, 1.0)
    max_trainee_interruptions: int = _num(0, 0, 10_000, int)
    quick_response_s: float = _num(0.2, 0.0, 10.0)
    max_quick_response_share: float = _num(0.25, 0.0, 1.0)
    monologue_alert_s: float = _num(30.0, 1.0, 3600.0)
    min_backchannels_per_client_min: float = _num(1.0, 0.0, 100.0)


@dataclass(frozen=True)
class Config:
    speakers: Speakers = Speakers()
    vad: Vad = Vad()
    crosstalk: Crosstalk = Crosstalk()
    talkspurts: Talkspurts = Talkspurts()
    overlaps: Overlaps = Overlaps()
    coaching: Coaching = Coaching()

    def as_dict(self) -> dict:
        """Every setting as ``summary.json`` ``config`` holds it (sequences as lists)."""
        return dataclasses.asdict(self, dict_factory=lambda items: {k: list(v) if isinstance(v, tuple) else v
                                                                     for k, v in items})

    def with_speakers(self, names: Sequence[str] | None = None, trainee: str | None = None) -> Config:
        """Return a copy with speaker names and/or the trainee set (the other becomes the client)."""
        spk = self.speakers
        if names is not None:
            spk = dataclasses.replace(spk, names=_check_names(names, "`speakers`", "`speakers` maya,sam"))
        if trainee is not None:
            if trainee not in spk.names:
                raise ConfigError(f"`trainee` {trainee!r} is not one of the speakers {', '.join(spk.names)}; "
                                f"pass one of those names.")
            spk = dataclasses.replace(spk, roles=tuple("trainee" if n == trainee else "client" for n in spk.names))
        return dataclasses.replace(self, speakers=spk)


def _check_names(names, where: str, example: str) -> tuple[str, ...]:
    names = tuple(str(n).strip() for n in names)
    require_supported_speakers(len(names), where, example=example)
    if not all(names) or len(set(names)) != len(names):
        raise ConfigError(f"{where} needs different non-empty speaker names, e.g. {example}.")
    if any(any(c in n for c in " \t,\n") for n in names):
        raise ConfigError(f"{where}: speaker names may not contain spaces, tabs or commas ({', '.join(names)}).")
    return names


def names_from_files(paths: Sequence[str | Path]) -> tuple[str, ...]:
    """Speaker names for one mono file per person: each file's name without its extension.

    Spaces and commas become ``_``; when two names are equal, every name gets its number (``_1``, ``_2``, ...).
    """
    stems = [re.sub(r"[\s,]+", "_", Path(p).stem).strip("_") or f"speaker{k + 1}" for k, p in enumerate(paths)]
    if len(set(stems)) != len(stems):
        stems = [f"{stem}_{k + 1}" for k, stem in enumerate(stems)]
    return tuple(stems)


def _check_value(source: str, key: str, f: dataclasses.Field, value):
    """Validate one value against its field's type and range; return it converted."""
    where = f"{source}: key '{key}'"
    if f.type in ("bool", bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}.")
        return value
    meta = f.metadata
    kind = meta["kind"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ConfigError(f"{where} must be {'an integer' if kind is int else 'a number'}, not {value!r}.")
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(f"{where} must be one of {', '.join(map(str, meta['choices']))}, not {value!r}.")
    if not meta["lo"] <= value <= meta["hi"]:
        raise ConfigError(f"{where} must be between {meta['lo']} and {meta['hi']}, not {value!r}.")
    return kind(value)


def _section(source: str, name: str, cls, table) -> object:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: '{name}' must be a table ([{name}]).")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"{source}: unknown key '{name}.{key}'; known keys in [{name}] are "
                            f"{', '.join(fields)}.")
        f = fields[key]
        if name == "speakers":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source}: key 'speakers.{key}' must be a list of strings, one per speaker.")
            require_supported_speakers(len(value), f"{source}: key 'speakers.{key}'", example=f'{key} = ["maya", "sam"]'
                                       if key == "names" else 'roles = ["trainee", "client"]')
            if key == "names":
                values[key] = _check_names(value, f"{source}: key 'speakers.names'", 'names = ["maya", "sam"]')
            else:
                bad = [r for r in value if r not in ROLES]
                if bad:
                    raise ConfigError(f"{source}: key 'speakers.roles' has {bad[0]!r}; roles are "
                                    f"\"trainee\", \"client\" or \"\".")
                values[key] = tuple(value)
        else:
            values[key] = _check_value(source, f"{name}.{key}", f, value)
    return dataclasses.replace(cls(), **values)


def load_config(path: str | Path | None = None) -> Config:
    """Defaults, overridden by the TOML file at ``path`` when given."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; check the path given to `config`.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc}); pass a readable TOML file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax or start from configs/default.toml.") from None
    return config_from_tables(data, str(path))


def config_from_tables(data: dict, source: str) -> Config:
    """Defaults overridden by ``{section: {key: value}}`` (a parsed TOML file, or ``summary.json`` ``config``)."""
    sections = {f.name: type(f.default) for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    for name, table in data.items():
        if name not in sections:
            raise ConfigError(f"{source}: unknown section '[{name}]'; known sections are {', '.join(sections)}.")
        values[name] = _section(source, name, sections[name], table)
    cfg = dataclasses.replace(Config(), **values)
    c = cfg.coaching
    if c.talk_share_min > c.talk_share_max:
        raise ConfigError(f"{source}: key 'coaching.talk_share_min' ({c.talk_share_min}) must not exceed "
                        f"'coaching.talk_share_max' ({c.talk_share_max}).")
    return cfg


def session_config(paths: Sequence[str], config: Config | str | Path | None = None, speakers: Sequence[str] | None = None,
                   trainee: str | None = None) -> Config:
    """The settings a session of ``paths`` is analysed with (``analyze_file``, ``batch``): ``config`` with the
    speakers named (two mono files without names: after the files) and the trainee's role set; raises
    ``ConfigError`` for a bad name."""
    cfg = config if isinstance(config, Config) else load_config(config)
    names = tuple(speakers) if speakers is not None else None
    if names is None and len(paths) == len(cfg.speakers.names) > 1 and cfg.speakers.names == Speakers().names:
        names = names_from_files(paths)            # one file per person: named after them
    return cfg.with_speakers(names=names, trainee=trainee)
