import BillingCore
import Testing
@testable import BillingIO

/// Large cache-line tables on 2 MiB pages (decision 65): their own mapping, zero, aligned on a
/// huge page, and the same records as a small table through growth.
struct CacheLineTableTests {
    static let mib = 1 << 20

    /// The threshold is 32 MiB: 524,288 records of 64 bytes. A table of that many zeroed records is
    /// mapped, its records from a 2 MiB boundary on; one record fewer is `calloc`'s, from a 64-byte
    /// boundary on. Both read zero everywhere sampled, and keep what is written.
    @Test(arguments: [(records: 524_288, huge: true), (records: 524_287, huge: false), (records: 1000, huge: false)])
    func zeroedTablesOfEitherKind(records: Int, huge: Bool) {
        #expect(CacheLineTable<UsageTally>.hugePageBytes == 32 * CacheLineTableTests.mib && MemoryLayout<UsageTally>.stride == 64)
        let table = CacheLineTable<UsageTally>(zeroedCount: records)
        let address = Int(bitPattern: table.start)
        #expect(address % 64 == 0)
        if huge { #expect(address % (2 * CacheLineTableTests.mib) == 0) }
        for i in stride(from: 0, to: records, by: 4099) + [records - 1] { #expect(table[i] == UsageTally(), "record \(i)") }
        table.update(records - 1) { $0.count = 7 }
        table.update(0) { $0.sum = 5 }
        #expect(table[records - 1].count == 7 && table[0].sum == 5 && table[1] == UsageTally())
    }

    /// Appending past 32 MiB (2,100,000 records of 16 bytes: the table doubles from 16 to
    /// 2,097,152 records, 32 MiB, then to 4,194,304) moves the records into a mapped table on a
    /// 2 MiB boundary, every one of them in order.
    @Test func growthIntoAMappedTableKeepsEveryRecord() {
        let table = CacheLineTable<Int128>()
        for i in 0..<2_100_000 { table.append(Int128(i) * 3) }
        #expect(table.count == 2_100_000)
        #expect(Int(bitPattern: table.start) % (2 * CacheLineTableTests.mib) == 0)
        var wrong = 0
        for i in 0..<table.count where table[i] != Int128(i) * 3 { wrong += 1 }
        #expect(wrong == 0)
    }

    /// A table of repeated records, a record replaced, and a copy that keeps the records it had
    /// when the original changes (appending a copy's records past the threshold maps it too).
    @Test func repeatingSetAndCopy() {
        let table = CacheLineTable<Int128>(repeating: -1, count: 100)
        #expect(table.count == 100 && (0..<100).allSatisfy { table[$0] == -1 })
        table.set(42, 7)
        let copy = table.copy()
        table.set(42, 8)
        table.append(9)
        #expect(copy.count == 100 && copy[42] == 7 && copy[41] == -1 && copy[99] == -1)
        #expect(table.count == 101 && table[42] == 8 && table[100] == 9)
        let big = CacheLineTable<UsageTally>(repeating: { var t = UsageTally(); t.count = 3; return t }(), count: 524_288).copy()
        #expect(Int(bitPattern: big.start) % (2 * CacheLineTableTests.mib) == 0)
        #expect(big.count == 524_288 && big[524_287].count == 3 && big[0].count == 3)
    }
}
