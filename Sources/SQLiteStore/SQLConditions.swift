/// The `WHERE` of a list query, built from optional filters: each given one
/// adds a condition and its argument, joined with AND.
///
/// ```swift
/// var conditions = SQLConditions("id > ?", .integer(after))
/// conditions.add("status = ?", status.map { .text($0.rawValue) })
/// let sql = "SELECT … FROM bugs WHERE \(conditions.sql) ORDER BY id LIMIT ?"
/// try connection.query(sql, conditions.arguments + [.integer(limit)], …)
/// ```
public struct SQLConditions: Sendable {
    private var conditions: [String]
    /// The conditions' arguments, in order.
    public private(set) var arguments: [SQLiteValue]

    /// Starts with one condition that always applies.
    public init(_ condition: String, _ argument: SQLiteValue) {
        self.conditions = [condition]
        self.arguments = [argument]
    }

    /// Adds `condition` (with one `?`) when `argument` is given; nothing when it is nil.
    public mutating func add(_ condition: String, _ argument: SQLiteValue?) {
        guard let argument else { return }
        conditions.append(condition)
        arguments.append(argument)
    }

    /// The conditions joined with AND.
    public var sql: String { conditions.joined(separator: " AND ") }
}
