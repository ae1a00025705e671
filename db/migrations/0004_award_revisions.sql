-- 0004: awards get the statuses of the path from approval to payment (desktop/core/status.py),
-- and a correction path: a revoked award (已撤销) stays on record while its matter receives a new
-- draft that points back to it (`supersedes`). Uniqueness of (matter, rule, installment) therefore
-- holds among the awards that stand, not among the revoked ones. The table is rebuilt (SQLite
-- cannot change a CHECK); rows keep their ids. The protecting triggers are recreated to cover every
-- decided status and every column that says what was decided and for whom.

DROP VIEW installments;

CREATE TABLE awards_v4 (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER NOT NULL REFERENCES applications(id),
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises(id),
    rule_code        TEXT NOT NULL,
    rule_id          INTEGER REFERENCES rules(id),
    year             INTEGER NOT NULL,
    installment_no   INTEGER NOT NULL DEFAULT 0 CHECK (installment_no >= 0),
    basis_fen        INTEGER,
    amount_fen       INTEGER NOT NULL CHECK (amount_fen >= 0),
    computed_fen     INTEGER NOT NULL CHECK (computed_fen >= 0),
    status           TEXT NOT NULL CHECK (status IN ('草稿', '审核中', '已审核', '已拨付', '拨付失败', '不予奖补', '已撤销')),
    explanation      TEXT NOT NULL,
    trace            TEXT NOT NULL CHECK (json_valid(trace)),
    after_expiry     INTEGER NOT NULL DEFAULT 0 CHECK (after_expiry IN (0, 1)),
    decision_reason  TEXT,
    calculated_at    TEXT NOT NULL,
    calculated_by    TEXT NOT NULL,
    reviewed_at      TEXT,
    reviewed_by      TEXT,
    paid_at          TEXT,
    approved_hash    TEXT,
    supersedes       INTEGER REFERENCES awards_v4(id)  -- the revoked award this one corrects
);
INSERT INTO awards_v4 (id, application_id, enterprise_id, rule_code, rule_id, year, installment_no,
        basis_fen, amount_fen, computed_fen, status, explanation, trace, after_expiry,
        decision_reason, calculated_at, calculated_by, reviewed_at, reviewed_by, paid_at, approved_hash)
    SELECT id, application_id, enterprise_id, rule_code, rule_id, year, installment_no, basis_fen,
        amount_fen, computed_fen, status, explanation, trace, after_expiry, decision_reason,
        calculated_at, calculated_by, reviewed_at, reviewed_by, paid_at, approved_hash FROM awards;
DROP TABLE awards;
ALTER TABLE awards_v4 RENAME TO awards;

CREATE UNIQUE INDEX awards_standing ON awards(application_id, rule_code, installment_no)
    WHERE status <> '已撤销';
CREATE INDEX awards_application ON awards(application_id);
CREATE INDEX awards_year ON awards(year, status);
CREATE INDEX awards_enterprise ON awards(enterprise_id, year);
CREATE VIEW installments AS
    SELECT * FROM awards WHERE installment_no > 0;

-- A decision is final: what was decided, for whom and under which rule never changes in place.
CREATE TRIGGER awards_approved_final BEFORE UPDATE OF application_id, enterprise_id, rule_code,
    rule_id, year, installment_no, basis_fen, amount_fen, computed_fen, supersedes ON awards
WHEN OLD.status IN ('审核中', '已审核', '已拨付', '拨付失败', '不予奖补', '已撤销')
BEGIN SELECT RAISE(ABORT, '已作出审核决定的核定结果不能修改'); END;
CREATE TRIGGER awards_approved_no_delete BEFORE DELETE ON awards
WHEN OLD.status <> '草稿'
BEGIN SELECT RAISE(ABORT, '已作出审核决定的核定结果不能删除'); END;
-- A revoked award is history: its status never changes again.
CREATE TRIGGER awards_revoked_final BEFORE UPDATE OF status ON awards
WHEN OLD.status = '已撤销'
BEGIN SELECT RAISE(ABORT, '已撤销的核定结果只能留档，不能恢复'); END;

-- Bank details of the registry (interfaces.md "Registry: bank details for payment"). 账户名称
-- reads as the enterprise name until one is given (NULL here).
ALTER TABLE enterprises ADD COLUMN bank_name TEXT;
ALTER TABLE enterprises ADD COLUMN bank_account TEXT;
ALTER TABLE enterprises ADD COLUMN account_name TEXT;
