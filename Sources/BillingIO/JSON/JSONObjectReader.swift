import BillingCore

/// Typed, position-aware access to the members of one JSON object, shared by the `pipeline.json`
/// and `plans.json` readers: every wrong type or unknown key is a `DataError` at the value's line.
public struct JSONObjectReader {
    public let node: JSONNode
    public let file: String
    /// The dotted path of this object, for messages (`billing`, `plans[2].charges[0]`).
    public let field: String
    let pairs: [(key: String, node: JSONNode)]

    public init(_ node: JSONNode, file: String, field: String) {
        self.node = node
        self.file = file
        self.field = field
        if case .object(let p) = node.value { pairs = p } else { pairs = [] }
    }

    func qualified(_ key: String) -> String { field.isEmpty || field == "pipeline.json" ? key : field + "." + key }

    public func error(_ key: String, _ problem: String, _ value: String) -> DataError {
        let at = self[key] ?? node
        return DataError(file: file, line: at.line, column: at.column, field: qualified(key), problem: problem, value: value)
    }

    /// Checks this is an object whose keys are all in `allowed`.
    public func allow(_ allowed: Set<String>) throws {
        guard case .object = node.value else {
            throw DataError(file: file, line: node.line, column: node.column, field: field, problem: "expected an object",
                            value: node.value.typeName)
        }
        for (key, value) in pairs where !allowed.contains(key) {
            throw DataError(file: file, line: value.line, column: value.column, field: qualified(key),
                            problem: "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))", value: key)
        }
    }

    public subscript(key: String) -> JSONNode? { pairs.first { $0.key == key }?.node }

    func typed<T>(_ key: String, _ expected: String, _ extract: (JSONValue) -> T?) throws -> T? {
        guard let n = self[key] else { return nil }
        if case .null = n.value { return nil }
        guard let v = extract(n.value) else {
            throw DataError(file: file, line: n.line, column: n.column, field: qualified(key), problem: "expected \(expected)",
                            value: n.value.typeName)
        }
        return v
    }

    public func string(_ key: String) throws -> String? {
        try typed(key, "a string") { if case .string(let s) = $0 { return s } else { return nil } }
    }

    public func bool(_ key: String) throws -> Bool? {
        try typed(key, "true or false") { if case .bool(let b) = $0 { return b } else { return nil } }
    }

    public func object(_ key: String) throws -> JSONNode? {
        guard let n = self[key] else { return nil }
        guard case .object = n.value else {
            throw DataError(file: file, line: n.line, column: n.column, field: qualified(key), problem: "expected an object",
                            value: n.value.typeName)
        }
        return n
    }

    public func array(_ key: String) throws -> [JSONNode]? {
        try typed(key, "an array") { if case .array(let a) = $0 { return a } else { return nil } }
    }

    /// A JSON integer (no fraction, no exponent) within `range`.
    public func integer(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = try typed(key, "a whole number", { v -> String? in if case .number(let n) = v { return n } else { return nil } })
        else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw error(key, "expected a whole number \(range.lowerBound)…\(range.upperBound)", text)
        }
        return v
    }

    /// A string that must be one of an enum's raw values.
    public func enumValue<T>(_ key: String, _ make: (String) -> T?) throws -> T? {
        guard let s = try string(key) else { return nil }
        guard let v = make(s) else { throw error(key, "not an allowed value", s) }
        return v
    }

    /// A decimal given as a JSON string (plans.json keeps every decimal a string).
    public func decimal(_ key: String, maxDecimals: Int = 12, allowNegative: Bool = false) throws -> ExactDecimal? {
        guard let s = try string(key) else { return nil }
        guard let d = ExactDecimal(parsing: s, maxDecimals: maxDecimals, allowNegative: allowNegative) else {
            throw error(key, allowNegative ? "expected a decimal string" : "expected a decimal string ≥ 0 with at most \(maxDecimals) decimals", s)
        }
        return d
    }

    /// A document-number prefix: safe in a file name.
    func prefix(_ key: String) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard s.utf8.count <= 16, s.utf8.allSatisfy({ Identifier.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { throw error(key, "expected up to 16 letters, digits, '-' or '_'", s) }
        return s
    }
}
