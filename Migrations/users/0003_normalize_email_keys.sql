-- E-mail keys in the normal form the contract now gives: the part before
-- the @ in Unicode NFC and case folded, the domain in its ASCII (xn--) form.
-- Before, the key was the address lower-cased, so é in NFC and in NFD, or
-- bücher.example and xn--bcher-kva.example, made two users.
--
-- users_email_key() is the users service's own rule, registered by it on the
-- connection that migrates (SQL cannot normalize Unicode). refuse() stops the
-- migration with its message, leaving every key as it was.

-- Two users whose addresses become one: stop, and name both.
SELECT refuse(
    'users ' || who || ' have one address under the new e-mail rules (' || key || '); '
    || 'change the address of all but one of them, then run bugtracker-migrate up again'
)
FROM (
    SELECT users_email_key(email) AS key, group_concat('#' || id || ' (' || email || ')', ' and ') AS who, count(*) AS users
    FROM users GROUP BY users_email_key(email) HAVING count(*) > 1 ORDER BY min(id) LIMIT 1
);

UPDATE users SET email_key = users_email_key(email) WHERE email_key <> users_email_key(email);
