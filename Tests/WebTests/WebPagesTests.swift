import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import Web

@Suite struct WebPagesTests {
    @Test func aSignedOutVisitorIsSentToSignInAndBackToThePageAfterwards() async throws {
        try await WebSystem.run { client, _ in
            let browser = Browser(client)
            let list = try await browser.get("/bugs/1?x=1")
            #expect(list.status == .seeOther)
            #expect(list.headers[.location] == "/signin?next=/bugs/1?x%3D1")
            try await browser.signUp("ann@example.com", name: "Ann")
            let id = try await browser.fileBug([("title", "First")])
            // Sign out, then sign in from the bug's address: back on the bug.
            let out = try await browser.post("/signout", [])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["bugtracker_session"] == nil)
            #expect(try await browser.get("/bugs/\(id)").headers[.location] == "/signin?next=/bugs/\(id)")
            let signIn = try await browser.post(
                "/signin", [("email", "ann@example.com"), ("password", "correct-horse-battery"), ("next", "/bugs/\(id)")])
            #expect(signIn.status == .seeOther)
            #expect(signIn.headers[.location] == "/bugs/\(id)")
            let cookie = signIn.headers[values: .setCookie].first { $0.hasPrefix("bugtracker_session=") } ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
            #expect(try await browser.get("/bugs/\(id)").status == .ok)
            // Signed in, the sign-in page goes straight on.
            #expect(try await browser.get("/signin?next=/bugs/\(id)").headers[.location] == "/bugs/\(id)")
            #expect(try await browser.get("/favicon.ico").status == .noContent)
        }
    }

    @Test func signInGoesOnlyToPagesOfThisSite() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            for next in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"] {
                let response = try await browser.post(
                    "/signin", [("email", "ann@example.com"), ("password", "correct-horse-battery"), ("next", next)])
                #expect(response.headers[.location] == "/", "next=\(next)")
            }
        }
    }

    @Test func aWrongPasswordIsShownBesideThePasswordWithTheEmailKept() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            _ = try await browser.post("/signout", [])
            let response = try await browser.post("/signin", [("email", "ann@example.com"), ("password", "not-the-password")])
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("id=\"password-error\""))
            #expect(response.text.contains("value=\"ann@example.com\""))
            #expect(browser.cookies["bugtracker_session"] == nil)
        }
    }

    @Test func everyPageForbidsInlineScriptAndFraming() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let id = try await browser.fileBug([("title", "Framed")])
            for path in ["/", "/signin", "/signup", "/password-reset", "/bugs/new", "/bugs/\(id)", "/me", "/no-such-page"] {
                let response = try await browser.get(path)
                let policy = response.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "\(path): \(policy)")
                #expect(!policy.contains("unsafe-inline"), "\(path)")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(!response.text.contains("<script>") && !response.text.contains(" style=\""), "\(path) has inline script or style")
                // Every form carries the CSRF field.
                let forms = response.text.components(separatedBy: "<form method=\"post\"").count - 1
                let fields = response.text.components(separatedBy: "name=\"csrf_token\" value=\"\(browser.csrf)\"").count - 1
                #expect(forms == fields, "\(path): \(forms) forms, \(fields) CSRF fields")
            }
            #expect(try await browser.get("/no-such-page").status == .notFound)
        }
    }

    @Test func aFormWithoutTheRightCSRFTokenChangesNothing() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            for token in ["", "forged-value", String(repeating: "A", count: 43)] {
                let response = try await browser.post("/bugs/new", [("title", "Forged")], csrf: token)
                #expect(response.status == .forbidden)
                #expect(response.text.contains("This form has expired"))
            }
            // A browser that never had the cookie (another site's form) is refused too.
            let stranger = Browser(client)
            let signUp = try await stranger.post("/signup", [("email", "eve@example.com"), ("password", "correct-horse")], csrf: "x")
            #expect(signUp.status == .forbidden)
            let list = try await browser.get("/")
            #expect(!list.text.contains("Forged"))
            #expect(list.text.contains("No bugs match"))
        }
    }

    @Test func whatPeopleTypeIsShownAsTextNeverAsMarkup() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "<b>Ann</b>", on: client)
            let id = try await browser.fileBug([("title", "<script>alert(1)</script>"), ("description", "a & b \"quoted\" 'single'")])
            _ = try await browser.post("/bugs/\(id)/comments", [("body", "<img src=x onerror=alert(2)>")])
            let page = try await browser.get("/bugs/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(page.text.contains("&lt;img src=x onerror=alert(2)&gt;"))
            #expect(page.text.contains("a &amp; b &quot;quoted&quot; &#39;single&#39;"))
            #expect(page.text.contains("&lt;b&gt;Ann&lt;/b&gt;"))
            #expect(!page.text.contains("<script>alert") && !page.text.contains("<img src=x") && !page.text.contains("<b>Ann"))
        }
    }

    @Test func theAPIsErrorsAppearBesideTheirFieldsWithWhatWasTypedKept() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            try await browser.get("/bugs/new")
            let response = try await browser.post(
                "/bugs/new", [("title", "   "), ("description", "kept text"), ("labels", "ok, Bad Label!")])
            #expect(response.status == .badRequest)
            #expect(response.text.contains("id=\"title-error\"") || response.text.contains("id=\"labels-error\""))
            #expect(response.text.contains("kept text"))
            #expect(response.text.contains("value=\"ok, Bad Label!\""))
            // Signing up with a taken address: the error is beside the e-mail.
            let other = Browser(client)
            try await other.get("/signup")
            let taken = try await other.post("/signup", [("email", "ANN@example.com"), ("name", "Imposter"), ("password", "long enough")])
            #expect(taken.status == .conflict)
            #expect(taken.text.contains("id=\"email-error\""))
            #expect(taken.text.contains("value=\"Imposter\""))
        }
    }

    @Test func aStaleEditShowsTheBugAsItIsNow() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let bob = try await Browser.signedUp("bob@example.com", name: "Bob", on: client)
            let id = try await ann.fileBug([("title", "Crash on save"), ("assignee_id", "2")])
            let form: [(String, String)] = [
                ("title", "Crash on save"), ("description", ""), ("labels", ""), ("assignee_id", "2"), ("version", "1"),
            ]
            // The bug as first shown is kept for its version; the change shows at once.
            let before = try await ann.get("/bugs/\(id)").text
            #expect(before.contains("status-open") && before.contains("Filed by Ann") && before.contains("assigned to Bob"))
            let first = try await bob.post("/bugs/\(id)/edit", form + [("status", "resolved"), ("priority", "normal")])
            #expect(first.status == .seeOther)
            let stale = try await ann.post("/bugs/\(id)/edit", form + [("status", "open"), ("priority", "urgent")])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("changed by someone else"))
            #expect(stale.text.contains("status-resolved") && !stale.text.contains("status-open"))
            #expect(stale.text.contains("name=\"version\" value=\"2\""))
            // Only the moves the transition table allows are offered.
            let page = try await ann.get("/bugs/\(id)")
            let statusSelect = page.text.components(separatedBy: "id=\"status\"")[1].components(separatedBy: "</select>")[0]
            #expect(statusSelect.contains("value=\"resolved\"") && statusSelect.contains("value=\"closed\""))
            #expect(statusSelect.contains("value=\"open\"") && !statusSelect.contains("value=\"in_progress\""))
        }
    }

    @Test func aSessionThatNoLongerChecksOutLeadsToSignIn() async throws {
        try await WebSystem.run { client, _ in
            var headers: HTTPFields = [:]
            headers[.cookie] = "bugtracker_session=eyJhbGciOiJFZERTQSJ9.e30.c2ln"
            let response = try await client.executeRequest(uri: "/bugs/new", method: .get, headers: headers, body: nil)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/signin?next=/bugs/new&notice=expired")
            #expect(response.headers[values: .setCookie].contains { $0.hasPrefix("bugtracker_session=;") && $0.contains("Max-Age=0") })
        }
    }

    @Test func filtersAndSearchNarrowTheList() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            _ = try await ann.fileBug([("title", "Crash when saving a draft"), ("labels", "crash"), ("priority", "high")])
            _ = try await ann.fileBug([("title", "Typo on the sign-in page"), ("labels", "ui"), ("priority", "low")])
            let search = try await ann.get("/?q=draft")
            #expect(search.text.contains("Crash when saving a draft") && !search.text.contains("Typo on the"))
            let label = try await ann.get("/?label=ui")
            #expect(label.text.contains("Typo on the") && !label.text.contains("Crash when saving"))
            let priority = try await ann.get("/?priority=high&status=open")
            #expect(priority.text.contains("Crash when saving") && !priority.text.contains("Typo on the"))
            #expect(priority.text.contains("<option value=\"high\" selected>High</option>"))
            // A malformed search is explained, not a failure.
            let bad = try await ann.get("/?q=%00")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("class=\"error\""))
        }
    }

    @Test func theListCountsCommentsInWords() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let id = try await ann.fileBug([("title", "Crash on save")])
            #expect(!(try await ann.get("/").text.contains("class=\"count\"")))
            _ = try await ann.post("/bugs/\(id)/comments", [("body", "It happens on every save.")])
            #expect(try await ann.get("/").text.contains("<span class=\"count\">1 comment</span>"))
            _ = try await ann.post("/bugs/\(id)/comments", [("body", "And on autosave.")])
            #expect(try await ann.get("/").text.contains("<span class=\"count\">2 comments</span>"))
        }
    }

    @Test func aBugsPageShowsItsCommentsInOrderAndItsHistory() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let id = try await ann.fileBug([("title", "Crash on save")])
            let before = try await ann.get("/bugs/\(id)").text
            #expect(before.contains("No comments yet.") && !before.contains("class=\"comment\""))
            #expect(before.contains("<strong>Ann</strong> filed the bug"))
            _ = try await ann.post("/bugs/\(id)/comments", [("body", "It happens on every save.")])
            _ = try await ann.post("/bugs/\(id)/comments", [("body", "And on autosave.")])
            let page = try await ann.get("/bugs/\(id)").text
            #expect(!page.contains("No comments yet."))
            let first = try #require(page.range(of: "<div class=\"body\">It happens on every save.</div>"))
            let second = try #require(page.range(of: "<div class=\"body\">And on autosave.</div>"))
            #expect(first.upperBound <= second.lowerBound)
            #expect(page.components(separatedBy: "<strong>Ann</strong> commented").count == 3)
        }
    }

    /// A bug's comments and history are kept by the bug's state: a change,
    /// a comment or a watcher made after the page was shown is on the next one.
    @Test func whatChangedSinceThePageWasShownIsOnTheNextOne() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let bob = try await Browser.signedUp("bob@example.com", name: "Bob", on: client)
            let id = try await ann.fileBug([("title", "Crash on save"), ("assignee_id", "2")])
            #expect(try await bob.get("/bugs/\(id)").text.contains("<strong>Ann</strong> filed the bug"))
            let resolve = try await bob.post(
                "/bugs/\(id)/edit",
                [
                    ("title", "Crash on save"), ("description", ""), ("labels", ""), ("assignee_id", "2"), ("version", "1"),
                    ("status", "resolved"), ("priority", "normal"),
                ])
            #expect(resolve.status == .seeOther)
            #expect(try await bob.get("/bugs/\(id)").text.contains("<span class=\"change\">status Open → Resolved</span>"))
            _ = try await ann.post("/bugs/\(id)/comments", [("body", "Thanks, fixed here too.")])
            let commented = try await bob.get("/bugs/\(id)").text
            #expect(commented.contains("<div class=\"body\">Thanks, fixed here too.</div>"))
            #expect(commented.contains("<strong>Ann</strong> commented"))
            let watchers = { (page: String) in
                (page.components(separatedBy: "<ul class=\"watchers\">").dropFirst().first ?? "").components(separatedBy: "</ul>")[0]
            }
            _ = try await bob.post("/bugs/\(id)/unwatch", [])
            #expect(!watchers(try await ann.get("/bugs/\(id)").text).contains("Bob"))
            _ = try await bob.post("/bugs/\(id)/watch", [])
            #expect(watchers(try await ann.get("/bugs/\(id)").text).contains("Bob"))
        }
    }

    /// History entries are kept and shared, but a person renamed since is
    /// shown by their name now, as the actor and in what changed.
    @Test func theHistoryNamesPeopleAsTheyAreNamedNow() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let bob = try await Browser.signedUp("bob@example.com", name: "Bob", on: client)
            let id = try await ann.fileBug([("title", "Crash on save")])
            let assign = try await ann.post(
                "/bugs/\(id)/edit",
                [
                    ("title", "Crash on save"), ("description", ""), ("labels", ""), ("assignee_id", "2"), ("version", "1"),
                    ("status", "open"), ("priority", "normal"),
                ])
            #expect(assign.status == .seeOther)
            _ = try await bob.post("/bugs/\(id)/comments", [("body", "Mine now.")])
            let before = try await ann.get("/bugs/\(id)").text
            #expect(before.contains("<span class=\"change\">assignee nobody → Bob</span>"))
            #expect(before.contains("<strong>Bob</strong> commented"))
            _ = try await bob.post("/me", [("name", "Robert")])
            let after = try await ann.get("/bugs/\(id)").text
            #expect(after.contains("<span class=\"change\">assignee nobody → Robert</span>"))
            #expect(after.contains("<strong>Robert</strong> commented"))
            #expect(!after.contains("→ Bob<") && !after.contains("<strong>Bob</strong>"))
        }
    }

    /// The people in the assignee pickers are kept for a moment and shared:
    /// someone who signs up or renames themselves through the pages is
    /// there on the next page; someone registered through the API appears
    /// once the copy (kept two seconds) is read again.
    @Test func thePeoplePickerShowsNewPeopleAtOnceOrWithinTwoSeconds() async throws {
        try await WebSystem.run { client, usersURL in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            #expect(try await ann.get("/").text.contains(">Ann</option>"))
            let bob = try await Browser.signedUp("bob@example.com", name: "Bob", on: client)
            #expect(try await ann.get("/").text.contains(">Bob</option>"))
            _ = try await bob.post("/me", [("name", "Robert")])
            let renamed = try await ann.get("/").text
            #expect(renamed.contains(">Robert</option>") && !renamed.contains(">Bob</option>"))

            var register = HTTPClientRequest(url: usersURL + "/users")
            register.method = .POST
            register.body = .bytes(ByteBuffer(string: #"{"email": "cy@example.com", "name": "Cy"}"#))
            #expect(try await HTTPClient.shared.execute(register, timeout: .seconds(5)).status == .created)
            let clock = ContinuousClock()
            let start = clock.now
            var shown = false
            while !shown && clock.now - start < .seconds(5) {
                shown = try await ann.get("/").text.contains(">Cy</option>")
                if !shown { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(shown)
        }
    }

    @Test func wordsTargetsAndSpanNames() {
        #expect(Presentation.word("in_progress") == "In progress")
        #expect(Presentation.moves["closed"] == ["open"])
        #expect(PageContext.localTarget("//x") == "/")
        #expect(PageContext.localTarget("/bugs?q=a") == "/bugs?q=a")
        #expect(APIClient.template("/bugs/7/watchers/2") == "/bugs/{id}/watchers/{user_id}")
        #expect(APIClient.template("/bugs?limit=25&cursor=abc") == "/bugs")
    }
}

@Suite struct WebPasswordPagesTests {
    /// The newest set-password token in the users service's outbox (the mail
    /// carries it; the database keeps only its hash).
    static func mailedToken(usersURL: String) async throws -> String {
        var request = HTTPClientRequest(url: usersURL + "/internal/outbox?after=0&limit=500")
        request.headers.add(name: "Authorization", value: "Bearer \(testInternalToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard let range = body.range(of: "password-reset?token=", options: .backwards) else {
            throw TestFailure("no set-password link in the outbox: \(body.prefix(500))")
        }
        return String(body[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func aForgottenPasswordIsResetFromTheMailsLink() async throws {
        try await WebSystem.run { client, usersURL in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", password: "the old password", on: client)
            _ = try await browser.post("/signout", [])
            try await browser.get("/password-reset")
            let asked = try await browser.post("/password-reset", [("email", "ann@example.com")])
            #expect(asked.status == .ok)
            #expect(asked.text.contains("Check your mail"))
            let token = try await Self.mailedToken(usersURL: usersURL)
            let form = try await browser.get("/password-reset?token=\(token)")
            #expect(form.text.contains("name=\"token\" value=\"\(token)\""))
            let short = try await browser.post("/password-reset/confirm", [("token", token), ("password", "short")])
            #expect(short.status == .badRequest)
            #expect(short.text.contains("id=\"password-error\""))
            let set = try await browser.post("/password-reset/confirm", [("token", token), ("password", "the new password")])
            #expect(set.status == .seeOther)
            #expect(set.headers[.location] == "/signin?notice=password-set")
            let spent = try await browser.post("/password-reset/confirm", [("token", token), ("password", "another password")])
            #expect(spent.status == .badRequest)
            #expect(spent.text.contains("spent or has expired"))
            let old = try await browser.post("/signin", [("email", "ann@example.com"), ("password", "the old password")])
            #expect(old.status == .unauthorized)
            let new = try await browser.post("/signin", [("email", "ann@example.com"), ("password", "the new password")])
            #expect(new.status == .seeOther)
            #expect(browser.cookies["bugtracker_session"] != nil)
        }
    }

    @Test func yourOwnPageChangesYourNameAndNeedsTheCurrentPasswordForANewOne() async throws {
        try await WebSystem.run { client, _ in
            let browser = try await Browser.signedUp("ann@example.com", name: "Ann", password: "the old password", on: client)
            let renamed = try await browser.post("/me", [("name", "Ann Lee")])
            #expect(renamed.status == .seeOther)
            let page = try await browser.get("/me?saved=1")
            #expect(page.text.contains("value=\"Ann Lee\"") && page.text.contains("Saved."))
            let wrong = try await browser.post("/me/password", [("current_password", "not it"), ("password", "the new password")])
            #expect(wrong.status == .forbidden)
            #expect(wrong.text.contains("id=\"current-password-error\""))
            let changed = try await browser.post(
                "/me/password", [("current_password", "the old password"), ("password", "the new password")])
            #expect(changed.status == .seeOther)
        }
    }
}

@Suite struct WebOutageTests {
    @Test func aServiceThatDoesNotAnswerGetsAPageSayingSoNotAFailure() async throws {
        let nobody = "http://127.0.0.1:\(try unusedPort())"
        let web = try buildWebService(
            options: WebServiceOptions(
                http: testHTTPConfiguration("web"), usersURL: nobody, bugsURL: nobody,
                keys: JWKSClient(usersURL: nobody, logger: quietLogger())))
        try await web.test(.router) { client in
            var headers: HTTPFields = [:]
            headers[.cookie] = "bugtracker_session=eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.e30.c2ln"
            let page = try await client.executeRequest(uri: "/bugs/1", method: .get, headers: headers, body: nil)
            #expect(page.status == .serviceUnavailable)
            #expect(page.text.contains("The users service is not answering"))
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let signIn = try await client.executeRequest(uri: "/signin", method: .get, headers: [:], body: nil)
            #expect(signIn.status == .ok)
            #expect(try await client.executeRequest(uri: "/ready", method: .get, headers: [:], body: nil).status == .serviceUnavailable)
        }
    }
}

@Suite struct WebPermissionsTests {
    @Test func onlyThoseWhoMayChangeABugAreOfferedTheForm() async throws {
        try await WebSystem.run { client, _ in
            let ann = try await Browser.signedUp("ann@example.com", name: "Ann", on: client)
            let carol = try await Browser.signedUp("carol@example.com", name: "Carol", on: client)
            let id = try await ann.fileBug([("title", "Ann's bug")])
            #expect(try await ann.get("/bugs/\(id)").text.contains("action=\"/bugs/\(id)/edit\""))
            let page = try await carol.get("/bugs/\(id)")
            #expect(!page.text.contains("action=\"/bugs/\(id)/edit\""))
            #expect(page.text.contains("Only the reporter, the assignee or an admin"))
            #expect(page.text.contains("action=\"/bugs/\(id)/comments\""))
            // A forged edit is still refused by the API, and says so.
            let forged = try await carol.post(
                "/bugs/\(id)/edit", [("title", "Carol's now"), ("status", "closed"), ("version", "1"), ("labels", "")])
            #expect(forged.status == .forbidden)
            #expect(try await ann.get("/bugs/\(id)").text.contains("Ann&#39;s bug"))
        }
    }
}
