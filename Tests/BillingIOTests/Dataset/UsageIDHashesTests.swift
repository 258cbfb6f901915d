import Testing
@testable import BillingIO

/// The index of an ids partition (`PP.hashes`, decision 49).
struct UsageIDHashesTests {
    /// The magic, then each hash as 8 little-endian bytes, in the order given (the ids file's).
    @Test func bytesAreTheMagicThenLittleEndianHashes() throws {
        let a: UInt64 = 0xAB00_0000_0000_0002, b: UInt64 = 0xAB01_0203_0405_0607
        let bytes = UsageIDHashes.bytes([a, b, b])
        #expect(Array(bytes[0..<8]) == Array("BILLIDH1".utf8))
        #expect(Array(bytes[8...]) == [
            0x02, 0, 0, 0, 0, 0, 0, 0xAB,  // a
            0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xAB,  // b
            0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xAB,  // b again: a hash may repeat
        ])
        #expect(try UsageIDHashes.parse(bytes, partition: 0xAB, path: "ab.hashes") == [a, b, b])
        #expect(try UsageIDHashes.parse(UsageIDHashes.bytes([]), partition: 0, path: "00.hashes") == [])
        #expect(UsageIDHashes.name(0xAB) == "ab.hashes" && UsageIDHashes.path("u/000001", partition: 3) == "u/000001.ids/03.hashes")
    }

    /// An index that cannot be trusted is an error naming the file, never read as far as it goes.
    static let magic = Array("BILLIDH1".utf8)
    static let untrustworthy: [([UInt8], String)] = [
        (Array("BILLIDH2".utf8) + [UInt8](repeating: 0xAB, count: 8), "ab.hashes: not an index of event id hashes"),
        (magic + [UInt8](repeating: 0xAB, count: 7), "ab.hashes: not an index of event id hashes"),
        (Array("BILLID".utf8), "ab.hashes: not an index of event id hashes"),
        (magic + [0, 0, 0, 0, 0, 0, 0, 0xAC], "ab.hashes: hash 1 belongs to another partition"),
        (magic + [2, 0, 0, 0, 0, 0, 0, 0xAB] + [1, 0, 0, 0, 0, 0, 0, 0xAA], "ab.hashes: hash 2 belongs to another partition"),
    ]

    @Test(arguments: untrustworthy)
    func untrustworthyIndexesAreRefused(bytes: [UInt8], message: String) {
        #expect { try UsageIDHashes.parse(bytes, partition: 0xAB, path: "ab.hashes") } throws: { "\($0)" == message }
    }
}
