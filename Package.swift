// swift-tools-version: 6.2
import PackageDescription

/// Settings every Switchboard target builds with: Swift 6 language mode plus the upcoming
/// features Hummingbird enables, so that imports and existentials stay explicit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The sources add SE-0461: a nonisolated async function runs on its caller's executor instead
/// of hopping to the generic one. Every call on the request path is such a function (the
/// interceptor chain alone is six), and each hop made the runtime look up the task's
/// preferred executor under a lock: 13% of a call's time at 64 in flight. (Not for the test
/// targets: Swift Testing's macros do not yet compile with it.)
let sourceSettings: [SwiftSetting] = strictSettings + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["SwitchboardCLI"]),
        .executable(name: "switchboard-http", targets: ["SwitchboardHTTPCLI"]),
        .library(name: "JSONCore", targets: ["JSONCore"]),
        .library(name: "JSONSchema", targets: ["JSONSchema"]),
        .library(name: "MCPWire", targets: ["MCPWire"]),
        .library(name: "MCPTransport", targets: ["MCPTransport"]),
        .library(name: "MCPHTTPTransport", targets: ["MCPHTTPTransport"]),
        .library(name: "MCPClient", targets: ["MCPClient"]),
        .library(name: "MCPConnect", targets: ["MCPConnect"]),
        .library(name: "MCPServer", targets: ["MCPServer"]),
        .library(name: "MCPServerHTTP", targets: ["MCPServerHTTP"]),
        .library(name: "DemoServer", targets: ["DemoServer"]),
        .library(name: "SwitchboardConfiguration", targets: ["SwitchboardConfiguration"]),
        .library(name: "Switchboard", targets: ["Switchboard"]),
        .library(name: "SwitchboardHub", targets: ["SwitchboardHub"]),
        .library(name: "MCPTesting", targets: ["MCPTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
    ],
    targets: [
        // Wire: values only, no I/O.
        .target(
            name: "JSONCore",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: sourceSettings
        ),
        .target(name: "JSONSchema", dependencies: ["JSONCore"], swiftSettings: sourceSettings),
        .target(name: "MCPWire", dependencies: ["JSONCore"], swiftSettings: sourceSettings),

        // Transports: stdio and in-memory need no networking stack; HTTP is apart.
        .target(name: "CSystemShims"),
        .target(
            name: "MCPTransport",
            dependencies: [
                "MCPWire", "JSONCore", "CSystemShims",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: sourceSettings
        ),
        .target(
            name: "MCPHTTPTransport",
            dependencies: [
                "MCPTransport", "MCPWire", "JSONCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: sourceSettings
        ),

        // Signing in to protected servers: discovery, PKCE, the authorization request (values).
        .target(
            name: "MCPAuth",
            dependencies: ["JSONCore", "MCPWire", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: sourceSettings
        ),

        .target(
            name: "MCPAuthHTTP",
            dependencies: [
                "MCPAuth", "JSONCore", "MCPTransport", "MCPHTTPTransport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: sourceSettings
        ),

        // Sessions.
        .target(
            name: "MCPClient",
            dependencies: [
                "MCPTransport", "MCPWire", "JSONCore", "JSONSchema",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sourceSettings
        ),
        .target(
            name: "MCPConnect",
            dependencies: ["MCPClient", "MCPTransport", "MCPHTTPTransport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: sourceSettings
        ),
        .target(name: "MCPServer", dependencies: ["MCPTransport", "MCPWire", "JSONCore"], swiftSettings: sourceSettings),
        .target(
            name: "MCPServerHTTP",
            dependencies: [
                "MCPServer", "MCPTransport", "MCPWire", "JSONCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sourceSettings
        ),
        .target(name: "DemoServer", dependencies: ["MCPServer", "MCPWire", "JSONCore"], swiftSettings: sourceSettings),

        // Orchestration: the configuration file (values only), then the interceptors.
        .target(
            name: "SwitchboardConfiguration",
            dependencies: ["JSONCore", "MCPWire", "MCPTransport"],
            swiftSettings: sourceSettings
        ),
        // YAML needs Foundation (through Yams), so it lives apart from the lean binary.
        .target(
            name: "SwitchboardYAML",
            dependencies: ["SwitchboardConfiguration", "JSONCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: sourceSettings
        ),
        .target(
            name: "Switchboard",
            dependencies: [
                "SwitchboardConfiguration", "MCPClient", "MCPTransport", "MCPWire", "JSONCore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: sourceSettings
        ),

        // The gateway's tamper-evident audit log: the hash chain (pure) and its SQLite store.
        .target(
            name: "SwitchboardAudit",
            dependencies: ["JSONCore", .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: sourceSettings
        ),

        // The gateway (`switchboard serve`): who may call what, and the service around the hub.
        .target(
            name: "SwitchboardGateway",
            dependencies: [
                "MCPAuth", "SwitchboardConfiguration", "SwitchboardHub", "MCPServer", "MCPServerHTTP", "MCPClient", "MCPWire", "JSONCore",
                "SwitchboardAudit", "MCPTransport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: sourceSettings
        ),

        .target(
            name: "SwitchboardHub",
            dependencies: [
                "SwitchboardConfiguration", "MCPClient", "MCPTransport", "MCPWire", "JSONCore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: sourceSettings
        ),

        // Signing in from this machine: the token file or the Secret Service, the loopback
        // listener, the browser, and the connector that gives HTTP servers their stored sign-in.
        .target(
            name: "SwitchboardAuth",
            dependencies: [
                "MCPAuth", "MCPAuthHTTP", "MCPClient", "MCPConnect", "MCPTransport", "SwitchboardConfiguration", "JSONCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sourceSettings
        ),

        // Apps: the command tree, the lean binary, and the one with HTTP.
        .target(
            name: "SwitchboardCommands",
            dependencies: [
                "Switchboard", "SwitchboardConfiguration", "SwitchboardHub", "MCPClient", "MCPServer", "MCPTransport", "MCPWire", "JSONCore",
                "DemoServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: sourceSettings
        ),
        .executableTarget(name: "SwitchboardCLI", dependencies: ["SwitchboardCommands"], swiftSettings: sourceSettings),
        .executableTarget(
            name: "SwitchboardHTTPCLI",
            dependencies: [
                "SwitchboardCommands", "SwitchboardYAML", "SwitchboardAuth", "SwitchboardConfiguration", "MCPAuth", "MCPAuthHTTP", "MCPConnect",
                "MCPServerHTTP", "MCPClient", "MCPServer", "MCPTransport", "SwitchboardGateway", "SwitchboardHub", "SwitchboardAudit",
            ],
            swiftSettings: sourceSettings
        ),

        // Fuzzing: every reader of untrusted input under libFuzzer (scripts/fuzz builds it with
        // -sanitize=fuzzer,address -DFUZZING); built normally, it replays the seed corpus.
        .executableTarget(
            name: "SwitchboardFuzz",
            dependencies: ["JSONCore", "JSONSchema", "MCPTransport", "SwitchboardConfiguration"],
            path: "Fuzz/Sources/SwitchboardFuzz",
            swiftSettings: sourceSettings
        ),

        // Testing support, shipped for users too.
        .target(name: "MCPTesting", dependencies: ["MCPClient", "MCPServer", "MCPTransport"], swiftSettings: sourceSettings),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "MCPWireTests", dependencies: ["MCPWire", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "MCPAuthTests", dependencies: ["MCPAuth", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "SwitchboardGatewayTests",
            dependencies: [
                "SwitchboardGateway", "SwitchboardConfiguration", "JSONCore", "TestSupport", "MCPClient", "MCPHTTPTransport", "MCPTransport",
                "MCPWire", "SwitchboardAudit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MCPAuthHTTPTests",
            dependencies: [
                "MCPAuth", "MCPAuthHTTP", "SwitchboardAuth", "JSONCore", "TestSupport", "MCPClient", "MCPHTTPTransport", "MCPTransport",
                "MCPWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "MCPTransportTests", dependencies: ["MCPTransport", "MCPWire", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(name: "MCPServerTests", dependencies: ["MCPServer", "MCPWire", "JSONCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "MCPClientTests",
            dependencies: [
                "MCPClient", "MCPConnect", "MCPServer", "MCPServerHTTP", "MCPTesting", "DemoServer", "MCPWire", "JSONCore", "MCPTransport",
                "MCPHTTPTransport", "JSONSchema", "TestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "TestSupport", "MCPClient", "MCPConnect", "MCPTransport", "MCPHTTPTransport", "MCPWire", "JSONCore",
                "MCPServer", "DemoServer",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FaultTests",
            dependencies: [
                "TestSupport", "MCPClient", "MCPConnect", "MCPTransport", "MCPHTTPTransport", "MCPWire", "JSONCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ResilienceTests",
            dependencies: [
                "TestSupport", "Switchboard", "SwitchboardConfiguration", "MCPClient", "MCPConnect", "MCPTransport", "MCPHTTPTransport", "MCPWire",
                "JSONCore",
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardConfigurationTests",
            dependencies: ["SwitchboardConfiguration", "SwitchboardYAML", "JSONCore", "MCPTransport", "MCPWire", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HubTests",
            dependencies: [
                "SwitchboardHub", "SwitchboardConfiguration", "MCPClient", "MCPConnect", "MCPTransport", "MCPWire", "JSONCore", "TestSupport",
                "MCPServer", "DemoServer",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "JSONCore", "SwitchboardCLI", "SwitchboardHTTPCLI"],
            swiftSettings: strictSettings
        ),
    ]
)
