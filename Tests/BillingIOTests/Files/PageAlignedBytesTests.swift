import Testing
@testable import BillingIO

/// Bytes rendered in one go, in aligned memory for `DirectWriter` or in an array (decision 83).
struct PageAlignedBytesTests {
    /// Sizes around a 4 KiB page: each starts on a 4 KiB boundary and holds what was rendered
    /// into it, byte for byte; none is empty memory that a write could not take (0 bytes too).
    @Test(arguments: [0, 1, 4095, 4096, 4097, 3 << 20 | 5])
    func rendersAlignedBytes(count: Int) {
        let expected = patternBytes(count, seed: UInt64(count))
        let bytes = PageAlignedBytes(count: count) { target in
            for i in 0..<count { target[i] = expected[i] }
        }
        #expect(bytes.count == count)
        #expect(bytes.withBytes { Int(bitPattern: $0.baseAddress) } % PageAlignedBytes.alignment == 0)
        #expect(bytes.withBytes { Array($0) } == expected)
        #expect(PageAlignedBytes(copying: expected).withBytes { Array($0) } == expected)
    }

    /// An array rendered the same way holds the same bytes; rendering none makes an empty array.
    @Test func anArrayRendersTheSame() {
        let expected: [UInt8] = [3, 1, 4, 1, 5]
        let array = [UInt8](count: 5) { target in
            for i in 0..<5 { target[i] = expected[i] }
        }
        #expect(array == expected)
        #expect([UInt8](count: 0) { _ in Issue.record("nothing to render") } == [])
    }
}
