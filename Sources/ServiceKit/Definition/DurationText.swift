/// Durations as people write them on a command line: `250ms`, `1s`, `5m`,
/// `2h`, `7d`.
public enum DurationText {
    /// The duration `text` names; nil when it is not one.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            // "ms" ends in "s" too: only take "s" when what is left is a number.
            guard let value = Double(text.dropLast(suffix.count)), value >= 0, value.isFinite else { continue }
            return .milliseconds(Int64((value * seconds * 1000).rounded()))
        }
        return nil
    }
}
