// swift-tools-version: 6.2
import PackageDescription

/// Settings every Switchboard target builds with: Swift 6 language mode plus the
/// upcoming features Hummingbird enables, so that imports and existentials stay explicit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["SwitchboardCLI"]),
        .library(name: "JSONCore", targets: ["JSONCore"]),
        .library(name: "JSONSchema", targets: ["JSONSchema"]),
        .library(name: "MCPWire", targets: ["MCPWire"]),
        .library(name: "MCPTransport", targets: ["MCPTransport"]),
        .library(name: "MCPClient", targets: ["MCPClient"]),
        .library(name: "MCPServer", targets: ["MCPServer"]),
        .library(name: "MCPServerHTTP", targets: ["MCPServerHTTP"]),
        .library(name: "DemoServer", targets: ["DemoServer"]),
        .library(name: "Switchboard", targets: ["Switchboard"]),
        .library(name: "MCPTesting", targets: ["MCPTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(
            name: "JSONCore",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strictSettings
        ),
        .target(name: "MCPWire", dependencies: ["JSONCore"], swiftSettings: strictSettings),
        .target(name: "JSONSchema", dependencies: ["JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "JSONCore"], swiftSettings: strictSettings),
        .target(name: "CSystemShims"),
        .target(
            name: "MCPTransport",
            dependencies: [
                "MCPWire", "JSONCore", "CSystemShims",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MCPClient",
            dependencies: [
                "MCPTransport", "MCPWire", "JSONCore", "JSONSchema",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MCPServer",
            dependencies: ["MCPTransport", "MCPWire", "JSONCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MCPServerHTTP",
            dependencies: [
                "MCPServer", "MCPWire", "JSONCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DemoServer",
            dependencies: ["MCPServer", "MCPWire", "JSONCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Switchboard",
            dependencies: ["MCPClient", "MCPTransport", "MCPWire", "JSONCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MCPTesting",
            dependencies: ["MCPClient", "MCPServer", "MCPTransport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MCPClientTests",
            dependencies: ["MCPClient", "MCPServer", "MCPTesting", "DemoServer", "MCPWire", "JSONCore", "MCPTransport", "JSONSchema", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(
            name: "InteropTests",
            dependencies: ["TestSupport", "MCPClient", "MCPTransport", "MCPWire", "JSONCore", "MCPServer", "DemoServer"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FaultTests",
            dependencies: ["TestSupport", "MCPClient", "MCPTransport", "MCPWire", "JSONCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "JSONCore", "SwitchboardCLI"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "MCPTransportTests", dependencies: ["MCPTransport", "MCPWire", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "MCPServerTests", dependencies: ["MCPServer", "MCPWire", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "MCPWireTests", dependencies: ["MCPWire", "JSONCore"], swiftSettings: strictSettings),
        .executableTarget(
            name: "SwitchboardCLI",
            dependencies: [
                "Switchboard", "MCPClient", "MCPServer", "MCPServerHTTP", "MCPTransport", "MCPWire", "JSONCore",
                "DemoServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
