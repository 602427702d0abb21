import Foundation

extension Preflight {
    /// The checks of `lifeboat restore`: the file is read where it is (nothing is written
    /// locally); the server gets a new database beside the live one, or (in-place) the live
    /// one is dropped first; services are stopped and started; the target must be free.
    /// `mode` nil is `--test-only`: a temporary database, no services, the live one untouched.
    public func restore(backup file: URL, mode: RestorePlan.Mode?, target: String, tables: [String] = [])
        -> PreflightReport
    {
        var subject = PreflightSubject(
            backup: .local(file), target: target, serverWork: mode == .inPlace ? .replace : .newDatabase,
            readsBackup: true, checksLock: mode != nil)
        subject.tables = mode == .tables ? tables : []
        if mode == nil {
            subject.servicesNote = "a test restore leaves the application alone"
        } else if let services {
            for action in ServiceAction.allCases {
                for argv in services.commands(for: action) { subject.serviceCommands.append((action.rawValue, argv)) }
            }
            subject.servicesNote = "the \(services.name) provider runs no command"
        } else {
            subject.servicesNote = "no services provider configured (LIFEBOAT_SERVICES_PROVIDER)"
        }
        return run(subject)
    }
}
