import BillingCore

#if canImport(Glibc)
    import Glibc
#endif

/// The signed event feed `LEDGER/events.jsonl`: the file-based counterpart of webhooks. One
/// canonical JSON line per event (`invoice.issued`, `payment.failed`, `subscription.past_due`, …)
/// with `id`, `type`, `timestamp` (the business date of the event, never the wall clock) and
/// `data`, signed as `v1=HMAC-SHA256(secret, timestamp + "." + body)` where `body` is the line
/// without its `signature`. Without a secret the feed is written with `"signature":"unsigned"`.
public struct EventFeed: Sendable {
    public static let secretVariable = "BILLING_EVENTS_SECRET"
    let secret: [UInt8]?
    public private(set) var nextSeq: Int
    /// The new lines, newline-terminated (UTF-8).
    public private(set) var bytes: [UInt8] = []
    /// Whether any event was added (`text` may have been taken since).
    private var added = false

    public init(secret: [UInt8]?, nextSeq: Int) {
        self.secret = secret
        self.nextSeq = nextSeq
    }

    /// The secret from the environment, or nil (unset or empty).
    public static func secretFromEnvironment() -> [UInt8]? {
        guard let v = getenv(secretVariable) else { return nil }
        let s = Array(String(cString: v).utf8)
        return s.isEmpty ? nil : s
    }

    /// Says on stderr that the feed is unsigned, if events were added without a secret.
    public func warnIfUnsigned() {
        if secret == nil && added {
            Console.error("events: \(EventFeed.secretVariable) is not set; the event feed is written unsigned")
        }
    }

    /// The lines added since the last call, which it clears.
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    /// An event to add: its type, its business date and its data.
    public struct Event: Sendable {
        let type: String
        let date: CivilDate
        let data: [(key: String, node: JSONNode)]

        /// `data` as literal pairs: no dictionary is built per event.
        public init(_ type: String, on date: CivilDate, _ data: KeyValuePairs<String, JSONNode>) {
            self.type = type
            self.date = date
            self.data = data.map { (key: $0.key, node: $0.value) }
        }
    }

    /// Adds an event of `type` dated `date` carrying `data`.
    public mutating func add(_ type: String, on date: CivilDate, _ data: KeyValuePairs<String, JSONNode>) {
        add([Event(type, on: date, data)])
    }

    /// Adds events in order. Each one's id is its position in the feed, so their lines (and
    /// signatures) are rendered on every core at once.
    public mutating func add(_ events: [Event]) {
        add(render(events, from: nextSeq))
    }

    /// Events rendered ahead of being added (on any thread), for the ids from `seq` on.
    public struct Rendered: Sendable {
        let seq: Int
        let count: Int
        let lines: [UInt8]
    }

    /// Renders `events` as the events numbered from `seq` on (over every core).
    public func render(_ events: [Event], from seq: Int) -> Rendered {
        let secret = self.secret
        var lines: [UInt8] = []
        for line in Array(events.indices).parallelMap({ EventFeed.line(events[$0], seq: seq + $0, secret: secret) }) {
            lines += line
            lines.append(0x0A)
        }
        return Rendered(seq: seq, count: events.count, lines: lines)
    }

    /// Adds events rendered for exactly the next ids.
    public mutating func add(_ rendered: Rendered) {
        precondition(rendered.seq == nextSeq, "events rendered for other ids")
        bytes += rendered.lines
        nextSeq += rendered.count
        added = added || rendered.count > 0
    }

    /// The line of event number `seq`.
    static func line(_ e: Event, seq: Int, secret: [UInt8]?) -> [UInt8] {
        let timestamp = "\(e.date)T00:00:00Z"
        let id = "evt_" + String(repeating: "0", count: max(0, 8 - String(seq).count)) + String(seq)
        var event: [(key: String, node: JSONNode)] = [
            ("id", .string(id)), ("type", .string(e.type)), ("timestamp", .string(timestamp)), ("data", JSONNode(.object(e.data))),
        ]
        // Without a secret the body is not needed: no second serialization.
        let signature = secret == nil ? "unsigned" : EventFeed.signature(secret: secret, timestamp: timestamp, body: JSONWriter.compact(JSONNode(.object(event))))
        event.append(("signature", .string(signature)))
        return JSONWriter.compactBytes(JSONNode(.object(event)))
    }

    static func signature(secret: [UInt8]?, timestamp: String, body: String) -> String {
        guard let secret else { return "unsigned" }
        return "v1=" + HMACSHA256.hex(key: secret, message: Array((timestamp + "." + body).utf8))
    }

    /// Checks every line's signature with `secret`; returns the problems found.
    public static func verify(path: String, secret: [UInt8]) throws -> (events: Int, problems: [String]) {
        guard FileSystem.exists(path) else { return (0, []) }
        var problems: [String] = []
        var n = 0
        for (i, line) in try FileSystem.read(path).split(separator: UInt8(ascii: "\n")).enumerated() {
            n += 1
            guard let node = try? JSONParser.parse(Array(line), file: path), case .object(let pairs) = node.value,
                let given = node["signature"]?.stringValue, let timestamp = node["timestamp"]?.stringValue
            else {
                problems.append("events.jsonl:\(i + 1): not an event")
                continue
            }
            let body = JSONWriter.compact(JSONNode(.object(pairs.filter { $0.key != "signature" })))
            let expected = signature(secret: secret, timestamp: timestamp, body: body)
            if !HMACSHA256.equal(Array(given.utf8), Array(expected.utf8)) {
                problems.append("events.jsonl:\(i + 1): signature does not match (\(given == "unsigned" ? "unsigned" : "edited or signed with another secret"))")
            }
        }
        return (n, problems)
    }
}

extension Ledger {
    /// The event feed's tail, signing with the environment's secret.
    public func eventFeed() throws -> EventFeed {
        let p = path("events.jsonl")
        let count = FileSystem.exists(p) ? try FileSystem.read(p).reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } : 0
        return EventFeed(secret: EventFeed.secretFromEnvironment(), nextSeq: count + 1)
    }
}
