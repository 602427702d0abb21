import Foundation
import LifeboatCore

/// Any text is a cron expression or a clear error; a valid one computes its next fire time
/// across a daylight-saving zone without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCron(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let cron = try? CronExpression(text) else { return 0 }
    let zone = TimeZone(identifier: "America/New_York")!
    var date = Date(timeIntervalSince1970: 1_741_400_000)  // just before a spring change
    for _ in 0..<3 {
        guard let next = cron.next(after: date, in: zone) else { break }
        precondition(next > date, "next fire time must move forward")
        date = next
    }
    return 0
}

/// SwiftPM links an executable's entry point as `FuzzCron_main`; it hands over to libFuzzer's
/// driver, which calls `LLVMFuzzerTestOneInput` for every input it tries.
@_cdecl("FuzzCron_main")
public func fuzzCronMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzCron(data!, size) }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
