import BillingCore

/// The digest list of a usage contribution in the ledger: `usage/NNNNNN.sha256`, one line per
/// file of the contribution (aggregates, values, each ids partition) in `sha256sum` format, paths
/// relative to the ledger folder, so `cd LEDGER && sha256sum -c usage/000001.sha256` checks it
/// without this program. The audit log records the manifest's own digest, which chains every
/// file of the contribution into the tamper evidence of SPEC §7, as each document file is.
public enum UsageManifest {
    /// The manifest's path in the ledger, for the contribution named `name` (`usage/NNNNNN`).
    public static func path(_ name: String) -> String { name + ".sha256" }

    /// The SHA-256 (hex) of each file of the contribution at `base` + each of `pieces` (as
    /// `UsageStore.pieces` lists them), hashed over every core: a month of 100M events holds
    /// 3.3 GB of ids.
    public static func digests(base: String, pieces: [String]) throws -> [String] {
        try pieces.parallelMap { piece in Result { try FileSystem.sha256Hex(of: base + piece) } }.map { try $0.get() }
    }

    /// The manifest's bytes, for the contribution committed as `name`: a line per piece.
    public static func render(name: String, pieces: [String], digests: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for (piece, digest) in zip(pieces, digests) { out += "\(digest)  \(name + piece)\n".utf8 }
        return out
    }

    /// The (digest, path) lines of a manifest, or nil if one is not `<64 hex>  <path>`.
    public static func parse(_ bytes: [UInt8]) -> [(digest: String, path: String)]? {
        var out: [(digest: String, path: String)] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            let digest = text.prefix(64)
            guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit }), text.dropFirst(64).hasPrefix("  "), text.count > 66 else { return nil }
            out.append((String(digest), String(text.dropFirst(66))))
        }
        return out
    }
}
