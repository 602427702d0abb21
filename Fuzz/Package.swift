// swift-tools-version: 6.1
// libFuzzer targets for the parsers that read untrusted text: cron expressions, runbooks
// (YAML, then validation) and backup manifests. Built and run by `make fuzz` (scripts/fuzz)
// with -sanitize=fuzzer,address; not part of the main build or of `make test`.
import PackageDescription

let fuzzing: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "LifeboatFuzz",
    platforms: [.macOS(.v15)],
    // Through the symlink Fuzz/lifeboat → .., so the package is called "lifeboat" whatever the
    // clone's folder is called.
    dependencies: [.package(path: "lifeboat")],
    targets: [
        .executableTarget(name: "FuzzCron", dependencies: [.product(name: "LifeboatCore", package: "lifeboat")], swiftSettings: fuzzing),
        .executableTarget(name: "FuzzRunbook", dependencies: [.product(name: "LifeboatRunbooks", package: "lifeboat")], swiftSettings: fuzzing),
        .executableTarget(name: "FuzzManifest", dependencies: [.product(name: "LifeboatCore", package: "lifeboat")], swiftSettings: fuzzing),
    ],
    swiftLanguageModes: [.v6]
)
