/// The version written into manifests and printed by `lifeboat --version`.
public enum LifeboatVersion {
    public static let current = "0.1.0"
}
