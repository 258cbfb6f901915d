#if arch(x86_64)
    import _Builtin_intrinsics.intel
    import _Builtin_intrinsics.intel.cpuid

    /// SHA-256's compression by the CPU's SHA extensions (Intel SHA-NI), where the CPU has them:
    /// the same function as `SHA256.compress`, several times faster. Every invoice file is hashed
    /// for the audit log, so this is about a tenth of the invoice stage's CPU otherwise.
    ///
    /// The instructions are reached through Clang's intrinsics (`-Xcc -msha` in Package.swift
    /// lets Clang compile them); the lane shuffles around them are plain Swift SIMD, so nothing
    /// here needs more than SSE2 but the three SHA instructions, which only run after CPUID says
    /// they exist. The round structure follows Intel's published SHA-NI sample.
    extension SHA256 {
        /// Whether this CPU has the SHA extensions (CPUID leaf 7, EBX bit 29).
        static let hasHardware: Bool = {
            var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
            guard __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 else { return false }
            return b & (1 << 29) != 0
        }()

        typealias Lanes = SIMD4<UInt32>

        /// Compresses one 64-byte block into `state` (a…h) with the SHA instructions.
        static func compressInHardware(
            _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawPointer,
            k: UnsafeBufferPointer<UInt32>
        ) {
            @inline(__always) func v(_ x: Lanes) -> __m128i { unsafeBitCast(x, to: __m128i.self) }
            @inline(__always) func l(_ x: __m128i) -> Lanes { unsafeBitCast(x, to: Lanes.self) }
            @inline(__always) func rounds(_ cdgh: Lanes, _ abef: Lanes, _ kw: Lanes) -> Lanes {
                l(_mm_sha256rnds2_epu32(v(cdgh), v(abef), v(kw)))
            }
            // The state as the instructions hold it: lanes (F, E, B, A) and (H, G, D, C).
            var abef = Lanes(state.5, state.4, state.1, state.0)
            var cdgh = Lanes(state.7, state.6, state.3, state.2)
            let savedABEF = abef, savedCDGH = cdgh
            withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 4) { w in
                w.initialize(repeating: .zero)
                for g in 0..<16 {
                    let a = g % 4, b = (g + 1) % 4, d = (g + 3) % 4
                    if g < 4 {
                        let p = block + 16 * g
                        w[a] = Lanes(
                            UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)), UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
                            UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
                            UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
                    }
                    let kw = w[a] &+ Lanes(k[4 * g], k[4 * g + 1], k[4 * g + 2], k[4 * g + 3])
                    cdgh = rounds(cdgh, abef, kw)
                    if (3...14).contains(g) {
                        // The next four schedule words: w[b] + (w[d], w[a]) shifted by one word, then msg2.
                        let shifted = Lanes(w[d][1], w[d][2], w[d][3], w[a][0])
                        w[b] = l(_mm_sha256msg2_epu32(v(w[b] &+ shifted), v(w[a])))
                    }
                    abef = rounds(abef, cdgh, Lanes(kw[2], kw[3], kw[0], kw[0]))
                    if (1...12).contains(g) { w[d] = l(_mm_sha256msg1_epu32(v(w[d]), v(w[a]))) }
                }
            }
            abef &+= savedABEF
            cdgh &+= savedCDGH
            state = (abef[3], abef[2], cdgh[3], cdgh[2], abef[1], abef[0], cdgh[1], cdgh[0])
        }
    }
#endif
