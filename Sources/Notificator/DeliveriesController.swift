import Hummingbird
import Identity
import ServiceKit

/// The notificator's API: `GET /deliveries`, `GET /deliveries/{id}`,
/// `POST /deliveries/{id}/retry`, for admins and services.
struct DeliveriesController: Sendable {
    let deliveries: any DeliveryRepository
    let wakeup: Wakeup

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self)
            .on("/deliveries", method: .get, access: .admin, use: list)
            .on("/deliveries/:id", method: .get, access: .admin, use: get)
            .on("/deliveries/:id/retry", method: .post, access: .admin, use: retry)
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> ListResponse<Delivery> {
        let query = try ListQuery(request, filters: ["status", "recipient", "source"])
        let filter = DeliveryFilter(
            status: try query.choice("status", as: DeliveryStatus.self),
            recipient: query.parameters["recipient"],
            source: query.parameters["source"]
        )
        return ListResponse(try await deliveries.list(filter: filter, after: try query.afterID(), limit: query.limit))
    }

    @Sendable func get(_ request: Request, context: ServiceRequestContext) async throws -> Delivery {
        guard let id = PathID.parse("id", in: context), let delivery = try await deliveries.get(id: id) else {
            throw Self.notFound(context)
        }
        return delivery
    }

    @Sendable func retry(_ request: Request, context: ServiceRequestContext) async throws -> Delivery {
        guard let id = PathID.parse("id", in: context) else { throw Self.notFound(context) }
        do {
            guard let delivery = try await deliveries.retry(id: id, at: .now()) else { throw Self.notFound(context) }
            wakeup.wake()
            return delivery
        } catch DeliveryRepositoryError.notDead(let status) {
            throw Problem.conflict("delivery_not_dead", "delivery \(id) is \(status.rawValue); only a dead delivery can be retried")
        }
    }

    private static func notFound(_ context: ServiceRequestContext) -> Problem {
        Problem.notFound("delivery_not_found", "no delivery with id \(context.parameters.get("id") ?? "")")
    }
}
