import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import TraceSupport
import Tracing

/// The users service's published keys, fetched from its
/// `/.well-known/jwks.json` and kept: fetched again every ten minutes, and
/// when a token names a kid not among them, at most once every ten seconds.
/// While the users service cannot be reached the keys kept are used, so a
/// token signed with a known key still works.
public final class JWKSClient: VerificationKeySource {
    private struct State {
        var keys: [String: PublishedKey]?
        var fetchedAt: ContinuousClock.Instant?
        var lastAttempt: ContinuousClock.Instant?
        var inFlight: Task<[String: PublishedKey], any Error>?
        var fetches = 0
        var failing = false
    }

    private let url: String
    private let logger: Logger
    private let maximumAge: Duration
    private let minimumInterval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// One client for the process's key fetches, never shut down (it lives
    /// as long as the process). AsyncHTTPClient's own spans are off: the
    /// fetch's span is ours, named by the route. A users service that is
    /// down refuses at once, and that is the answer: AsyncHTTPClient would
    /// otherwise retry the connection until the call's deadline, holding
    /// every request that needs the keys for 5 seconds.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(1))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// - Parameters:
    ///   - usersURL: the users service's base URL.
    ///   - maximumAge: keys older than this are fetched again (10 minutes).
    ///   - minimumInterval: an unknown kid fetches again at most this often (10 s).
    ///   - now: the time (tests move it by hand).
    public init(
        usersURL: String, logger: Logger, maximumAge: Duration = .seconds(600), minimumInterval: Duration = .seconds(10),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.url = (usersURL.hasSuffix("/") ? String(usersURL.dropLast()) : usersURL) + "/.well-known/jwks.json"
        self.logger = logger
        self.maximumAge = maximumAge
        self.minimumInterval = minimumInterval
        self.now = now
    }

    /// How many times the document was fetched (for tests and metrics).
    public var fetchCount: Int { state.withLock { $0.fetches } }

    private enum Plan {
        case use([String: PublishedKey])
        case await(Task<[String: PublishedKey], any Error>)
        case unavailable
    }

    public func keys(refresh: Bool) async throws -> [String: PublishedKey] {
        let now = self.now()
        let plan = state.withLock { state -> Plan in
            if let keys = state.keys, let fetchedAt = state.fetchedAt {
                let fresh = now - fetchedAt < maximumAge
                let triedRecently = state.lastAttempt.map { now - $0 < minimumInterval } ?? false
                if (fresh && !refresh) || triedRecently { return .use(keys) }
                if !refresh {
                    // Merely old: answer with what is kept and fetch behind
                    // it, so no request waits on a users service that is down.
                    if state.inFlight == nil {
                        state.lastAttempt = now
                        state.inFlight = Task { try await self.fetch() }
                    }
                    return .use(keys)
                }
            }
            // One fetch at a time, however many requests wait on it.
            if let inFlight = state.inFlight { return .await(inFlight) }
            // Nothing kept and the last try failed a moment ago: say so now
            // rather than send every request after the users service.
            if state.keys == nil, state.failing, let last = state.lastAttempt, now - last < minimumInterval { return .unavailable }
            state.lastAttempt = now
            let fetch = Task { try await self.fetch() }
            state.inFlight = fetch
            return .await(fetch)
        }
        switch plan {
        case .use(let keys):
            return keys
        case .unavailable:
            throw KeysUnavailable("the users service's keys cannot be fetched")
        case .await(let task):
            do {
                return try await task.value
            } catch {
                // Down: what was kept still verifies the tokens it signed.
                if let kept = state.withLock({ $0.keys }) { return kept }
                throw KeysUnavailable("the users service's keys cannot be fetched: \(error)")
            }
        }
    }

    private func fetch() async throws -> [String: PublishedKey] {
        defer { state.withLock { $0.inFlight = nil } }
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let (response, body) = try await Spans.record("GET /.well-known/jwks.json", kind: .client, onlyInsideTrace: true) { span in
                span?.attributes["http.request.method"] = "GET"
                span?.attributes["url.full"] = url
                if let traceparent = Spans.traceparent() { request.headers.add(name: "traceparent", value: traceparent) }
                let response = try await Self.client.execute(request, timeout: .seconds(5))
                span?.attributes["http.response.status_code"] = Int(response.status.code)
                return (response, try await response.body.collect(upTo: 1 << 20))
            }
            guard response.status == .ok else { throw KeysUnavailable("\(url) answered \(response.status.code)") }
            let document = try JSONDecoder().decode(JWKSDocument.self, from: Data(body.readableBytesView))
            var keys: [String: PublishedKey] = [:]
            for key in document.published { keys[key.kid] = key }
            let recovered = state.withLock { state -> Bool in
                state.keys = keys
                state.fetchedAt = self.now()
                state.fetches += 1
                defer { state.failing = false }
                return state.failing
            }
            if recovered { logger.notice("the users service's keys can be fetched again") }
            return keys
        } catch {
            let first = state.withLock { state -> Bool in
                defer { state.failing = true }
                return !state.failing
            }
            if first { logger.warning("cannot fetch the users service's keys; using those kept", metadata: ["error": "\(error)"]) }
            throw error
        }
    }
}
