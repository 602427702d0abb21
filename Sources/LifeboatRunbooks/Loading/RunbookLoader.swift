import Foundation
import LifeboatStreams
import Yams

/// Reads a runbook file into the model, collecting every structural problem (bad YAML,
/// unknown keys, wrong shapes) with its line and column instead of stopping at the first.
/// Semantic checks (actions, references, cycles) are the validator's.
public struct RunbookLoader {
    public init() {}

    static let topKeys: Set<String> = ["name", "description", "objectives", "inputs", "target", "steps"]
    static let stepKeys: Set<String> = [
        "id", "action", "with", "needs", "when", "retry", "timeout", "on_failure", "approval", "drill", "description"
    ]
    static let inputKeys: Set<String> = ["type", "default", "required", "description"]
    static let targetKeys: Set<String> = ["database", "services"]
    static let retryKeys: Set<String> = ["attempts", "backoff"]
    static let backoffKeys: Set<String> = ["initial", "factor"]
    static let approvalKeys: Set<String> = ["message"]

    /// Runbooks are a few KiB. A file far larger is the wrong file (or a hostile one), and the
    /// YAML parser would hold it in memory several times over before finding that out.
    public static let sizeLimit = 1 << 20

    /// Loads `url`; throws `RunbookInvalid` with every structural issue found.
    public func load(_ url: URL) throws -> Runbook {
        func tooLarge(_ size: Int) -> RunbookInvalid {
            RunbookInvalid(issues: [
                RunbookIssue(
                    SourceLocation(file: url.path, line: 1, column: 1),
                    "the file is \(size) bytes; a runbook may be at most \(Self.sizeLimit) bytes (1 MiB): is this the right file?"
                )
            ])
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
            size.intValue > Self.sizeLimit
        {
            throw tooLarge(size.intValue)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RunbookInvalid(issues: [
                RunbookIssue(
                    SourceLocation(file: url.path, line: 1, column: 1),
                    "cannot read the file: \(error.localizedDescription)")
            ])
        }
        guard data.count <= Self.sizeLimit else { throw tooLarge(data.count) }
        return try load(
            text: String(decoding: data, as: UTF8.self), file: url.path,
            sha256: DigestHex.of(SHA256.hash(data: data)))
    }

    public func load(text: String, file: String, sha256: String = "") throws -> Runbook {
        var context = Context(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw RunbookInvalid(issues: [RunbookIssue(context.at(nil), "the file is empty")])
            }
            root = node
        } catch let error as YamlError {
            throw RunbookInvalid(issues: [Self.issue(for: error, file: file)])
        }
        guard let mapping = root.mapping else {
            throw RunbookInvalid(issues: [
                RunbookIssue(context.at(root), "a runbook is a mapping with name, description, inputs and steps")
            ])
        }
        context.checkKeys(mapping, allowed: Self.topKeys, what: "runbook")
        let name = context.string(mapping["name"], "name", required: true, near: root) ?? ""
        let description = context.string(mapping["description"], "description", required: false, near: root) ?? ""
        let inputs = context.inputs(mapping["inputs"])
        let target = context.target(mapping["target"])
        let objectives = context.objectives(mapping["objectives"])
        let steps = context.steps(mapping["steps"], near: root)
        guard context.issues.isEmpty else { throw RunbookInvalid(issues: context.issues) }
        return Runbook(
            name: name, description: description, inputs: inputs, target: target, objectives: objectives, steps: steps,
            file: file, sha256: sha256, location: context.at(root))
    }

    static func issue(for error: YamlError, file: String) -> RunbookIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return RunbookIssue(
                SourceLocation(file: file, line: mark.line, column: mark.column), "YAML syntax error: \(problem)")
        case .reader(let problem, _, _, _):
            return RunbookIssue(SourceLocation(file: file, line: 1, column: 1), "YAML syntax error: \(problem)")
        default:
            return RunbookIssue(SourceLocation(file: file, line: 1, column: 1), "YAML error: \(error)")
        }
    }
}

/// The loader's working state: the file name and the issues found so far.
private struct Context {
    let file: String
    var issues: [RunbookIssue] = []

    init(file: String) { self.file = file }

