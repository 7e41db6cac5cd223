-- Identity: what each person may do, how they sign in, and the keys their
-- access tokens are signed with.

-- member or admin; `bugtracker admin grant-admin EMAIL` makes an admin.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin'));

-- A salted scrypt hash in PHC form ($scrypt$ln=14,r=8,p=1$salt$hash); NULL
-- until the person sets a password.
ALTER TABLE users ADD COLUMN password_hash TEXT CHECK (password_hash IS NULL OR password_hash LIKE '$scrypt$%');

-- Ed25519 keys, base64url: the newest that is not retired signs access
-- tokens; a retired one loses its private half and stays published until
-- the tokens it signed expire.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
) STRICT;

-- One-time tokens that set a password: from a reset request (valid an hour)
-- or in the welcome mail of a sign-up without a password (a day). Only
-- their SHA-256 is kept; a token is spent by its first use.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'welcome')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT;

CREATE INDEX password_tokens_user ON password_tokens (user_id);
