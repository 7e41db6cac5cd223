/// Where a bug is in its life, and the moves between states.
public enum BugStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case inProgress = "in_progress"
    case resolved
    case closed

    /// The states a bug in this state may move to.
    public var allowedMoves: Set<BugStatus> {
        switch self {
        case .open: [.inProgress, .resolved, .closed]
        case .inProgress: [.open, .resolved, .closed]
        case .resolved: [.closed, .open]
        case .closed: [.open]
        }
    }

    /// Whether a bug in this state may move to `next`.
    public func canMove(to next: BugStatus) -> Bool {
        allowedMoves.contains(next)
    }
}

/// How urgent a bug is.
public enum BugPriority: String, Sendable, Hashable, Codable, CaseIterable {
    case low
    case normal
    case high
    case urgent
}
