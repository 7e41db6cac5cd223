import Foundation
import ServiceKit
import Testing

@Suite struct TimestampTests {
    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_795_617_516_860, "2026-11-25T14:38:36.860Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ] as [(Int64, String)])
    func formatsAndParsesRFC3339(milliseconds: Int64, text: String) {
        let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(timestamp.rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == timestamp)
    }

    @Test func parsesOffsetsAndOtherFractions() {
        #expect(Timestamp(rfc3339: "2026-11-25T15:38:36.86+01:00")?.rfc3339 == "2026-11-25T14:38:36.860Z")
        #expect(Timestamp(rfc3339: "2026-11-25T14:38:36Z")?.rfc3339 == "2026-11-25T14:38:36.000Z")
        #expect(Timestamp(rfc3339: "2026-11-25T14:38:36.123456789Z")?.rfc3339 == "2026-11-25T14:38:36.123Z")
    }

    @Test(arguments: [
        "", "2026-11-25", "2026-02-30T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T14:38:36.Z",
        "2026-11-25T14:38:36.860", "2026-11-25T14:38:36.860Zjunk", "２０２６-11-25T14:38:36Z",
    ])
    func rejectsWhatIsNotRFC3339(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func nowIsCloseToFoundationsNow() {
        let before = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let now = Timestamp.now()
        let after = Int64((Date().timeIntervalSince1970 * 1000).rounded(.up))
        #expect(before <= now.millisecondsSinceEpoch && now.millisecondsSinceEpoch <= after)
        #expect(now.adding(.seconds(2)).duration(since: now) == .seconds(2))
    }
}
