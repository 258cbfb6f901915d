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
        try writeFile(base + ".rows", rows)
        try writeFile(base + ".hashes", UsageIDHashes.bytes(hashes))
    }

    /// Merges the runs at `bases` (each as `write` left it) and `last`, the partition's last run,
    /// held in memory (as `write` takes it; ids in no two runs are equal), into the ids file
    /// `idsPath` and its index `hashesPath`, then removes the runs' files.
    static func merge(_ bases: [String], last: (rows: [UInt8], hashes: [UInt64])? = nil, idsPath: String, hashesPath: String) throws {
        var runs = try bases.map { try Run(rows: BlockReader($0 + ".rows"), hashes: BlockReader($0 + ".hashes")) }
        if let last { runs.append(try Run(rows: BlockReader(bytes: last.rows), hashes: BlockReader(bytes: UsageIDHashes.bytes(last.hashes)))) }
        let ids = try Output(idsPath), index = try Output(hashesPath)
        UsageScanner.idsHeader.withUnsafeBytes { ids.append($0) }
        UsageIDHashes.magic.withUnsafeBytes { index.append($0) }
        while true {
            var least: Run?
            for run in runs where run.hasRow {
                if let l = least, !run.idPrecedes(l) { continue }
                least = run
            }
            guard let run = least else { break }
            ids.append(run.row)
            withUnsafeBytes(of: try run.hash().littleEndian) { index.append($0) }
            try run.advance()
            if ids.pending >= Output.blockSize { try ids.flush() }
            if index.pending >= Output.blockSize { try index.flush() }
        }
        try ids.finish()
        try index.finish()
        for base in bases {
            try FileSystem.remove(base + ".rows")
            try FileSystem.remove(base + ".hashes")
        }
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystem.failure("cannot create", path) }
        defer { close(fd) }
        try FileSystem.writeAll(fd, bytes, path)
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

    /// A file written a block at a time, then synced as ids files are (`FileSystem.writeScratch`).
    final class Output {
        static let blockSize = 1 << 20
        let path: String
        private let fd: Int32
        private var bytes: [UInt8] = []
        private var written = 0
        var pending: Int { bytes.count }

        init(_ path: String) throws {
            self.path = path
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileSystem.failure("cannot create", path) }
            bytes.reserveCapacity(Output.blockSize + 256)
        }

        deinit { close(fd) }

        func append(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }

        func flush() throws {
            try FileSystem.writeAll(fd, bytes, path)
            written += bytes.count
            bytes.removeAll(keepingCapacity: true)
        }

        /// Writes what is left and starts the file's writeback.
        func finish() throws {
            try flush()
            FileSystem.startWriteback(fd, offset: 0, length: written)
        }
    }
}
