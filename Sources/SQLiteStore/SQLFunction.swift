import CSQLite

/// A scalar function SQL can call, written in Swift: for what a migration
/// must compute that SQL cannot say (an e-mail address's normal form, say).
///
/// Deterministic functions of their arguments only: SQLite may call them
/// from any statement on the connection they are registered on.
public struct SQLFunction: Sendable, Hashable {
    /// The name SQL calls it by.
    public let name: String
    /// How many arguments it takes.
    public let argumentCount: Int
    let body: @Sendable ([SQLiteValue]) throws -> SQLiteValue

    /// A function that throws fails the statement with the error's
    /// description as SQLite's message.
    public init(_ name: String, argumentCount: Int, body: @escaping @Sendable ([SQLiteValue]) throws -> SQLiteValue) {
        self.name = name
        self.argumentCount = argumentCount
        self.body = body
    }

    public static func == (lhs: SQLFunction, rhs: SQLFunction) -> Bool {
        lhs.name == rhs.name && lhs.argumentCount == rhs.argumentCount
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(argumentCount)
    }

    /// `refuse(message)`: fails the statement with `message`, which SQL
    /// alone can only do inside a trigger. The migrator gives it to every
    /// migration, to stop with a sentence when the data does not allow it.
    public static let refuse = SQLFunction("refuse", argumentCount: 1) { arguments in
        guard case .text(let message) = arguments.first else { throw Refusal(description: "refused") }
        throw Refusal(description: message)
    }

    private struct Refusal: Error, CustomStringConvertible {
        let description: String
    }
}

/// The Swift side of a registered function, kept alive by SQLite until the
/// connection drops it (`xDestroy`).
private final class FunctionBox {
    let body: @Sendable ([SQLiteValue]) throws -> SQLiteValue

    init(_ body: @escaping @Sendable ([SQLiteValue]) throws -> SQLiteValue) {
        self.body = body
    }
}

extension Connection {
    /// Makes `function` callable from SQL on this connection.
    public func register(_ function: SQLFunction) throws {
        let box = Unmanaged.passRetained(FunctionBox(function.body)).toOpaque()
        let code = sqlite3_create_function_v2(
            handle, function.name, Int32(function.argumentCount), SQLITE_UTF8 | SQLITE_DETERMINISTIC, box,
            { context, count, values in
                let box = Unmanaged<FunctionBox>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
                var arguments: [SQLiteValue] = []
                for index in 0..<Int(count) { arguments.append(SQLiteValue(sqlite3Value: values![index])) }
                do {
                    switch try box.body(arguments) {
                    case .integer(let value): sqlite3_result_int64(context, value)
                    case .real(let value): sqlite3_result_double(context, value)
                    case .text(let value): sqlite3_result_text(context, value, -1, SQLITE_TRANSIENT)
                    case .blob(let bytes):
                        bytes.withUnsafeBytes { sqlite3_result_blob(context, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
                    case .null: sqlite3_result_null(context)
                    }
                } catch {
                    sqlite3_result_error(context, "\(error)", -1)
                }
            },
            nil, nil,
            { box in box.map { Unmanaged<FunctionBox>.fromOpaque($0).release() } }
        )
        guard code == SQLITE_OK else {
            throw SQLiteError(code: ResultCode(rawValue: code), message: "cannot register the SQL function \(function.name)")
        }
    }
}

extension SQLiteValue {
    /// An argument SQLite passed to a function.
    init(sqlite3Value value: OpaquePointer?) {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER: self = .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT: self = .real(sqlite3_value_double(value))
        case SQLITE_TEXT:
            let count = Int(sqlite3_value_bytes(value))
            self = .text(
                sqlite3_value_text(value).map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite3_value_bytes(value))
            self = .blob(sqlite3_value_blob(value).map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
        default: self = .null
        }
    }
}
