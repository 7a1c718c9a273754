import Foundation
import RecordingFormats
import Testing

/// Not a check: with `PLM_DEVICE_DUMP=OUTDIR` and `PLM_DEVICE_FILES=a.gt3x:b.cwa:c.csv:...` (a .csv: an ActiLife raw export) it writes each file's decoded
/// samples (`time_us,x,y,z`, device clock, g) and findings to OUTDIR for scripts/realdata/devices.py to compare with
/// the reference readers. Without the variables (CI) it does nothing.
@Suite("Device sample dump (scripts/realdata/devices.py)")
struct DeviceDumpTests {
    @Test("dump decoded samples when asked")
    func dump() throws {
        let env = ProcessInfo.processInfo.environment
        guard let out = env["PLM_DEVICE_DUMP"], let files = env["PLM_DEVICE_FILES"] else { return }
        for path in files.split(separator: ":").map(String.init) {
            let url = URL(fileURLWithPath: path)
            var text = "time_us,x,y,z\n"
            var findings: [String] = []
            func write<D: DeviceDecoder>(_ decoder: inout D) throws {
                while let b = try decoder.nextBlock() {
                    for i in 0..<b.count {
                        let t = b.start + Int64((Double(i) * b.period * 1e6).rounded())
                        text += "\(t),\(b.xyz[i * 3]),\(b.xyz[i * 3 + 1]),\(b.xyz[i * 3 + 2])\n"
                    }
                }
                findings = decoder.findings
            }
            do {
                switch url.pathExtension.lowercased() {
                case "gt3x":
                    var d = try GT3XDecoder(url: url)
                    try write(&d)
                case "cwa":
                    var d = try CWADecoder(url: url)
                    try write(&d)
                case "csv":
                    var d = try ActiLifeCSVDecoder(url: url)
                    try write(&d)
                default:
                    var d = try GENEActivDecoder(url: url)
                    try write(&d)
                }
            } catch {
                findings = ["error: \(error)"]
            }
            let base = URL(fileURLWithPath: out).appendingPathComponent(url.lastPathComponent)
            try Data(text.utf8).write(to: base.appendingPathExtension("samples.csv"))
            try Data((findings.joined(separator: "\n") + "\n").utf8).write(to: base.appendingPathExtension("findings.txt"))
        }
    }
}
