#if canImport(Glibc)
    import Glibc
#endif

/// Messages for people on stderr: errors (one per line) and progress of long stages. Never
/// part of the outputs, so wall-clock times may appear here.
public enum Console {
    public static func error(_ message: String) {
        var m = message
        if !m.hasSuffix("\n") { m += "\n" }
        m.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
    }
}
