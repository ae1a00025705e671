-- 0002: users and roles. A database without users is in single-user mode (no login); the first
-- user (always a 管理员) turns logins on for good: users are never deleted, only deactivated.
-- Passwords are stored only as salted scrypt hashes (hex). Settings such as
-- `separation_of_duties` ('1' on, the default; '0' off) live in the existing `settings` table.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    role             TEXT NOT NULL CHECK (role IN ('录入员', '审核员', '管理员')),
    salt             TEXT NOT NULL CHECK (length(salt) = 32),
    password_hash    TEXT NOT NULL CHECK (length(password_hash) = 64),
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until     TEXT,                 -- ISO local time; NULL: not locked
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
);

CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, '用户只能停用，不能删除（登录一经启用不能关闭）'); END;
