-- The source row's thread (`bug-7`), sent as `References: <bug-7@bugtracker>`.
ALTER TABLE deliveries ADD COLUMN thread TEXT;
