/// SHA-256 (FIPS 180-4), written here because the toolchain has none outside Foundation's platform
/// crypto. Used for the audit hash chain, invoice file digests and the simulated gateway's draws.
/// Whole 64-byte blocks are compressed straight from the caller's contiguous bytes.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// Bytes of an incomplete block (fewer than 64).
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0
    /// Whether blocks are compressed by the CPU's SHA instructions (`SHA256+Hardware.swift`).
    private let inHardware: Bool

    public init() { self.init(inHardware: SHA256.hardwareAvailable) }

    /// A hash that uses the SHA instructions only if `inHardware` and the CPU has them (tests run
    /// both ways).
    init(inHardware: Bool) {
        self.inHardware = inHardware && SHA256.hardwareAvailable
        buffer.reserveCapacity(64)
    }

    /// Whether this hash compresses with the SHA instructions.
    var usesHardware: Bool { inHardware }

    /// Whether the CPU has SHA instructions this build can use.
    static var hardwareAvailable: Bool {
        #if arch(x86_64)
            return hasHardware
        #else
            return false
        #endif
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// The lower-case hex digest of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String { hash(bytes).hexString }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// Feeds raw bytes: tops up a partial block, then compresses whole blocks in place.
    public mutating func update(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0, let base = raw.baseAddress else { return }
        length &+= UInt64(raw.count)
        var pos = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, raw.count)
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            pos = take
            if buffer.count < 64 { return }
            buffer.withUnsafeBytes { compress($0.baseAddress!) }
            buffer.removeAll(keepingCapacity: true)
        }
        while raw.count - pos >= 64 {
            compress(base + pos)
            pos += 64
        }
        if pos < raw.count { buffer.append(contentsOf: UnsafeRawBufferPointer(start: base + pos, count: raw.count - pos)) }
    }

    public mutating func finalize() -> [UInt8] {
        // The padding: 0x80, zeros up to 8 bytes short of a block's end, the length in bits.
        let bitLength = (length &* 8).bigEndian
        let used = (buffer.count + 1) % 64
        let padCount = 1 + (used <= 56 ? 56 - used : 120 - used) + 8
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { pad in
            pad.initialize(repeating: 0)
            pad[0] = 0x80
            withUnsafeBytes(of: bitLength) { for i in 0..<8 { pad[padCount - 8 + i] = $0[i] } }
            let savedLength = length
            update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pad)[..<padCount]))
            length = savedLength
        }
        precondition(buffer.isEmpty)
        let s = state
        return [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            for (n, word) in [s.0, s.1, s.2, s.3, s.4, s.5, s.6, s.7].enumerated() {
                for i in 0..<4 { out[n * 4 + i] = UInt8(truncatingIfNeeded: word >> (UInt32(3 - i) * 8)) }
            }
            count = 32
        }
    }

    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private mutating func compress(_ block: UnsafeRawPointer) {
        #if arch(x86_64)
            if inHardware {
                SHA256.k.withUnsafeBufferPointer { SHA256.compressInHardware(&state, block, k: $0) }
                return
            }
        #endif
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        /// One round, its eight working variables passed in rotated order instead of shifted.
        @inline(__always) func round(
            _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32,
            _ kw: UInt32
        ) {
            let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
            d = d &+ t1
            h = t1 &+ (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 { w[i] = UInt32(bigEndian: (block + i * 4).loadUnaligned(as: UInt32.self)) }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = state
            SHA256.k.withUnsafeBufferPointer { k in
                var i = 0
                while i < 64 {
                    round(a, b, c, &d, e, f, g, &h, k[i] &+ w[i])
                    round(h, a, b, &c, d, e, f, &g, k[i + 1] &+ w[i + 1])
                    round(g, h, a, &b, c, d, e, &f, k[i + 2] &+ w[i + 2])
                    round(f, g, h, &a, b, c, d, &e, k[i + 3] &+ w[i + 3])
                    round(e, f, g, &h, a, b, c, &d, k[i + 4] &+ w[i + 4])
                    round(d, e, f, &g, h, a, b, &c, k[i + 5] &+ w[i + 5])
                    round(c, d, e, &f, g, h, a, &b, k[i + 6] &+ w[i + 6])
                    round(b, c, d, &e, f, g, h, &a, k[i + 7] &+ w[i + 7])
                    i += 8
                }
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
        }
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal.
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        digits.withUTF8Buffer { d in
            for b in self {
                out.append(d[Int(b >> 4)])
                out.append(d[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
