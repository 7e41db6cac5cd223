import ServiceKit
import Synchronization

/// Failed sign-ins remembered for a while, in memory: after `perEmail`
/// failures for one address, or `perClient` from one client address, within
/// `window`, sign-ins are refused until the window has passed.
///
/// In memory, per users process: a restart forgets, and several users
/// processes would each count their own (the README says so).
public final class SignInThrottle: Sendable {
    private struct State {
        var byEmail: [String: [ContinuousClock.Instant]] = [:]
        var byClient: [String: [ContinuousClock.Instant]] = [:]
    }

    private let perEmail: Int
    private let perClient: Int
    private let window: Duration
    private let state = Mutex(State())

    private let clock: @Sendable () -> ContinuousClock.Instant

    /// `now` tells the time (tests move it by hand).
    public init(
        perEmail: Int = 5, perClient: Int = 20, window: Duration = .seconds(900),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.perEmail = perEmail
        self.perClient = perClient
        self.window = window
        self.clock = now
    }

    /// Seconds until `emailKey` (from `client`) may try again; nil when it may now.
    func retryAfter(emailKey: String, client: String?) -> Int? {
        let now = clock()
        return state.withLock { state in
            let waits = [
                Self.wait(&state.byEmail, emailKey, limit: perEmail, window: window, now: now),
                client.flatMap { Self.wait(&state.byClient, $0, limit: perClient, window: window, now: now) },
            ]
            return waits.compactMap { $0 }.max()
        }
    }

    /// Counts a failed sign-in.
    func recordFailure(emailKey: String, client: String?) {
        let now = clock()
        state.withLock { state in
            state.byEmail[emailKey, default: []].append(now)
            if let client { state.byClient[client, default: []].append(now) }
            // Many addresses tried once each: forget what the window has passed.
            if state.byEmail.count + state.byClient.count > 10_000 {
                state.byEmail = state.byEmail.compactMapValues { Self.recent($0, window: window, now: now) }
                state.byClient = state.byClient.compactMapValues { Self.recent($0, window: window, now: now) }
            }
        }
    }

    private static func recent(_ times: [ContinuousClock.Instant], window: Duration, now: ContinuousClock.Instant) -> [ContinuousClock
        .Instant]?
    {
        let recent = times.filter { now - $0 < window }
        return recent.isEmpty ? nil : recent
    }

    /// Forgets an address's failures after a successful sign-in.
    func recordSuccess(emailKey: String) {
        _ = state.withLock { $0.byEmail.removeValue(forKey: emailKey) }
    }

    private static func wait(
        _ failures: inout [String: [ContinuousClock.Instant]], _ key: String, limit: Int, window: Duration, now: ContinuousClock.Instant
    ) -> Int? {
        let recent = Self.recent(failures[key] ?? [], window: window, now: now)
        failures[key] = recent
        guard let recent, recent.count >= limit, let oldest = recent.first else { return nil }
        let remaining = window - (now - oldest)
        return max(1, Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0))
    }
}
