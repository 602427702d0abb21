import Foundation

/// LIFEBOAT_TLS_INSECURE: whether cloud stores and webhooks check TLS certificates. They do by
/// default; turning it off takes the explicit setting and warns each time a command uses it,
/// since anyone on the network path could then read and change backups and alerts.
public enum TLSVerification {
    /// True unless LIFEBOAT_TLS_INSECURE is on, in which case a warning naming `what` is printed.
    public static func isOn(_ configuration: LifeboatConfiguration, for what: String) throws -> Bool {
        guard try configuration.bool(.tlsInsecure) else { return true }
        StandardError.warning(
            "LIFEBOAT_TLS_INSECURE is on: TLS certificates and host names of \(what) are not checked, "
                + "so anyone on the network path can read and change that traffic; use it only with test servers")
        return false
    }
}
