"""Append-only schema migrations. Never edit one that has shipped; add the next.

Each function runs in its own transaction and is recorded in _sqlite_migrations.
`sqlite-utils migrate reader.db migrations/ --list` lists them.
"""

from sqlite_utils import Database, Migrations

migrations = Migrations("reader")


@migrations()
def m001_create_library(db: Database) -> None:
    db["articles"].create(
        {
            "id": int,
            "url": str,  # as the user gave it
            "canonical_url": str,  # the identity of an article: same canonical URL, same article
            "final_url": str,  # after redirects
            "redirects": str,  # JSON list of the URLs passed through
            "title": str,
            "author": str,
            "site": str,
            "published": str,
            "language": str,
            "added_at": str,
            "fetched_at": str,
            "read_at": str,
            "status": str,
            "target_status": str,  # the reading state to take once a queued article is fetched
            "progress": float,
            "word_count": int,
            "text": str,
            "markdown": str,
            "html": bytes,  # zlib-compressed raw HTML as fetched
            "content_hash": str,
            "extraction": str,  # full | fallback | provided | none
            "extraction_note": str,  # why an extraction looks thin (fallback)
            "duplicate_of": int,
            "error": str,
            "attempts": int,
            "source": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"url", "canonical_url", "status", "added_at"},
        defaults={"status": "queued", "progress": 0.0, "word_count": 0, "attempts": 0},
        foreign_keys=[("duplicate_of", "articles", "id")],
    )
    db["articles"].create_index(["canonical_url"], unique=True)
    db["articles"].create_index(["status"])
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["added_at"])
    db["articles"].create_index(["read_at"])

    db["article_tags"].create(
        {"article_id": int, "tag": str},
        pk=("article_id", "tag"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_tags"].create_index(["tag"])

    db["notes"].create(
        {"id": int, "article_id": int, "text": str, "created_at": str},
        pk="id",
        not_null={"article_id", "text"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["notes"].create_index(["article_id"])

    db["highlights"].create(
        {"id": int, "article_id": int, "text": str, "note": str, "created_at": str},
        pk="id",
        not_null={"article_id", "text"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["highlights"].create_index(["article_id"])

    db["feeds"].create(
        {
            "id": int,
            "url": str,
            "title": str,
            "site_url": str,
            "added_at": str,
            "last_fetched_at": str,
            "error": str,
        },
        pk="id",
        not_null={"url"},
    )
    db["feeds"].create_index(["url"], unique=True)

    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m002_search(db: Database) -> None:
    """Chunks, their vectors keyed by (model, content hash), and FTS5 over title and text."""
    # AUTOINCREMENT: a chunk id is also its label in the HNSW index, so ids are never reused.
    db.execute(
        """
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,      -- position in the article, from 0
            start_char INTEGER NOT NULL,   -- the passage is articles.text[start_char:end_char]
            end_char INTEGER NOT NULL,
            context TEXT NOT NULL,         -- the title as the model reads it before the passage
            text TEXT NOT NULL,            -- the passage
            token_count INTEGER NOT NULL,  -- word pieces of context + passage, special tokens excluded
            content_hash TEXT NOT NULL     -- sha256 of exactly the text embedded
        )
        """
    )
    db.execute("CREATE INDEX chunks_article_id ON chunks(article_id)")
    # Covering: "which chunks have a vector" is answered from the two indexes alone.
    db.execute("CREATE INDEX chunks_content_hash ON chunks(content_hash, article_id)")
    db.execute(
        """
        CREATE TABLE embeddings (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            dimension INTEGER NOT NULL,
            vector BLOB NOT NULL,          -- float32, little-endian, L2-normalised
            created_at TEXT NOT NULL
        )
        """
    )
    # The key of a vector. A separate index (not WITHOUT ROWID) keeps lookups off the blobs.
    db.execute("CREATE UNIQUE INDEX embeddings_key ON embeddings(model, content_hash)")
    # What each article's chunks were cut from; `stale` is set by a trigger when title or text change.
    db.execute(
        """
        CREATE TABLE chunk_sources (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            source_hash TEXT NOT NULL,
            tokenizer TEXT NOT NULL,
            chunk_count INTEGER NOT NULL,
            chunked_at TEXT NOT NULL,
            stale INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute(
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content="articles", content_rowid="id",
            tokenize='porter unicode61 remove_diacritics 2'
        )
        """
    )
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    db.execute(
        """
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END
        """
    )
    # Only title and text matter: reading progress and status updates leave the index alone.
    db.execute(
        """
        CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
            UPDATE chunk_sources SET stale = 1 WHERE article_id = new.id;
        END
        """
    )


@migrations()
def m003_themes(db: Database) -> None:
    # One row per training: the explicit config and the weights trained with it.
    db["theme_runs"].create(
        {
            "id": int,
            "created_at": str,
            "model": str,  # embedding model of the chunk vectors it was trained on
            "dimension": int,
            "kind": str,  # full | incremental
            "config": str,  # JSON of reader.ml.sae.SAEConfig
            "metrics": str,  # JSON: held-out FVU, L0, dead fraction, timings, ...
            "why": str,  # the sizing and full/incremental decisions, in words
            "n_articles": int,
            "n_chunks": int,
            "weights": bytes,  # .npz of float32 arrays: encoder, decoder, biases, normaliser
            "parent_id": int,  # the run it was warm-started or matched from
        },
        pk="id",
        foreign_keys=[("parent_id", "theme_runs", "id")],
    )
    # A theme keeps its id across runs while its direction is matched; retired otherwise.
    db["themes"].create(
        {
            "id": int,
            "run_id": int,  # latest run that matched it
            "latent": int,  # its row in that run's decoder (null once retired)
            "level": str,  # broad | fine
            "label": str,  # from keywords
            "name": str,  # the user's name for it: survives retraining
            "llm_label": str,
            "keywords": str,  # JSON list
            "hidden": int,  # generic or incoherent: kept as a facet, left out of lists
            "hidden_reason": str,
            "density": float,  # share of articles it fires on
            "max_activation": float,
            "mean_activation": float,
            "coherence": float,  # mean cosine between its top articles
            "label_auc": float,
            "n_articles": int,
            "parent_id": int,  # the broad theme a fine one belongs under
            "created_run_id": int,
            "is_new": int,  # appeared in the latest run
            "match_cosine": float,  # decoder cosine to itself in the previous run
            "extra": str,  # JSON
            "created_at": str,
            "updated_at": str,
            "retired_at": str,
        },
        pk="id",
        defaults={"hidden": 0, "is_new": 1},
        foreign_keys=[("run_id", "theme_runs", "id"), ("created_run_id", "theme_runs", "id")],
    )
    db["themes"].create_index(["retired_at"])
    db["theme_run_latents"].create(
        {"run_id": int, "level": str, "latent": int, "theme_id": int, "cosine": float},
        pk=("run_id", "level", "latent"),
        foreign_keys=[("run_id", "theme_runs", "id"), ("theme_id", "themes", "id")],
    )
    # Activations of the active run; rows go with their article.
    db.execute(
        "create table chunk_themes (chunk_id integer not null, "
        "article_id integer not null references articles(id) on delete cascade, "
        "theme_id integer not null references themes(id), value float not null, "
        "primary key (chunk_id, theme_id))"
    )
    db["chunk_themes"].create_index(["theme_id", "value"])
    db["chunk_themes"].create_index(["article_id"])
    db.execute(
        "create table article_themes ("
        "article_id integer not null references articles(id) on delete cascade, "
        "theme_id integer not null references themes(id), value float not null, "
        "strength float not null, passages integer not null, "
        "primary key (article_id, theme_id))"
    )
    db["article_themes"].create_index(["theme_id", "strength"])


@migrations()
def m004_digests(db: Database) -> None:
    """Saved digests: the window, the articles in it, the draft and its edits."""
    db["digests"].create(
        {
            "id": int,
            "created_at": str,
            "window_start": str,  # included
            "window_end": str,  # excluded; the next digest starts here
            "subject": str,
            "article_ids": str,  # JSON list: the read articles, in digest order
            "unread_ids": str,  # JSON list: saved in the window, not read yet
            "format": str,  # markdown
            "text": str,  # the draft, or the user's edited version of it
            "data": str,  # JSON: sections, items and notes the draft was rendered from
            "edited_at": str,
            "pushed_at": str,  # when it was sent to Buttondown as a draft
            "remote_id": str,  # its id there
        },
        pk="id",
        not_null={"created_at", "window_start", "window_end", "article_ids", "text"},
    )
    db["digests"].create_index(["window_end"])


@migrations()
def m005_two_states(db: Database) -> None:
    """The reading state and the fetch state become two columns.

    Until now one `status` held both (queued, failed, unread, reading, read, archived) with
    `target_status` holding the reading state a queued or failed article should take: a dead
    link lost its archived or read state in every list. `state` is what the reader did
    (unread, reading, read, archived), `fetch_state` what the network did (queued, fetched,
    failed, provided). Also: when to retry a transient failure, which process holds an article
    it is fetching, and where a highlight sits in the text.
    """
    db.execute("ALTER TABLE articles ADD COLUMN state TEXT NOT NULL DEFAULT 'unread'")
    db.execute("ALTER TABLE articles ADD COLUMN fetch_state TEXT NOT NULL DEFAULT 'queued'")
    db.execute("ALTER TABLE articles ADD COLUMN next_retry_at TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN claimed_by TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN claimed_at TEXT")
    db.execute("ALTER TABLE articles RENAME COLUMN error TO fetch_error")
    reading = "('unread', 'reading', 'read', 'archived')"
    db.execute(
        f"""
        UPDATE articles SET
          state = CASE
            WHEN status IN {reading} THEN status
            WHEN target_status IN {reading} THEN target_status
            ELSE 'unread' END,
          fetch_state = CASE
            WHEN status = 'queued' THEN 'queued'
            WHEN status = 'failed' THEN 'failed'
            WHEN extraction = 'provided' THEN 'provided'
            ELSE 'fetched' END
        """
    )
    db.execute("DROP INDEX IF EXISTS idx_articles_status")
    db.execute("ALTER TABLE articles DROP COLUMN status")
    db.execute("ALTER TABLE articles DROP COLUMN target_status")
    db["articles"].create_index(["state"])
    db["articles"].create_index(["fetch_state"])
    db.execute("ALTER TABLE highlights ADD COLUMN start_char INTEGER")
    db.execute("ALTER TABLE highlights ADD COLUMN end_char INTEGER")
    db.execute("ALTER TABLE highlights ADD COLUMN updated_at TEXT")
    db.execute("ALTER TABLE notes ADD COLUMN updated_at TEXT")


@migrations()
def m009_near_duplicates(db: Database) -> None:
    """MinHash signatures and LSH band keys, to find near copies of an article."""
    db.execute(
        "create table near_dup_signatures ("
        "article_id integer primary key references articles(id) on delete cascade, "
        "signature blob not null, "  # NUM_PERM little-endian uint64
        "text_hash text, "  # the content_hash the signature was made from
        "user_distinct integer not null default 0)"  # the user split it: never mark it again
    )
    db.execute(
        "create table near_dup_bands ("
        "band integer not null, key blob not null, "
        "article_id integer not null references articles(id) on delete cascade)"
    )
    db["near_dup_bands"].create_index(["band", "key"])
    db["near_dup_bands"].create_index(["article_id"])


@migrations()
def m007_theme_members(db: Database) -> None:
    """Whether an article is *in* a theme (one rule for both levels), beside its strength.

    Themes trained before this keep working until the next training: an article counts as in
    a theme where its strength reached 0.25, the threshold their timelines used.
    """
    db.execute("alter table article_themes add column member integer not null default 0")
    db.execute("update article_themes set member = 1 where strength >= 0.25")
    db["article_themes"].create_index(["theme_id", "member"])


@migrations()
def m006_sentence_vectors(db: Database) -> None:
    """Sentence vectors beside the chunks, so a digest never embeds the same sentence twice.

    Keyed by the chunk a sentence was cut from: when the chunk changes it is replaced, and
    its sentence vectors go with it (ON DELETE CASCADE).
    """
    db.execute(
        """
        CREATE TABLE sentence_vectors (
            chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,    -- sha256 of the sentence as the summariser reads it
            vector BLOB NOT NULL,          -- float32, little-endian, L2-normalised
            PRIMARY KEY (chunk_id, model, content_hash)
        ) WITHOUT ROWID
        """
    )


@migrations()
def m010_article_sentence_vectors(db: Database) -> None:
    """Sentence vectors of articles not indexed yet, so drafting again embeds nothing twice.

    Keyed by the article: when it is deleted they go with it (ON DELETE CASCADE); once it is
    indexed its sentence vectors live beside its chunks (m006) and these are dropped.
    """
    db.execute(
        """
        CREATE TABLE article_sentence_vectors (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,    -- sha256 of the sentence as the summariser reads it
            vector BLOB NOT NULL,          -- float32, little-endian
            PRIMARY KEY (article_id, model, content_hash)
        ) WITHOUT ROWID
        """
    )


@migrations()
def m008_state_added_index(db: Database) -> None:
    """The library's pages by reading state, newest first, read from an index in order.

    Without it a state's page sorted every article in that state (46 ms for 60,000 read
    articles); with it a page is an index walk of its 80 rows.
    """
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_state_added_at ON articles(state, added_at)"
    )


@migrations()
def m015_searchable_index(db: Database) -> None:
    """Which articles search may match, answered from an index instead of the rows.

    The eligibility test reads `trim(text)`, and `state`, `fetch_state` and `duplicate_of`
    were added after `text`, `markdown` and `html`: testing one article read the whole chain
    of its overflow pages. A keyword search matching 11,000 of 100,000 articles spent 1.3 s
    there with a cold cache. This partial index holds only the searchable articles, so
    "is it searchable, in this state, saved then" is an index lookup. Its WHERE must stay
    the same terms as reader.storage.chunks.ELIGIBLE (queries name it with INDEXED BY, and
    SQLite refuses the query if the terms differ).
    """
    db.execute(
        """
        CREATE INDEX IF NOT EXISTS idx_articles_searchable ON articles(id, state, added_at)
        WHERE fetch_state IN ('fetched', 'provided') AND duplicate_of IS NULL
          AND text IS NOT NULL AND trim(text) != ''
        """
    )
