/// The `needs` graph of a runbook's steps: cycles for validation, ancestors for reference
/// checks, and a stable topological order (file order among ready steps) for plans and runs.
struct StepGraph {
    private let order: [String]
    private let needs: [String: [String]]

    init(_ steps: [Step]) {
        order = steps.map(\.id)
        needs = Dictionary(steps.map { ($0.id, $0.needs) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each elementary cycle found by depth-first search, reported once.
    func cycles() -> [[String]] {
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        var found: [[String]] = []
        var reported: Set<Set<String>> = []
        func visit(_ node: String) {
            state[node] = 1
            stack.append(node)
            for next in needs[node] ?? [] where needs[next] != nil {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    let cycle = Array(stack[start...])
                    if reported.insert(Set(cycle)).inserted { found.append(cycle) }
                } else if state[next] == nil {
                    visit(next)
                }
            }
            stack.removeLast()
            state[node] = 2
        }
        for node in order where state[node] == nil { visit(node) }
        return found
    }

    /// For each step, every step it transitively needs.
    func ancestors() -> [String: Set<String>] {
        var memo: [String: Set<String>] = [:]
        func collect(_ node: String) -> Set<String> {
            if let known = memo[node] { return known }
            var result: Set<String> = []
            for parent in needs[node] ?? [] where needs[parent] != nil {
                result.insert(parent)
                result.formUnion(collect(parent))
            }
            memo[node] = result
            return result
        }
        for node in order { _ = collect(node) }
        return memo
    }

    /// Steps in dependency order; among steps ready at the same time, file order.
    func topologicalOrder() -> [String] {
        var done: Set<String> = []
        var result: [String] = []
        while result.count < order.count {
            guard
                let next = order.first(where: {
                    !done.contains($0) && (needs[$0] ?? []).allSatisfy { done.contains($0) || needs[$0] == nil }
                })
            else {
                break  // a cycle: validation reports it
            }
            done.insert(next)
            result.append(next)
        }
        return result
    }
}
