@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// A new empty folder, `root/prefix-XXXXXX` with the X's made unique (`mkdtemp`).
func tempFolder(_ prefix: String, in root: String = "/tmp") -> String {
    var template = Array("\(root)/\(prefix)-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}

/// A file `f.csv` holding `content`, in a new folder of its own.
func tempFile(_ content: String) throws -> String {
    let path = tempFolder("billing-io") + "/f.csv"
    try FileSystem.replace(path, Array(content.utf8))
    return path
}

/// `count` bytes that differ from piece to piece (a hash of their offset and of `seed`), for
/// files whose every byte must come back where it was written.
func patternBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    (0..<count).map { i in UInt8(truncatingIfNeeded: ((UInt64(i) &+ seed &* 1_000_003) &* 0x9E37_79B9_7F4A_7C15) >> 37) }
}

extension PageAlignedBytes {
    /// A copy of `array`, for the tests that hand `DirectWriter` given bytes.
    convenience init(copying array: [UInt8]) {
        self.init(count: array.count) { target in
            array.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { target.update(from: base, count: source.count) }
            }
        }
    }
}
