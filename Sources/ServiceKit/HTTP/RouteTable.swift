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
            routes.filter { Self.matches($0.segments, requested) }.map(\.method)
        }
        return Set(methods).sorted { $0.rawValue < $1.rawValue }
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        if pattern.last == "**" { return path.count >= pattern.count - 1 && zip(pattern.dropLast(), path).allSatisfy(segmentMatches) }
        return pattern.count == path.count && zip(pattern, path).allSatisfy(segmentMatches)
    }

    private static func segmentMatches(_ pattern: Substring, _ segment: Substring) -> Bool {
        pattern == segment || pattern == "*" || (pattern.hasPrefix("{") && pattern.hasSuffix("}"))
    }
}
