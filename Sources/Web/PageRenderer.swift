import Foundation
import Hummingbird
import Mustache
import NIOCore

/// The pages' templates (Templates/*.mustache, compiled into the binary)
/// and how a page becomes a response.
///
/// Mustache escapes every `{{value}}` for HTML; the only triple-brace
/// outputs in the templates insert fragments (list rows, a bug's header,
/// comments, history entries, a select's options) that a template rendered and escaped itself
/// (`Fragments`, `SelectOptions`), so
/// nothing the API returns reaches the page unescaped.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    init() throws {
        let sources: [(String, [UInt8])] = [
            ("header", PackageResources.header_mustache), ("footer", PackageResources.footer_mustache),
            ("signin", PackageResources.signin_mustache), ("signup", PackageResources.signup_mustache),
            ("password_reset", PackageResources.password_reset_mustache), ("me", PackageResources.me_mustache),
            ("bug_list", PackageResources.bug_list_mustache), ("bug", PackageResources.bug_mustache),
            ("new_bug", PackageResources.new_bug_mustache), ("message", PackageResources.message_mustache),
            ("bug_row", PackageResources.bug_row_mustache), ("comment", PackageResources.comment_mustache),
            ("event", PackageResources.event_mustache), ("options", PackageResources.options_mustache),
            ("bug_header", PackageResources.bug_header_mustache),
        ]
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            try library.register(MustacheTemplate(string: String(decoding: bytes, as: UTF8.self)), named: name)
        }
        self.library = library
    }

    /// `template` rendered with `values`, as text: a fragment of a page.
    func fragment(_ template: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: template) ?? ""
    }

    /// `template` rendered with `values` as an HTML response with `status`.
    func page(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(values, withTemplate: template) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
