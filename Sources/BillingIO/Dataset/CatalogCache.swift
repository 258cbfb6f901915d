import BillingCore

/// The last catalog read through it, kept with the bytes of the files it was parsed from.
///
/// `billing-pipeline` runs every stage in one process, and rate, invoice, pay and report each
/// read ingest's normalised dataset (0.4–0.5 s apiece at 100k customers). The pipeline hands
/// the stages one cache: a read whose files hold the same bytes as the last one returns the
/// catalog already parsed. A catalog is a function of its folder's name and those bytes alone,
/// so the stage sees exactly what parsing them again would give. The key is the files' whole
/// contents, never their times or sizes: a file that changed in any way is parsed again. A stage
/// run as its own process gets no cache, and reads its folder once.
public final class CatalogCache {
    struct Entry {
        let folder: String
        let files: [String: [UInt8]]
        let catalog: Catalog
    }

    private var last: Entry?
    /// How many reads parsed their files (the others were answered from the kept catalog).
    public private(set) var parses = 0

    public init() {}

    /// The catalog of `folder`, as `NormalizedDataset.read` gives it. A catalog is kept only if
    /// its files held the same bytes before and after parsing.
    public func catalog(folder: String) throws -> Catalog {
        if let last, last.folder == folder, try CatalogCache.holds(folder: folder, last.files) { return last.catalog }
        last = nil
        let before = try CatalogCache.snapshot(folder: folder)
        let catalog = try NormalizedDataset.read(folder: folder)
        parses += 1
        if try CatalogCache.holds(folder: folder, before) { last = Entry(folder: folder, files: before, catalog: catalog) }
        return catalog
    }

    /// Whether `folder` holds exactly `files`: the same files, byte for byte. Files are read one
    /// at a time, so that memory holds one copy of the largest beside the kept bytes.
    static func holds(folder: String, _ files: [String: [UInt8]]) throws -> Bool {
        for name in CatalogReader.fileNames {
            let path = FileSystem.join(folder, name)
            guard FileSystem.exists(path) else {
                if files[name] != nil { return false }
                continue
            }
            guard let kept = files[name], try FileSystem.read(path) == kept else { return false }
        }
        return true
    }

    /// The bytes of every file `CatalogReader` reads from `folder`, by name; a missing file has
    /// no entry.
    static func snapshot(folder: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in CatalogReader.fileNames {
            let path = FileSystem.join(folder, name)
            if FileSystem.exists(path) { files[name] = try FileSystem.read(path) }
        }
        return files
    }
}
