-- Indexes on the child side of foreign keys that lacked one. Deleting a parent row makes SQLite
-- look for children that still point at it; without an index that is a scan of the whole child
-- table — for every draft award a recalculation deletes, a scan of all awards (40 ms at 100k
-- awards, so a one-matter edit took 80 ms to save).
CREATE INDEX IF NOT EXISTS awards_supersedes ON awards(supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX IF NOT EXISTS awards_rule ON awards(rule_id);
CREATE INDEX IF NOT EXISTS intake_items_award ON intake_items(award_id) WHERE award_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS intake_items_package ON intake_items(package_id);
CREATE INDEX IF NOT EXISTS clawbacks_offset_award ON clawbacks(offset_award_id)
    WHERE offset_award_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS clawbacks_payment_item ON clawbacks(payment_item_id);
CREATE INDEX IF NOT EXISTS applications_origin_package ON applications(origin_package_id)
    WHERE origin_package_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS objections_publicity ON objections(publicity_id);
CREATE INDEX IF NOT EXISTS receipt_outcomes_receipt ON receipt_outcomes(receipt_id);
