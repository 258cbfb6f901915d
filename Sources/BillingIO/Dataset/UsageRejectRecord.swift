/// A rejected usage row as ingest keeps it in its scratch folder until `rejects.csv` is written:
/// its line (8 bytes), the lengths of its event id and reason (4 bytes each), then their bytes,
/// little-endian. Pass 1's spill (`UsageSpill`) and pass 2's rounds write it (`Writer`) and
/// `UsageRejectRuns` reads it back, so that no reject is held in memory: their number grows with
/// the events.
enum UsageRejectRecord {
    /// The bytes before the event id.
    static let headerSize = 16

    /// Appends the record of a row to `out`.
    static func append(line: Int, eventID: UnsafeBufferPointer<UInt8>, reason: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        withUnsafeBytes(of: Int64(line).littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt32(eventID.count).littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt32(reason.count).littleEndian) { out += $0 }
        out += eventID
        out += reason
    }

    /// A record's line and the sizes of its event id and reason, read from its first
    /// `headerSize` bytes.
    static func header(_ raw: UnsafeRawBufferPointer) -> (line: Int, idCount: Int, reasonCount: Int) {
        (
            Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: Int64.self))),
            Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))),
            Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        )
    }

    /// Records written to a scratch file as they come, 64 KiB at a time; the file is created
    /// with the first (a run without rejects leaves none).
    final class Writer {
        private let file: ScratchWriter
        var path: String { file.path }
        var isEmpty: Bool { file.isEmpty }

        init(path: String) { file = ScratchWriter(path: path) }

        /// Appends the record of a row.
        func add(line: Int, eventID: UnsafeBufferPointer<UInt8>, reason: UnsafeBufferPointer<UInt8>) throws {
            try file.append { UsageRejectRecord.append(line: line, eventID: eventID, reason: reason, to: &$0) }
        }

        /// Writes what is left and closes the file (if it was created).
        func finish() throws { try file.finish() }
    }
}
