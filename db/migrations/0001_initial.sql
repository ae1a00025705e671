-- 0001: the whole first schema. Amounts are INTEGER 分; dates are ISO text (YYYY-MM-DD);
-- timestamps are ISO text with seconds, local time of the workstation.

CREATE TABLE towns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    sort_order  INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE enterprises (
    id           INTEGER PRIMARY KEY,
    credit_code  TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18),
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    town_id      INTEGER NOT NULL REFERENCES towns(id),
    above_scale  INTEGER NOT NULL DEFAULT 0 CHECK (above_scale IN (0, 1)),
    industry     TEXT CHECK (industry IS NULL OR industry IN ('新材料', '智能装备', '医药健康', '电子信息')),
    contact      TEXT,
    phone        TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE INDEX enterprises_town ON enterprises(town_id, name);
CREATE INDEX enterprises_name ON enterprises(name);

-- The statistics department's confirmed 四强 list, one per year.
CREATE TABLE siqiang_list (
    year           INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    imported_at    TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    PRIMARY KEY (year, enterprise_id)
) WITHOUT ROWID;
CREATE INDEX siqiang_list_enterprise ON siqiang_list(enterprise_id, year);

CREATE TABLE policies (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,          -- stable short key, e.g. LZ41
    title   TEXT NOT NULL
);

-- A policy version is one document with its own validity and its own rule parameters.
CREATE TABLE policy_versions (
    id           INTEGER PRIMARY KEY,
    policy_id    INTEGER NOT NULL REFERENCES policies(id),
    doc_number   TEXT NOT NULL,            -- 文号, e.g. 临政字〔2021〕41号
    title        TEXT NOT NULL,
    issued_on    TEXT,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,                     -- NULL: open-ended
    source_text  TEXT,                     -- the closing sentence on validity, quoted
    based_on     INTEGER REFERENCES policy_versions(id),
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    UNIQUE (policy_id, valid_from)
);

-- A rule as data: closed vocabulary of methods, parameters and conditions as JSON.
CREATE TABLE rules (
    id                 INTEGER PRIMARY KEY,
    policy_version_id  INTEGER NOT NULL REFERENCES policy_versions(id),
    code               TEXT NOT NULL,       -- stable across versions, e.g. LZ41-2
    clause             TEXT NOT NULL,       -- e.g. 三（二）
    name               TEXT NOT NULL,
    method             TEXT NOT NULL CHECK (method IN ('ratio', 'fixed', 'level', 'installments', 'manual')),
    params             TEXT NOT NULL CHECK (json_valid(params)),
    conditions         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(conditions)),
    first_time_key     TEXT,                -- NULL unless the rule is first-time-only
    city_documents     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(city_documents)),
    clause_text        TEXT NOT NULL,       -- the clause's original wording
    sort_order         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (policy_version_id, code)
);
CREATE INDEX rules_code ON rules(code);

-- 奖补事项: what an enterprise received from the city or was recognised for.
CREATE TABLE applications (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    rule_code         TEXT,                 -- NULL when matched by city_document
    event_date        TEXT NOT NULL,
    basis_fen         INTEGER CHECK (basis_fen IS NULL OR basis_fen >= 0),
    level             TEXT CHECK (level IS NULL OR level IN ('国家级', '省级', '市级')),
    city_document     TEXT,
    description       TEXT,
    same_matter_key   TEXT,
    manual_amount_fen INTEGER CHECK (manual_amount_fen IS NULL OR manual_amount_fen >= 0),
    identity_key      TEXT NOT NULL UNIQUE, -- the interfaces.md duplicate key
    source            TEXT NOT NULL DEFAULT '录入',
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL,
    CHECK (rule_code IS NOT NULL OR city_document IS NOT NULL)
);
CREATE INDEX applications_enterprise ON applications(enterprise_id, event_date);
CREATE INDEX applications_date ON applications(event_date);

-- 核定结果: one row per application, rule and payment (installment_no 0 = the award itself,
-- 1..n = the later yearly installments of an `installments` rule).
CREATE TABLE awards (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER NOT NULL REFERENCES applications(id),
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises(id),
    rule_code        TEXT NOT NULL,
    rule_id          INTEGER REFERENCES rules(id),   -- the rule version applied; NULL: none in force
    year             INTEGER NOT NULL,               -- award year (or due year of an installment)
    installment_no   INTEGER NOT NULL DEFAULT 0 CHECK (installment_no >= 0),
    basis_fen        INTEGER,
    amount_fen       INTEGER NOT NULL CHECK (amount_fen >= 0),
    computed_fen     INTEGER NOT NULL CHECK (computed_fen >= 0), -- what the engine computed
    status           TEXT NOT NULL CHECK (status IN ('草稿', '已审核', '已拨付', '不予奖补', '已撤销')),
    explanation      TEXT NOT NULL,
    trace            TEXT NOT NULL CHECK (json_valid(trace)),
    after_expiry     INTEGER NOT NULL DEFAULT 0 CHECK (after_expiry IN (0, 1)),
    decision_reason  TEXT,                           -- reason given on reject / revoke
    calculated_at    TEXT NOT NULL,
    calculated_by    TEXT NOT NULL,
    reviewed_at      TEXT,
    reviewed_by      TEXT,
    paid_at          TEXT,
    approved_hash    TEXT,
    UNIQUE (application_id, rule_code, installment_no)
);
CREATE INDEX awards_year ON awards(year, status);
CREATE INDEX awards_enterprise ON awards(enterprise_id, year);
CREATE VIEW installments AS
    SELECT * FROM awards WHERE installment_no > 0;

-- Append-only change log; each entry chains the SHA-256 of the previous one.
CREATE TABLE change_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user        TEXT NOT NULL,
    action      TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    row_key     TEXT,
    old_values  TEXT CHECK (old_values IS NULL OR json_valid(old_values)),
    new_values  TEXT CHECK (new_values IS NULL OR json_valid(new_values)),
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX change_log_table_row ON change_log(table_name, row_key);
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, '变更日志只能追加，不能修改'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, '变更日志只能追加，不能删除'); END;

-- Approved is final: amounts of approved or paid awards change only through 撤销.
CREATE TRIGGER awards_approved_final BEFORE UPDATE OF amount_fen, basis_fen, computed_fen, rule_id, year ON awards
WHEN OLD.status IN ('已审核', '已拨付')
BEGIN SELECT RAISE(ABORT, '已审核或已拨付的核定结果不能修改'); END;
CREATE TRIGGER awards_approved_no_delete BEFORE DELETE ON awards
WHEN OLD.status IN ('已审核', '已拨付')
BEGIN SELECT RAISE(ABORT, '已审核或已拨付的核定结果不能删除'); END;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
