"""`reader doctor`: check that every part of the library agrees with SQLite, and repair it.

Each check says in plain words what it found. A problem makes `doctor` fail until it is
repaired (`--fix`); a note (unused vectors, passages not embedded yet) is only reported.
Repairs never touch articles, notes or highlights: they rebuild what is derived from them
(FTS, the HNSW file, activations) and remove rows that nothing points to any more.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from reader.services.context import LibraryContext
from reader.storage.db import write_transaction

# Rows that belong to an article, by table and the column naming it.
_BELONGS_TO_ARTICLE = {
    "article_tags": "article_id",
    "notes": "article_id",
    "highlights": "article_id",
    "chunks": "article_id",
    "chunk_sources": "article_id",
    "chunk_themes": "article_id",
    "article_themes": "article_id",
}


@dataclass
class Finding:
    """One check's outcome: `problem` findings fail the run until fixed; notes never do."""

    check: str
    ok: bool
    message: str
    problem: bool = False  # something is wrong (not merely untidy)
    fixable: bool = False
    fixed: bool = False

    @property
    def remains(self) -> bool:
        return self.problem and not self.fixed


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems_left(self) -> int:
        return sum(f.remains for f in self.findings)

    def to_dict(self) -> dict:
        return {"ok": self.problems_left == 0, "problems_left": self.problems_left,
                "findings": [asdict(f) for f in self.findings]}


def run_doctor(ctx: LibraryContext, *, fix: bool = False) -> DoctorReport:
    """Every check, in order; with `fix`, each repairable problem is repaired as it is found."""
    report = DoctorReport()
    integrity = check_integrity(ctx)
    report.findings.append(integrity)
    if integrity.problem:
        # A damaged file: repairs that write to it could make it worse. Stop here.
        return report
    checks: list[Callable[[LibraryContext, bool], list[Finding]]] = [
        check_schema, check_fts, check_orphans, check_vectors, check_hnsw, check_themes,
    ]
    for check in checks:
        report.findings.extend(check(ctx, fix))
    return report


