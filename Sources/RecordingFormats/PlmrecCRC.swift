/// CRC-32/ISO-HDLC (the CRC of zlib, Ethernet and the sensor protocol, docs/protocol.md: reflected polynomial
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF, check value 0xCBF43926 for "123456789"), computed eight
/// bytes at a time ("slicing-by-8", eight 256-entry tables). The .plmrec reader checks every byte of a night twice
/// (block payload, then each frame inside it); zlib's `crc32_z` on the 60-byte frames was a fifth of a replay.
/// Checked against the check value and against zlib on random data (PlmrecCRCTests).
enum PlmrecCRC {
    /// `tables[k * 256 + b]`: the CRC register after byte `b` followed by `k` zero bytes (k = 0...7).
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            // Every table index below is a byte (0...255) plus k * 256 with k <= 7: always < 2048 = t.count.
            // Every load is at i ..< i + 8 with i + 8 <= bytes.count, or a single byte at i < bytes.count.
            var c: UInt32 = 0xFFFF_FFFF
            var i = 0
            let n = bytes.count
            while n - i >= 8 {
                let lo = bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian ^ c
                let hi = bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self).littleEndian
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
            return ~c
        }
    }

    /// The CRC of `bytes`, without copying them.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
