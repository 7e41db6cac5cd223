public import HTTPTypes
public import Hummingbird
public import Logging
import TraceSupport
public import Tracing
public import W3CTraceContext

/// The request context every service uses: Hummingbird's core storage, plus
/// the request's id and trace, set by `RequestIdentityMiddleware`. Bodies are
/// decoded strictly (`StrictJSONDecoder`) and models encoded with their keys
/// in order (`OrderedJSONEncoder`), so handlers take and return models.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's `X-Request-ID`, or one made for this request.
    public var requestID: String
    /// The caller's trace continued with a span of this request's own, or a
    /// new trace.
    public var trace: TraceContext
    /// Who is calling, once their credentials are accepted.
    public var identity: Caller?
    /// What the credentials came to.
    public var credentials: CredentialsState
    /// The client's address (for sign-in throttling); nil when unknown.
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.trace = TraceContext(traceID: .null, spanID: .null, flags: [], state: TraceState())
        self.identity = nil
        self.credentials = .absent
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The contract's limit on request bodies.
    public var maxUploadSize: Int { RequestBodyLimit.bytes }

    public var requestDecoder: StrictJSONDecoder { StrictJSONDecoder() }

    public var responseEncoder: OrderedJSONEncoder { OrderedJSONEncoder() }

    /// What a call this request makes to another service carries along.
    public var outgoing: OutgoingRequestIdentity {
        OutgoingRequestIdentity(requestID: requestID, trace: trace, userID: identity?.userID)
    }
}

/// The request id and trace a call to another service continues, and the
/// caller's user id for log lines.
public struct OutgoingRequestIdentity: Sendable {
    public var requestID: String
    public var trace: TraceContext
    public var userID: Int64?

    public init(requestID: String, trace: TraceContext, userID: Int64? = nil) {
        self.requestID = requestID
        self.trace = trace
        self.userID = userID
    }

    /// A new request id and trace, for a call made on no request's behalf
    /// (a readiness probe).
    public static func fresh() -> OutgoingRequestIdentity {
        OutgoingRequestIdentity(
            requestID: RequestIDs.requestID(),
            trace: TraceContext(traceID: RequestIDs.traceID(), spanID: RequestIDs.spanID(), flags: [], state: TraceState()))
    }

    /// A `traceparent` for the outgoing call: the same trace, a new span.
    public var traceparent: String {
        TraceContext(traceID: trace.traceID, spanID: RequestIDs.spanID(), flags: trace.flags, state: trace.state).traceParentHeaderValue
    }
}

/// The identity of the request the current task serves, for log lines:
/// `requestMetadataProvider` adds its ids to every line logged while a
/// request is handled.
public enum RequestScope {
    @TaskLocal public static var identity: OutgoingRequestIdentity?
    /// The request's server span, when spans are recorded, so that what
    /// learns more about the request later (who is calling) can say so on it.
    @TaskLocal public static var serverSpan: (any Span)?

    /// The trace a change made now belongs to, as a `traceparent`: the
    /// current span's when spans are recorded, else the request's own
    /// trace and span id; nil outside a request.
    public static var traceparent: String? {
        Spans.traceparent() ?? identity?.trace.traceParentHeaderValue
    }
}

extension Logger.MetadataProvider {
    /// `request_id`, `trace_id` and `span_id` of the request being served,
    /// if any (the ids of the innermost span when spans are recorded), and
    /// `user_id` once the caller is known.
    public static let requestIdentity = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let identity = RequestScope.identity {
            metadata["request_id"] = .string(identity.requestID)
            metadata["trace_id"] = .stringConvertible(identity.trace.traceID)
            metadata["span_id"] = .stringConvertible(identity.trace.spanID)
            if let userID = identity.userID { metadata["user_id"] = .stringConvertible(userID) }
        }
        if let traceparent = Spans.traceparent(),
            let trace = try? TraceContext(traceParentHeaderValue: traceparent, traceStateHeaderValue: nil)
        {
            metadata["trace_id"] = .stringConvertible(trace.traceID)
            metadata["span_id"] = .stringConvertible(trace.spanID)
        }
        return metadata
    }
}

/// Bodies over 1 MiB get 413.
public enum RequestBodyLimit {
    public static let bytes = 1 << 20
}

extension HTTPField.Name {
    /// `X-Request-ID`. (`traceparent` and `tracestate` come with HTTPTypes.)
    public static let requestID = HTTPField.Name("X-Request-ID")!
}
