import Testing

@testable import BillingCore

@Suite struct ByteOrderTests {
    func words(_ text: String) -> (UInt64, UInt64) {
        var text = text
        return text.withUTF8 { ByteOrder.leadingWords(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes, big-endian and zero-padded: "AB" is 0x41 0x42 then zeros; the 9th byte starts the
    /// second word; past 16 bytes nothing counts.
    @Test func wordsAreTheFirstSixteenBytesBigEndian() {
        #expect(words("AB") == (0x4142_0000_0000_0000, 0))
        #expect(words("ABCDEFGHI") == (0x4142_4344_4546_4748, 0x4900_0000_0000_0000))
        #expect(words("") == (0, 0))
        #expect(words("0123456789abcdefXYZ") == words("0123456789abcdef"))
    }

    /// Their order is the bytes' order where they differ: "S-9" < "S-10" is false as bytes
    /// ("9" 0x39 > "1" 0x31), "a" < "a." (a prefix first), "Z" < "a".
    @Test(arguments: [("S-10", "S-9"), ("a", "a."), ("Z", "a"), ("sub_00000001", "sub_00000002"), ("abcdefgh", "abcdefgh0")])
    func wordsOrderAsBytes(lower: String, higher: String) {
        #expect(words(lower) < words(higher))
    }
}
