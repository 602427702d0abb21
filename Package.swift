// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Lifeboat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lifeboat", targets: ["lifeboat"]),
        .library(name: "LifeboatCore", targets: ["LifeboatCore"]),
        .library(name: "LifeboatRunbooks", targets: ["LifeboatRunbooks"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1")
    ],
    targets: [
        // C libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CGpgme", pkgConfig: "gpgme", providers: [.apt(["libgpgme-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "LifeboatPostgres", dependencies: ["CLibpq"]),
        .target(
            name: "LifeboatStreams",
            dependencies: [
                "CZlib", "CDeflate", "CIsal", "CGpgme", "CCrypto"
            ]
        ),
        .target(
            name: "LifeboatCloud",
            dependencies: ["CCurl", "LifeboatStreams"]
        ),
        .target(
            name: "LifeboatCore",
            dependencies: [
                "LifeboatPostgres", "LifeboatStreams", "LifeboatCloud",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Prometheus", package: "swift-prometheus")
            ]
        ),
        .target(
            name: "LifeboatRunbooks",
            dependencies: [
                "LifeboatCore", "LifeboatPostgres", "LifeboatStreams", "LifeboatCloud",
                .product(name: "Yams", package: "Yams")
            ]
        ),
        .target(
            name: "LifeboatReports",
            dependencies: ["LifeboatRunbooks", "LifeboatCore", .product(name: "Mustache", package: "swift-mustache")]
        ),
        .executableTarget(
            name: "lifeboat",
            dependencies: [
                "LifeboatCore", "LifeboatRunbooks", "LifeboatReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]
        ),
        .testTarget(
            name: "LifeboatCoreTests",
            dependencies: ["LifeboatCore", "LifeboatPostgres", "LifeboatStreams", "LifeboatCloud"]),
        .testTarget(name: "LifeboatRunbooksTests", dependencies: ["LifeboatRunbooks"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LifeboatReportsTests", dependencies: ["LifeboatReports", "LifeboatRunbooks"]),
        .testTarget(
            name: "LifeboatIntegrationTests",
            dependencies: [
                "LifeboatCore", "LifeboatPostgres", "LifeboatStreams", "LifeboatRunbooks", "LifeboatReports"
            ],
            // Test runbooks, read from the source tree by path.
            exclude: ["Runbooks"]
        )
    ],
    swiftLanguageModes: [.v6]
)
