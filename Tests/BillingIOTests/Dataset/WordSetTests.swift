import Testing
@testable import BillingIO

/// The set of 64-bit words pass 2 keeps: earlier runs' id hashes, and (accumulator, value) pairs.
struct WordSetTests {
    /// Membership survives growth far past the first capacity; 0 (the empty mark) is a member like
    /// any other; a repeat is counted once.
    @Test func setHoldsEveryHashItWasGiven() {
        var set = WordSet()
        #expect(set.isEmpty && !set.contains(0) && !set.contains(7))
        // Multiples of 2^20 + 1 share their low bits in runs, so probes run long.
        for i in 1...5000 { set.insert(UInt64(i) &* 0x10_0001) }
        set.insert(0)
        set.insert(0x10_0001)
        #expect(set.count == 5001)
        #expect((1...5000).allSatisfy { set.contains(UInt64($0) &* 0x10_0001) } && set.contains(0))
        #expect(!set.contains(5001 &* 0x10_0001) && !set.contains(1) && !set.contains(UInt64.max))
    }

    /// Hashes spread over the table: at most 2/3 full, most sit in their first slot (a set whose
    /// slots all started in one place would still answer right, in quadratic time).
    @Test func hashesSpreadOverTheTable() {
        var id = [UInt8](repeating: 0, count: 8)
        let hashes = (0..<3000).map { i -> UInt64 in
            id[0] = UInt8(i & 255)
            id[1] = UInt8(i >> 8)
            return id.withUnsafeBytes { ByteKeyTable.hash($0) }
        }
        var set = WordSet(capacity: hashes.count)
        for h in hashes { set.insert(h) }
        #expect(hashes.filter { set.firstProbe($0) == $0 }.count > hashes.count / 2)
    }

    /// Packed (accumulator, value) pairs, whose low bits repeat from one accumulator to the next,
    /// spread over the table too; a repeat is refused with false; `forEach` gives every word once.
    @Test func packedPairsSpreadAndAreListedOnce() {
        let words = (0..<300).flatMap { a in (0..<10).map { v in UInt64(a) << 32 | UInt64(v) } }
        var set = WordSet()
        #expect(words.allSatisfy { set.insert($0) })
        #expect(!set.insert(UInt64(7) << 32 | 3) && !set.insert(0) && set.count == 3000)
        #expect(words.filter { set.firstProbe($0) == $0 }.count > words.count / 2)
        var listed: [UInt64] = []
        set.forEach { listed.append($0) }
        #expect(listed.sorted() == words)
    }
}
