"""Where the library lives and the user's settings. Nothing here runs at import time."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HOME_ENV = "READER_HOME"
SETTINGS_FILE = "settings.json"
# What settings.json holds in place of a secret kept in the system keyring.
IN_KEYRING = "(in the system keyring)"
SECRET_SUFFIXES = ("_key", "_token", "_secret", "_password")
# Lower bounds of numeric settings (inclusive); every number must also be finite.
MINIMUM: dict[str, float] = {
    "concurrency": 1, "per_host": 1, "connect_timeout": 0.1, "read_timeout": 0.1,
    "max_bytes": 1024, "max_redirects": 0, "retries": 0, "llm_timeout": 0.1,
}  # fmt: skip


def is_secret(name: str) -> bool:
    """Whether a setting holds a secret: never printed, kept in the keyring or a 0600 file."""
    return name.endswith(SECRET_SUFFIXES)


def secret_env(name: str) -> str:
    """The environment variable that overrides a secret setting: READER_LLM_API_KEY, ..."""
    return f"READER_{name.upper()}"


def user_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """The library folder: --home, else $READER_HOME, else the platform's user data folder."""
    if home is not None:
        path = Path(home)
    elif os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV])
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("reader", appauthor=False))
    path = path.expanduser()
    if not path.exists():
        # The library is its owner's alone: created 0700 (an existing folder is left as it is).
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, the file readable by its owner only (0600)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an old tmp file may have had wider permissions
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        if fd >= 0:
            os.close(fd)
    tmp.replace(path)


def create_private(path: Path) -> None:
    """Create an empty file readable by its owner only, unless it already exists."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _owner_only(path: Path, mode: int) -> None:
    """Take group and other permissions off a file of ours that has them (older versions)."""
    try:
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            path.chmod(mode)
    except (OSError, AttributeError):  # not ours, or no getuid (Windows)
        pass


def _kinds() -> dict[str, str]:
    """Each setting's name and type name ("int", "float", "bool", "str")."""
    out = {}
    for f in fields(Settings):
        if f.name != "extra":
            out[f.name] = f.type if isinstance(f.type, str) else f.type.__name__
    return out


def validated(key: str, value: object) -> object:
    """`value` checked for setting `key` (type, range, not null); ValueError says why not."""
    kinds = _kinds()
    if key not in kinds:
        raise ValueError(f"unknown setting {key!r}")
    return _checked(key, kinds[key], value)


def _checked(key: str, kind: str, value: object) -> object:
    """`value` if it is a valid `kind` for `key` (ints pass as floats), else ValueError."""
    import math

    words = {"int": "a whole number", "float": "a number", "bool": "true or false",
             "str": "text"}  # fmt: skip
    if value is None:
        raise ValueError(f"{key} must be {words[kind]}, not null")
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "str": isinstance(value, str),
    }[kind]
    if not ok:
        raise ValueError(f"{key} must be {words[kind]}, not {json.dumps(value)}")
    if kind == "float":
        value = float(value)  # type: ignore[arg-type]
        if not math.isfinite(value):
            raise ValueError(f"{key} must be a finite number, not {value}")
    if key in MINIMUM and value < MINIMUM[key]:  # type: ignore[operator]
        raise ValueError(f"{key} must be at least {MINIMUM[key]:g}, not {value}")
    return value


# A keyring backend can fail in its own ways (D-Bus gone, a locked wallet, a bad config).
_OTHER_KEYRING_ERRORS = (OSError, RuntimeError, ValueError, LookupError)


def _keyring_errors() -> tuple[type[BaseException], ...]:
    try:
        from keyring.errors import KeyringError
    except ImportError:
        return _OTHER_KEYRING_ERRORS
    return (KeyringError, *_OTHER_KEYRING_ERRORS)


