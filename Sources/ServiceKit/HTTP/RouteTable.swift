public import Hummingbird
import Synchronization

/// The routes a service serves, to tell an unknown path (404) from a known
/// path asked with the wrong method (405, with the methods it takes).
///
/// Filled once the router holds every route (`register(_:)`), read when a
/// request matches no route.
public final class RouteTable: Sendable {
    private struct Route {
        let method: HTTPRequest.Method
        let path: String
        let segments: [Substring]
    }

    private let routes = Mutex<[Route]>([])

    public init() {}

    /// Records `router`'s routes.
    public func register<Context>(_ router: Router<Context>) {
        let described = router.routes.map { route in
            Route(method: route.method, path: route.path.description, segments: route.path.description.split(separator: "/"))
        }
        routes.withLock { $0 = described }
    }

    /// Every route, as (method, path) with captures written `{name}`.
    public var all: [(method: HTTPRequest.Method, path: String)] {
        routes.withLock { $0.map { ($0.method, $0.path) } }
    }

    /// The methods of the routes whose path matches `path`, sorted.
    public func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        let requested = path.split(separator: "/")
        let methods = routes.withLock { routes in
            let matching = routes.filter { Self.matches($0.segments, requested) }
            // The router prefers a literal segment to a capture (`/users/me`
            // over `/users/{id}`), so only the most specific paths answer.
            guard let best = matching.map({ Self.specificity($0.segments) }).max(by: { $0.lexicographicallyPrecedes($1) }) else {
                return [HTTPRequest.Method]()
            }
            return matching.filter { Self.specificity($0.segments) == best }.map(\.method)
        }
        return Set(methods).sorted { $0.rawValue < $1.rawValue }
    }

    /// 1 for each literal segment, 0 for a capture or wildcard, in order.
    private static func specificity(_ pattern: [Substring]) -> [Int] {
        pattern.map { $0 == "*" || $0 == "**" || ($0.hasPrefix("{") && $0.hasSuffix("}")) ? 0 : 1 }
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        if pattern.last == "**" { return path.count >= pattern.count - 1 && zip(pattern.dropLast(), path).allSatisfy(segmentMatches) }
        return pattern.count == path.count && zip(pattern, path).allSatisfy(segmentMatches)
    }

    private static func segmentMatches(_ pattern: Substring, _ segment: Substring) -> Bool {
        pattern == segment || pattern == "*" || (pattern.hasPrefix("{") && pattern.hasSuffix("}"))
    }
}
