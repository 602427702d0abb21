import Foundation
import LifeboatRunbooks

/// Asks, at the run's own terminal, for each required input the command line did not give,
/// showing what it is for. An answer the run would refuse is explained and asked again; an
/// empty answer or a closed stdin stops asking, and the run is then refused as without a
/// terminal (the refusal names the `--input` to give).
enum InputPrompt {
    static func askMissing(_ runbook: Runbook, given: [String: String]) -> [String: String] {
        let planner = Planner()
        var inputs = given
        for input in planner.missingInputs(runbook, given: given) {
            write("input '\(input.name)' is required" + (input.description.map { ": \($0)" } ?? "") + "\n")
            while true {
                write("\(input.name) = ")
                guard let line = readLine() else { return inputs }
                let answer = line.trimmingCharacters(in: .whitespaces)
                guard !answer.isEmpty else { return inputs }
                let problems = planner.problems(of: input.name, value: answer, in: runbook, given: inputs)
                if problems.isEmpty {
                    inputs[input.name] = answer
                    break
                }
                write(problems.joined(separator: "; ") + " — type it again (an empty line stops)\n")
            }
        }
        return inputs
    }

    private static func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
