// The users write path through the data layer, for Benchmarks/store-write:
// per transaction, one users row and one outbox row, through
// SQLiteUserRepository on a migrated database.
//
//   store-write-benchmark DB COUNT SYNCHRONOUS MODE
//
// MODE: `serial`   one write awaited at a time (each pays the thread hop);
//       `pipelined` 16 callers, group commit off (maxBatchSize 1): every
//                  write is still its own transaction, the writer never idles;
//       `grouped`  16 callers, group commit on.
// Prints transactions (users) per second.
import Foundation
import Outbox
import SQLiteStore
import ServiceKit
import Users

let arguments = CommandLine.arguments
guard arguments.count == 5, let count = Int(arguments[2]), let synchronous = Synchronous(rawValue: arguments[3]) else {
    FileHandle.standardError.write(Data("usage: store-write-benchmark DB COUNT full|normal|off serial|pipelined|grouped\n".utf8))
    exit(2)
}
let mode = arguments[4]
let callers = mode == "serial" ? 1 : 16
let configuration = DatabaseConfiguration(synchronous: synchronous, readers: 1, maxBatchSize: mode == "grouped" ? 256 : 1)
let database = try await Database.open(path: arguments[1], configuration: configuration)
let users = SQLiteUserRepository(database: database, outbox: SQLiteOutboxRepository(database: database))

// Validated up front, outside the timing: the C loop validates nothing, and
// validation is the HTTP layer's work, not the data layer's.
let newUsers = try (0..<count).map { try NewUser(email: "swift-user-\($0)@Example.com", name: nil) }

let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for caller in 0..<callers {
        group.addTask {
            for index in stride(from: caller, to: count, by: callers) {
                _ = try await users.create(newUsers[index]) { user in
                    [
                        MailDraft(
                            topic: "user.welcome", recipient: user.email, subject: "Welcome to the bug tracker",
                            body: "Hello,\n\nyou are user \(user.id) of the bug tracker, as \(user.email).\n"
                        )
                    ]
                }
            }
        }
    }
    try await group.waitForAll()
}
let elapsed = ContinuousClock.now - start
await database.close()
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(String(format: "%.0f", Double(count) / seconds))
