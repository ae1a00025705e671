-- 0007: 镇街考核加分 as data. 临政字〔2021〕41号三（三） ends "辖区内有企业享受以上政策的镇（街道），在
-- 年度考核中予以加分": the towns with an enterprise granted under the rules listed here earn it. Codes
-- are stable across policy versions, so the list holds for a renewed policy too. The row whose
-- `basis_text` is set names the rule whose clause carries that sentence: the report cites that
-- rule's clause in the version in force (e.g. 临政字〔2021〕41号三（三）).
-- Until now the list was the `assessment_rules` setting (a JSON list) with a default in code; it is
-- taken over here once and no longer read.
CREATE TABLE town_assessment_rules (
    rule_code   TEXT PRIMARY KEY,
    basis_text  TEXT
) WITHOUT ROWID;

INSERT INTO town_assessment_rules (rule_code)
    SELECT DISTINCT value FROM json_each(COALESCE(
        (SELECT value FROM settings WHERE key = 'assessment_rules' AND json_valid(value)),
        '["LZ41-1A", "LZ41-1B", "LZ41-2", "LZ41-3"]'))
    WHERE type = 'text';

UPDATE town_assessment_rules
    SET basis_text = '辖区内有企业享受以上政策的镇（街道），在年度考核中予以加分。'
    WHERE rule_code = 'LZ41-3';