def check_integrity(ctx: LibraryContext) -> Finding:
    try:
        rows = [r[0] for r in ctx.db.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return Finding("integrity", True, "The database file is intact (integrity_check: ok).")
    shown = "; ".join(rows[:5]) + (f" (and {len(rows) - 5} more)" if len(rows) > 5 else "")
    return Finding(
        "integrity", False,
        f"The database file is damaged: {shown}. Restore your last `reader backup`, or copy "
        "what can be read with the sqlite3 shell's `.recover`.",
        problem=True,
    )


def check_schema(ctx: LibraryContext, fix: bool) -> list[Finding]:
    from migrations import migrations

    known = [m.name for m in migrations._migrations]  # sqlite-utils keeps the list private
    applied = [m.name for m in migrations.applied(ctx.db)]
    unknown = [name for name in applied if name not in known]
    pending = [name for name in known if name not in applied]
    if unknown:
        return [Finding("schema", False, f"The library was upgraded by a newer reader "
                        f"({', '.join(unknown)}); this version does not know those changes.",
                        problem=True)]
    if pending:
        finding = Finding("schema", False, f"{len(pending)} schema upgrade(s) not applied: "
                          f"{', '.join(pending)}.", problem=True, fixable=True)
        if fix:
            from reader.storage.db import apply_migrations

            apply_migrations(ctx.db)
            finding.fixed = True
        return [finding]
    findings = [Finding("schema", True, f"The schema is current ({len(applied)} of "
                        f"{len(known)} migrations applied, the last {applied[-1]}).")]
    missing = _missing_objects(ctx)
    if missing:
        names = ", ".join(f"{kind} {name}" for kind, name, _ in missing)
        repairable = all(kind in ("index", "trigger") for kind, _, _ in missing)
        finding = Finding("schema", False, f"Parts of the schema are missing: {names}.",
                          problem=True, fixable=repairable)
        if fix and repairable:
            with write_transaction(ctx.db):
                for _, _, sql in missing:
                    ctx.db.execute(sql)
            finding.fixed = True
        findings.append(finding)
    return findings


def _missing_objects(ctx: LibraryContext) -> list[tuple[str, str, str]]:
    """Tables, indexes and triggers the migrations create that the library lacks."""
    from sqlite_utils import Database

    from migrations import migrations

    reference = Database(memory=True)
    migrations.apply(reference)
    query = ("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
             "AND name NOT LIKE 'sqlite_%'")
    have = {(kind, name) for kind, name, _ in ctx.db.execute(query).fetchall()}
    wanted = reference.execute(query).fetchall()
    reference.close()
    return [(kind, name, sql) for kind, name, sql in wanted if (kind, name) not in have]


def check_fts(ctx: LibraryContext, fix: bool) -> list[Finding]:
    from reader.index import fts

    db = ctx.db
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    if fts.integrity_ok(db):
        return [Finding("fts", True, f"The keyword index agrees with all {articles} articles.")]
    finding = Finding("fts", False, "The keyword index (FTS) does not agree with the articles: "
                      "keyword search would miss or misplace some.", problem=True, fixable=True)
    if fix:
        with write_transaction(db):
            fts.rebuild(db)
        finding.fixed = fts.integrity_ok(db)
    return [finding]


def check_orphans(ctx: LibraryContext, fix: bool) -> list[Finding]:
    db = ctx.db
    found: dict[str, int] = {}
    for table, column in _BELONGS_TO_ARTICLE.items():
        if not db[table].exists():
            continue
        found[table] = db.execute(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
            f"(SELECT 1 FROM articles a WHERE a.id = t.{column})"
        ).fetchone()[0]
    orphans = {k: v for k, v in found.items() if v}
    if not orphans:
        return [Finding("orphans", True, "Every tag, note, highlight, passage and theme "
                        "activation belongs to an article that exists.")]
    words = ", ".join(f"{n} in {table}" for table, n in orphans.items())
    finding = Finding("orphans", False, f"Rows whose article is gone: {words}.",
                      problem=True, fixable=True)
    if fix:
        with write_transaction(db):
            for table, column in _BELONGS_TO_ARTICLE.items():
                if db[table].exists():
                    db.execute(f"DELETE FROM {table} WHERE NOT EXISTS "
                               f"(SELECT 1 FROM articles a WHERE a.id = {table}.{column})")
        finding.fixed = True
    return [finding]


def check_vectors(ctx: LibraryContext, fix: bool) -> list[Finding]:
    db = ctx.db
    findings = []
    broken = db.execute(
        "SELECT count(*) FROM embeddings WHERE length(vector) != 4 * dimension"
    ).fetchone()[0]
    if broken:
        finding = Finding("vectors", False, f"{broken} stored vector(s) have the wrong size; "
                          "they are dropped and embedded again by `reader index`.",
                          problem=True, fixable=True)
        if fix:
            with write_transaction(db):
                db.execute("DELETE FROM embeddings WHERE length(vector) != 4 * dimension")
            finding.fixed = True
        findings.append(finding)
    unused = db.execute(
        "SELECT count(*) FROM embeddings e WHERE NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.content_hash = e.content_hash)"
    ).fetchone()[0]
    if unused:
        finding = Finding("vectors", False, f"{unused} vector(s) belong to no passage (kept as a "
                          "cache when articles change or go); --fix removes them.", fixable=True)
        if fix:
            with write_transaction(db):
                db.execute("DELETE FROM embeddings WHERE NOT EXISTS "
                           "(SELECT 1 FROM chunks c WHERE c.content_hash = embeddings.content_hash)")
            finding.fixed = True
        findings.append(finding)
    if not findings:
        total = db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        findings.append(Finding("vectors", True, f"All {total} stored vectors are whole and in use."))
    return findings


def check_hnsw(ctx: LibraryContext, fix: bool) -> list[Finding]:
    from reader.errors import IndexNotReady
    from reader.index.hnsw import IndexInvalid, VectorIndex, index_lock
    from reader.services.search.indexing import library_model, open_index
    from reader.storage import chunks as store

    try:
        model, dimension = library_model(ctx)
    except IndexNotReady:
        return [Finding("search index", True, "Nothing is indexed yet (`reader index` builds it).")]
    expected = store.indexable_ids(ctx.db, model)
    pending = store.pending_articles(ctx.db, model)
    notes = []
    if pending:
        notes.append(Finding("search index", False, f"{pending} article(s) are not embedded yet: "
                             "`reader index` adds them."))
    folder = ctx.paths.index_dir
    try:
        with index_lock(folder, exclusive=False):
            index = VectorIndex.load(folder, model=model, dimension=dimension)
    except IndexInvalid as why:
        problem = f"The search index file cannot be used: {why}."
    else:
        have = index.ids
        missing = len(set(expected.tolist()) - set(have.tolist()))
        extra = len(set(have.tolist()) - set(expected.tolist()))
        if not missing and not extra:
            return [*notes, Finding("search index", True, f"The search index holds exactly the "
                                    f"{len(expected)} passages SQLite has vectors for.")]
        problem = (f"The search index is out of step with SQLite: {missing} passage(s) missing, "
                   f"{extra} that no longer exist.")
    finding = Finding("search index", False, problem + " It is rebuilt from SQLite with --fix "
                      "(or on the next search).", problem=True, fixable=True)
    if fix:
        index, _, _ = open_index(ctx, model, dimension, rebuild=True)
        finding.fixed = len(index) == len(expected)
    return [*notes, finding]


def check_themes(ctx: LibraryContext, fix: bool) -> list[Finding]:
    from reader.storage.db import meta_get

    db = ctx.db
    run_id = meta_get(db, "themes.run")
    if run_id is None:
        return [Finding("themes", True, "No themes trained yet.")]
    run = db.execute("SELECT id, model, dimension FROM theme_runs WHERE id = ?",
                     [int(run_id)]).fetchone()
    if run is None:
        return [Finding("themes", False, f"The active theme run {run_id} is missing; "
                        "`reader themes train` trains a new one.", problem=True)]
    findings = []
    model = meta_get(db, "search.model")
    if model is not None and run[1] != model:
        findings.append(Finding("themes", False, f"Themes were trained on {run[1]} vectors but "
                                f"the library now uses {model}: `reader themes train` retrains "
                                "them.", problem=True))
    dangling = db.execute(
        "SELECT count(*) FROM chunk_themes t WHERE NOT EXISTS "
        "(SELECT 1 FROM themes h WHERE h.id = t.theme_id)"
    ).fetchone()[0] + db.execute(
        "SELECT count(*) FROM article_themes t WHERE NOT EXISTS "
        "(SELECT 1 FROM themes h WHERE h.id = t.theme_id)"
    ).fetchone()[0]
    if dangling:
        finding = Finding("themes", False, f"{dangling} theme activation(s) point to themes that "
                          "no longer exist.", problem=True, fixable=True)
        if fix:
            with write_transaction(db):
                for table in ("chunk_themes", "article_themes"):
                    db.execute(f"DELETE FROM {table} WHERE NOT EXISTS "
                               f"(SELECT 1 FROM themes h WHERE h.id = {table}.theme_id)")
            finding.fixed = True
        findings.append(finding)
    stale = db.execute(
        "SELECT count(*) FROM chunk_themes t WHERE NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.id = t.chunk_id)"
    ).fetchone()[0]
    if stale:
        # Passages re-cut since training: harmless (nothing shows them), gone at the next training.
        finding = Finding("themes", False, f"{stale} passage activation(s) belong to passages "
                          "cut again since training; --fix removes them.", fixable=True)
        if fix:
            with write_transaction(db):
                db.execute("DELETE FROM chunk_themes WHERE NOT EXISTS "
                           "(SELECT 1 FROM chunks c WHERE c.id = chunk_themes.chunk_id)")
            finding.fixed = True
        findings.append(finding)
    if not any(f.problem for f in findings):
        count = db.execute("SELECT count(*) FROM themes WHERE retired_at IS NULL").fetchone()[0]
        findings.append(Finding("themes", True, f"{count} themes of run {run[0]} match the "
                                "library's vectors."))
    return findings
