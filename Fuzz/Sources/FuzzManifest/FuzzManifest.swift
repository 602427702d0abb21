import Foundation
import LifeboatCore

/// Any bytes are a manifest or a decoding error; a decoded one encodes again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let manifest = try? BackupManifest.decode(Data(bytes: data, count: size)) else { return 0 }
    _ = try? manifest.encoded()
    return 0
}

/// SwiftPM links an executable's entry point as `FuzzManifest_main`; it hands over to libFuzzer's
/// driver, which calls `LLVMFuzzerTestOneInput` for every input it tries.
@_cdecl("FuzzManifest_main")
public func fuzzManifestMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzManifest(data!, size) }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
