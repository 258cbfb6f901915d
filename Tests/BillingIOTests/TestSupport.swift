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
