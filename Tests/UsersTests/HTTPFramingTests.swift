import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Outbox
import SQLiteStore
import ServiceKit
import TestSupport
import Testing
import Users

/// What the HTTP parser refuses is answered like every other refusal:
/// problem+json, a 4xx, an `X-Request-ID`, counted in the metrics.
@Suite struct HTTPFramingTests {
    /// Raw requests and the status each must get.
    static let refusals: [(String, String, Int)] = [
        (
            "a chunk size that is not hex",
            "POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400
        ),
        (
            "a 20-digit chunk size",
            "POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n12345678901234567890\r\nhello\r\n0\r\n\r\n", 400
        ),
        ("xchunked", "POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),
        ("chunked on HTTP/1.0", "POST /users HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),

        ("no Host", "GET /users/1 HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
        ("two Hosts", "GET /users/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n", 400),
        (
            "Content-Length beside chunked",
            "POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400
        ),
        ("a header of 100 KB", "GET /users/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n", 431),
        ("a space in the target", "GET /users /1 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ]

    func withLiveUsers(_ test: @escaping @Sendable (Int, any TestClientProtocol) async throws -> Void) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration(), internalToken: nil))
            try await app.test(.live) { client in try await test(try #require(client.port), client) }
        }
    }

    @Test func parserRefusalsAreProblemsWithARequestIDAndCounted() async throws {
        try await withLiveUsers { port, client in
            for (name, request, status) in Self.refusals {
                let socket = try RawSocket(port: port)
                defer { socket.close() }
                let answer = try await socket.exchange(request)
                let (head, body) = (
                    answer.components(separatedBy: "\r\n\r\n").first ?? "", answer.components(separatedBy: "\r\n\r\n").dropFirst().joined()
                )
                #expect(head.hasPrefix("HTTP/1.1 \(status) "), "\(name): \(answer.prefix(300))")
                #expect(head.lowercased().contains("content-type: application/problem+json"), "\(name)")
                #expect(head.lowercased().contains("x-request-id: "), "\(name)")
                #expect(body.contains(#""status":\#(status)"#) && !body.contains("500"), "\(name): \(body)")
                let answers = answer.components(separatedBy: "\r\n").filter { $0.hasPrefix("HTTP/1.") && $0.count > 12 }
                #expect(answers.count == 1, "\(name) got \(answers)")
            }
            let metrics = try await client.execute(uri: "/metrics", method: .get).body
            let text = String(buffer: metrics)
            let refused = text.split(separator: "\n").filter {
                $0.hasPrefix("http_requests_total{") && ($0.contains("status=\"400\"") || $0.contains("status=\"431\""))
            }
            let counted = refused.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
            #expect(counted == Self.refusals.count)
        }
    }

    @Test func aChunkedBodyOverTheLimitIs413() async throws {
        try await withLiveUsers { port, _ in
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            let chunk = String(repeating: " ", count: 2 << 20)
            let answer = try await socket.exchange(
                "POST /users HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 413 "))
            #expect(answer.contains(#""code":"body_too_large""#))
        }
    }

    @Test(arguments: ["/users/01", "/users/+1", "/users/%2B1", "/users/1.0", "/users/0", "/users/-1"])
    func idsInPathsAreCanonicalDecimal(path: String) async throws {
        try await withMigratedDatabase(UsersService.migrations) { database in
            let app = try await buildUsersService(
                database: database, options: UsersServiceOptions(http: testHTTPConfiguration(), internalToken: testInternalToken))
            try await app.test(.router) { client in
                let client = client.bearer(testInternalToken)
                _ = try await client.post("/users", json: #"{"email": "ann@example.com"}"#)
                #expect(try await client.get("/users/1").status == .ok)
                let response = try await client.get(path)
                #expect(response.status == .notFound)
                #expect(try response.problemCode() == "user_not_found")
            }
        }
    }
}
