import Testing
@testable import BillingCore

/// FIPS 180-4 / NIST CAVS example vectors.
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func vectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
        for inHardware in [false, true] {
            var h = SHA256(inHardware: inHardware)
            h.update(Array(input.utf8))
            #expect(h.finalize().hexString == digest, "in hardware: \(inHardware)")
        }
    }

    /// The two compressions agree on every length from 0 to 300 bytes of varied data, fed whole
    /// and in uneven parts. (On a CPU without SHA instructions both runs use the software one.)
    @Test func softwareAndHardwareAgree() {
        var bytes: [UInt8] = []
        var x: UInt32 = 2_463_534_242
        for _ in 0..<300 {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            bytes.append(UInt8(truncatingIfNeeded: x))
        }
        for n in 0...300 {
            var soft = SHA256(inHardware: false), hard = SHA256(inHardware: true)
            soft.update(bytes[..<n])
            hard.update(bytes[..<(n / 3)])
            hard.update(bytes[(n / 3)..<n])
            #expect(soft.finalize() == hard.finalize(), "\(n) bytes")
        }
    }

    /// Where the CPU has SHA instructions, a default hash uses them, and one asked not to does not.
    @Test(.enabled(if: SHA256.hardwareAvailable)) func hardwareIsUsedWhereThereIsSome() {
        #expect(SHA256().usesHardware && !SHA256(inHardware: false).usesHardware)
    }

    /// Every padding case: 55 bytes (padding fits the block), 56 and 63 (it spills into a second
    /// block), 64 and 65 (a whole block first), 119 and 120 (the same a block later). Digests from
    /// an independent implementation (Python's `hashlib.sha256(b"a" * n)`).
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
    ])
    func paddingBoundaries(count: Int, digest: String) {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: count)) == digest)
        var software = SHA256(inHardware: false)
        software.update([UInt8](repeating: UInt8(ascii: "a"), count: count))
        #expect(software.finalize().hexString == digest)
        // The same bytes fed in two parts, cut inside the first block.
        var h = SHA256()
        h.update([UInt8](repeating: UInt8(ascii: "a"), count: count / 3))
        h.update([UInt8](repeating: UInt8(ascii: "a"), count: count - count / 3))
        #expect(h.finalize().hexString == digest)
    }

    @Test func oneMillionA() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(h.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
