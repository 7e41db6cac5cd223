import SQLiteStore

/// One line for a person about why the database at `path` could not be used:
/// for a terminal or a log, never for an HTTP client (it names the path).
public func describeDatabaseError(_ error: any Error, path: String) -> String {
    switch error {
    case let error as MigrationError:
        return "\(path): \(error)"
    case ResultCode.notADatabase:
        return "\(path) is not a SQLite database"
    case ResultCode.corrupt:
        return "\(path) is damaged (SQLite: \((error as? SQLiteError)?.message ?? "malformed")); restore it from a backup"
    case ResultCode.cantOpen:
        return "cannot open \(path): its directory is missing or not writable"
    case ResultCode.readonly:
        return "\(path) is read-only"
    case ResultCode.full:
        return "cannot write \(path): the disk is full"
    case ResultCode.ioError:
        return "cannot read or write \(path): I/O error (\((error as? SQLiteError)?.message ?? "unknown"))"
    case let error as SQLiteError:
        return "\(path): \(error.message)"
    default:
        return "\(path): \(error)"
    }
}

/// Whether `error` says the storage cannot be written right now (a full
/// disk, an I/O error, a read-only or locked file) rather than that the
/// request is wrong: HTTP answers it 503 `storage_unavailable`, gRPC
/// `UNAVAILABLE`.
public func isStorageUnavailable(_ error: any Error) -> Bool {
    switch error {
    case ResultCode.full, ResultCode.ioError, ResultCode.readonly, ResultCode.busy, ResultCode.cantOpen: true
    default: false
    }
}
