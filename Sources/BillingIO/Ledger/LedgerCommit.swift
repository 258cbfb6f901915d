import BillingCore

/// Everything one stage adds to the ledger, applied all-or-nothing.
///
/// The commit is first written whole to `LEDGER/pending.json` (temp file, fsync, rename: the
/// commit point). Then each new file is written (read-only) and each append-only file is cut back
/// to its size before the commit and appended; one `syncfs` makes all of it durable before the
/// redo record is removed. A run killed (or a machine stopped) at any point leaves either no
/// `pending.json` (nothing happened) or one that the next run's `Ledger` applies again, reaching
/// exactly the state of an uninterrupted run. Files of a finished commit are never rewritten.
public struct LedgerCommit {
    /// New files, by path relative to the ledger (written once, read-only).
    public var files: [(path: String, bytes: [UInt8])] = []
    /// Bytes to append, by path relative to the ledger, in order.
    public var appends: [(path: String, bytes: [UInt8])] = []

    public init() {}

    public var isEmpty: Bool { files.isEmpty && appends.isEmpty }

    public mutating func append(_ path: String, _ text: String) {
        if let i = appends.firstIndex(where: { $0.path == path }) {
            appends[i].bytes += Array(text.utf8)
        } else {
            appends.append((path, Array(text.utf8)))
        }
    }

    static let pendingName = "pending.json"

    /// Makes the commit durable, applies it, and removes the redo record.
    func apply(to folder: String) throws {
        let appendNodes = try appends.map { a -> JSONNode in
            let p = FileSystem.join(folder, a.path)
            let offset = FileSystem.exists(p) ? try FileSystem.size(p) : 0
            return .object(["path": .string(a.path), "offset": .int(offset), "content": .string(String(decoding: a.bytes, as: UTF8.self))])
        }
        let fileNodes = files.map { f -> JSONNode in
            .object(["path": .string(f.path), "content": .string(String(decoding: f.bytes, as: UTF8.self))])
        }
        let record = JSONWriter.compact(.object(["files": .array(fileNodes), "appends": .array(appendNodes)]))
        try FileSystem.replace(FileSystem.join(folder, LedgerCommit.pendingName), Array(record.utf8))
        try LedgerCommit.redo(folder: folder)
    }

    /// Applies `pending.json` if there is one (idempotent), then deletes it.
    static func redo(folder: String) throws {
        let pendingPath = FileSystem.join(folder, pendingName)
        try FileSystem.remove(pendingPath + ".tmp")  // a commit that never reached its commit point
        guard FileSystem.exists(pendingPath) else { return }
        let record = try JSONParser.parse(try FileSystem.read(pendingPath), file: pendingPath)
        for f in record["files"]?.arrayValue ?? [] {
            guard let path = f["path"]?.stringValue, let content = f["content"]?.stringValue else {
                throw StageFailure.io("\(pendingPath): unreadable commit record")
            }
            let full = FileSystem.join(folder, path)
            try FileSystem.createDirectory(FileSystem.parent(full))
            try FileSystem.writeInCommit(full, Array(content.utf8))
        }
        for a in record["appends"]?.arrayValue ?? [] {
            guard let path = a["path"]?.stringValue, let content = a["content"]?.stringValue,
                case .number(let o) = a["offset"]?.value, let offset = Int(o)
            else { throw StageFailure.io("\(pendingPath): unreadable commit record") }
            let full = FileSystem.join(folder, path)
            let size = FileSystem.exists(full) ? try FileSystem.size(full) : 0
            if size < offset { throw StageFailure.io("\(full): shorter than the pending commit expects; the ledger was changed by hand") }
            if size > offset { try FileSystem.truncate(full, to: offset) }
            try FileSystem.appendInCommit(full, Array(content.utf8))
        }
        try FileSystem.syncAll(folder)
        try FileSystem.remove(pendingPath)
        try FileSystem.syncDirectory(of: pendingPath)
    }
}
