/*
 * The users write path written directly against libsqlite3: per transaction,
 * one users row and one outbox row, with prepared statements reused, the
 * same SQL and values as SQLiteUserRepository.create. The baseline for
 * Benchmarks/store-write.
 *
 *   users_write DB COUNT SYNCHRONOUS     (DB already migrated)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void now_rfc3339(char *out, size_t size) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: users_write DB COUNT SYNCHRONOUS\n");
        return 2;
    }
    long count = atol(argv[2]);
    sqlite3 *db;
    check(sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL), db, "open");
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=%s;", argv[3]);
    check(sqlite3_exec(db, pragma, NULL, NULL, NULL), db, "pragmas");
    sqlite3_busy_timeout(db, 5000);

    sqlite3_stmt *begin, *commit, *user, *outbox;
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), db, "prepare");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), db, "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO users (email, email_key, name, created_at) VALUES (?, ?, ?, ?)", -1, &user, NULL), db, "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO outbox (topic, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?)", -1, &outbox, NULL), db, "prepare");

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < count; i++) {
        char email[64], key[64], created[32], body[256];
        int length = snprintf(email, sizeof email, "c-user-%ld@Example.com", i);
        for (int j = 0; j <= length; j++) key[j] = (char)tolower((unsigned char)email[j]);
        now_rfc3339(created, sizeof created);
        check(sqlite3_step(begin), db, "begin");
        sqlite3_reset(begin);

        sqlite3_bind_text(user, 1, email, length, SQLITE_TRANSIENT);
        sqlite3_bind_text(user, 2, key, length, SQLITE_TRANSIENT);
        sqlite3_bind_null(user, 3);
        sqlite3_bind_text(user, 4, created, -1, SQLITE_TRANSIENT);
        check(sqlite3_step(user), db, "insert user");
        sqlite3_reset(user);
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);

        int body_length = snprintf(body, sizeof body, "Hello,\n\nyou are user %lld of the bug tracker, as %s.\n", id, email);
        sqlite3_bind_text(outbox, 1, "user.welcome", -1, SQLITE_STATIC);
        sqlite3_bind_text(outbox, 2, email, length, SQLITE_TRANSIENT);
        sqlite3_bind_text(outbox, 3, "Welcome to the bug tracker", -1, SQLITE_STATIC);
        sqlite3_bind_text(outbox, 4, body, body_length, SQLITE_TRANSIENT);
        sqlite3_bind_text(outbox, 5, created, -1, SQLITE_TRANSIENT);
        check(sqlite3_step(outbox), db, "insert outbox");
        sqlite3_reset(outbox);

        check(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.0f\n", count / seconds);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_finalize(user);
    sqlite3_finalize(outbox);
    sqlite3_close(db);
    return 0;
}