    func at(_ node: Node?) -> SourceLocation {
        SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1)
    }

    mutating func fail(_ node: Node?, step: String? = nil, _ message: String) {
        issues.append(RunbookIssue(at(node), step: step, message))
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: Set<String>, what: String, step: String? = nil) {
        for (key, _) in mapping {
            guard let name = key.string else { fail(key, step: step, "\(what) keys must be strings"); continue }
            if !allowed.contains(name) {
                fail(
                    key, step: step,
                    "unknown key '\(name)' in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    mutating func string(_ node: Node?, _ key: String, required: Bool, near: Node, step: String? = nil) -> String? {
        guard let node else {
            if required { fail(near, step: step, "'\(key)' is required") }
            return nil
        }
        guard case .scalar(let scalar) = node else {
            fail(node, step: step, "'\(key)' must be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }

    mutating func inputs(_ node: Node?) -> [InputSpec] {
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            fail(node, "'inputs' must map input names to { type, default, required, description }")
            return []
        }
        var result: [InputSpec] = []
        for (key, value) in mapping {
            let name = key.string ?? "?"
            guard let spec = value.mapping else {
                fail(value, "input '\(name)' must be a mapping such as { type: string, default: daily }")
                continue
            }
            checkKeys(spec, allowed: RunbookLoader.inputKeys, what: "input '\(name)'")
            let typeText = string(spec["type"], "type", required: false, near: value) ?? "string"
            guard let kind = InputSpec.Kind(rawValue: typeText) else {
                fail(
                    spec["type"],
                    "input '\(name)' has unknown type '\(typeText)' (use \(InputSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
                continue
            }
            let requiredText = string(spec["required"], "required", required: false, near: value)
            if let requiredText, Bool(requiredText.lowercased()) == nil {
                fail(spec["required"], "input '\(name)': 'required' must be true or false")
            }
            result.append(
                InputSpec(
                    name: name, kind: kind,
                    defaultValue: string(spec["default"], "default", required: false, near: value),
                    required: Bool(requiredText?.lowercased() ?? "false") ?? false,
                    description: string(spec["description"], "description", required: false, near: value),
                    location: at(key)))
        }
        return result
    }

    mutating func target(_ node: Node?) -> TargetSpec {
        guard let node else { return TargetSpec(database: nil, services: nil) }
        guard let mapping = node.mapping else {
            fail(node, "'target' must be a mapping with database and services")
            return TargetSpec(database: nil, services: nil)
        }
        checkKeys(mapping, allowed: RunbookLoader.targetKeys, what: "target")
        return TargetSpec(
            database: string(mapping["database"], "database", required: false, near: node),
            services: string(mapping["services"], "services", required: false, near: node))
    }

    /// `objectives: { rto: 30m, rpo: 26h, downtime: 10m }`: each a duration greater than zero.
    mutating func objectives(_ node: Node?) -> RecoveryObjectives {
        guard let node else { return .none }
        let allowed = RecoveryObjectives.Kind.allCases.map(\.rawValue)
        guard let mapping = node.mapping else {
            fail(
                node,
                "'objectives' must map \(allowed.joined(separator: ", ")) to durations, e.g. { rto: 30m, rpo: 26h, downtime: 10m }"
            )
            return .none
        }
        checkKeys(mapping, allowed: Set(allowed), what: "objectives")
        var objectives = RecoveryObjectives.none
        for kind in RecoveryObjectives.Kind.allCases {
            guard let value = mapping[kind.rawValue],
                let text = string(value, "objectives.\(kind.rawValue)", required: false, near: node)
            else { continue }
            objectives.locations[kind] = at(value)
            do {
                let duration = try DurationValue.parse(text)
                guard duration.milliseconds > 0 else {
                    fail(
                        value,
                        "objectives.\(kind.rawValue) must be longer than 0s: no recovery takes no time; write e.g. 30m")
                    continue
                }
                objectives[kind] = duration
            } catch {
                fail(value, "objectives.\(kind.rawValue): \(error)")
            }
        }
        return objectives
    }

    mutating func steps(_ node: Node?, near root: Node) -> [Step] {
        guard let node else {
            fail(root, "'steps' is required")
            return []
        }
        guard let sequence = node.sequence else {
            fail(node, "'steps' must be a list")
            return []
        }
        return sequence.compactMap { step($0) }
    }

    mutating func step(_ node: Node) -> Step? {
        guard let mapping = node.mapping else {
            fail(node, "each step must be a mapping with at least id and action")
            return nil
        }
        let id = string(mapping["id"], "id", required: true, near: node) ?? "?"
        checkKeys(mapping, allowed: RunbookLoader.stepKeys, what: "step", step: id)
        var locations: [String: SourceLocation] = [:]
        for (key, value) in mapping { if let name = key.string { locations[name] = at(value) } }
        let action = string(mapping["action"], "action", required: true, near: node, step: id) ?? ""

        var parameters: [String: ParameterValue] = [:]
        if let with = mapping["with"] {
            if let withMapping = with.mapping {
                for (key, value) in withMapping {
                    guard let name = key.string else { continue }
                    locations["with.\(name)"] = at(value)
                    switch value {
                    case .scalar(let scalar): parameters[name] = .scalar(scalar.string)
                    case .sequence(let items):
                        parameters[name] = .list(
                            items.compactMap { item in
                                guard case .scalar(let scalar) = item else {
                                    fail(item, step: id, "parameter '\(name)': list items must be single values")
                                    return nil
                                }
                                return scalar.string
                            })
                    default: fail(value, step: id, "parameter '\(name)' must be a value or a list of values")
                    }
                }
            } else {
                fail(with, step: id, "'with' must map parameter names to values")
            }
        }

        var needs: [String] = []
        if let needsNode = mapping["needs"] {
            if case .scalar(let scalar) = needsNode {
                needs = [scalar.string]
            } else if let items = needsNode.sequence {
                needs = items.compactMap(\.string)
            } else {
                fail(needsNode, step: id, "'needs' must be a step id or a list of step ids")
            }
        }

        var retry: Step.Retry?
        if let retryNode = mapping["retry"] {
            if let retryMapping = retryNode.mapping {
                checkKeys(retryMapping, allowed: RunbookLoader.retryKeys, what: "retry", step: id)
                let attemptsText =
                    string(retryMapping["attempts"], "attempts", required: true, near: retryNode, step: id) ?? "1"
                var initial: TimeInterval = 1
                var factor = 2.0
                if let backoff = retryMapping["backoff"] {
                    if let backoffMapping = backoff.mapping {
                        checkKeys(backoffMapping, allowed: RunbookLoader.backoffKeys, what: "backoff", step: id)
                        if let text = string(
                            backoffMapping["initial"], "initial", required: false, near: backoff, step: id)
                        {
                            initial =
                                duration(text, node: backoffMapping["initial"], step: id, what: "backoff.initial") ?? 1
                        }
                        if let text = string(
                            backoffMapping["factor"], "factor", required: false, near: backoff, step: id)
                        {
                            if let value = Double(text), value >= 1 {
                                factor = value
                            } else {
                                fail(
                                    backoffMapping["factor"], step: id,
                                    "backoff.factor must be a number of at least 1, not '\(text)'")
                            }
                        }
                    } else {
                        fail(backoff, step: id, "'backoff' must be { initial: 10s, factor: 2 }")
                    }
                }
                if let attempts = Int(attemptsText), attempts >= 1 {
                    retry = Step.Retry(attempts: attempts, initialDelay: initial, factor: factor)
                } else {
                    fail(
                        retryMapping["attempts"], step: id,
                        "retry.attempts must be a whole number of at least 1, not '\(attemptsText)'")
                }
            } else {
                fail(retryNode, step: id, "'retry' must be { attempts: N, backoff: { initial: 10s, factor: 2 } }")
            }
        }

        let timeout = string(mapping["timeout"], "timeout", required: false, near: node, step: id)
            .flatMap { duration($0, node: mapping["timeout"], step: id, what: "timeout") }

        var onFailure = Step.OnFailure.abort
        if let text = string(mapping["on_failure"], "on_failure", required: false, near: node, step: id) {
            switch text {
            case "abort": onFailure = .abort
            case "continue": onFailure = .continue
            default: onFailure = .compensate(text)
            }
        }

        var approval: String?
        if let approvalNode = mapping["approval"] {
            if case .scalar(let scalar) = approvalNode {
                approval = scalar.string
            } else if let approvalMapping = approvalNode.mapping {
                checkKeys(approvalMapping, allowed: RunbookLoader.approvalKeys, what: "approval", step: id)
                approval = string(approvalMapping["message"], "message", required: true, near: approvalNode, step: id)
            } else {
                fail(approvalNode, step: id, "'approval' must be { message: \"...\" }")
            }
        }

        var drill: Step.DrillBehaviour?
        if let text = string(mapping["drill"], "drill", required: false, near: node, step: id) {
            drill = Step.DrillBehaviour(rawValue: text)
            if drill == nil {
                fail(mapping["drill"], step: id, "drill must be one of run, record, skip, not '\(text)'")
            }
        }

        return Step(
            id: id, action: action, parameters: parameters, needs: needs,
            when: string(mapping["when"], "when", required: false, near: node, step: id),
            retry: retry, timeout: timeout, onFailure: onFailure, approval: approval, drill: drill,
            location: at(node), keyLocations: locations)
    }

    mutating func duration(_ text: String, node: Node?, step: String, what: String) -> TimeInterval? {
        do { return try DurationValue.parse(text).seconds } catch {
            fail(node, step: step, "\(what): \(error)")
            return nil
        }
    }
}
