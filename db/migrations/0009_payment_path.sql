-- 0009: from approval to money in the enterprise's account (interfaces.md "From approval to
-- payment"): the sign-off nodes each award passed, the working-day calendar, 公示 and objections,
-- budgets per award year and fund source, the 严重失信主体名单, payment batches and 财政's results,
-- clawbacks (追回). Amounts are INTEGER 分, dates ISO text.

-- What a person decided at one node of the sign-off chain (settings key `signoff_chain`).
CREATE TABLE award_signoffs (
    id                 INTEGER PRIMARY KEY,
    award_id           INTEGER NOT NULL REFERENCES awards(id),
    node_no            INTEGER NOT NULL CHECK (node_no >= 1),
    node_name          TEXT NOT NULL,
    node_role          TEXT NOT NULL,
    node_count         INTEGER NOT NULL CHECK (node_count >= 1),
    signer             TEXT NOT NULL,
    signed_at          TEXT NOT NULL,
    opinion            TEXT,
    minutes_no         TEXT,                 -- 局务会纪要编号
    amount_fen         INTEGER NOT NULL,      -- the amount signed for
    blacklist_import   INTEGER REFERENCES blacklist_imports(id), -- the 失信 list checked (NULL: none imported)
    blacklist_note     TEXT NOT NULL,         -- e.g. 已核查2026-03-01导入的名单（SHA-256 …），未列入
    budget_note        TEXT NOT NULL,         -- 预算核查结果
    UNIQUE (award_id, node_no),
    UNIQUE (award_id, signer)
);
CREATE TRIGGER award_signoffs_no_update BEFORE UPDATE ON award_signoffs
BEGIN SELECT RAISE(ABORT, '签批记录不能修改'); END;
CREATE TRIGGER award_signoffs_no_delete BEFORE DELETE ON award_signoffs
BEGIN SELECT RAISE(ABORT, '签批记录不能删除'); END;

-- Working-day calendar: a year is covered when it has a row in calendar_years; its days that
-- differ from the weekend rule (holidays on weekdays, 调休 workdays on weekends) are in
-- calendar_days, with the holiday's name. Years not covered fall back to weekends.
CREATE TABLE calendar_years (
    year         INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    source       TEXT NOT NULL,             -- chinesecalendar 1.11.0 / the imported file's name
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE TABLE calendar_days (
    day      TEXT PRIMARY KEY,
    workday  INTEGER NOT NULL CHECK (workday IN (0, 1)),
    note     TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- 公示 batches and their awards.
CREATE TABLE publicities (
    id           INTEGER PRIMARY KEY,
    year         INTEGER NOT NULL,
    start_date   TEXT NOT NULL,
    days         INTEGER NOT NULL CHECK (days >= 1),
    end_date     TEXT NOT NULL,
    phone        TEXT NOT NULL,
    calendar_note TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE TABLE publicity_items (
    publicity_id  INTEGER NOT NULL REFERENCES publicities(id),
    award_id      INTEGER NOT NULL UNIQUE REFERENCES awards(id),
    amount_fen    INTEGER NOT NULL,
    PRIMARY KEY (publicity_id, award_id)
);
CREATE TABLE objections (
    id             INTEGER PRIMARY KEY,
    publicity_id   INTEGER NOT NULL REFERENCES publicities(id),
    award_id       INTEGER NOT NULL REFERENCES awards(id),
    person         TEXT NOT NULL,
    contact        TEXT NOT NULL,
    channel        TEXT NOT NULL DEFAULT '',  -- how it reached us: 来电/来信/来访/邮件
    received_on    TEXT NOT NULL,
    content        TEXT NOT NULL,
    outcome        TEXT CHECK (outcome IS NULL OR outcome IN ('成立', '不成立')),
    handling       TEXT,                      -- 处理情况 / reason of the outcome
    closed_at      TEXT,
    closed_by      TEXT,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX objections_award ON objections(award_id);

-- Budgets per award year and fund source.
CREATE TABLE budgets (
    year        INTEGER NOT NULL,
    source      TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen >= 0),
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (year, source)
) WITHOUT ROWID;

-- 严重失信主体名单: each import replaces the older one (the newest import is the list in force).
CREATE TABLE blacklist_imports (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT NOT NULL,
    file_hash    TEXT NOT NULL,
    rows         INTEGER NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL
);
CREATE TABLE blacklist_entries (
    import_id    INTEGER NOT NULL REFERENCES blacklist_imports(id),
    credit_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    listed_on    TEXT NOT NULL,
    removed_on   TEXT,
    authority    TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    row_no       INTEGER NOT NULL,
    UNIQUE (import_id, row_no)
);
CREATE INDEX blacklist_entries_code ON blacklist_entries(credit_code, import_id);

-- Payment batches (拨付清单) and 财政's result per row.
CREATE TABLE payment_batches (
    id           INTEGER PRIMARY KEY,
    year         INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    items        INTEGER NOT NULL,
    total_fen    INTEGER NOT NULL
);
CREATE TABLE payment_items (
    id            INTEGER PRIMARY KEY,
    batch_id      INTEGER NOT NULL REFERENCES payment_batches(id),
    seq           INTEGER NOT NULL,           -- 序号 in the 拨付清单 and in 财政's result file
    award_id      INTEGER NOT NULL REFERENCES awards(id),
    credit_code   TEXT NOT NULL,
    payee         TEXT NOT NULL,
    bank_name     TEXT NOT NULL,
    bank_account  TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0), -- what 财政 pays out
    offset_fen    INTEGER NOT NULL DEFAULT 0 CHECK (offset_fen >= 0), -- 追回 offset against it
    credit_fen    INTEGER NOT NULL DEFAULT 0 CHECK (credit_fen >= 0), -- paid before (补拨: only the difference)
    fund_source   TEXT NOT NULL,
    summary       TEXT NOT NULL,              -- 摘要 = 文号 + 条款
    result        TEXT CHECK (result IS NULL OR result IN ('成功', '失败')),
    result_reason TEXT,
    paid_on       TEXT,
    voucher       TEXT,
    result_at     TEXT,
    result_by     TEXT,
    UNIQUE (batch_id, seq)
);
CREATE INDEX payment_items_award ON payment_items(award_id);

-- What was actually paid for an award (cash plus any offset; NULL: nothing yet) and the voucher.
ALTER TABLE awards ADD COLUMN paid_fen INTEGER;
ALTER TABLE awards ADD COLUMN voucher TEXT;
UPDATE awards SET paid_fen = amount_fen WHERE paid_at IS NOT NULL;

-- 追回: money an enterprise owes back on a paid award; recovered by refund or offset against a
-- later payment of the same enterprise.
CREATE TABLE clawbacks (
    id               INTEGER PRIMARY KEY,
    award_id         INTEGER NOT NULL REFERENCES awards(id),
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises(id),
    amount_fen       INTEGER NOT NULL CHECK (amount_fen > 0),
    reason           TEXT NOT NULL,
    document         TEXT NOT NULL DEFAULT '',
    decided_on       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('待追回', '已追回')),
    offset_award_id  INTEGER REFERENCES awards(id),
    recovered_on     TEXT,
    recovered_how    TEXT CHECK (recovered_how IS NULL OR recovered_how IN ('退回', '抵扣')),
    voucher          TEXT,
    payment_item_id  INTEGER REFERENCES payment_items(id),
    automatic        INTEGER NOT NULL DEFAULT 0 CHECK (automatic IN (0, 1)),
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
);
CREATE INDEX clawbacks_enterprise ON clawbacks(enterprise_id);
CREATE INDEX clawbacks_award ON clawbacks(award_id);
