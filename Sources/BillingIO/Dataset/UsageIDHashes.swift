/// The index of an ids partition file (decision 49): `<base>.ids/PP.hashes` holds the
/// `ByteKeyTable.hash` of every event id of `PP.csv`, so that deduplication against earlier runs
/// reads 8 bytes per earlier event and keeps 12 in memory (`WordSet`), and reads an ids file
/// only when one of this run's ids has a hash in its index (a resent event, or, very rarely, two
/// ids with one hash).
///
/// Format (part of the ledger's): the 8 bytes `BILLIDH1`, then one hash per row of the ids file,
/// in the rows' order (which is the ids' byte order, so the index does not depend on the order of
/// `usage.csv` either), each 8 bytes little-endian: one file per ids file, written with it.
enum UsageIDHashes {
    static let magic = Array("BILLIDH1".utf8)

    /// The index's name in the ids folder: `PP.hashes` beside `PP.csv`.
    static func name(_ p: Int) -> String { String(UsageStore.partitionName(p).dropLast(4)) + ".hashes" }

    /// The index of a contribution's ids partition.
    static func path(_ base: String, partition p: Int) -> String { UsageStore.idsFolder(base) + "/" + name(p) }

    /// The bytes of an index holding `hashes`, in their order.
    static func bytes<Bytes: RenderedBytes>(_ hashes: [UInt64], as _: Bytes.Type = [UInt8].self) -> Bytes {
        let count = magic.count + 8 * hashes.count
        return Bytes(count: count) { base in
            let raw = UnsafeMutableRawBufferPointer(start: base, count: count)
            raw.copyBytes(from: magic)
            for (i, h) in hashes.enumerated() { raw.storeBytes(of: h.littleEndian, toByteOffset: magic.count + 8 * i, as: UInt64.self) }
        }
    }

    /// The hashes of an index file's bytes, checked: the magic, whole hashes, and each in
    /// partition `p`. An index that fails them would let an event be billed twice, so it is
    /// an error (naming the file), never ignored.
    static func parse(_ bytes: [UInt8], partition p: Int, path: String) throws -> [UInt64] {
        guard bytes.count >= magic.count, bytes[..<magic.count].elementsEqual(magic), (bytes.count - magic.count) % 8 == 0 else {
            throw StageFailure.io("\(path): not an index of event id hashes")
        }
        let hashes = [UInt64](unsafeUninitializedCapacity: (bytes.count - magic.count) / 8) { buffer, count in
            bytes.withUnsafeBytes { raw in
                for i in 0..<buffer.count { buffer[i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: magic.count + 8 * i, as: UInt64.self)) }
            }
            count = buffer.count
        }
        for (i, h) in hashes.enumerated() {
            guard UsageStore.partition(ofHash: h) == p else { throw StageFailure.io("\(path): hash \(i + 1) belongs to another partition") }
        }
        return hashes
    }

    /// The hashes of an ids partition file's event ids, in its order (the index it should have).
    static func hashes(ofIDsFile path: String) throws -> [UInt64] {
        var out: [UInt64] = []
        try UsageStore.readIDs(path) { id, _ in out.append(ByteKeyTable.hash(id)) }
        return out
    }
}
