"""Accounts, sessions, grants and the audit trail: the one place that decides who is
reading, kept in a SQLite store beside archive.toml.

`store` (the file and its keys), `passwords` (rules and argon2id), `accounts`
(invitations, logins, changes), `factors` (TOTP and recovery codes), `sessions`
(server-side, rotated at each login step), `throttle` (slowing guessing without locking
out the owner), `grants` (a researcher's access to one record) and `audit` (the chained,
append-only trail)."""
