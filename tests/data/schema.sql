CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX "idx_article_tags_tag"
    ON "article_tags" ("tag");
CREATE INDEX "idx_articles_added_at"
    ON "articles" ("added_at");
CREATE UNIQUE INDEX "idx_articles_canonical_url"
    ON "articles" ("canonical_url");
CREATE INDEX "idx_articles_content_hash"
    ON "articles" ("content_hash");
CREATE INDEX "idx_articles_read_at"
    ON "articles" ("read_at");
CREATE INDEX "idx_articles_status"
    ON "articles" ("status");
CREATE UNIQUE INDEX "idx_feeds_url"
    ON "feeds" ("url");
CREATE INDEX "idx_highlights_article_id"
    ON "highlights" ("article_id");
CREATE INDEX "idx_notes_article_id"
    ON "notes" ("article_id");
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE TABLE "article_tags" (
   "article_id" INTEGER REFERENCES "articles"("id"),
   "tag" TEXT,
   PRIMARY KEY ("article_id", "tag")
);
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
   "status" TEXT NOT NULL DEFAULT 'queued',
   "target_status" TEXT,
   "progress" REAL DEFAULT 0.0,
   "word_count" INTEGER DEFAULT 0,
   "text" TEXT,
   "markdown" TEXT,
   "html" BLOB,
   "content_hash" TEXT,
   "extraction" TEXT,
   "extraction_note" TEXT,
   "duplicate_of" INTEGER REFERENCES "articles"("id"),
   "error" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "source" TEXT,
   "updated_at" TEXT
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
);
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE "notes" (
   "id" INTEGER PRIMARY KEY,
   "article_id" INTEGER NOT NULL REFERENCES "articles"("id"),
   "text" TEXT NOT NULL,
   "created_at" TEXT
);
