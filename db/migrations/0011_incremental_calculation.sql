-- 0010: incremental calculation. Recalculating a year recomputes only the enterprises whose
-- inputs changed since their last calculation (desktop/services/calculation.py).
--
-- calc_revisions counts the changes to what the engine reads of one enterprise: its matters (any
-- year), its 规上, its 四强 list years, and the decisions on its awards (a status set or changed,
-- an award deleted). The triggers below keep it; nothing else writes it. It is derived data: a
-- missing row reads as revision 0.
CREATE TABLE calc_revisions (
    enterprise_id  INTEGER PRIMARY KEY,
    revision       INTEGER NOT NULL
);

-- One row per enterprise and award year it was calculated for: the input fingerprint the results
-- rest on (the enterprise's revision, and the rules its matters name with a digest of their
-- versions and of the program), and what the results came to (so that a year whose enterprises
-- are all unchanged is summed without evaluating anything).
CREATE TABLE calc_fingerprints (
    year           INTEGER NOT NULL,
    enterprise_id  INTEGER NOT NULL,
    revision       INTEGER NOT NULL,
    rules          TEXT NOT NULL,   -- the rule codes and 文号 the enterprise's matters name
    rules_digest   TEXT NOT NULL,   -- those rules' versions now, and the engine's revision
    results        INTEGER NOT NULL,
    locked         INTEGER NOT NULL,
    granted        INTEGER NOT NULL,
    total_fen      INTEGER NOT NULL,
    PRIMARY KEY (year, enterprise_id)
) WITHOUT ROWID;

CREATE TRIGGER calc_matter_added AFTER INSERT ON applications BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (NEW.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_matter_changed AFTER UPDATE ON applications BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (OLD.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (NEW.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_matter_deleted AFTER DELETE ON applications BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (OLD.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_scale_changed AFTER UPDATE OF above_scale ON enterprises
WHEN OLD.above_scale IS NOT NEW.above_scale BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (NEW.id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_listed AFTER INSERT ON siqiang_list BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (NEW.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_list_changed AFTER UPDATE ON siqiang_list BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (OLD.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (NEW.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_unlisted AFTER DELETE ON siqiang_list BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (OLD.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_decided AFTER UPDATE OF status ON awards
WHEN OLD.status IS NOT NEW.status BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (NEW.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
CREATE TRIGGER calc_award_deleted AFTER DELETE ON awards BEGIN
    INSERT INTO calc_revisions (enterprise_id, revision) VALUES (OLD.enterprise_id, 1)
        ON CONFLICT (enterprise_id) DO UPDATE SET revision = revision + 1;
END;
