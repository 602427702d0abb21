/// Every code a `lifeboat` command ends with, in one table, and the one mapping from an error
/// to its code. Commands throw; they do not pick numbers. The README's "Exit codes" section
/// lists these rows, and `ExitStatusTableTests` fails when the two drift apart.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case failed = 1
    case configuration = 2
    case badBackup = 3
    case servicesDown = 4
    case preflightRefused = 5
    /// ArgumentParser's own code for a command line it cannot parse (`EX_USAGE`); listed so the
    /// table is complete, never thrown by Lifeboat's code.
    case usage = 64

    /// How the README's row for this code begins: the rest of the row gives examples.
    public var summary: String {
        switch self {
        case .success: "success"
        case .failed: "the operation failed"
        case .configuration: "configuration error, or a refused restore"
        case .badBackup: "the backup is bad"
        case .servicesDown: "the restore succeeded, but the services did not come back"
        case .preflightRefused: "a preflight check failed"
        case .usage: "usage error from argument parsing"
        }
    }

    /// The mapping: an error that declares its status keeps it; anything else (a libpq, stream
    /// or decoding error that escaped its translation) is an operation that failed.
    public init(for error: any Error) {
        self = (error as? any ExitStatusError)?.exitStatus ?? .failed
    }

    /// Whether `error` is one of Lifeboat's declared failures, which a command reports in its
    /// own words; anything else is left to ArgumentParser (a `ValidationError` is a usage error).
    public static func isDeclared(_ error: any Error) -> Bool { error is any ExitStatusError }
}

/// `lifeboat diff` answers like `diff(1)`, where 1 means "different": a failure to compare must
/// not read as a difference, so its failures map onto this second, smaller table.
public enum DiffExitStatus: Int32, CaseIterable, Sendable {
    case identical = 0
    case different = 1
    case couldNotCompare = 2
    case damagedManifest = 3

    public var summary: String {
        switch self {
        case .identical: "no differences"
        case .different: "differences found"
        case .couldNotCompare: "could not compare"
        case .damagedManifest: "the manifest is damaged"
        }
    }

    /// A bad backup (its manifest) keeps its meaning; every other failure is "could not compare".
    public init(for error: any Error) {
        self = ExitStatus(for: error) == .badBackup ? .damagedManifest : .couldNotCompare
    }
}

/// An error that ends a command with a particular status. Each module's error family declares
/// its status beside the type, so the mapping never needs to know the modules above Core.
public protocol ExitStatusError: Error {
    var exitStatus: ExitStatus { get }
}

/// A command's answer that is not success but has been said already (verify: BAD, status:
/// unhealthy, diff: different): the process ends with this code and prints nothing more.
public struct CommandVerdict: ExitStatusError, Sendable {
    public let code: Int32
    public let exitStatus: ExitStatus

    public init(_ status: ExitStatus) {
        code = status.rawValue
        exitStatus = status
    }

    public init(diff status: DiffExitStatus) {
        code = status.rawValue
        exitStatus = status == .identical ? .success : (status == .damagedManifest ? .badBackup : .failed)
    }
}

extension LifeboatError: ExitStatusError {
    public var exitStatus: ExitStatus {
        switch category {
        case .failed: .failed
        case .configuration: .configuration
        case .badBackup: .badBackup
        case .servicesDown: .servicesDown
        case .refused: .preflightRefused
        }
    }
}

extension PreflightRefusal: ExitStatusError {
    public var exitStatus: ExitStatus { .preflightRefused }
}
