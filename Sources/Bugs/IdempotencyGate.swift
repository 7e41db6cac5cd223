import Foundation
import Hummingbird
import NIOCore
import ServiceKit

/// `Idempotency-Key` on a POST: the first request with a key does the work
/// and keeps its answer, in the work's own transaction; a second one with
/// the same key from the same caller within 24 hours gets that answer again
/// (`Idempotent-Replayed: true`) and changes nothing; the same key with
/// another request (method, path or body) is 422 `idempotency_key_reused`.
/// Only successes are kept: a refused request may be sent again as it is.
struct IdempotencyGate: Sendable {
    let store: any IdempotencyStore

    /// Runs `work` for `request`, or answers what an earlier request with its
    /// key was answered. `work` gets the record to keep (nil without a key).
    func run<Value: Sendable>(
        _ request: Request,
        context: ServiceRequestContext,
        caller: Caller,
        answer: @escaping @Sendable (Value) throws -> StoredResponse,
        work: (Request, IdempotencyRecord<Value>?) async throws -> Value
    ) async throws -> Response {
        guard let key = try IdempotentRequest.key(of: request) else {
            return try answer(try await work(request, nil)).response(replayed: false)
        }
        var request = request
        let body = try await Self.collectBody(&request, context: context)
        let idempotent = IdempotentRequest(caller: caller, key: key, method: request.method, path: request.uri.path, body: body)
        if let kept = try await kept(idempotent) { return kept }
        do {
            return try answer(try await work(request, IdempotencyRecord(request: idempotent, response: answer))).response(replayed: false)
        } catch BugRepositoryError.idempotencyKeyTaken {
            // A request with the same key committed while this one worked
            // (the writer answers a refused job only once its batch is over).
            guard let kept = try await kept(idempotent) else {
                throw Problem.conflict("idempotency_conflict", "another request with this Idempotency-Key is in progress; try again")
            }
            return kept
        }
    }

    private func kept(_ request: IdempotentRequest) async throws -> Response? {
        let since = Timestamp.now().adding(.seconds(-SQLiteIdempotencyStore.lifetimeSeconds))
        guard let (fingerprint, response) = try await store.find(caller: request.caller, key: request.key, since: since) else {
            return nil
        }
        guard fingerprint == request.fingerprint else {
            throw Problem.unprocessable(
                "idempotency_key_reused", "this Idempotency-Key was used for another request in the last 24 hours; use a new key")
        }
        return response.response(replayed: true)
    }

    /// The body, read once and kept in the request so it can be decoded after.
    private static func collectBody(_ request: inout Request, context: ServiceRequestContext) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw Problem.bodyTooLarge
        }
        do {
            return try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge
        } catch is NIOTooManyBytesError {
            throw Problem.bodyTooLarge
        }
    }
}

extension StoredResponse {
    /// `value` as a `status` answer with `headers`, in the services' JSON.
    static func encoding(_ value: some Encodable, status: HTTPResponse.Status, location: String?, eTag: String?) throws -> StoredResponse {
        StoredResponse(
            status: Int(status.code), location: location, eTag: eTag,
            body: String(decoding: try OrderedJSONEncoder().encode(value), as: UTF8.self))
    }
}
