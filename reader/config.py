"""Where the library lives and the user's settings. Nothing here runs at import time."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HOME_ENV = "READER_HOME"


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
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Settings:
    """User settings, kept as settings.json in the library folder."""

    # Embedding model: "all-MiniLM-L6-v2" means the packaged copy; any other
    # sentence-transformers name or local path works too.
    model: str = DEFAULT_MODEL
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
        path = folder / "settings.json"
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            from reader.errors import BadInput

            raise BadInput(f"{path}: cannot read settings ({exc})") from exc
        known = {f.name for f in fields(cls)}
        extra = {k: v for k, v in raw.items() if k not in known}
        settings = cls(**{k: v for k, v in raw.items() if k in known and k != "extra"})
        settings.extra = extra
        if not isinstance(settings.allow_private_addresses, bool):
            from reader.errors import BadInput

            raise BadInput(f"{path}: allow_private_addresses must be true or false")
        return settings

    def set(self, key: str, raw: str) -> object:
        """Set one known setting from text, converted to the setting's type."""
        from reader.errors import BadInput

        kinds = {f.name: f.type for f in fields(self) if f.name != "extra"}
        if key not in kinds:
            raise BadInput(f"unknown setting {key!r}; known: {', '.join(sorted(kinds))}")
        kind = kinds[key] if isinstance(kinds[key], str) else kinds[key].__name__
        try:
            if kind == "bool":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError(raw)
                value: object = raw.lower() in ("true", "1", "yes", "on")
            elif kind == "int":
                value = int(raw)
            elif kind == "float":
                value = float(raw)
            else:
                value = raw
        except ValueError as exc:
            wanted = {"int": "a whole number", "float": "a number", "bool": "true or false"}[kind]
            raise BadInput(f"{key} must be {wanted}, not {raw!r}") from exc
        setattr(self, key, value)
        return value

    def save(self, folder: Path) -> None:
        data = asdict(self)
        extra = data.pop("extra")
        data.update(extra)
        path = folder / "settings.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
        tmp.replace(path)


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
