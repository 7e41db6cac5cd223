import Foundation
import NIOPosix
import ServiceKit
import TraceSupport

/// Delivers mail into a Maildir: one RFC 5322 file per message, written to
/// `tmp/`, synced, and renamed into `new/`, so a reader never sees half a
/// file. The file is named after the message (`<seconds>.<source>.<id>.bugtracker`),
/// so a message delivered twice replaces its own file instead of appearing
/// twice.
///
/// File I/O blocks, so it runs on NIO's blocking-I/O thread pool, not on
/// Swift's cooperative pool.
public struct MaildirMailer: Mailer {
    /// The Maildir: `tmp/`, `new/` and `cur/` live in it.
    public let directory: String

    /// A mailer writing into `directory`, which `prepare()` creates.
    public init(directory: String) {
        self.directory = directory
    }

    /// Creates the Maildir's folders when missing.
    public func prepare() async throws {
        try await NIOThreadPool.singleton.runIfActive { [directory] in
            for folder in ["tmp", "new", "cur"] {
                try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
            }
        }
    }

    public func send(_ mail: OutgoingMail) async throws(MailerError) {
        let bytes = MessageComposer.compose(mail, lineEnding: .lf)
        let name = Self.fileName(for: mail)
        let directory = self.directory
        do {
            try await Spans.record("Maildir write", onlyInsideTrace: true) { _ in
                try await NIOThreadPool.singleton.runIfActive {
                    try Self.deliver(bytes, named: name, into: directory)
                }
            }
        } catch let error as MailerError {
            throw error
        } catch {
            throw .temporary("cannot write to the Maildir \(directory): \(error)")
        }
    }

    static func fileName(for mail: OutgoingMail) -> String {
        let id = mail.messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>")).replacingOccurrences(of: "@bugtracker", with: "")
        let safe = String(id.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(mail.date.millisecondsSinceEpoch / 1000).\(safe).bugtracker"
    }

    private static func deliver(_ bytes: [UInt8], named name: String, into directory: String) throws {
        let temporary = "\(directory)/tmp/\(name)"
        let final = "\(directory)/new/\(name)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw MailerError.temporary("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw MailerError.temporary("cannot write \(temporary): \(reason)")
            }
            written += result
        }
        // Synced before the rename, so the name in new/ never points at a
        // file a crash could leave empty.
        let synced = fsync(descriptor)
        close(descriptor)
        guard synced == 0 else {
            unlink(temporary)
            throw MailerError.temporary("cannot sync \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, final) == 0 else {
            unlink(temporary)
            throw MailerError.temporary("cannot move the message into \(directory)/new: \(String(cString: strerror(errno)))")
        }
        let folder = open("\(directory)/new", O_RDONLY)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
