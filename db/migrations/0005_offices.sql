-- 0005: working with the other offices (interfaces.md "Other offices: townships and the city").
-- A database is the district's unless settings say `office_mode` = 'township' (with
-- `township_name`). Townships send signed packages (.sqpkg) up; the district sends signed
-- receipts (.sqrcpt) down. Both sides keep every file they exported or imported here; the
-- district's matters from towns and the city's 补拨/追回 proposals wait in the 受理 queue.

-- The other offices' public keys: at the district one row per town; at a township one row for
-- the district (town_id NULL).
CREATE TABLE office_keys (
    id             INTEGER PRIMARY KEY,
    town_id        INTEGER UNIQUE REFERENCES towns(id),
    public_key     TEXT NOT NULL CHECK (length(public_key) = 64),
    fingerprint    TEXT NOT NULL,
    how            TEXT NOT NULL CHECK (how IN ('登记', '首次使用')),
    registered_at  TEXT NOT NULL,
    registered_by  TEXT NOT NULL
);

-- Every package or receipt this database exported ('out') or imported ('in'), by sequence.
CREATE TABLE office_files (
    id             INTEGER PRIMARY KEY,
    direction      TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    kind           TEXT NOT NULL CHECK (kind IN ('package', 'receipt')),
    town_id        INTEGER NOT NULL REFERENCES towns(id),
    sequence       INTEGER NOT NULL CHECK (sequence >= 1),
    file_hash      TEXT NOT NULL CHECK (length(file_hash) = 64),
    previous_hash  TEXT,
    created_at     TEXT NOT NULL,     -- when the sender made it
    handled_at     TEXT NOT NULL,     -- when it was exported or imported here
    handled_by     TEXT NOT NULL,
    file_name      TEXT,
    summary        TEXT NOT NULL CHECK (json_valid(summary)),
    content        BLOB,              -- an exported file, kept so it can be sent again
    UNIQUE (direction, kind, town_id, sequence)
);

-- 受理: what towns reported and what the city's list proposes, until the district decides.
CREATE TABLE intake_items (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('事项', '事项变更', '事项撤回', '企业信息', '补拨', '追回')),
    state           TEXT NOT NULL DEFAULT '待受理'
                    CHECK (state IN ('待受理', '已受理', '已退回', '已取代', '已撤回')),
    town_id         INTEGER REFERENCES towns(id),           -- NULL: from the city's list
    package_id      INTEGER REFERENCES office_files(id),
    town_matter_id  INTEGER,                                -- the matter's id in the township database
    credit_code     TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    application_id  INTEGER REFERENCES applications(id),    -- the district's matter
    award_id        INTEGER REFERENCES awards(id),          -- 补拨/追回: the award it would correct
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    problem         TEXT,                                   -- why it cannot be accepted as it stands
    received_at     TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,
    reason          TEXT,
    superseded_by   INTEGER REFERENCES intake_items(id)
);
CREATE INDEX intake_items_state ON intake_items(state, id);
CREATE INDEX intake_items_town_matter ON intake_items(town_id, town_matter_id);
CREATE INDEX intake_items_application ON intake_items(application_id);

-- A district matter that came from a town records where it came from.
ALTER TABLE applications ADD COLUMN origin_town_id INTEGER REFERENCES towns(id);
ALTER TABLE applications ADD COLUMN origin_package_id INTEGER REFERENCES office_files(id);
ALTER TABLE applications ADD COLUMN origin_matter_id INTEGER;
CREATE INDEX applications_origin ON applications(origin_town_id, origin_matter_id);

-- At a township: what was last sent of each enterprise and matter (a package carries what
-- differs), and the district's record of each enterprise as the last receipt gave it.
CREATE TABLE township_sync (
    subject      TEXT NOT NULL CHECK (subject IN ('enterprise', 'matter')),
    subject_key  TEXT NOT NULL,       -- credit code, or the matter's id
    sent         TEXT CHECK (sent IS NULL OR json_valid(sent)),
    sent_in      INTEGER,             -- the package sequence it was last sent in
    base         TEXT CHECK (base IS NULL OR json_valid(base)),
    PRIMARY KEY (subject, subject_key)
) WITHOUT ROWID;

-- At a township: each matter's outcome as the district's latest receipt says.
CREATE TABLE receipt_outcomes (
    town_matter_id      INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,    -- 事项, 事项变更, 事项撤回
    outcome             TEXT NOT NULL,    -- 受理, 退回, 待受理, 撤回
    reason              TEXT,
    district_matter_id  INTEGER,
    award_status        TEXT,
    award_fen           INTEGER,
    decided_at          TEXT,
    receipt_id          INTEGER NOT NULL REFERENCES office_files(id)
);
