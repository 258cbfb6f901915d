import BillingCore

extension LedgerVerifier {
    /// A `usage.recorded` audit entry: the contribution's aggregates file and its digest, and its
    /// manifest (`UsageManifest`) and the manifest's digest (entries written before manifests
    /// existed have none).
    struct RecordedUsage {
        var file: String
        var sha256: String
        var manifest: String?
        var manifestSHA256: String
    }

    /// Checks `LEDGER/usage/` against the audit log's `usage.recorded` entries: each manifest
    /// against the digest the audit log recorded, every file a manifest lists against its line
    /// there, and no file that no entry or manifest accounts for. The usage state decides what
    /// later runs bill as new (SPEC §8), so an edited ids file would bill an event twice.
    /// A contribution recorded without a manifest (before decision 46) has only its aggregates
    /// file checked.
    ///
    /// Returns the problems found, and how many files matched their recorded digest.
    static func verifyUsage(folder: String, recorded: [RecordedUsage]) throws -> (problems: [String], matching: Int) {
        var problems: [String] = []
        var matching = 0
        // Relative path → (expected digest, where that digest was recorded).
        var expected: [String: (digest: String, source: String)] = [:]
        var unchecked: Set<String> = []
        for r in recorded {
            // Without its manifest (none recorded, or it is missing or unreadable, which is
            // reported) a contribution's aggregates file is checked against the audit log, and its
            // other files are not checked.
            var lines: [(digest: String, path: String)]?
            if let manifest = r.manifest {
                expected[manifest] = (r.manifestSHA256, "the audit log")
                let path = FileSystem.join(folder, manifest)
                if FileSystem.exists(path) {
                    lines = UsageManifest.parse(try FileSystem.read(path))
                    if lines == nil { problems.append("\(manifest): not a manifest of SHA-256 lines") }
                }
            }
            if let lines, let manifest = r.manifest {
                for line in lines { expected[line.path] = (line.digest, manifest) }
            } else {
                expected[r.file] = (r.sha256, "the audit log")
                unchecked.insert(String(r.file.dropLast(4)))
            }
        }
        let files = try usageFiles(folder).filter { !$0.hasSuffix(".tmp") }
        // Hashed 1 MiB at a time over every core: a month's values file can hold hundreds of MB.
        let digests = files.parallelMap { file in Result { try FileSystem.sha256Hex(of: FileSystem.join(folder, file)) } }
        for (file, digested) in zip(files, digests) {
            guard let (digest, source) = expected.removeValue(forKey: file) else {
                // A piece of a contribution without its manifest cannot be checked.
                if let base = file.split(separator: ".").first, unchecked.contains(String(base)) { continue }
                problems.append("\(file): file not recorded in the audit log (added or renamed)")
                continue
            }
            if try digested.get() == digest {
                matching += 1
            } else {
                problems.append("\(file): content differs from the SHA-256 recorded in \(source) (edited)")
            }
        }
        for file in expected.keys.sorted() {
            problems.append("\(file): recorded in \(expected[file]!.source) but missing (deleted or renamed)")
        }
        problems += try checkIndexes(folder: folder, files: files)
        return (problems, matching)
    }

    /// Checks every index of event id hashes (`PP.hashes`, decision 49) against its ids file, row
    /// by row: ingest trusts the index to say which ids were billed before, so one that misses an
    /// id would bill that event again. A digest proves a file unchanged, not that ingest wrote it
    /// right.
    static func checkIndexes(folder: String, files: [String]) throws -> [String] {
        let indexes = files.filter { $0.hasSuffix(".hashes") }
        let present = Set(files)
        let found = indexes.parallelMap { index -> Result<String?, Error> in
            Result {
                let ids = String(index.dropLast(7)) + ".csv"
                guard present.contains(ids) else { return "\(index): index without its ids file \(ids)" }
                guard let p = Int(index.dropLast(7).suffix(2), radix: 16) else { return "\(index): not an ids partition" }
                let listed = try UsageIDHashes.parse(try FileSystem.read(FileSystem.join(folder, index)), partition: p, path: index)
                let actual = try UsageIDHashes.hashes(ofIDsFile: FileSystem.join(folder, ids))
                if listed == actual { return nil }
                let unlisted = Set(actual).subtracting(listed).count, stray = Set(listed).subtracting(actual).count
                let how = unlisted + stray == 0 ? "their hashes in another order" : "\(unlisted) of \(actual.count) ids not listed, \(stray) hashes of no id"
                return "\(index): does not match the ids in \(ids) (\(how))"
            }
        }
        return try found.compactMap { result in
            do { return try result.get() } catch let StageFailure.io(message) { return message }
        }
    }

    /// Every file below `LEDGER/usage/`, as a path relative to the ledger, sorted.
    static func usageFiles(_ folder: String) throws -> [String] {
        var out: [String] = []
        func walk(_ relative: String) throws {
            for name in try FileSystem.list(FileSystem.join(folder, relative)) {
                let path = relative + "/" + name
                if FileSystem.isDirectory(FileSystem.join(folder, path)) { try walk(path) } else { out.append(path) }
            }
        }
        try walk("usage")
        return out
    }
}
