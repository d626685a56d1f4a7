// swift-tools-version: 6.3
import PackageDescription

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
                .product(name: "MCPClient", package: "switchboard"),
                .product(name: "MCPTransport", package: "switchboard"),
                .product(name: "MCPWire", package: "switchboard"),
                .product(name: "JSONCore", package: "switchboard"),
                .product(name: "MCPServer", package: "switchboard"),
                .product(name: "MCPTesting", package: "switchboard"),
                .product(name: "DemoServer", package: "switchboard"),
            ],
            path: "Benchmarks/MCPBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
