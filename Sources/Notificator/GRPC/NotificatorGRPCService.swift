import GRPCCore
import Logging
import NotificatorGRPCAPI
import SQLiteStore
import ServiceKit
import SwiftProtobuf

/// `bugtracker.notificator.v1.Notificator`: `SendEmail` queues a mail as a
/// delivery with source `grpc`, answered once it has committed, and the
/// worker sends it like any other; `GetDelivery` reads one back. Who may
/// call is the interceptor's business (`GRPCAuthorization`).
struct NotificatorGRPCService: Bugtracker_Notificator_V1_Notificator.SimpleServiceProtocol {
    let deliveries: any DeliveryRepository
    let wakeup: Wakeup
    let logger: Logger

    func sendEmail(
        request: Bugtracker_Notificator_V1_SendEmailRequest, context: ServerContext
    ) async throws -> Bugtracker_Notificator_V1_SendEmailResponse {
        let mail: DirectMail
        do {
            mail = try SendEmailRequestRules.mail(
                email: request.email, content: request.content, subject: request.subject, idempotencyKey: request.idempotencyKey
            )
        } catch let error as FieldError {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let (id, created) = try await storage {
            do {
                return try await deliveries.enqueue(mail)
            } catch DeliveryRepositoryError.idempotencyKeyReused {
                throw RPCError(code: .invalidArgument, message: "idempotency_key was used before for a different e-mail")
            }
        }
        if created {
            wakeup.wake()
            logger.info("mail queued over gRPC", metadata: ["delivery_id": "\(id)"])
        }
        return .with { $0.id = id }
    }

    func getDelivery(
        request: Bugtracker_Notificator_V1_GetDeliveryRequest, context: ServerContext
    ) async throws -> Bugtracker_Notificator_V1_Delivery {
        guard request.id > 0 else { throw RPCError(code: .invalidArgument, message: "id must be a positive delivery id") }
        guard let delivery = try await storage({ try await deliveries.get(id: request.id) }) else {
            throw RPCError(code: .notFound, message: "no delivery with id \(request.id)")
        }
        return .with {
            $0.id = delivery.id
            $0.recipient = delivery.recipient
            $0.subject = delivery.subject
            $0.status = delivery.status.rawValue
            $0.attempts = Int32(clamping: delivery.attempts)
            $0.lastError = delivery.lastError ?? ""
        }
    }

    /// Runs `work`, turning a storage failure into `UNAVAILABLE` (the
    /// caller may retry) and anything else unexpected into `INTERNAL`,
    /// logged here and never described to the caller.
    private func storage<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as RPCError {
            throw error
        } catch  where isStorageUnavailable(error) {
            logger.error("storage failure", metadata: ["error": "\(error)"])
            throw RPCError(code: .unavailable, message: "the notificator cannot write to its storage right now; try again later")
        } catch {
            logger.error("gRPC call failed", metadata: ["error": "\(error)"])
            throw RPCError(code: .internalError, message: "internal error")
        }
    }
}
