/// A JSON value. Numbers keep their source text so that nothing passes through binary floating
/// point; objects keep their keys in source order (the writer sorts them).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONNode])
    case object([(key: String, node: JSONNode)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.map(\.value) == y.map(\.value)
        case (.object(let x), .object(let y)):
            return x.map(\.key) == y.map(\.key) && x.map(\.node.value) == y.map(\.node.value)
        default: return false
        }
    }

    /// The JSON type name, for messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A value with the line and column where it starts, so errors can point at it.
public struct JSONNode: Equatable, Sendable {
    public var value: JSONValue
    public var line: Int
    public var column: Int

    public init(_ value: JSONValue, line: Int = 0, column: Int = 0) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// A node built in code (no source position).
    public static func string(_ s: String) -> JSONNode { JSONNode(.string(s)) }
    public static func number(_ s: String) -> JSONNode { JSONNode(.number(s)) }
    public static func int(_ i: Int) -> JSONNode { JSONNode(.number(String(i))) }
    public static func bool(_ b: Bool) -> JSONNode { JSONNode(.bool(b)) }
    public static let null = JSONNode(.null)
    public static func array(_ items: [JSONNode]) -> JSONNode { JSONNode(.array(items)) }
    public static func object(_ pairs: [String: JSONNode]) -> JSONNode {
        JSONNode(.object(pairs.map { (key: $0.key, node: $0.value) }))
    }
    /// An object from pairs in the order written, with no dictionary built on the way: written
    /// with its keys in byte order, its output skips the writer's sort (the rendering of every
    /// document). The keys must be distinct.
    public static func fields(_ pairs: KeyValuePairs<String, JSONNode>) -> JSONNode {
        JSONNode(.object(pairs.map { (key: $0.key, node: $0.value) }))
    }

    /// The member `key` of an object, if any.
    public subscript(key: String) -> JSONNode? {
        if case .object(let pairs) = value { return pairs.first { $0.key == key }?.node }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = value { return s } else { return nil } }
    public var arrayValue: [JSONNode]? { if case .array(let a) = value { return a } else { return nil } }
}
