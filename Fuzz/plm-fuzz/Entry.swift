import Foundation

#if PLM_FUZZ
    // Built by scripts/fuzz.sh with -sanitize=fuzzer: libFuzzer drives the target named by PLM_FUZZ_TARGET.
    // SwiftPM links an executable's entry point as `<module>_main`; this is it.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    nonisolated(unsafe) var fuzzTarget = FuzzTarget.frame
    nonisolated(unsafe) var fuzzScratch = URL(fileURLWithPath: "/tmp")

    @_cdecl("plm_fuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        guard let target = FuzzTarget.fromEnvironment() else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("plm-fuzz: set PLM_FUZZ_TARGET to one of \(names)\n".utf8))
            return 2
        }
        fuzzTarget = target
        fuzzScratch = FuzzTarget.scratch()
        var c = argc
        var v = argv
        return LLVMFuzzerRunDriver(&c, &v) { data, size in
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            fuzzTarget.run(bytes, scratch: fuzzScratch)
            return 0
        }
    }
#else
    /// Without the fuzzer: `plm-fuzz TARGET FILE...` runs a target over the given inputs (a corpus, or a crash
    /// found by scripts/fuzz.sh), so any finding can be replayed and debugged in an ordinary build.
    @main
    struct PlmFuzz {
        static func main() {
            let args = Array(CommandLine.arguments.dropFirst())
            if args.count == 2, args[0] == "seeds" {
                do { try Seeds.write(to: URL(fileURLWithPath: args[1])) } catch {
                    FileHandle.standardError.write(Data("plm-fuzz: \(error)\n".utf8))
                    exit(1)
                }
                return
            }
            guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: plm-fuzz \(names) FILE-OR-FOLDER...  |  plm-fuzz seeds DIR\n".utf8))
                exit(2)
            }
            let scratch = FuzzTarget.scratch()
            defer { try? FileManager.default.removeItem(at: scratch) }
            var inputs = 0
            for path in args.dropFirst() {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { continue }
                let files = isDir.boolValue
                    ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                    : [path]
                for f in files {
                    guard let data = FileManager.default.contents(atPath: f) else { continue }
                    target.run([UInt8](data), scratch: scratch)
                    inputs += 1
                }
            }
            print("plm-fuzz \(name): \(inputs) inputs, no crash")
        }
    }
#endif
