public import Hummingbird
public import ServiceKit
import ServiceLifecycle

/// The internal feed the notificator reads a service's outbox through:
/// `GET /internal/outbox` (a long poll) and `POST /internal/outbox/ack`.
public struct OutboxFeedController: Sendable {
    private let outbox: any OutboxRepository
    private let token: InternalToken

    public init(outbox: any OutboxRepository, token: InternalToken) {
        self.outbox = outbox
        self.token = token
    }

    public var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .get("/internal/outbox", use: messages)
            .post("/internal/outbox/ack", use: acknowledge)
    }

    struct Feed: ResponseEncodable {
        let messages: [OutboxMessage]
        let lastID: Int64

        enum CodingKeys: String, CodingKey {
            case messages
            case lastID = "last_id"
        }
    }

    struct AckRequest: ClosedRequest {
        let upTo: Int64

        enum CodingKeys: String, CodingKey, CaseIterable {
            case upTo = "up_to"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            upTo = try container.decodeInteger(forKey: .upTo)
            guard upTo >= 0 else { throw FieldError(field: "up_to", reason: "must be 0 or more") }
        }
    }

    @Sendable func messages(_ request: Request, context: ServiceRequestContext) async throws -> Feed {
        try token.authorize(request)
        var after: Int64 = 0
        var limit = 100
        var wait = 0
        for (name, value) in request.uri.queryParameters {
            switch name {
            case "after":
                guard let number = Int64(value), number >= 0 else {
                    throw Problem.invalidParameter("after", "must be an integer of 0 or more")
                }
                after = number
            case "limit":
                guard let number = Int(value), (1...500).contains(number) else {
                    throw Problem.invalidParameter("limit", "must be an integer from 1 to 500")
                }
                limit = number
            case "wait":
                guard let number = Int(value), (0...30).contains(number) else {
                    throw Problem.invalidParameter("wait", "must be an integer from 0 to 30")
                }
                wait = number
            default:
                throw Problem.invalidParameter(String(name), "is not a parameter of the feed (known: after, limit, wait)")
            }
        }
        var messages = try await outbox.messages(after: after, limit: limit)
        if messages.isEmpty && wait > 0 {
            // A graceful shutdown ends the wait early: the poll answers empty
            // rather than holding the shutdown for up to 30 seconds.
            let (signal, threshold, timeout) = (outbox.signal, after, Duration.seconds(wait))
            let committed = await cancelWhenGracefulShutdown {
                await signal.wait(forIDAbove: threshold, timeout: timeout)
            }
            if committed {
                messages = try await outbox.messages(after: after, limit: limit)
            }
        }
        return Feed(messages: messages, lastID: messages.last?.id ?? after)
    }

    @Sendable func acknowledge(_ request: Request, context: ServiceRequestContext) async throws -> HTTPResponse.Status {
        try token.authorize(request)
        let ack = try await request.decode(as: AckRequest.self, context: context)
        try await outbox.acknowledge(upTo: ack.upTo, at: .now())
        return .noContent
    }
}
