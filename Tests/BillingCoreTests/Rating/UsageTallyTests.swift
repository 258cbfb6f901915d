import Testing
@testable import BillingCore

/// The per-event part of an accumulator: sums, the largest quantity, and which event is latest.
struct UsageTallyTests {
    func at(_ s: Int, _ n: Int = 0) -> Timestamp.Instant { Timestamp.Instant(seconds: s, nanos: n) }

    /// One cache line: what makes it worth a type of its own.
    @Test func fitsOneCacheLine() {
        #expect(MemoryLayout<UsageTally>.stride == 64)
    }

    /// Quantities 3, 5, 2 (×10^9), at 100 s, 90 s, 100 s: sum 10, count 3, max 5; the first event
    /// is latest at 100 s until the third, at the same instant with a later order, takes over.
    @Test func addSaysWhichEventIsLatest() {
        var t = UsageTally()
        #expect(!t.hasMax && !t.hasLatest)
        let r1 = t.add(quantity: 3_000_000_000, at: at(100), order: 1)
        #expect(r1)
        let r2 = t.add(quantity: 5_000_000_000, at: at(90, 999_999_999), order: 2)
        #expect(!r2)
        let r3 = t.add(quantity: 2_000_000_000, at: at(100), order: 3)
        #expect(r3)
        #expect(t.sum == 10_000_000_000 && t.count == 3 && t.max == 5_000_000_000 && t.hasMax)
        #expect(t.latest == at(100) && t.latestOrder == 3)
        // The same instant and order is not later, nor is the same instant with an earlier order.
        let same = t.add(quantity: 1, at: at(100), order: 3)
        #expect(!same)
        let r4 = t.add(quantity: 1, at: at(100), order: 2)
        #expect(!r4)
        // One nanosecond later is.
        let r5 = t.add(quantity: 1, at: at(100, 1), order: 0)
        #expect(r5)
    }

    /// Merging: sums add (4 + 6 = 10, 1 + 2 = 3 events), max is the larger (6), and the other's
    /// latest wins only if it is later; an empty tally changes nothing.
    @Test func mergeKeepsTheLaterLatest() {
        var a = UsageTally()
        a.add(quantity: 4, at: at(50), order: 7)
        var b = UsageTally()
        b.add(quantity: 6, at: at(40), order: 1)
        b.add(quantity: 0, at: at(45), order: 2)
        var ab = a
        let r6 = ab.merge(b)
        #expect(!r6)
        #expect(ab.sum == 10 && ab.count == 3 && ab.max == 6 && ab.latest == at(50) && ab.latestOrder == 7)
        var ba = b
        let r7 = ba.merge(a)
        #expect(r7)
        #expect(ba.sum == 10 && ba.count == 3 && ba.max == 6 && ba.latest == at(50) && ba.latestOrder == 7)
        var empty = UsageTally()
        let r8 = ab.merge(UsageTally())
        #expect(!r8)
        #expect(ab.sum == 10 && ab.count == 3)
        let r9 = empty.merge(a)
        #expect(r9 && empty == a)
        // An empty tally has no latest event to give, even to one whose latest is before 1970.
        var early = UsageTally()
        early.add(quantity: 1, at: at(-10), order: 1)
        let fromEmpty = early.merge(UsageTally())
        #expect(!fromEmpty && early.latest == at(-10))
        var none = UsageTally()
        let emptyPair = none.merge(UsageTally())
        #expect(!emptyPair && !none.hasLatest && !none.hasMax)
    }

    /// A negative largest quantity is kept (the tally does not start its max at zero).
    @Test func maxOfNegativeQuantities() {
        var t = UsageTally()
        t.add(quantity: -5, at: at(1), order: 1)
        t.add(quantity: -3, at: at(2), order: 2)
        #expect(t.max == -3)
        var u = UsageTally()
        u.add(quantity: -7, at: at(3), order: 3)
        let r10 = u.merge(UsageTally())
        #expect(!r10 && u.max == -7)
    }
}
