-- The conversation a mail belongs to (`bug-7`): the notificator sends it as
-- `References: <bug-7@bugtracker>`, so mail readers thread a bug's mails
-- together. NULL for mails that start no conversation (a welcome).
ALTER TABLE outbox ADD COLUMN thread TEXT CHECK (thread IS NULL OR thread GLOB '[a-z]*-[0-9]*');
