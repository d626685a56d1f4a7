// swift-tools-version: 6.3
import PackageDescription

/// A package found by path takes its directory's name as its identity, so the root package
/// is named after wherever it was cloned.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "switchboard")

// Benchmarks live in their own package so the main one builds without the benchmark tooling.
// Run: cd Benchmarks && swift package benchmark   (see README.md here)
let package = Package(
    name: "switchboard-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // RuntimeInterposer is left off: its package is not in the local mirror.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MCPBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MCPClient", package: root),
                .product(name: "MCPConnect", package: root),
                .product(name: "MCPTransport", package: root),
                .product(name: "MCPWire", package: root),
                .product(name: "JSONCore", package: root),
                .product(name: "MCPServer", package: root),
                .product(name: "MCPTesting", package: root),
                .product(name: "DemoServer", package: root),
                .product(name: "Switchboard", package: root),
                .product(name: "SwitchboardConfiguration", package: root),
                .product(name: "SwitchboardHub", package: root),
            ],
            path: "Benchmarks/MCPBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
