import BillingCore
import Testing

/// The id grammar of SPEC §3, `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`, byte by byte.
struct IdentifierTests {
    /// Every byte value, as an id's first byte and as a later one, against the grammar spelled
    /// out as ranges: letters and digits anywhere; `.`, `_` and `-` after the first byte only;
    /// nothing else (space, `/`, `:`, `@`, `[`, `` ` ``, `{`, DEL and bytes ≥ 128 among them).
    @Test func everyByte() {
        for b in 0...255 {
            let c = UInt8(b)
            let alnum = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            let later = alnum || b == 0x2E || b == 0x5F || b == 0x2D
            #expect(Identifier.isIDByte(c) == later, "byte \(b)")
            #expect(Identifier.isValid([c]) == alnum, "byte \(b) first")
            #expect(Identifier.isValid([UInt8(ascii: "a"), c]) == later, "byte \(b) second")
        }
    }

    /// Lengths: 1 to 64 bytes pass, 65 and empty do not.
    @Test(arguments: [(0, false), (1, true), (2, true), (63, true), (64, true), (65, false)])
    func lengths(count: Int, valid: Bool) {
        #expect(Identifier.isValid(String(repeating: "x", count: count)) == valid)
        #expect(Identifier.isValid(Array(repeating: UInt8(ascii: "7"), count: count)) == valid)
    }

    @Test(arguments: ["E0000000063", "S-0099812", "pro-USD", "a.b_c-d", "9"])
    func realIDsPass(id: String) { #expect(Identifier.isValid(id)) }

    @Test(arguments: ["", "-a", ".hidden", "..", "_x", "a/b", "a b", "é", "a:b", "a\u{0}"])
    func othersFail(id: String) { #expect(!Identifier.isValid(id)) }
}
