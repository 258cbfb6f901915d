import Testing
@testable import BillingCore

struct UsagePricingTests {
    func price(_ model: PriceModel, _ units: String, _ mode: RoundingMode = .halfUp) throws -> String {
        try UsagePricing.price(model, units: Fx.dec(units), currency: Fx.usd, rounding: mode).description
    }

    /// Tiers: up to 100 at 0.10 with a 5.00 flat fee; up to 1000 at 0.05 with 2.00; above at 0.01.
    let tiers = [
        PriceTier(upTo: Fx.dec("100"), unitPrice: Fx.dec("0.10"), flatFee: Fx.dec("5.00")),
        PriceTier(upTo: Fx.dec("1000"), unitPrice: Fx.dec("0.05"), flatFee: Fx.dec("2.00")),
        PriceTier(upTo: nil, unitPrice: Fx.dec("0.01")),
    ]

    @Test(arguments: [
        ("0", "0.00"),  // zero units: 0.001 × 0
        ("12345.5", "12.35"),  // decimal quantity: 0.001 × 12345.5 = 12.3455 → 12.35
        ("1", "0.00"),  // 0.001 → 0.00 (half_up of 0.1 cent)
        ("5", "0.01"),  // 0.005 → 0.01: the half goes up
    ])
    func perUnit(units: String, expected: String) throws {
        #expect(try price(.perUnit(unitPrice: Fx.dec("0.001")), units) == expected)
    }

    @Test(arguments: [
        // packages of 100 at 5.00, no free units: ceil(units / 100) × 5.00
        ("0", "0", "0.00"), ("200", "0", "10.00"), ("200.000000001", "0", "15.00"), ("250", "0", "15.00"),
        // 50 free units first: ceil(max(units − 50, 0) / 100) × 5.00
        ("30", "50", "0.00"), ("50", "50", "0.00"), ("250", "50", "10.00"), ("251", "50", "15.00"),
    ])
    func package(units: String, free: String, expected: String) throws {
        #expect(try price(.package(packageSize: Fx.dec("100"), packagePrice: Fx.dec("5.00"), freeUnits: Fx.dec(free)), units) == expected)
    }

    @Test(arguments: [
        ("0", "5.00"),  // the first tier's flat fee is always due
        ("100", "15.00"),  // exactly at up_to: 5 + 100 × 0.10; tier 2's flat fee not yet due
        ("101", "17.05"),  // one above: 5 + 10 + 2 + 1 × 0.05
        ("100.5", "17.03"),  // 5 + 10 + 2 + 0.5 × 0.05 = 17.025 → 17.03
        ("1000", "62.00"),  // 5 + 10 + 2 + 900 × 0.05 = 62.00
        ("1500", "67.00"),  // 62.00 + 500 × 0.01 (the last tier has no flat fee)
    ])
    func graduated(units: String, expected: String) throws {
        #expect(try price(.graduated(tiers), units) == expected)
    }

    @Test(arguments: [
        ("0", "5.00"),  // tier 1: 0 × 0.10 + 5.00
        ("100", "15.00"),  // still tier 1 (up_to is inclusive): 100 × 0.10 + 5.00
        ("101", "7.05"),  // all units at tier 2: 101 × 0.05 + 2.00
        ("1000", "52.00"),  // 1000 × 0.05 + 2.00
        ("1001", "10.01"),  // all at tier 3: 1001 × 0.01
    ])
    func volume(units: String, expected: String) throws {
        #expect(try price(.volume(tiers), units) == expected)
    }

    func at(_ s: Int, _ n: Int = 0) -> Timestamp.Instant { Timestamp.Instant(seconds: s, nanos: n) }
    func q(_ s: String) -> Int128 { try! Fx.dec(s).rescaled(to: 9) }

    /// Events (t=10, 5), (t=30, 7), (t=20, 9.5) with values a, b, a: sum 21.5, count 3, max 9.5,
    /// unique_count 2, last 7 (t=30 is latest although it is not last in the file).
    @Test func aggregations() throws {
        var acc = UsageAccumulator()
        acc.add(quantity: q("5"), at: at(10), order: 1, value: "a")
        acc.add(quantity: q("7"), at: at(30), order: 2, value: "b")
        acc.add(quantity: q("9.5"), at: at(20), order: 3, value: "a")
        #expect(try acc.units(.sum) == Fx.dec("21.5"))
        #expect(try acc.units(.count) == Fx.dec("3"))
        #expect(try acc.units(.max) == Fx.dec("9.5"))
        #expect(try acc.units(.uniqueCount) == Fx.dec("2"))
        #expect(try acc.units(.last) == Fx.dec("7"))
        #expect(try UsageAccumulator().units(.max) == .zero)
    }

