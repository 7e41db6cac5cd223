import Foundation
public import NIOSSL

/// Where and how `SMTPMailer` sends: parsed from
/// `smtp://[user:password@]host:port[?starttls=required]` or `smtps://…`.
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Equatable {
        /// Plain text (a local relay or a test catcher).
        case none
        /// Plain text upgraded with STARTTLS; refuses a server that does not offer it.
        case startTLS
        /// TLS from the first byte (`smtps://`).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name this client gives in EHLO (default: this host's name).
    public var heloName: String
    /// Whose certificates are trusted: the system's by default.
    public var trustRoots: NIOSSLTrustRoots
    /// Connections kept open at once.
    public var connections: Int
    /// The longest wait for any one reply, or for connecting.
    public var commandTimeout: Duration
    /// An unused connection is closed (QUIT) after this long.
    public var idleTimeout: Duration

    public init(
        host: String,
        port: Int,
        security: Security = .none,
        username: String? = nil,
        password: String? = nil,
        heloName: String? = nil,
        trustRoots: NIOSSLTrustRoots = .default,
        connections: Int = 4,
        commandTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        let name = heloName ?? ProcessInfo.processInfo.hostName
        self.heloName = name.isEmpty || name.contains(" ") ? "localhost" : name
        self.trustRoots = trustRoots
        self.connections = max(1, connections)
        self.commandTimeout = commandTimeout
        self.idleTimeout = idleTimeout
    }

    /// Why an SMTP URL was refused.
    public struct InvalidURL: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses an SMTP URL. Credentials are percent-decoded; they are only
    /// ever sent over TLS.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else {
            throw InvalidURL(description: "\(Self.redacted(text)) is not smtp://[user:password@]host:port[?starttls=required] or smtps://…")
        }
        var security: Security = scheme == "smtps" ? .tls : .none
        for item in components.queryItems ?? [] {
            switch (item.name.lowercased(), item.value?.lowercased()) {
            case ("starttls", "required"):
                guard scheme == "smtp" else { throw InvalidURL(description: "starttls=required goes with smtp://, not smtps://") }
                security = .startTLS
            case ("starttls", "never"), ("starttls", "no"):
                break
            default:
                throw InvalidURL(description: "unknown SMTP URL parameter \(item.name); the one known is starttls=required")
            }
        }
        let port = components.port ?? (scheme == "smtps" ? 465 : 25)
        guard (1...65535).contains(port) else { throw InvalidURL(description: "the SMTP port must be 1 to 65535") }
        self.init(
            host: host, port: port, security: security,
            username: components.percentEncodedUser.flatMap { $0.removingPercentEncoding },
            password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        )
    }

    /// The URL with its password hidden, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(an SMTP URL)"
    }
}

extension SMTPConfiguration: CustomStringConvertible, CustomReflectable {
    /// Host, port and security; the password stays out of every description and dump.
    public var description: String { "\(host):\(port) \(security)\(username.map { " as \($0)" } ?? "")" }
    public var customMirror: Mirror { Mirror(self, children: ["host": host, "port": port, "security": security]) }
}
