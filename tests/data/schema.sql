CREATE INDEX chunks_article_id ON chunks(article_id);
CREATE INDEX chunks_content_hash ON chunks(content_hash, article_id);
CREATE UNIQUE INDEX embeddings_key ON embeddings(model, content_hash);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX "idx_article_tags_tag"
    ON "article_tags" ("tag");
CREATE INDEX "idx_article_themes_theme_id_member"
    ON "article_themes" ("theme_id", "member");
CREATE INDEX "idx_article_themes_theme_id_strength"
    ON "article_themes" ("theme_id", "strength");
CREATE INDEX "idx_articles_added_at"
    ON "articles" ("added_at");
CREATE UNIQUE INDEX "idx_articles_canonical_url"
    ON "articles" ("canonical_url");
CREATE INDEX "idx_articles_content_hash"
    ON "articles" ("content_hash");
CREATE INDEX "idx_articles_fetch_state"
    ON "articles" ("fetch_state");
CREATE INDEX "idx_articles_read_at"
    ON "articles" ("read_at");
CREATE INDEX idx_articles_searchable ON articles(id, state, added_at)
        WHERE fetch_state IN ('fetched', 'provided') AND duplicate_of IS NULL
          AND text IS NOT NULL AND trim(text) != '';
CREATE INDEX "idx_articles_state"
    ON "articles" ("state");
CREATE INDEX idx_articles_state_added_at ON articles(state, added_at);
CREATE INDEX "idx_chunk_themes_article_id"
    ON "chunk_themes" ("article_id");
CREATE INDEX "idx_chunk_themes_theme_id_value"
    ON "chunk_themes" ("theme_id", "value");
CREATE INDEX "idx_digests_window_end"
    ON "digests" ("window_end");
CREATE UNIQUE INDEX "idx_feeds_url"
    ON "feeds" ("url");
CREATE INDEX "idx_highlights_article_id"
    ON "highlights" ("article_id");
CREATE INDEX "idx_near_dup_bands_article_id"
    ON "near_dup_bands" ("article_id");
CREATE INDEX "idx_near_dup_bands_band_key"
    ON "near_dup_bands" ("band", "key");
CREATE INDEX "idx_notes_article_id"
    ON "notes" ("article_id");
CREATE INDEX "idx_themes_retired_at"
    ON "themes" ("retired_at");
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE TABLE article_sentence_vectors (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,    -- sha256 of the sentence as the summariser reads it
            vector BLOB NOT NULL,          -- float32, little-endian
            PRIMARY KEY (article_id, model, content_hash)
        ) WITHOUT ROWID;
CREATE TABLE "article_tags" (
   "article_id" INTEGER REFERENCES "articles"("id"),
   "tag" TEXT,
   PRIMARY KEY ("article_id", "tag")
);
CREATE TABLE article_themes (article_id integer not null references articles(id) on delete cascade, theme_id integer not null references themes(id), value float not null, strength float not null, passages integer not null, member integer not null default 0, primary key (article_id, theme_id));
CREATE TABLE "articles" (
   "id" INTEGER PRIMARY KEY,
   "url" TEXT NOT NULL,
   "canonical_url" TEXT NOT NULL,
   "final_url" TEXT,
   "redirects" TEXT,
   "title" TEXT,
   "author" TEXT,
   "site" TEXT,
   "published" TEXT,
   "language" TEXT,
   "added_at" TEXT NOT NULL,
   "fetched_at" TEXT,
   "read_at" TEXT,
   "progress" REAL DEFAULT 0.0,
   "word_count" INTEGER DEFAULT 0,
   "text" TEXT,
   "markdown" TEXT,
   "html" BLOB,
   "content_hash" TEXT,
   "extraction" TEXT,
   "extraction_note" TEXT,
   "duplicate_of" INTEGER REFERENCES "articles"("id"),
   "fetch_error" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "source" TEXT,
   "updated_at" TEXT
, state TEXT NOT NULL DEFAULT 'unread', fetch_state TEXT NOT NULL DEFAULT 'queued', next_retry_at TEXT, claimed_by TEXT, claimed_at TEXT);
CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content="articles", content_rowid="id",
            tokenize='porter unicode61 remove_diacritics 2'
        );
CREATE TABLE 'articles_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE 'articles_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE 'articles_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE 'articles_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE chunk_sources (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            source_hash TEXT NOT NULL,
            tokenizer TEXT NOT NULL,
            chunk_count INTEGER NOT NULL,
            chunked_at TEXT NOT NULL,
            stale INTEGER NOT NULL DEFAULT 0
        );
