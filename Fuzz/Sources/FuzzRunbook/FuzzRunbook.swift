import Foundation
import LifeboatRunbooks

/// Any bytes are a runbook or a list of problems: loading (YAML with line numbers) and
/// validation (references, expressions, cycles) never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRunbook(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let runbook = try? RunbookLoader().load(text: text, file: "fuzz.yaml") else { return 0 }
    _ = RunbookValidator().validate(runbook)
    return 0
}

/// SwiftPM links an executable's entry point as `FuzzRunbook_main`; it hands over to libFuzzer's
/// driver, which calls `LLVMFuzzerTestOneInput` for every input it tries.
@_cdecl("FuzzRunbook_main")
public func fuzzRunbookMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzRunbook(data!, size) }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
