import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceKit
import TraceSupport
import Tracing

/// `UsersClient` over HTTP: `GET {base}/users/{id}` with the internal
/// token, the caller's `X-Request-ID` and a `traceparent` continuing its
/// trace.
///
/// Connect timeout 1 s, whole call 2 s, one retry when the connection fails,
/// and a circuit breaker so that a users service that is down costs
/// microseconds, not seconds.
public final class HTTPUsersClient: UsersClient {
    private let baseURL: String
    private let internalToken: String
    private let client: HTTPClient
    private let breaker: CircuitBreaker
    private let callTimeout: Duration

    public init(
        baseURL: String,
        internalToken: String,
        breaker: CircuitBreaker = CircuitBreaker(),
        connectTimeout: Duration = .seconds(1),
        callTimeout: Duration = .seconds(2)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.internalToken = internalToken
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(connectTimeout / .milliseconds(1))))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        // A refused connection fails at once and is retried once, here;
        // the pool's own retries would hold every call until its deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        // The call's span is ours, named by the route (`GET /users/{id}`);
        // AsyncHTTPClient's own would nest a second one named `GET`.
        configuration.tracing.tracer = nil
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.breaker = breaker
        self.callTimeout = callTimeout
    }

    /// Closes the client's connections. Call once, when the service stops.
    public func shutdown() async {
        try? await client.shutdown()
    }

    public func user(id: Int64, identity: OutgoingRequestIdentity) async throws -> UserReference? {
        do {
            return try await breaker.run {
                try await fetchWithOneRetry(id: id, identity: identity)
            }
        } catch let open as CircuitBreakerOpen {
            let seconds = max(
                1, Int((Double(open.retryAfter.components.seconds) + Double(open.retryAfter.components.attoseconds) / 1e18).rounded(.up)))
            throw UsersUnavailable(retryAfterSeconds: seconds, reason: "circuit open after repeated failures")
        } catch let unavailable as UsersUnavailable {
            throw unavailable
        } catch {
            throw UsersUnavailable(retryAfterSeconds: 1, reason: "\(error)")
        }
    }

    private func fetchWithOneRetry(id: Int64, identity: OutgoingRequestIdentity) async throws -> UserReference? {
        let deadline = NIODeadline.now() + TimeAmount(callTimeout)
        do {
            return try await fetch(id: id, identity: identity, deadline: deadline)
        } catch let error where Self.isConnectionFailure(error) && NIODeadline.now() < deadline {
            return try await fetch(id: id, identity: identity, deadline: deadline)
        }
    }

    /// One call: a client span when spans are recorded, whose id the
    /// `traceparent` sent carries.
    private func fetch(id: Int64, identity: OutgoingRequestIdentity, deadline: NIODeadline) async throws -> UserReference? {
        try await Spans.record("GET /users/{id}", kind: .client, onlyInsideTrace: true) { span in
            span?.attributes["http.request.method"] = "GET"
            span?.attributes["url.full"] = "\(baseURL)/users/\(id)"
            return try await send(id: id, identity: identity, deadline: deadline, span: span)
        }
    }

    /// The request itself, its status recorded on `span`.
    private func send(id: Int64, identity: OutgoingRequestIdentity, deadline: NIODeadline, span: (any Span)?) async throws
        -> UserReference?
    {
        var request = HTTPClientRequest(url: "\(baseURL)/users/\(id)")
        request.headers.add(name: "Authorization", value: "Bearer \(internalToken)")
        request.headers.add(name: "X-Request-ID", value: identity.requestID)
        request.headers.add(name: "traceparent", value: Spans.traceparent() ?? identity.traceparent)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await client.execute(request, deadline: deadline)
        span?.attributes["http.response.status_code"] = Int(response.status.code)
        switch response.status {
        case .ok:
            let body = try await response.body.collect(upTo: 64 * 1024)
            do {
                return try JSONDecoder().decode(UserReference.self, from: Data(body.readableBytesView))
            } catch {
                throw UsersUnavailable(retryAfterSeconds: 1, reason: "the users service sent a user that does not decode")
            }
        case .notFound:
            // An answer, not a failure: it counts for the users service.
            return nil
        case .unauthorized, .forbidden:
            throw UsersUnavailable(retryAfterSeconds: 5, reason: "the users service refused the internal token (\(response.status.code))")
        default:
            throw UsersUnavailable(retryAfterSeconds: 1, reason: "the users service answered \(response.status.code)")
        }
    }

    /// Failures to reach the service at all, which a second try may get past
    /// (a refused connection, a reset before the answer); not timeouts.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .remoteConnectionClosed || error == .connectTimeout
        }
        return error is NIOConnectionError || error is IOError || error is ChannelError
    }
}

extension HTTPUsersClient: CustomStringConvertible, CustomReflectable {
    /// The URL; the internal token stays out of every description and dump.
    public var description: String { "HTTPUsersClient(\(baseURL))" }
    public var customMirror: Mirror { Mirror(self, children: ["baseURL": baseURL]) }
}
