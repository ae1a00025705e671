-- rebuilds: foreign keys off
-- 0006: the calculation method of a rule is checked by the program's method registry
-- (desktop/core/methods), not by a CHECK listing the five names, so that a new method is one
-- module and its tests. The table is rebuilt with the same rows and ids (awards refer to them).

CREATE TABLE rules_v6 (
    id                 INTEGER PRIMARY KEY,
    policy_version_id  INTEGER NOT NULL REFERENCES policy_versions(id),
    code               TEXT NOT NULL,
    clause             TEXT NOT NULL,
    name               TEXT NOT NULL,
    method             TEXT NOT NULL CHECK (length(method) > 0),
    params             TEXT NOT NULL CHECK (json_valid(params)),
    conditions         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(conditions)),
    first_time_key     TEXT,
    city_documents     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(city_documents)),
    clause_text        TEXT NOT NULL,
    sort_order         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (policy_version_id, code)
);
INSERT INTO rules_v6 SELECT id, policy_version_id, code, clause, name, method, params, conditions,
    first_time_key, city_documents, clause_text, sort_order FROM rules;
DROP TABLE rules;
ALTER TABLE rules_v6 RENAME TO rules;
CREATE INDEX rules_code ON rules(code);
