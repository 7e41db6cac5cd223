public import Foundation
public import HTTPTypes
public import HummingbirdTesting

/// Compares a service's OpenAPI document with the routes its router holds.
public enum OpenAPIConformance {
    /// Everything wrong, as sentences; empty when the document is a valid
    /// OpenAPI 3.1 outline that describes exactly the router's routes.
    public static func problems(document: Data, routes: [(method: HTTPRequest.Method, path: String)]) throws -> [String] {
        guard let root = try JSONSerialization.jsonObject(with: document) as? [String: Any] else {
            return ["the document is not a JSON object"]
        }
        var problems: [String] = []
        if (root["openapi"] as? String)?.hasPrefix("3.1.") != true { problems.append("openapi is not 3.1.x") }
        let info = root["info"] as? [String: Any]
        if info?["title"] as? String == nil || info?["version"] as? String == nil { problems.append("info lacks title or version") }
        let paths = root["paths"] as? [String: [String: Any]] ?? [:]
        if paths.isEmpty { problems.append("no paths") }

        // Router → document.
        for route in routes {
            let operation = paths[route.path]?[route.method.rawValue.lowercased()] as? [String: Any]
            if operation == nil { problems.append("\(route.method.rawValue) \(route.path) is served but not documented") }
        }
        // Document → router, and each operation's own shape.
        var operationIDs: Set<String> = []
        let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for (path, item) in paths {
            for (method, value) in item where methods.contains(method) {
                let name = "\(method.uppercased()) \(path)"
                if !routes.contains(where: { $0.path == path && $0.method.rawValue.lowercased() == method }) {
                    problems.append("\(name) is documented but not served")
                }
                guard let operation = value as? [String: Any] else {
                    problems.append("\(name) is not an object")
                    continue
                }
                if let id = operation["operationId"] as? String {
                    if !operationIDs.insert(id).inserted { problems.append("operationId \(id) is used twice") }
                } else {
                    problems.append("\(name) has no operationId")
                }
                if (operation["responses"] as? [String: Any])?.isEmpty != false { problems.append("\(name) documents no response") }
                // Every {parameter} of the path is declared.
                let declared = Set(
                    ((operation["parameters"] as? [[String: Any]]) ?? []).compactMap { parameter -> String? in
                        parameter["in"] as? String == "path" ? parameter["name"] as? String : nil
                    })
                for segment in path.split(separator: "/") where segment.hasPrefix("{") {
                    let parameter = String(segment.dropFirst().dropLast())
                    if !declared.contains(parameter) { problems.append("\(name) does not declare path parameter \(parameter)") }
                }
            }
        }
        // Every $ref points at something.
        for reference in references(in: root) {
            guard reference.hasPrefix("#/") else {
                problems.append("$ref \(reference) is not local")
                continue
            }
            var node: Any? = root
            for part in reference.dropFirst(2).split(separator: "/") {
                node =
                    (node as? [String: Any])?[
                        String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
            }
            if node == nil { problems.append("$ref \(reference) resolves to nothing") }
        }
        return problems.sorted()
    }

    /// Where the document's `security` and the service disagree: each
    /// operation is called without credentials (path ids `1`, an empty JSON
    /// body), and must answer 401 exactly when the document says it needs a
    /// token (a `security` list without the empty, optional requirement).
    public static func securityProblems(document: Data, client: any TestClientProtocol) async throws -> [String] {
        guard let root = try JSONSerialization.jsonObject(with: document) as? [String: Any],
            let paths = root["paths"] as? [String: [String: Any]]
        else { return ["the document has no paths"] }
        let schemes = Set(((root["components"] as? [String: Any])?["securitySchemes"] as? [String: Any] ?? [:]).keys)
        var problems: [String] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, value) in item.sorted(by: { $0.key < $1.key }) {
                guard let operation = value as? [String: Any], let verb = HTTPRequest.Method(method.uppercased()) else { continue }
                let requirements = operation["security"] as? [[String: Any]] ?? []
                for name in requirements.flatMap(\.keys) where !schemes.contains(name) {
                    problems.append("\(verb) \(path) names an undeclared security scheme \(name)")
                }
                let needsToken = !requirements.isEmpty && !requirements.contains(where: \.isEmpty)
                let uri = path.replacingOccurrences(of: #"\{[^}]+\}"#, with: "1", options: .regularExpression)
                let body: String? = [.post, .put, .patch].contains(verb) ? "{}" : nil
                let response = try await client.send(verb, uri, json: body)
                if needsToken && response.status != .unauthorized {
                    problems.append("\(verb) \(path) is documented as needing a token but answers \(response.status.code) without one")
                } else if !needsToken && response.status == .unauthorized {
                    problems.append("\(verb) \(path) is documented as open but answers 401 without a token")
                }
                if needsToken && (operation["responses"] as? [String: Any])?["401"] == nil {
                    problems.append("\(verb) \(path) needs a token but documents no 401")
                }
            }
        }
        return problems
    }

    private static func references(in node: Any) -> [String] {
        if let object = node as? [String: Any] {
            return (object["$ref"] as? String).map { [$0] } ?? [] + object.values.flatMap(references)
        }
        if let array = node as? [Any] { return array.flatMap(references) }
        return []
    }
}
