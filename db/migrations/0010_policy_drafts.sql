-- rebuilds: foreign keys off
-- 0010: policy versions are drafted before they are published (interfaces.md "Policy versions:
-- drafts, clauses, what-if, replay"), and clerks keep worked examples (典型案例) that the program
-- replays whenever a draft is edited or published.
--
-- A version has a status: 草拟 (a draft: edited freely, ignored by the calculation, used by 试算)
-- or 已发布 (in force over its dates, edited only through a new draft). Every version existing
-- before this step is published. Two drafts may share a start date (方案A/方案B), so the
-- one-start-per-policy rule holds among published versions only: the table is rebuilt without its
-- UNIQUE (policy_id, valid_from), which becomes a partial index. Rows keep their ids (rules and
-- awards refer to them).

CREATE TABLE policy_versions_v7 (
    id            INTEGER PRIMARY KEY,
    policy_id     INTEGER NOT NULL REFERENCES policies(id),
    doc_number    TEXT NOT NULL,
    title         TEXT NOT NULL,
    issued_on     TEXT,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    source_text   TEXT,
    based_on      INTEGER REFERENCES policy_versions_v7(id),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT '已发布' CHECK (status IN ('草拟', '已发布')),
    published_at  TEXT,
    published_by  TEXT,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
INSERT INTO policy_versions_v7 (id, policy_id, doc_number, title, issued_on, valid_from, valid_to,
        source_text, based_on, created_at, created_by, status, published_at, published_by)
    SELECT id, policy_id, doc_number, title, issued_on, valid_from, valid_to, source_text, based_on,
        created_at, created_by, '已发布', created_at, created_by FROM policy_versions;
DROP TABLE policy_versions;
ALTER TABLE policy_versions_v7 RENAME TO policy_versions;
CREATE UNIQUE INDEX policy_versions_published_start ON policy_versions(policy_id, valid_from)
    WHERE status = '已发布';
CREATE INDEX policy_versions_policy ON policy_versions(policy_id, status);
CREATE INDEX rules_version ON rules(policy_version_id);

-- 典型案例: a fictional enterprise's facts, its matters and what the policy gives them.
--   facts:    {"above_scale": true, "list_years": [2024]}
--   matters:  [{"rule_code", "event_date", "basis", "level", "city_document", "same_matter_key",
--               "manual_amount", "description"}]  (amounts in 元 as text, "3205000.00")
--   expected: [{"matter": 1, "year": 2024, "amount": "961500.00", "reason": "…"}]  (matter: its
--             position in `matters`, from 1; amount: what that matter gives in that award year,
--             all its payments due that year; reason: optional words its explanation contains)
CREATE TABLE policy_cases (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    facts       TEXT NOT NULL CHECK (json_valid(facts)),
    matters     TEXT NOT NULL CHECK (json_valid(matters) AND json_array_length(matters) > 0),
    expected    TEXT NOT NULL CHECK (json_valid(expected) AND json_array_length(expected) > 0),
    note        TEXT,
    source      TEXT NOT NULL DEFAULT '录入',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- Seeded with the worked examples of the rule catalogue (rules.md).
INSERT INTO policy_cases (name, facts, matters, expected, note, source, created_at, created_by,
        updated_at, updated_by) VALUES
('LZ41-2 四强企业获市级资金3,205,000元',
 '{"above_scale": true, "list_years": [2024]}',
 '[{"rule_code": "LZ41-2", "event_date": "2024-03-15", "basis": "3205000.00"}]',
 '[{"matter": 1, "year": 2024, "amount": "961500.00"}]',
 '3,205,000.00 × 30% = 961,500.00', '政策示例', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统',
 strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统'),
('LZ41-2 同一年度第二笔市级资金，累计达上限',
 '{"above_scale": true, "list_years": [2024]}',
 '[{"rule_code": "LZ41-2", "event_date": "2024-03-15", "basis": "3205000.00"},
   {"rule_code": "LZ41-2", "event_date": "2024-09-20", "basis": "2000000.00"}]',
 '[{"matter": 1, "year": 2024, "amount": "961500.00"},
   {"matter": 2, "year": 2024, "amount": "538500.00"}]',
 '第二笔 2,000,000.00 × 30% = 600,000.00，上限1,500,000.00元尚余538,500.00元', '政策示例',
 strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统'),
('LZ41-5A 基数123,456.78元按30%四舍五入到分',
 '{"above_scale": true, "list_years": []}',
 '[{"rule_code": "LZ41-5A", "event_date": "2024-05-10", "basis": "123456.78"}]',
 '[{"matter": 1, "year": 2024, "amount": "37037.03"}]',
 '123,456.78 × 30% = 37,037.034 → 37,037.03', '政策示例', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统',
 strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统'),
('LZ41-2 未列入当年度四强企业名单',
 '{"above_scale": true, "list_years": [2023]}',
 '[{"rule_code": "LZ41-2", "event_date": "2024-03-15", "basis": "3205000.00"}]',
 '[{"matter": 1, "year": 2024, "amount": "0.00", "reason": "未列入2024年度四强企业名单"}]',
 NULL, '政策示例', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统'),
('LZ41-9A 2023年新认定省级创新中心，分年兑现',
 '{"above_scale": true, "list_years": []}',
 '[{"rule_code": "LZ41-9A", "event_date": "2023-06-15"}]',
 '[{"matter": 1, "year": 2023, "amount": "2000000.00"},
   {"matter": 1, "year": 2024, "amount": "500000.00"},
   {"matter": 1, "year": 2025, "amount": "500000.00"},
   {"matter": 1, "year": 2026, "amount": "500000.00"}]',
 '一次性2,000,000.00元，此后每年500,000.00元，连续3年', '政策示例',
 strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统'),
('LZ41-5A 事项日期在政策到期之后',
 '{"above_scale": true, "list_years": []}',
 '[{"rule_code": "LZ41-5A", "event_date": "2026-03-01", "basis": "100000.00"}]',
 '[{"matter": 1, "year": 2026, "amount": "0.00", "reason": "政策已于2025年12月31日到期"}]',
 '继任政策发布后本案例不再成立：请按新政策改写或删除', '政策示例',
 strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统', strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'), '系统');
