public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import Outbox

/// An outbox feed over HTTP: `GET {url}/internal/outbox` and
/// `POST {url}/internal/outbox/ack`, with the internal token.
public struct HTTPOutboxSource: OutboxSource {
    public let name: String
    private let baseURL: String
    private let token: String
    private let client: HTTPClient

    public init(configuration: SourceConfiguration, token: String, client: HTTPClient) {
        self.name = configuration.name
        self.baseURL = configuration.url.hasSuffix("/") ? String(configuration.url.dropLast()) : configuration.url
        self.token = token
        self.client = client
    }

    /// A client for sources: connection failures are reported at once (the
    /// relay has its own backoff), a connect timeout of 2 seconds.
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // Long polls are waits, not work: no spans (AsyncHTTPClient would
        // make one per poll with the process's tracer).
        configuration.tracing.tracer = nil
        configuration.timeout = .init(connect: .seconds(2))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private struct Feed: Decodable {
        let messages: [OutboxMessage]
        let lastID: Int64

        enum CodingKeys: String, CodingKey {
            case messages
            case lastID = "last_id"
        }
    }

    /// The source answered, but not as a feed does.
    public struct BadAnswer: Error, CustomStringConvertible {
        public let description: String
    }

    public func messages(after id: Int64, limit: Int, wait: Int) async throws -> (messages: [OutboxMessage], lastID: Int64) {
        var request = HTTPClientRequest(url: "\(baseURL)/internal/outbox?after=\(id)&limit=\(limit)&wait=\(wait)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await client.execute(request, timeout: .seconds(Int64(wait) + 10))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            throw BadAnswer(description: "\(name) answered \(response.status.code) to the feed")
        }
        let feed = try JSONDecoder().decode(Feed.self, from: Data(body.readableBytesView))
        return (feed.messages, feed.lastID)
    }

    public func acknowledge(upTo id: Int64) async throws {
        var request = HTTPClientRequest(url: "\(baseURL)/internal/outbox/ack")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"up_to": \#(id)}"#))
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 64 * 1024)
        guard response.status == .noContent else {
            throw BadAnswer(description: "\(name) answered \(response.status.code) to an acknowledgement")
        }
    }
}

extension HTTPOutboxSource: CustomStringConvertible, CustomReflectable {
    /// The name and URL; the token stays out of every description and dump.
    public var description: String { "HTTPOutboxSource(\(name), \(baseURL))" }
    public var customMirror: Mirror { Mirror(self, children: ["name": name, "url": baseURL]) }
}
