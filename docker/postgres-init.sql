-- The escrow database is created by the image; Temporal's two databases are created by
-- temporal-sql-tool in the admin-tools service, as the escrow user, which needs the right to.
ALTER USER escrow CREATEDB;
