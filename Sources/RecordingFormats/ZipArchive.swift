import CLibDeflate
import CZlib
import Foundation
import PLMVocabulary

/// The members of a zip archive (PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 local file header, 4.3.12 central
/// directory header, 4.3.16 end of central directory record), enough to read an ActiGraph `.gt3x`: stored
/// (method 0) and deflated (method 8, raw deflate) members, no ZIP64, no encryption.
/// Every offset and length is checked against the file before it is used; errors name the byte offset.
///
/// A deflated member is inflated by libdeflate (whole buffer, into the member's declared size) and checked with
/// libdeflate's CRC-32 (the same CRC-32/ISO-HDLC as zlib's): together about half what zlib took for a .gt3x
/// log.bin (BENCHMARKS.md, 2026-12-06). libdeflate only says a stream is bad, not where; so when it refuses a
/// member, zlib inflates it again to find the byte offset and the kind of fault (ends early, runs past the
/// declared size, corrupt), and the error is the one zlib alone gave before. Only a bad file pays for that.
struct ZipArchive {
    struct Entry: Equatable {
        var name: String
        var method: Int
        var compressedSize: Int
        var size: Int
        var crc: UInt32
        /// Offset of the member's local file header.
        var localHeader: Int
    }

    let path: String
    let bytes: [UInt8]
    private(set) var entries: [Entry] = []

    /// Most bytes inflated from one member (2 GiB): a `.gt3x` log.bin of 48 h at 100 Hz is about 100 MB.
    static let maxMemberBytes = 2 << 30

    init(path: String, bytes: [UInt8]) throws {
        self.path = path
        self.bytes = bytes
        func fail(_ at: Int, _ what: String) -> InputError {
            InputError(file: path, location: .byte(at), message: what)
        }
        guard bytes.count >= 22, bytes[0] == 0x50, bytes[1] == 0x4B else {
            throw fail(0, "expected a zip archive (bytes 50 4B 03 04), as a .gt3x file is")
        }
        // The end of central directory record: the last one within the last 64 KiB + 22 bytes.
        var eocd = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while i >= lowest {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else {
            throw fail(bytes.count, "expected the zip end of central directory record (50 4B 05 06); the archive is truncated")
        }
        let count = Bytes.u16(bytes, eocd + 10)
        let dirSize = Int(Bytes.u32(bytes, eocd + 12))
        let dirOffset = Int(Bytes.u32(bytes, eocd + 16))
        guard dirOffset <= eocd, dirSize <= eocd - dirOffset else {
            throw fail(eocd + 16, "central directory at byte \(dirOffset), \(dirSize) bytes, lies outside the archive")
        }
        var p = dirOffset
        for _ in 0..<count {
            guard p + 46 <= eocd, Bytes.u32(bytes, p) == 0x0201_4B50 else {
                throw fail(p, "expected a zip central directory header (50 4B 01 02)")
            }
            let flags = Bytes.u16(bytes, p + 8)
            let method = Bytes.u16(bytes, p + 10)
            let crc = Bytes.u32(bytes, p + 16)
            let csize = Int(Bytes.u32(bytes, p + 20))
            let usize = Int(Bytes.u32(bytes, p + 24))
            let nameLength = Bytes.u16(bytes, p + 28)
            let extra = Bytes.u16(bytes, p + 30)
            let comment = Bytes.u16(bytes, p + 32)
            let local = Int(Bytes.u32(bytes, p + 42))
            guard p + 46 + nameLength + extra + comment <= eocd else {
                throw fail(p, "zip central directory entry runs past the directory")
            }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            guard flags & 1 == 0 else { throw fail(p, "zip member '\(name)' is encrypted") }
            guard csize != 0xFFFF_FFFF, usize != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
                throw fail(p, "zip member '\(name)' is ZIP64 (over 4 GiB); no .gt3x is that large")
            }
            entries.append(
                Entry(name: name, method: method, compressedSize: csize, size: usize, crc: crc, localHeader: local))
            p += 46 + nameLength + extra + comment
        }
    }

    func entry(_ name: String) -> Entry? { entries.first { $0.name.lowercased() == name.lowercased() } }

