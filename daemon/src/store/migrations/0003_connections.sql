-- TikTok tokens per shop. The secrets file seeds them; once feedbridge has refreshed or
-- re-authorized, these win (unless the secrets file itself changes: see `seed_tokens`).
CREATE TABLE tiktok_tokens (
    shop_id             INTEGER PRIMARY KEY REFERENCES connections(id),
    access_token        TEXT NOT NULL,
    access_expires_at   INTEGER,  -- unix secs; NULL = unknown (seeded from the secrets file)
    refresh_token       TEXT NOT NULL,
    refresh_expires_at  INTEGER,
    source              TEXT NOT NULL CHECK (source IN ('secrets', 'refreshed', 'authorized')),
    -- SHA-256 of the secrets-file tokens last seeded, to notice the file being edited.
    secrets_fingerprint TEXT NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- Authorization links handed out and not yet used: the `state` binds a returned code to the
-- shop it was started for.
CREATE TABLE authorization_requests (
    state      TEXT PRIMARY KEY,
    shop_id    INTEGER NOT NULL REFERENCES connections(id),
    expires_at INTEGER NOT NULL  -- unix secs
);
