public import Hummingbird
public import Identity
import NIOCore
import NIOHTTP1
public import ServiceKit
import ServiceLifecycle

/// What the web pages need: where the APIs are, and how to write cookies.
public struct WebServiceOptions: Sendable {
    public var http: HTTPServiceConfiguration
    public var usersURL: String
    public var bugsURL: String
    /// Marks the cookies `Secure`: the pages are served over TLS.
    public var cookieSecure: Bool
    public var metrics: ServiceMetrics
    /// Where the keys that check the session's access token come from.
    public var keys: any VerificationKeySource

    public init(
        http: HTTPServiceConfiguration, usersURL: String, bugsURL: String, cookieSecure: Bool = false,
        metrics: ServiceMetrics = ServiceMetrics(), keys: any VerificationKeySource
    ) {
        self.http = http
        self.usersURL = usersURL
        self.bugsURL = bugsURL
        self.cookieSecure = cookieSecure
        self.metrics = metrics
        self.keys = keys
    }
}

/// The web pages: people sign in, find, file and discuss bugs in a browser.
/// Made from the users and bugs APIs (the routes any client has); no
/// database of its own.
public enum WebService {
    public static let name = "web"

    static let cookieSecureOption = CommandOption(
        "cookie-secure", kind: .flag, valueName: "",
        help: "Mark the session cookies Secure (the pages are served over HTTPS, behind a proxy)."
    )

    /// `bugtracker web` and its place in `bugtracker dev`, calling `users`
    /// and `bugs`.
    public static func definition(users: ServiceDefinition, bugs: ServiceDefinition) -> ServiceDefinition {
        let usersURL = UsersServiceOption(users: users.name, purpose: "sign-in, people; its keys check the session")
        let bugsURL = CommandOption(
            "bugs-url", valueName: "URL", help: "Where the \(bugs.name) service answers.",
            default: .derived("the \(bugs.name) service's address", { [$0.url(of: bugs.name)] })
        )
        return ServiceDefinition(
            name: name,
            summary: "Run the web pages alone.",
            listeners: [.init(defaultPort: 8080)],
            migrations: nil,
            options: [usersURL.option, bugsURL, cookieSecureOption],
            isFrontDoor: true,
            build: { setup in
                let options = WebServiceOptions(
                    http: setup.http, usersURL: usersURL.url(setup),
                    bugsURL: setup.options.string(bugsURL.name) ?? setup.topology.url(of: bugs.name),
                    cookieSecure: setup.options.flag(cookieSecureOption.name), metrics: setup.metrics, keys: usersURL.keys(setup))
                return [try buildWebService(options: options)]
            }
        )
    }
}

/// The web pages as an application: the pages, the stylesheet, the
/// operational routes. `routes` is filled with its routes.
public func buildWebService(
    options: WebServiceOptions, routes: RouteTable = RouteTable()
) throws -> Application<RouterResponder<ServiceRequestContext>> {
    let api = APIClient(usersURL: options.usersURL, bugsURL: options.bugsURL)
    let pages = PageContext(
        api: api, people: PeopleDirectory(api: api), verifier: TokenVerifier(source: options.keys), renderer: try PageRenderer(),
        cookies: CookiePolicy(secure: options.cookieSecure))
    let router = ServiceApplication.router(service: WebService.name, metrics: options.metrics, routes: routes)
    // Every response, an unknown address's included, gets the browser's safety headers.
    router.add(middleware: SecurityHeadersMiddleware(pages: pages))
    router.addRoutes(
        OperationsController(
            metrics: options.metrics, openAPIDocument: PackageResources.openapi_json,
            readiness: { await WebReadiness.check(api) }
        ).endpoints)
    // Browsers ask for it on their own; there is none, and "none" is not an error.
    router.get("/favicon.ico") { _, _ in HTTPResponse.Status.noContent }
    router.get("/static/style.css") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: PackageResources.style_css)))
    }
    router.addRoutes(AccountPages(pages: pages).endpoints)
    router.addRoutes(BugPages(pages: pages).endpoints)
    return ServiceApplication.make(router: router, routes: routes, configuration: options.http, metrics: options.metrics)
}

/// `/ready`: the pages work when the users and bugs services answer.
enum WebReadiness {
    static func check(_ api: APIClient) async -> OperationsController.Readiness {
        let identity = OutgoingRequestIdentity.fresh()
        for target in [APIClient.Target.users, .bugs] {
            let answered = (try? await api.call(.GET, target, "/health", token: nil, identity: identity))?.isSuccess ?? false
            if !answered { return .unavailable("the \(target.rawValue) service does not answer") }
        }
        return .ready
    }
}
