-- 0008: import batches. Every import that writes records what it did, so that the last one can be
-- undone as a whole (撤销本次导入) while nothing recorded later depends on it. `undo` holds what
-- the undo needs (JSON: the enterprises added and the old values of the fields changed, a year's
-- list before the import, the matters inserted); `log_from`..`log_to` are the change-log entries
-- the import wrote.
CREATE TABLE import_batches (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('企业名录', '四强企业名单', '奖补事项')),
    file_name    TEXT NOT NULL,
    file_sha256  TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    log_from     INTEGER NOT NULL,
    log_to       INTEGER NOT NULL,
    summary      TEXT NOT NULL,
    undo         TEXT NOT NULL CHECK (json_valid(undo)),
    undone_at    TEXT,
    undone_by    TEXT
);
CREATE INDEX import_batches_open ON import_batches(undone_at, id);