    /// The member's bytes, inflated and checked against its CRC-32.
    func contents(of e: Entry) throws -> [UInt8] {
        func fail(_ at: Int, _ what: String) -> InputError {
            InputError(file: path, location: .byte(at), message: "zip member '\(e.name)': " + what)
        }
        let h = e.localHeader
        guard h >= 0, h <= bytes.count - 30, Bytes.u32(bytes, h) == 0x0403_4B50 else {
            throw fail(h, "expected a local file header (50 4B 03 04)")
        }
        let start = h + 30 + Bytes.u16(bytes, h + 26) + Bytes.u16(bytes, h + 28)
        guard start <= bytes.count, e.compressedSize <= bytes.count - start else {
            throw fail(start, "its \(e.compressedSize) bytes run past the end of the file (a truncated archive)")
        }
        guard e.size <= ZipArchive.maxMemberBytes else {
            throw fail(h, "declares \(e.size) bytes inflated, more than any recording (\(ZipArchive.maxMemberBytes >> 30) GiB)")
        }
        var out: [UInt8]
        switch e.method {
        case 0:
            guard e.compressedSize == e.size else { throw fail(h, "stored member's sizes differ") }
            out = Array(bytes[start..<(start + e.size)])
        case 8:
            out = try inflate(from: start, count: e.compressedSize, expected: e.size, fail: fail)
        default:
            throw fail(h, "compression method \(e.method); expected stored (0) or deflate (8)")
        }
        let crc = out.withUnsafeBufferPointer { p in
            UInt32(libdeflate_crc32(0, p.baseAddress, p.count))
        }
        guard crc == e.crc else {
            throw fail(start, String(format: "CRC-32 %08X, expected %08X (corrupt data)", crc, e.crc))
        }
        return out
    }

    /// Inflates the member with libdeflate into exactly `expected` bytes; anything else (corrupt data, a stream
    /// that ends early, inflates to fewer bytes or would run past `expected`) goes to `zlibInflate` for the
    /// diagnosis, which throws the error naming where the stream went wrong.
    private func inflate(
        from start: Int, count: Int, expected: Int, fail: (Int, String) -> InputError
    ) throws -> [UInt8] {
        if expected == 0 { return [] }
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw fail(start, "cannot start libdeflate (out of memory)")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var result = LIBDEFLATE_BAD_DATA
        var produced = 0
        // Inflated straight into the array's storage (not zero-filled first); it holds what libdeflate wrote.
        let out = [UInt8](unsafeUninitializedCapacity: expected) { output, initialized in
            result = bytes.withUnsafeBufferPointer { input in
                guard let inBase = input.baseAddress, let outBase = output.baseAddress else { return LIBDEFLATE_BAD_DATA }
                return libdeflate_deflate_decompress(decompressor, inBase + start, count, outBase, output.count, &produced)
            }
            // On success libdeflate wrote bytes 0..<produced (never more than the capacity); otherwise none count.
            initialized = result == LIBDEFLATE_SUCCESS ? min(produced, output.count) : 0
        }
        if result == LIBDEFLATE_SUCCESS, produced == expected { return out }
        // BAD_DATA, INSUFFICIENT_SPACE (the stream runs past `expected`) or a short stream: zlib says where and what.
        return try zlibInflate(from: start, count: count, expected: expected, fail: fail)
    }

    /// zlib's raw inflate of the member, used only to diagnose a stream libdeflate refused: it stops where the data
    /// goes wrong, so the error names that byte. (Should zlib accept a stream libdeflate refused, its output is used.)
    private func zlibInflate(
        from start: Int, count: Int, expected: Int, fail: (Int, String) -> InputError
    ) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail(start, "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        if expected == 0 { return [] }
        var status: Int32 = Z_DATA_ERROR
        // Inflated straight into the array's storage (not zero-filled first); it holds what zlib wrote.
        let out = [UInt8](unsafeUninitializedCapacity: expected) { output, initialized in
            status = bytes.withUnsafeBufferPointer { input in
                guard let inBase = input.baseAddress, let outBase = output.baseAddress else { return Z_DATA_ERROR }
                stream.next_in = UnsafeMutablePointer(mutating: inBase + start)
                stream.avail_in = uInt(count)
                stream.next_out = outBase
                stream.avail_out = uInt(output.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
            // zlib writes bytes 0..<total_out, never more than avail_out (the capacity).
            initialized = min(Int(stream.total_out), output.count)
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END where produced == expected: return out
        case Z_STREAM_END:
            throw fail(start, "inflates to \(produced) bytes, expected \(expected)")
        case Z_BUF_ERROR, Z_OK:
            throw fail(start + Int(stream.total_in), "the deflate data ends early or runs past \(expected) bytes (a truncated or corrupt archive)")
        default:
            throw fail(start + Int(stream.total_in), "corrupt deflate data (zlib \(status))")
        }
    }
}
