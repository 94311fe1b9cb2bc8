// swift-tools-version:6.1
import PackageDescription

// Upcoming features the hummingbird packages turn on: explicit `any` and imports that do not
// leak into a module's public interface.
let strictSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "websocket-health-check",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "websocket-health-check", targets: ["Dashboard"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
  ],
  targets: [
    // The bridge to ncursesw and nothing else, loaded with dlopen when the dashboard opens its
    // screen (the check never draws); its header comes from Debian's libncurses-dev.
    .target(name: "CNcurses"),
    // Everything the timer needs; no curses, no Foundation.
    .target(
      name: "Engine",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ],
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "Dashboard",
      dependencies: [
        "Engine",
        "CNcurses",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: strictSettings,
      linkerSettings: [
        // The release binary is what the timer starts every 15 s, so the pages it faults in
        // count (the goal: at most half the reference's peak RSS). lld packs relative
        // relocations (DT_RELR); no dynamic symbol table (the static Swift runtime's link file
        // exports every symbol, and nothing looks ours up); libstdc++ and libgcc from their
        // archives, so only the few functions the Swift runtime and BoringSSL call are loaded,
        // not all of libstdc++.so (`make release` puts libstdc++.a alone in the directory
        // below so the linker finds it first; without it the link stays dynamic); and the
        // functions a check runs side by side (bench/check.order and check.ld, from
        // bench/check-order.sh; the release build gives each function its own section), so
        // they fill a few hundred kB of pages instead of 64 kB windows all over 13 MB.
        .unsafeFlags(
          [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--no-export-dynamic",
            "-L", "\(Context.packageDirectory)/.build/static-libstdc++", "-Xclang-linker", "-static-libgcc",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/bench/check.order",
            // What the order cannot name (bench/check-order.sh says why), gathered by section.
            "-Xlinker", "\(Context.packageDirectory)/bench/check.ld",
            // A name per warning at every build is noise; bench/check-order-is-fresh.sh (in
            // make test) fails instead when too many of the names have gone.
            "-Xlinker", "--no-warn-symbol-ordering",
          ],
          .when(configuration: .release)
        )
      ]
    ),
    // Real WebSocket peers for the tests (healthy, wedged, refusing, lying), and the
    // reference's own unit files.
    .target(
      name: "TestPeers",
      dependencies: [
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ],
      path: "Tests/TestPeers"
    ),
    .testTarget(
      name: "EngineTests",
      dependencies: [
        "Engine",
        "TestPeers",
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ]
    ),
    .testTarget(
      name: "DashboardTests",
      dependencies: ["Dashboard", "Engine", "TestPeers"],
      exclude: ["Snapshots"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
