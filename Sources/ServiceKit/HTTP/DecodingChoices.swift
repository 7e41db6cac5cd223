extension KeyedDecodingContainer {
    /// One of `T`'s cases; a `FieldError` listing them for any other string.
    public func decodeChoice<T: RawRepresentable & CaseIterable>(_ type: T.Type, forKey key: Key) throws -> T where T.RawValue == String {
        let text = try decode(String.self, forKey: key)
        guard let value = T(rawValue: text) else {
            throw FieldError(
                field: Problem.fieldName(codingPath + [key]),
                reason: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return value
    }

    /// As `decodeChoice`, nil when the key is absent or null.
    public func decodeChoiceIfPresent<T: RawRepresentable & CaseIterable>(_ type: T.Type, forKey key: Key) throws -> T?
    where T.RawValue == String {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeChoice(type, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// A whole number that fits 64 bits. JSONDecoder reports `1.5` or
    /// `1e30` as JSON that is not valid, without naming the field; this
    /// names it.
    public func decodeInteger(forKey key: Key) throws -> Int64 {
        // Missing and null keep their own errors ("is required", "not null").
        guard contains(key), try !decodeNil(forKey: key) else { return try decode(Int64.self, forKey: key) }
        do {
            return try decode(Int64.self, forKey: key)
        } catch {
            throw FieldError(field: Problem.fieldName(codingPath + [key]), reason: "must be an integer")
        }
    }

    /// As `decodeInteger`, nil when the key is absent or null.
    public func decodeIntegerIfPresent(forKey key: Key) throws -> Int64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeInteger(forKey: key)
    }
}
