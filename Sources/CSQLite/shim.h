// The system libsqlite3, as one Clang module. Only SQLiteStore imports it.
#include <sqlite3.h>