    /// Merging two runs' states equals adding every event to one; a tie on time goes to the later event.
    @Test func mergeAcrossRuns() throws {
        var a = UsageAccumulator()
        a.add(quantity: q("1"), at: at(50, 5), order: 1, value: "x")
        var b = UsageAccumulator()
        b.add(quantity: q("4"), at: at(50, 5), order: 2, value: "y")
        b.add(quantity: q("2"), at: at(40), order: 3, value: "x")
        a.merge(b)
        #expect(try a.units(.sum) == Fx.dec("7"))
        #expect(try a.units(.count) == Fx.dec("3"))
        #expect(try a.units(.max) == Fx.dec("4"))
        #expect(try a.units(.uniqueCount) == Fx.dec("2"))
        #expect(try a.units(.last) == Fx.dec("4"))
    }

    /// Values merged into an accumulator that has none are taken as they are (the set shared, not
    /// rebuilt); both stay independent after: the source {x, y} has 2 distinct values, the target
    /// 3 once z is added to it, and a merge into a non-empty set unions: {x, y} ∪ {y, w} = 3.
    @Test func valuesMergedIntoNoneStayIndependent() throws {
        var source = UsageAccumulator()
        source.add(quantity: q("1"), at: at(10), order: 1, value: "x")
        source.add(quantity: q("1"), at: at(11), order: 2, value: "y")
        var target = UsageAccumulator()
        target.merge(values: source.values)
        target.add(quantity: q("1"), at: at(12), order: 3, value: "z")
        #expect(try source.units(.uniqueCount) == Fx.dec("2"))
        #expect(try target.units(.uniqueCount) == Fx.dec("3"))
        var other = UsageAccumulator()
        other.merge(values: ["y", "w"])
        other.merge(source)
        #expect(other.values == ["x", "y", "w"])
    }

    /// A sum past `Int128` (2^127 − 1 units of 10^−9 ≈ 1.7 × 10^29 units) is an error for `sum`
    /// only: two events of 10^29 units (10^38 each in 10^−9 units, 2 × 10^38 together) overflow,
    /// in one accumulator and when two are merged; count 2, max and last 10^29 stay exact.
    @Test(arguments: [false, true])
    func sumOverflowIsAnError(merged: Bool) throws {
        let big = pow10(19) * pow10(19)
        var a = UsageAccumulator()
        a.add(quantity: big, at: at(10), order: 1, value: nil)
        var b = UsageAccumulator()
        b.add(quantity: big, at: at(20), order: 2, value: nil)
        if merged { a.merge(b) } else { a.add(quantity: big, at: at(20), order: 2, value: nil) }
        #expect(throws: ArithmeticOverflow("the sum of the usage quantities")) { try a.units(.sum) }
        #expect(try a.units(.count) == Fx.dec("2"))
        #expect(try a.units(.max) == Fx.dec("100000000000000000000000000000"))
        #expect(try a.units(.last) == Fx.dec("100000000000000000000000000000"))
        // The flag survives a further merge into a fresh accumulator.
        var c = UsageAccumulator()
        c.merge(a)
        #expect(throws: ArithmeticOverflow.self) { try c.units(.sum) }
        // One event of 10^29 alone is exact.
        #expect(try b.units(.sum) == Fx.dec("100000000000000000000000000000"))
    }

    @Test func timestampFractionAndOffset() {
        func parse(_ s: String) -> Timestamp.Instant? { Array(s.utf8).withUnsafeBufferPointer { Timestamp.instant($0) } }
        #expect(parse("2026-11-08T10:00:00.25Z") == at(Fx.d("2026-11-08").dayNumber * 86400 + 36000, 250_000_000))
        #expect(parse("2026-11-08T10:00:00+09:00")?.seconds == Fx.d("2026-11-08").dayNumber * 86400 + 3600)
        #expect(parse("2026-11-08T10:00:00") == nil)
        // RFC 3339 §5.6: `t` and `z` may be lower case (`t` was accepted, `z` refused).
        #expect(parse("2026-11-08t10:00:00z") == parse("2026-11-08T10:00:00Z"))
        #expect(parse("2026-11-08T10:00:00z")?.seconds == Fx.d("2026-11-08").dayNumber * 86400 + 36000)
        #expect(parse("2026-11-08T10:00:00Zz") == nil)
        #expect(parse("2026-11-08T24:00:00Z") == nil)
        #expect(parse("2026-11-08T10:00:00.1234567891Z") == nil)
    }

