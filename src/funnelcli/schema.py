"""What the current code expects of the database, cheap to import.

`SCHEMA_VERSION` is written to `PRAGMA user_version` by the last migration,
so every command can tell with one pragma whether migrations are pending
without importing sqlite-utils (~115 ms).
"""

SCHEMA_VERSION = 2
