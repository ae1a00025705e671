-- 0012: signed decisions, user keys, the writer's fencing token.
--
-- Every decision on an award (approve at a sign-off node, pay, revoke, reject, reopen), every
-- published rule and every user's key certificate is an Ed25519 signature in `signatures`,
-- chained by `prev_hash` (the SHA-256 of the previous row's signature). A user's private key is
-- kept only sealed (AES-GCM) under a key derived from the user's password (`sealed_key`); without
-- logins the installation's key (outside the database) signs. `check` verifies every row.
-- `kdf` names the password hash's parameters (NULL: scrypt N=2^14 as before 0005, upgraded at
-- the next login).

ALTER TABLE users ADD COLUMN kdf TEXT;
ALTER TABLE users ADD COLUMN public_key TEXT;
ALTER TABLE users ADD COLUMN sealed_key TEXT;

CREATE TABLE signatures (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('award', 'rule', 'user')),
    subject     TEXT NOT NULL,           -- award id, rule id or user name
    action      TEXT NOT NULL,           -- 审核通过, 拨付, 撤销, 不予奖补, 发布条款, 用户密钥 …
    signer      TEXT NOT NULL,           -- the user's name, or 本机 (the installation key)
    public_key  TEXT NOT NULL CHECK (length(public_key) = 64),
    payload     TEXT NOT NULL CHECK (json_valid(payload)),
    prev_hash   TEXT NOT NULL,
    signature   TEXT NOT NULL CHECK (length(signature) = 128),
    at          TEXT NOT NULL
);
CREATE INDEX signatures_subject ON signatures(kind, subject, id);
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, '签名记录只能追加，不能修改'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, '签名记录只能追加，不能删除'); END;

-- The fencing token of the program that holds the write lock (the same token is in the lock
-- file); a writer re-reads both before every write transaction.
CREATE TABLE writer (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    token   TEXT NOT NULL,
    holder  TEXT NOT NULL,
    at      TEXT NOT NULL
);