    /// Every character of the fixed part is checked: each digit, each separator, each range.
    @Test(arguments: [
        "x026-11-08T10:00:00Z", "2x26-11-08T10:00:00Z", "20x6-11-08T10:00:00Z", "202x-11-08T10:00:00Z",
        "2026/11-08T10:00:00Z", "2026-x1-08T10:00:00Z", "2026-1x-08T10:00:00Z", "2026-11/08T10:00:00Z",
        "2026-11-x8T10:00:00Z", "2026-11-0xT10:00:00Z", "2026-11-08 10:00:00Z", "2026-11-08x10:00:00Z",
        "2026-11-08Tx0:00:00Z", "2026-11-08T1x:00:00Z", "2026-11-08T10.00:00Z", "2026-11-08T10:x0:00Z",
        "2026-11-08T10:0x:00Z", "2026-11-08T10:00.00Z", "2026-11-08T10:00:x0Z", "2026-11-08T10:00:0xZ",
        "2026-11-08T10:00:00", "2026-11-08T10:00:00y", "2026-11-08T10:00:00+0900", "2026-11-08T10:00:00+x9:00",
        "2026-11-08T10:00:00+09:x0", "2026-11-08T10:00:00+15:00", "2026-11-08T10:00:00+09:60",
        "2026-13-08T10:00:00Z", "2026-00-08T10:00:00Z", "2026-11-00T10:00:00Z", "2026-11-31T10:00:00Z",
        "2026-02-29T10:00:00Z", "0000-01-01T00:00:00Z", "2026-11-08T24:00:00Z", "2026-11-08T10:60:00Z",
        "2026-11-08T10:00:60Z", "2026-11-08T10:00:00.Z", "2026-11-8T10:00:00Z", "2026-11-08U10:00:00Z", "2026-11-08u10:00:00Z",
        // A byte below '0' (`/`) and one above '9' (`:`) in a digit's place.
        "2026-11-0/T10:00:00Z", "2026-11-08T10:00:0:Z",
    ])
    func malformedTimestamps(text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { Timestamp.instant($0) } == nil)
    }

    /// Every byte value that is not a digit, in each digit's place of the fixed part, and every
    /// one that is not the separator, in each separator's place, makes the timestamp malformed
    /// (bytes above 0x7F included: the fixed part is read as words, where a byte of 0xFA or more
    /// plus 6 would carry into the next).
    @Test func everyWrongByteOfTheFixedPart() {
        let good = Array("2026-11-08T10:00:00Z".utf8)
        #expect(good.withUnsafeBufferPointer { Timestamp.instant($0) } != nil)
        var accepted: [String] = []
        for position in 0..<19 {
            for byte in 0...255 {
                let ok: Bool
                switch position {
                case 4, 7: ok = byte == 0x2D
                case 10: ok = byte == 0x54 || byte == 0x74
                case 13, 16: ok = byte == 0x3A
                default: ok = (0x30...0x39).contains(byte)
                }
                if ok { continue }
                var text = good
                text[position] = UInt8(byte)
                if text.withUnsafeBufferPointer({ Timestamp.instant($0) }) != nil { accepted.append("byte \(byte) at \(position)") }
            }
        }
        #expect(accepted.isEmpty)
    }

    /// Well-formed timestamps, their seconds worked out by hand from the day numbers:
    /// 2024-02-29 is day 19782 (1970-01-01 + 54 years of 365 days = 19710, + 13 leap days from 1972
    /// to 2020 = 19723, + 31 days of January + 28 of February = 19782); 1969-12-31 is day −1.
    @Test(arguments: [
        ("2024-02-29T23:59:59Z", 19782 * 86400 + 86399, 0),
        ("2024-02-29t00:00:00Z", 19782 * 86400, 0),  // a lower-case `t` is accepted
        ("1969-12-31T23:59:59.999999999Z", -1, 999_999_999),
        ("2024-02-29T00:00:00-14:00", 19782 * 86400 + 14 * 3600, 0),
        ("2024-02-29T09:30:00+09:30", 19782 * 86400, 0),
    ])
    func wellFormedTimestamps(text: String, seconds: Int, nanos: Int) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { Timestamp.instant($0) } == Timestamp.Instant(seconds: seconds, nanos: nanos))
    }
}