CREATE TABLE chunk_themes (chunk_id integer not null, article_id integer not null references articles(id) on delete cascade, theme_id integer not null references themes(id), value float not null, primary key (chunk_id, theme_id));
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
        );
CREATE TABLE "digests" (
   "id" INTEGER PRIMARY KEY,
   "created_at" TEXT NOT NULL,
   "window_start" TEXT NOT NULL,
   "window_end" TEXT NOT NULL,
   "subject" TEXT,
   "article_ids" TEXT NOT NULL,
   "unread_ids" TEXT,
   "format" TEXT,
   "text" TEXT NOT NULL,
   "data" TEXT,
   "edited_at" TEXT,
   "pushed_at" TEXT,
   "remote_id" TEXT
);
CREATE TABLE embeddings (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            dimension INTEGER NOT NULL,
            vector BLOB NOT NULL,          -- float32, little-endian, L2-normalised
            created_at TEXT NOT NULL
        );
CREATE TABLE "feeds" (
   "id" INTEGER PRIMARY KEY,
   "url" TEXT NOT NULL,
   "title" TEXT,
   "site_url" TEXT,
   "added_at" TEXT,
   "last_fetched_at" TEXT,
   "error" TEXT
);
CREATE TABLE "highlights" (
   "id" INTEGER PRIMARY KEY,
   "article_id" INTEGER NOT NULL REFERENCES "articles"("id"),
   "text" TEXT NOT NULL,
   "note" TEXT,
   "created_at" TEXT
, start_char INTEGER, end_char INTEGER, updated_at TEXT);
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE near_dup_bands (band integer not null, key blob not null, article_id integer not null references articles(id) on delete cascade);
CREATE TABLE near_dup_signatures (article_id integer primary key references articles(id) on delete cascade, signature blob not null, text_hash text, user_distinct integer not null default 0);
CREATE TABLE "notes" (
   "id" INTEGER PRIMARY KEY,
   "article_id" INTEGER NOT NULL REFERENCES "articles"("id"),
   "text" TEXT NOT NULL,
   "created_at" TEXT
, updated_at TEXT);
CREATE TABLE sentence_vectors (
            chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,    -- sha256 of the sentence as the summariser reads it
            vector BLOB NOT NULL,          -- float32, little-endian, L2-normalised
            PRIMARY KEY (chunk_id, model, content_hash)
        ) WITHOUT ROWID;
CREATE TABLE "theme_run_latents" (
   "run_id" INTEGER REFERENCES "theme_runs"("id"),
   "level" TEXT,
   "latent" INTEGER,
   "theme_id" INTEGER REFERENCES "themes"("id"),
   "cosine" REAL,
   PRIMARY KEY ("run_id", "level", "latent")
);
CREATE TABLE "theme_runs" (
   "id" INTEGER PRIMARY KEY,
   "created_at" TEXT,
   "model" TEXT,
   "dimension" INTEGER,
   "kind" TEXT,
   "config" TEXT,
   "metrics" TEXT,
   "why" TEXT,
   "n_articles" INTEGER,
   "n_chunks" INTEGER,
   "weights" BLOB,
   "parent_id" INTEGER REFERENCES "theme_runs"("id")
);
CREATE TABLE "themes" (
   "id" INTEGER PRIMARY KEY,
   "run_id" INTEGER REFERENCES "theme_runs"("id"),
   "latent" INTEGER,
   "level" TEXT,
   "label" TEXT,
   "name" TEXT,
   "llm_label" TEXT,
   "keywords" TEXT,
   "hidden" INTEGER DEFAULT 0,
   "hidden_reason" TEXT,
   "density" REAL,
   "max_activation" REAL,
   "mean_activation" REAL,
   "coherence" REAL,
   "label_auc" REAL,
   "n_articles" INTEGER,
   "parent_id" INTEGER,
   "created_run_id" INTEGER REFERENCES "theme_runs"("id"),
   "is_new" INTEGER DEFAULT 1,
   "match_cosine" REAL,
   "extra" TEXT,
   "created_at" TEXT,
   "updated_at" TEXT,
   "retired_at" TEXT
);
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END;
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
            UPDATE chunk_sources SET stale = 1 WHERE article_id = new.id;
        END;
