import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit
import Testing

@testable import Web

@Suite struct WebSessionTests {
    func request(cookies: [String]) -> Request {
        var fields = HTTPFields()
        for cookie in cookies { fields.append(HTTPField(name: .cookie, value: cookie)) }
        return Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: fields),
            body: .init(buffer: ByteBuffer()))
    }

    @Test func cookiesAreReadByExactNameFromEveryHeader() {
        let one = request(cookies: ["bugtracker_session_old=stale; bugtracker_session=a.b-c_d;bugtracker_csrf=x=y=", "other=1"])
        #expect(WebSession.cookie("bugtracker_session", in: one) == "a.b-c_d")
        #expect(WebSession.cookie("bugtracker_csrf", in: one) == "x=y=")
        #expect(WebSession.cookie("other", in: one) == "1")
        #expect(WebSession.cookie("bugtracker", in: one) == nil)
        #expect(WebSession.cookie("missing", in: request(cookies: [])) == nil)
        // The first of two with one name, as Hummingbird's `request.cookies` has it.
        let twice = request(cookies: ["  \tbugtracker_csrf=first ; bugtracker_csrf=second"])
        #expect(WebSession.cookie("bugtracker_csrf", in: twice) == "first ")
        let session = WebSession(request: request(cookies: ["bugtracker_session=; bugtracker_csrf=abc"]))
        #expect(session.token == nil && session.csrf == "abc")
    }

    @Test func timesAreShownInWordsAndExactly() {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        func ago(_ seconds: Double) -> String {
            Timestamp(millisecondsSinceEpoch: Int64((now.timeIntervalSince1970 - seconds) * 1000)).rfc3339
        }
        #expect(Presentation.relativeTime(ago(10), now: now) == "just now")
        #expect(Presentation.relativeTime(ago(60), now: now) == "a minute ago")
        #expect(Presentation.relativeTime(ago(300), now: now) == "5 minutes ago")
        #expect(Presentation.relativeTime(ago(7200), now: now) == "2 hours ago")
        #expect(Presentation.relativeTime(ago(100_000), now: now) == "yesterday")
        #expect(Presentation.relativeTime(ago(864_000), now: now) == "10 days ago")
        #expect(Presentation.relativeTime("not a time", now: now) == "")
        let shown = Presentation.time(ago(300), now: now)
        #expect(shown["text"] as? String == "5 minutes ago" && shown["iso"] as? String == ago(300))
        #expect(shown["exact"] as? String == "2026-05-28 20:21:40 UTC")
    }
}