def _keyring():
    """The system keyring when a usable one is present, else None (then the 0600 file is used)."""
    if os.environ.get("READER_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except (ImportError, *_keyring_errors()):  # no keyring to be had: the file it is
        return None
    if isinstance(backend, fail.Keyring | null.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def _keyring_service(folder: Path) -> str:
    return f"reader:{folder.resolve()}"


def _keyring_get(folder: Path, key: str) -> str | None:
    ring = _keyring()
    if ring is None:
        return None
    try:
        return ring.get_password(_keyring_service(folder), key)
    except _keyring_errors():  # a locked or broken keyring reads as "not set"
        return None


def _keyring_set(folder: Path, key: str, value: str) -> bool:
    ring = _keyring()
    if ring is None:
        return False
    try:
        ring.set_password(_keyring_service(folder), key, value)
    except _keyring_errors():  # fail safe: the owner-only file keeps it instead
        return False
    return True


def _keyring_delete(folder: Path, key: str) -> None:
    ring = _keyring()
    if ring is None:
        return
    # Nothing stored there, or the keyring is unavailable: either way nothing to remove.
    with contextlib.suppress(*_keyring_errors()):
        ring.delete_password(_keyring_service(folder), key)



@dataclass
class Settings:
    """User settings, kept as settings.json in the library folder (owner-only, mode 0600).

    Secrets (`*_key`, `*_token`, ...) go to the system keyring when a usable one is present,
    else into settings.json; READER_<NAME> environment variables override them and are never
    written anywhere. Values are validated on load (a bad one falls back to its default,
    with a line in `problems`) and on `set` (a bad one is refused).
    """

    # Embedding model: "all-MiniLM-L6-v2" means the packaged copy; any other
    # sentence-transformers name or local path works too.
    model: str = DEFAULT_MODEL
    # "fp32", or "int8": ONNX Runtime's quantisation of the model, about 1.5x faster to
    # embed with search quality kept (checked when it is built); switching re-embeds.
    embedding_precision: str = "fp32"
    # HNSW ef at search time; 0 picks it from the index size (reader.index.hnsw.auto_ef).
    search_ef: int = 0
    # Fetching.
    concurrency: int = 8
    per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    retries: int = 3
    user_agent: str = "reader/0.1 (+https://github.com/reader; personal reading library)"
    # Let links from files and feeds (not only URLs you type) reach private, loopback and
    # link-local addresses: for people who read from their own network.
    allow_private_addresses: bool = False
    # Digest.
    sign_off: str = "Until next week,"  # the default follows the window ("Until next month,")
    author_name: str = ""
    # "What I'm working on": a Markdown/text file, or note:ID for one of your notes ("": none).
    working_on: str = ""
    # Optional services: all off unless configured.
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 30.0
    llm_labels: bool = False
    llm_polish: bool = False
    buttondown_api_key: str = ""
    buttondown_base_url: str = "https://api.buttondown.com/v1"
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Settings:
        path = folder / SETTINGS_FILE
        raw: dict[str, object] = {}
        if path.exists():
            try:
                raw = json.loads(path.read_text("utf-8"))
            except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
                from reader.errors import BadInput

                raise BadInput(f"{path}: cannot read settings ({exc})") from exc
            if not isinstance(raw, dict):
                from reader.errors import BadInput

                raise BadInput(f"{path}: settings must be a JSON object, not {type(raw).__name__}")
            _owner_only(path, 0o600)
        settings = cls()
        problems: list[str] = []
        known = _kinds()
        for key, value in raw.items():
            if key not in known:
                problems.append(f"{path.name}: unknown setting {key!r} (kept, not used)")
                settings.extra[key] = value
                continue
            if is_secret(key) and value == IN_KEYRING:
                value = _keyring_get(folder, key) or ""
            try:
                setattr(settings, key, _checked(key, known[key], value))
            except ValueError as exc:
                problems.append(f"{path.name}: {exc}; using {getattr(settings, key)!r}")
        settings._stored = {k: getattr(settings, k) for k in known if is_secret(k)}
        settings._from_env = set()
        for key in known:
            if is_secret(key) and os.environ.get(secret_env(key)):
                setattr(settings, key, os.environ[secret_env(key)])
                settings._from_env.add(key)
        settings.problems = problems
        return settings

    def set(self, key: str, raw: str) -> object:
        """Set one known setting from text, converted to the setting's type and checked."""
        from reader.errors import BadInput

        kinds = _kinds()
        if key not in kinds:
            raise BadInput(f"unknown setting {key!r}; known: {', '.join(sorted(kinds))}")
        kind = kinds[key]
        try:
            if kind == "bool":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError(raw)
                value: object = raw.lower() in ("true", "1", "yes", "on")
            elif kind == "int":
                value = int(raw)
            elif kind == "float":
                value = float(raw)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError(raw)
            else:
                value = raw
        except ValueError as exc:
            wanted = {"int": "a whole number", "float": "a number", "bool": "true or false"}[kind]
            raise BadInput(f"{key} must be {wanted}, not {raw!r}") from exc
        try:
            value = _checked(key, kind, value)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        setattr(self, key, value)
        self._from_env = getattr(self, "_from_env", set()) - {key}
        return value

    def shown(self) -> dict[str, object]:
        """Every setting for display: secrets as "(set)" or "", never their value."""
        data = {k: v for k, v in asdict(self).items() if k != "extra"}
        for key in data:
            if is_secret(key) and data[key]:
                data[key] = "(set)"
        return data

    def save(self, folder: Path) -> None:
        data = asdict(self)
        extra = data.pop("extra")
        data.update(extra)
        from_env = getattr(self, "_from_env", set())
        stored = getattr(self, "_stored", {})
        for key in list(data):
            if not is_secret(key):
                continue
            value = stored.get(key, "") if key in from_env else data[key]
            if value:
                data[key] = IN_KEYRING if _keyring_set(folder, key, str(value)) else value
            else:
                _keyring_delete(folder, key)
                data[key] = ""
        write_private(folder / SETTINGS_FILE, json.dumps(data, indent=2) + "\n")
        self._stored = {k: (stored.get(k, "") if k in from_env else getattr(self, k))
                        for k in _kinds() if is_secret(k)}


@dataclass
class Paths:
    """Every file reader keeps in one library folder."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "reader.db"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @classmethod
    def at(cls, home: str | os.PathLike[str] | None = None) -> Paths:
        return cls(user_dir(home))
