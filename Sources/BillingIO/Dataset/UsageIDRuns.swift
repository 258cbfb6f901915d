#if canImport(Glibc)
    import Glibc
#endif

/// The runs of a partition that pass 2 deduplicates in rounds (`UsageRound`, decision 61): each
/// round leaves its counted ids, sorted, as a run in the scratch folder (rows as an ids file holds
/// them, and their hashes), and the runs are merged into the partition's ids file and its index
/// (`UsageIDHashes`), a block of each run at a time: the files one round would have written, byte
/// for byte, without a partition's ids in memory at once.
enum UsageIDRuns {
    /// Writes one run at `base` (`base.rows` and `base.hashes`): `rows` as `UsageScanner.idsFile`
    /// renders them without the header, sorted by id, and each row's id hash in the same order.
    /// Scratch files, read once and removed: no writeback is started for them.
    static func write(rows: [UInt8], hashes: [UInt64], to base: String) throws {
        // A run holds an id at least, so both files are created (a writer given nothing makes none).
        precondition(!rows.isEmpty && !hashes.isEmpty, "a run of no ids")
        for (path, bytes) in [(base + ".rows", rows), (base + ".hashes", UsageIDHashes.bytes(hashes))] {
            let file = ScratchWriter(path: path)
            try bytes.withUnsafeBytes { try file.append($0) }
            try file.finish()
        }
    }

    /// Merges the runs at `bases` (each as `write` left it) and `last`, the partition's last run,
    /// held in memory (as `write` takes it; ids in no two runs are equal), into the ids file
    /// `idsPath` and its index `hashesPath`, then removes the runs' files.
    static func merge(_ bases: [String], last: (rows: [UInt8], hashes: [UInt64])? = nil, idsPath: String, hashesPath: String) throws {
        var runs = try bases.map { try Run(rows: BlockReader($0 + ".rows"), hashes: BlockReader($0 + ".hashes")) }
        if let last { runs.append(try Run(rows: BlockReader(bytes: last.rows), hashes: BlockReader(bytes: UsageIDHashes.bytes(last.hashes)))) }
        // Ids files, synced with the others by the `sync` after pass 2 (`FileSystem.writeScratch`).
        let ids = ScratchWriter(path: idsPath, flushSize: 1 << 20, mode: 0o644), index = ScratchWriter(path: hashesPath, flushSize: 1 << 20, mode: 0o644)
        try UsageScanner.idsHeader.withUnsafeBytes { try ids.append($0) }
        try UsageIDHashes.magic.withUnsafeBytes { try index.append($0) }
        while true {
            var least: Run?
            for run in runs where run.hasRow {
                if let l = least, !run.idPrecedes(l) { continue }
                least = run
            }
            guard let run = least else { break }
            try ids.append(run.row)
            try withUnsafeBytes(of: try run.hash().littleEndian) { try index.append($0) }
            try run.advance()
        }
        try ids.finish(startingWriteback: true)
        try index.finish(startingWriteback: true)
        for base in bases {
            try FileSystem.remove(base + ".rows")
            try FileSystem.remove(base + ".hashes")
        }
    }

    /// One run being merged: its rows read a block at a time, the current row's bounds, and its
    /// hashes read the same way.
    final class Run {
        private let rows: BlockReader
        private let hashes: BlockReader
        /// The current row: its bytes through the line feed, and where its id ends (the comma).
        private(set) var row = UnsafeRawBufferPointer(start: nil, count: 0)
        private var idLength = 0
        private(set) var hasRow = false

        init(rows: BlockReader, hashes: BlockReader) throws {
            self.rows = rows
            self.hashes = hashes
            guard try hashes.take(UsageIDHashes.magic.count).map({ $0.elementsEqual(UsageIDHashes.magic) }) == true else {
                throw StageFailure.io("\(hashes.path): not a run of event id hashes")
            }
            try advance()
        }

        /// Moves to the next row (none at the end of the run).
        func advance() throws {
            guard let line = try rows.takeLine() else {
                hasRow = false
                return
            }
            guard let comma = line.firstIndex(of: UInt8(ascii: ",")) else { throw StageFailure.io("\(rows.path): unreadable run row") }
            row = line
            idLength = comma
            hasRow = true
        }

        /// The current row's id hash.
        func hash() throws -> UInt64 {
            guard let word = try hashes.take(8) else { throw StageFailure.io("\(hashes.path): fewer hashes than rows") }
            return UInt64(littleEndian: word.loadUnaligned(as: UInt64.self))
        }

        /// Whether this row's id comes before `other`'s in byte order (a prefix first).
        func idPrecedes(_ other: Run) -> Bool {
            let common = min(idLength, other.idLength)
            let c = common == 0 ? 0 : memcmp(row.baseAddress!, other.row.baseAddress!, common)
            return c != 0 ? c < 0 : idLength < other.idLength
        }
    }
}
