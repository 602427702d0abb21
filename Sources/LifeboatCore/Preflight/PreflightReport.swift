import Foundation

/// Every check of one preflight, and the decision it leads to: a real run or restore goes on
/// only when no check failed, or each failed one was overridden by name.
public struct PreflightReport: Sendable, Codable, Equatable {
    public var checks: [PreflightCheck]

    public init(checks: [PreflightCheck]) {
        self.checks = checks
    }

    public func check(_ name: String) -> PreflightCheck? { checks.first { $0.name == name } }

    public var failed: [PreflightCheck] { checks.filter { $0.status == .fail } }

    /// Failed checks that `overrides` does not cover: what stops the operation.
    public func blocking(_ overrides: PreflightOverrides) -> [PreflightCheck] {
        failed.filter { !overrides.covers($0.name) }
    }

    /// Failed checks that `overrides` lets through: what is printed and journaled as overridden.
    public func overridden(_ overrides: PreflightOverrides) -> [PreflightCheck] {
        failed.filter { overrides.covers($0.name) }
    }

    /// The section as printed: a heading and one line per check.
    public var lines: [String] {
        ["preflight (nothing has been changed by these checks):"]
            + checks.map { "  " + $0.line.replacingOccurrences(of: "\n", with: "\n  ") }
    }

    /// Throws when a failed check is not overridden: the operation must not start.
    /// - Parameter what: the operation, for the message ("restore", "run").
    public func gate(_ overrides: PreflightOverrides, what: String) throws {
        let blocking = blocking(overrides)
        guard !blocking.isEmpty else { return }
        throw PreflightRefusal(failed: blocking, what: what)
    }
}

/// The checks an operator chose to go past (`--ignore-preflight NAME`, repeatable, or `all`).
public struct PreflightOverrides: Sendable, Equatable {
    public let names: Set<String>

    public static let none = PreflightOverrides(names: [])

    /// Refuses names that are not checks, so a typo cannot silently leave a check in force.
    public init(_ given: [String]) throws {
        let names = Set(
            given.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            })
        let unknown = names.subtracting(PreflightCheck.names + ["all"])
        guard unknown.isEmpty else {
            throw LifeboatError(
                stage: "preflight",
                message: "--ignore-preflight \(unknown.sorted().joined(separator: ", ")): no such check",
                hint:
                    "the checks are \(PreflightCheck.names.filter { !PreflightCheck.binding.contains($0) }.joined(separator: ", ")), or all",
                category: .configuration)
        }
        if let binding = names.intersection(PreflightCheck.binding).sorted().first {
            throw LifeboatError(
                stage: "preflight",
                message: "--ignore-preflight \(binding): a target another run or restore holds cannot be taken over",
                hint: "end the holder (`lifeboat runbook abort RUN_ID`, the id its check names) or wait for it",
                category: .configuration)
        }
        self.init(names: names)
    }

    init(names: Set<String>) {
        self.names = names
    }

    /// `all` never covers a binding check (`target.lock`); only the engine names one, to leave
    /// the refusal to the lock itself.
    public func covers(_ name: String) -> Bool {
        names.contains(name) || (names.contains("all") && !PreflightCheck.binding.contains(name))
    }

    /// These overrides and one more check.
    public func adding(_ name: String) -> PreflightOverrides { PreflightOverrides(names: names.union([name])) }
}

/// A preflight check failed and was not overridden: nothing was changed.
public struct PreflightRefusal: Error, CustomStringConvertible, Sendable {
    public let failed: [PreflightCheck]
    public let what: String

    public var description: String {
        let names = failed.map(\.name)
        // A refused login is no check to go past: every step needs the server.
        if let login = failed.first(where: { $0.figure.hasPrefix(LifeboatError.failedAuthentication) }) {
            return "preflight: \(login.figure): the \(what) was not started and nothing was changed"
                + (login.hint.map { "\n  → \($0)" } ?? "")
        }
        return "preflight: \(names.joined(separator: ", ")) failed: the \(what) was not started and nothing was changed"
            + "\n  → fix the cause (see the preflight lines above), or go on anyway with "
            + names.map { "--ignore-preflight \($0)" }.joined(separator: " ")
    }
}
