import Testing

#if canImport(Glibc)
    import Glibc
#endif
@testable import BillingIO

/// Memory on 2 MiB pages (decisions 65, 76): its own mapping, from a 2 MiB boundary, zero and
/// writable to its last byte.
struct HugePagesTests {
    /// 5 MiB + 1 byte: the start is on a 2 MiB boundary, and the mapping reaches past the last
    /// byte asked for; the first, a middle and the last byte read zero and keep what is written.
    @Test func mappingStartsOnAHugePage() throws {
        let bytes = 5 << 20 + 1
        let (raw, mapped, start) = try #require(HugePages.map(bytes))
        #expect(HugePages.size == 2 << 20)
        #expect(Int(bitPattern: start) % HugePages.size == 0)
        #expect(start - raw >= 0 && start - raw + bytes <= mapped)
        let p = start.assumingMemoryBound(to: UInt8.self)
        for at in [0, bytes / 2, bytes - 1] {
            #expect(p[at] == 0)
            p[at] = 0xA5
            #expect(p[at] == 0xA5)
        }
        munmap(raw, mapped)
    }
}
